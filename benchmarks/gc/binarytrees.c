/* binary-trees, after the rules of the Computer Language Benchmarks Game
 * (https://benchmarksgame-team.pages.debian.net/benchmarksgame/description/binarytrees.html),
 * written for this project: one C source for this runtime (gt-cc) and for
 * the Boehm collector (-DGC_BOEHM); gcshim.h says what differs. The Go and
 * Java peers (binarytrees.go, BinaryTrees.java) do the same work in the same
 * order and print the same lines.
 *
 *   binarytrees [N [W]]      N: max depth (default 21); W: workers (1)
 *
 * The rules: min depth 4, max depth max(6, N). Allocate a "stretch" tree of
 * depth max+1, check it (count its nodes) and drop it; allocate a long-lived
 * tree of depth max that stays alive to the end; for each depth d = 4, 6, ...,
 * max, allocate, check and drop 2^(max - d + 4) trees of depth d, printing the
 * number of trees and the sum of their checks; last, check the long-lived
 * tree. Trees are built bottom-up (both subtrees, then their parent) and
 * never reused: every node is a new allocation. The depth loop may run in
 * parallel (the rules allow it): with W > 1, W workers take depths from a
 * shared counter, and the lines are printed in depth order afterwards.
 */
#include "gcshim.h"

#include <stdatomic.h>

typedef struct node node;
struct node {
  GCPTR(node) left;
  GCPTR(node) right;
};

static GCPTR(node) bottom_up(int depth) {
  if (depth <= 0)
    return NEW(node);
  GCPTR(node) left = bottom_up(depth - 1);
  GCPTR(node) right = bottom_up(depth - 1);
  GCPTR(node) n = NEW(node);
  n->left = left;
  n->right = right;
  return n;
}

static long check(GCPTR(node) n) {
  if (!n->left)
    return 1;
  return 1 + check(n->left) + check(n->right);
}

enum { MIN_DEPTH = 4, MAX_TASKS = 64 };

static int max_depth;
static int ntasks;
static long task_check[MAX_TASKS];
static atomic_int next_task;

/* The trees of one depth: 2^(max - d + min) of them, their checks summed. */
static long trees_of_depth(int depth) {
  long iterations = 1L << (max_depth - depth + MIN_DEPTH);
  long sum = 0;
  for (long i = 0; i < iterations; ++i)
    sum += check(bottom_up(depth));
  return sum;
}

static void worker(void *arg) {
  (void)arg;
  for (;;) {
    int t = atomic_fetch_add(&next_task, 1);
    if (t >= ntasks)
      return;
    task_check[t] = trees_of_depth(MIN_DEPTH + 2 * t);
  }
}

static int depth_arg = 21, workers = 1;

static void run(void *arg) {
  (void)arg;
  max_depth = depth_arg < MIN_DEPTH + 2 ? MIN_DEPTH + 2 : depth_arg;
  int stretch = max_depth + 1;
  printf("stretch tree of depth %d\t check: %ld\n", stretch,
         check(bottom_up(stretch)));

  GCPTR(node) long_lived = bottom_up(max_depth);

  ntasks = (max_depth - MIN_DEPTH) / 2 + 1;
  if (workers <= 1) {
    worker(NULL);
  } else {
    char unused[MAX_TASKS];
    par_run(worker, workers, unused, 1);
  }
  for (int t = 0; t < ntasks; ++t) {
    int depth = MIN_DEPTH + 2 * t;
    printf("%ld\t trees of depth %d\t check: %ld\n",
           1L << (max_depth - depth + MIN_DEPTH), depth, task_check[t]);
  }
  printf("long lived tree of depth %d\t check: %ld\n", max_depth,
         check(long_lived));
}

int main(int argc, char **argv) {
  if (argc > 1)
    depth_arg = atoi(argv[1]);
  if (argc > 2)
    workers = atoi(argv[2]);
  if (depth_arg > 30 || workers < 1 || workers > MAX_TASKS) {
    fprintf(stderr, "usage: binarytrees [depth <= 30 [workers 1..%d]]\n",
            MAX_TASKS);
    return 2;
  }
  return bench_main(run);
}
