/* kernel.h: timing for the gt-only kernels (wbarrier.c, allocseq.c), which
 * report their kernel's CPU time rather than the process's wall time. */
#ifndef GC_BENCH_KERNEL_H
#define GC_BENCH_KERNEL_H

#include <time.h>

/* The CPU time of the calling thread, the executor that runs the kernel
 * without a switch: time the machine gives other work does not count. */
static inline double kernel_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#endif
