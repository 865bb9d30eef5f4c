// gc/runtime_roots.h: the GC pointers the runtime itself holds, as the
// collector sees them (gc/runtime_roots.cpp says where they live).
#pragma once

#include "stackscan.h"

#include <cstdint>

namespace gt::gc {

// Prepare (the leader, alone): locks the registry of ref channels until
// runtime_roots_finish() (at the flip) and resets the copy's cursors.
void runtime_roots_prepare();
void runtime_roots_finish();

// Copy (every worker, in parallel): visits the non-null slots of the next
// unclaimed chunk of ref channels or thread records; false once every chunk
// has been claimed. Every slot lies in exactly one chunk, so exactly one
// worker visits it.
bool scan_runtime_roots(RootVisitor &v);

// GT_GC_VERIFY, after the copy: every slot is null or problem() returns
// null for it; otherwise a fatal error naming the slot's owner.
void verify_runtime_roots(uint64_t collection,
                          const char *(*problem)(uintptr_t));

} // namespace gt::gc
