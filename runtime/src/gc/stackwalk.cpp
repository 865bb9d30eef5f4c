// gc/stackwalk.cpp: walks suspended green-thread stacks (skeleton; the
// walker follows).
#include "stackmap.h"
#include "stackscan.h"
#include "../internal.h"

namespace gt::gc {

void scan_thread_stack(Thread *t, RootVisitor &v) {
  (void)t;
  (void)v;
  fatal("gc: scan_thread_stack is not implemented yet");
}

} // namespace gt::gc
