// report.cpp: fatal errors (misuse, exhaustion), naming the green thread.
#include "executor.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <sched.h>
#include <unistd.h>

namespace gt {

void SpinLock::yield_os_thread() { sched_yield(); }

namespace {
[[noreturn]] GT_NO_SPLIT_STACK void vfatal(const char *fmt, va_list ap) {
  char buf[512];
  int n = snprintf(buf, sizeof buf, "gt: fatal: ");
  n += vsnprintf(buf + n, sizeof buf - n, fmt, ap);
  if (n > (int)sizeof buf - 96)
    n = sizeof buf - 96;
  Thread *t = current_thread();
  if (t)
    n += snprintf(buf + n, sizeof buf - n, " [in green thread %llu%s%s%s]\n",
                  (unsigned long long)t->id, t->name[0] ? " '" : "", t->name,
                  t->name[0] ? "'" : "");
  else
    n += snprintf(buf + n, sizeof buf - n, " [outside green threads]\n");
  ssize_t ignored = write(2, buf, n);
  (void)ignored;
  abort();
}

// A stack for reporting from a small-stack thread's first segment, whose
// slack cannot hold the formatting (segment.cpp). One reporter at a time;
// the process ends with the first report.
alignas(16) char emergency_stack[64 * 1024];
std::atomic_flag emergency_taken = ATOMIC_FLAG_INIT;
struct FatalArgs {
  const char *fmt;
  va_list *ap;
};

extern "C" SS_ENTRY GT_NO_SPLIT_STACK void fatal_entry(ss_ctx_t, uintptr_t w0,
                                                       uintptr_t) {
  auto *a = reinterpret_cast<FatalArgs *>(w0);
  vfatal(a->fmt, *a->ap);
}
} // namespace

// Small frame, unchecked: on a first segment (a nonzero split-stack limit)
// it clears the limit and formats on the emergency stack.
GT_NO_SPLIT_STACK void fatal(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (split_stack_limit_get()) {
    split_stack_limit_set(0);
    while (emergency_taken.test_and_set())
      sched_yield(); // another thread reports; it ends the process
    FatalArgs a{fmt, &ap};
    ss_switch1(ss_new(emergency_stack, sizeof emergency_stack,
                      (const void *)fatal_entry),
               reinterpret_cast<uintptr_t>(&a));
  }
  vfatal(fmt, ap);
}

} // namespace gt
