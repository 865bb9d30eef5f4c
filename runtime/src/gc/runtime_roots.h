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

// The concurrent cycle (cycle.cpp) visits them in two parts: the ref
// channels' buffers at its flip (few; between runtime_roots_prepare and
// runtime_roots_finish), and each thread record's slots with the thread's
// stack, when the stack is scanned and when it is flipped (the thread does
// not run meanwhile; counterparts may read and write its element slots
// under their channels' locks, so a visitor that rewrites one must CAS it).
void visit_chan_slots(RootVisitor &v);
void visit_thread_slots(Thread *t, RootVisitor &v);

// GT_GC_VERIFY, after the copy: every slot is null or problem() returns
// null for it; otherwise a fatal error naming the slot's owner.
void verify_runtime_roots(uint64_t collection,
                          const char *(*problem)(uintptr_t));

} // namespace gt::gc
