// report.cpp: fatal errors (misuse, exhaustion), naming the green thread.
#include "internal.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <sched.h>
#include <unistd.h>

namespace gt {

void SpinLock::yield_os_thread() { sched_yield(); }

GT_NO_SPLIT_STACK void fatal(const char *fmt, ...) {
  char buf[512];
  int n = snprintf(buf, sizeof buf, "gt: fatal: ");
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(buf + n, sizeof buf - n, fmt, ap);
  va_end(ap);
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

} // namespace gt
