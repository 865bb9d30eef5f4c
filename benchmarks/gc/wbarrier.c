/* wbarrier.c: what the write barrier costs (issue 13 §4), gt only.
 *
 * A mutation-heavy kernel over a live array of 65,536 objects: every
 * iteration updates two scalar and two pointer fields of one object and
 * writes one of them again (five stores, four locations), and every 1024th
 * iteration allocates a fresh object, fills it (four stores) and stores it
 * into the array (replacing an object, which becomes garbage; few enough
 * that no collection runs).
 * The collector stays idle: no collection runs while the kernel is timed
 * (gt_gc_stats checks it), and the write log is off, as it is with the
 * stop-the-world collector, so each barrier costs its status test and, for a
 * store of a GC pointer, the load of the overwritten pointer.
 *
 * benchmarks/gc/CMakeLists.txt builds it three times with gt-cc: with the
 * barrier (gc-wbarrier), with gc-barriers<no-opt> (gc-wbarrier-noopt: an
 * entry per store, right after it) and without barriers
 * (gc-wbarrier-nobarrier, --gt-no-barriers). run.py --only wbarrier runs
 * them and prints the table.
 *
 *   gc-wbarrier[-noopt|-nobarrier] ROUNDS [log]
 *
 * prints "RESULT <kernel CPU seconds> <checksum> <log entries> <flushes>
 * <collections>"; with `log`, the thread's write log is on during the kernel
 * (as during a concurrent collection) and the entries are counted.
 */
#include <gt/gc.h>
#include <gt/gt.h>

#include "kernel.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct obj GT_GC *obj_ref;
struct obj {
  long a, b;
  obj_ref p, q;
};

enum { N = 1 << 16, FRESH_EVERY = 1024, LOG_ENTRIES = 4096 };

static long rounds;
static int logging;

/* One round over the array; not inlined, so that each build's kernel is the
 * same function. */
__attribute__((noinline)) static void round_(obj_ref GT_GC *arr, long r) {
  for (long i = 0; i < N; ++i) {
    obj_ref o = arr[i];
    obj_ref t = arr[(i + r) & (N - 1)];
    o->a += r;
    o->b = o->p->a ^ i; /* o->p may be o: the store above must stay */
    o->p = t;
    o->q = o->p;
    o->a += o->b; /* the same location again: one entry, optimized */
    if (i % FRESH_EVERY == 0) {
      obj_ref f = gt_new(struct obj); /* fresh: its stores need no entry */
      f->a = o->a;
      f->b = i;
      f->p = o;
      f->q = t;
      arr[i] = f; /* publishing it does */
    }
  }
}

static void run(void *arg) {
  (void)arg;
  obj_ref GT_GC *arr = gt_new_array(obj_ref, N);
  for (long i = 0; i < N; ++i) {
    obj_ref o = gt_new(struct obj);
    o->a = i;
    o->p = o;
    arr[i] = o;
  }
  struct gt_gc_stats before, after;
  gt_gc_stats(&before);
  static gt_wlog_entry log[LOG_ENTRIES];
  if (logging)
    gt_gc_wlog_start(log, LOG_ENTRIES);
  double t0 = kernel_cpu_seconds();
  for (long r = 0; r < rounds; ++r)
    round_(arr, r);
  double t = kernel_cpu_seconds() - t0;
  uint64_t entries = 0, flushes = 0;
  if (logging) {
    gt_gc_wlog_stats(&entries, &flushes);
    gt_gc_wlog_stop(NULL);
  }
  gt_gc_stats(&after);
  /* The same work in every build: a checksum over the live objects. */
  uint64_t sum = 0;
  for (long i = 0; i < N; ++i) {
    obj_ref o = arr[i];
    sum = sum * 31 + (uint64_t)o->a + (uint64_t)o->b * 7 +
          (o->p ? (uint64_t)o->p->a : 0) + (o->q ? 1 : 0);
  }
  printf("RESULT %.6f %llu %llu %llu %llu\n", t, (unsigned long long)sum,
         (unsigned long long)entries, (unsigned long long)flushes,
         (unsigned long long)(after.collections - before.collections));
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s ROUNDS [log]\n", argv[0]);
    return 2;
  }
  rounds = atol(argv[1]);
  logging = argc > 2 && strcmp(argv[2], "log") == 0;
  gt_config config = {0};
  config.executors = 1;
  return gt_run(&config, run, NULL);
}
