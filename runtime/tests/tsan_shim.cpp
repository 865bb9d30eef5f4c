// The runtime services runq.cpp needs, for building the run-queue test
// alone under ThreadSanitizer (test-runq-tsan), without the scheduler, whose
// stack switches TSan cannot follow.
#include "internal.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sched.h>

namespace gt {
void SpinLock::yield_os_thread() { sched_yield(); }
uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + ts.tv_nsec;
}
void fatal(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fputc('\n', stderr);
  std::abort();
}
} // namespace gt
