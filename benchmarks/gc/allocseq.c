/* allocseq.c: consecutive inline allocations (issue 13 §4(d)), gt only.
 *
 * Every iteration builds a record of four objects allocated one after the
 * other, with the stores that initialize them in between and no call (no
 * safepoint but the allocations' slow paths), and stores it into a ring of
 * 1024 records, so that the live set stays small and collections are cheap.
 * This is where keeping the mailbox's allocation pointer and limit in
 * registers between safepoints matters: without it each of the four
 * allocations loads both again.
 *
 * benchmarks/gc/CMakeLists.txt builds it as usual (gc-allocseq) and with
 * --gt-no-mailbox-cse (gc-allocseq-nocse); run.py --only mailbox runs both.
 *
 *   gc-allocseq[-nocse] ITERATIONS
 *
 * prints "RESULT <kernel CPU seconds> <checksum> <collections>".
 */
#include <gt/gc.h>
#include <gt/gt.h>

#include "kernel.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct leaf GT_GC *leaf_ref;
struct leaf {
  long key, value;
};
typedef struct rec GT_GC *rec_ref;
struct rec {
  leaf_ref a, b;
  long GT_GC *words;
  long id;
};

enum { RING = 1024 };

static long iterations;

/* Not inlined, so that each build's kernel is the same function. */
__attribute__((noinline)) static void kernel(rec_ref GT_GC *ring, long n) {
  for (long i = 0; i < n; ++i) {
    rec_ref r = gt_new(struct rec);
    r->id = i;
    leaf_ref a = gt_new(struct leaf);
    a->key = i;
    a->value = i * 3;
    leaf_ref b = gt_new(struct leaf);
    b->key = i + 1;
    b->value = i ^ 5;
    long GT_GC *w = gt_new_array(long, 4);
    w[0] = i;
    w[3] = -i;
    r->a = a;
    r->b = b;
    r->words = w;
    ring[i & (RING - 1)] = r;
  }
}

static void run(void *arg) {
  (void)arg;
  rec_ref GT_GC *ring = gt_new_array(rec_ref, RING);
  struct gt_gc_stats before, after;
  gt_gc_stats(&before);
  double t0 = kernel_cpu_seconds();
  kernel(ring, iterations);
  double t = kernel_cpu_seconds() - t0;
  gt_gc_stats(&after);
  uint64_t sum = 0;
  for (long i = 0; i < RING; ++i) {
    rec_ref r = ring[i];
    if (r)
      sum = sum * 31 + (uint64_t)r->id + (uint64_t)r->a->value +
            (uint64_t)r->b->value * 7 + (uint64_t)r->words[0] +
            (uint64_t)r->words[3];
  }
  printf("RESULT %.6f %llu %llu\n", t, (unsigned long long)sum,
         (unsigned long long)(after.collections - before.collections));
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s ITERATIONS\n", argv[0]);
    return 2;
  }
  iterations = atol(argv[1]);
  gt_config config = {0};
  config.executors = 1;
  return gt_run(&config, run, NULL);
}
