// gc/stackmap.cpp: loads .llvm_stackmaps (skeleton; the loader follows).
#include "stackmap.h"
#include "stackscan.h"

namespace gt::gc {

size_t load_stackmaps() { return 0; }

const StackMapRecord *stackmap_find(uintptr_t) { return nullptr; }

bool stackmap_covers(uintptr_t) { return false; }

uintptr_t stackmap_function(const StackMapRecord *) { return 0; }

} // namespace gt::gc
