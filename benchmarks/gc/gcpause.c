/* gcpause: the stop-the-world collector's pause against the live heap's size
 * and against the number of parked green threads holding GC data (issue 13:
 * the baseline the concurrent collector must beat). gt only, built by gt-cc.
 *
 *   gcpause live MIB [COLLECTIONS]
 *       The main green thread builds MIB MiB of live trees (an array of GC
 *       pointers to complete binary trees of depth 16, 2^17 - 1 nodes of 32
 *       bytes each with the header: 4 MiB per tree), then forces COLLECTIONS
 *       (default 9) collections with gt_gc_collect() and checks every tree.
 *   gcpause threads N [COLLECTIONS [compact]]
 *       Spawns N green threads (default options, or GT_ATTR_COMPACT: then
 *       those above the runtime's compaction threshold share stacks); each
 *       allocates one object holding its number, keeps it in a local (a stack
 *       map slot) and parks receiving from a channel. Once all are parked the
 *       main thread forces COLLECTIONS collections, each of which scans every
 *       parked stack and moves every object; then closes the channel, and
 *       every thread checks its object after waking.
 *
 * Prints the forced collections' pauses from gt_gc_stats' pause log (the
 * collections of the setup phase are not counted) as
 *   RESULT <median ms> <max ms> <pauses> <live MiB> <first collection #>
 *          <min ms>
 * and, under GT_GC=concurrent (three pauses per cycle: its snapshot, its
 * flip and its release), the flips alone as
 *   FLIP <median ms> <max ms> <flips>
 * and exits non-zero if any check fails. Executors: one per CPU (the default).
 */
#include <gt/gc.h>
#include <gt/gt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct node GT_GC *node_ref;
struct node {
  node_ref left, right;
};

typedef struct item GT_GC *item_ref;
struct item {
  long id;
  long check;
};

enum { TREE_DEPTH = 16, MAX_COLLECTIONS = 60 };

static int mode_threads, compact, collections = 9;
static long amount; /* MiB, or threads */
static long failures;
static gt_mutex_t lock;

static node_ref make_tree(int depth) {
  node_ref n = gt_new(struct node);
  if (depth > 0) {
    node_ref l = make_tree(depth - 1);
    n->left = l;
    node_ref r = make_tree(depth - 1);
    n->right = r;
  }
  return n;
}

static long count(node_ref n) {
  return n ? 1 + count(n->left) + count(n->right) : 0;
}

static gt_chan_t *go;
static gt_waitgroup_t parked, done;
/* Where each parker's object escapes to: otherwise the compiler, which
 * knows that a new object is seen by nobody else (gt/hooks.h: gc.alloc is
 * noalias), keeps its two fields in registers and allocates nothing. */
static volatile uintptr_t escape;

static void parker(void *arg) {
  long id = (long)(intptr_t)arg;
  item_ref mine = gt_new(struct item);
  mine->id = id;
  mine->check = id * 7 + 1;
  escape = (uintptr_t)gt_gc_raw(mine);
  gt_waitgroup_add(&parked, -1);
  long token;
  gt_chan_recv(go, &token); /* parked here across the collections */
  if (mine->id != id || mine->check != id * 7 + 1) {
    gt_mutex_lock(&lock);
    ++failures;
    gt_mutex_unlock(&lock);
  }
  gt_waitgroup_add(&done, -1);
}

/* A callback from libc's qsort, where the mailbox register may hold libc's
 * values: it must not poll. */
static SS_NO_SAFEPOINTS int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void collect_and_report(void) {
  struct gt_gc_stats st;
  gt_gc_stats(&st);
  uint64_t first = st.collections + 1;
  for (int i = 0; i < collections; ++i)
    gt_gc_collect();
  gt_gc_stats(&st);
  uint64_t ns[GT_GC_PAUSE_LOG], flips[GT_GC_PAUSE_LOG];
  int n = 0, nflips = 0;
  for (uint32_t i = 0; i < st.npauses; ++i)
    if (st.pauses[i].collection >= first) {
      ns[n++] = st.pauses[i].duration_ns;
      if (st.pauses[i].kind == GT_GC_PAUSE_FLIP)
        flips[nflips++] = st.pauses[i].duration_ns;
    }
  if (n < collections) {
    fprintf(stderr, "gcpause: %d pauses logged of %d forced collections\n", n,
            collections);
    ++failures;
    return;
  }
  qsort(ns, (size_t)n, sizeof ns[0], cmp_u64);
  double median = n % 2 ? ns[n / 2] : (ns[n / 2 - 1] + ns[n / 2]) / 2.0;
  printf("RESULT %.3f %.3f %d %.1f %llu %.3f\n", median / 1e6, ns[n - 1] / 1e6,
         n, st.live_bytes / 1048576.0, (unsigned long long)first, ns[0] / 1e6);
  if (nflips) { /* GT_GC=concurrent: the flips alone */
    qsort(flips, (size_t)nflips, sizeof flips[0], cmp_u64);
    printf("FLIP %.3f %.3f %d\n", flips[nflips / 2] / 1e6,
           flips[nflips - 1] / 1e6, nflips);
  }
}

static void run_live(void) {
  long ntrees = amount / 4 > 0 ? amount / 4 : 1;
  node_ref GT_GC *trees = gt_new_array(node_ref, ntrees);
  for (long i = 0; i < ntrees; ++i) {
    node_ref t = make_tree(TREE_DEPTH);
    trees[i] = t;
  }
  collect_and_report();
  long expect = (1L << (TREE_DEPTH + 1)) - 1;
  for (long i = 0; i < ntrees; ++i)
    if (count(trees[i]) != expect)
      ++failures;
}

static void run_threads(void) {
  go = gt_chan_new(sizeof(long), 0);
  gt_waitgroup_add(&parked, amount);
  gt_waitgroup_add(&done, amount);
  gt_attr attr = {0, NULL, compact ? GT_ATTR_COMPACT : 0};
  for (long i = 0; i < amount; ++i) {
    gt_thread_t t = gt_spawn(parker, (void *)(intptr_t)i, &attr);
    if (!t) {
      fprintf(stderr, "gcpause: spawn %ld failed\n", i);
      exit(1);
    }
    gt_detach(t);
  }
  gt_waitgroup_wait(&parked);
  collect_and_report();
  gt_chan_close(go);
  gt_waitgroup_wait(&done);
}

static void main_thread(void *arg) {
  (void)arg;
  if (mode_threads)
    run_threads();
  else
    run_live();
}

int main(int argc, char **argv) {
  if (argc >= 3 && (!strcmp(argv[1], "live") || !strcmp(argv[1], "threads"))) {
    mode_threads = !strcmp(argv[1], "threads");
    amount = atol(argv[2]);
    if (argc >= 4)
      collections = atoi(argv[3]);
    compact = argc >= 5 && !strcmp(argv[4], "compact");
  } else {
    amount = -1;
  }
  /* Three pauses per concurrent cycle (its snapshot, flip and release). */
  if (amount < 1 || collections < 1 || collections > MAX_COLLECTIONS ||
      3 * collections > GT_GC_PAUSE_LOG) {
    fprintf(stderr, "usage: gcpause live MIB [COLLECTIONS]\n"
                    "       gcpause threads N [COLLECTIONS [compact]]\n");
    return 2;
  }
  if (gt_run(NULL, main_thread, NULL) != 0)
    return 1;
  if (failures) {
    fprintf(stderr, "gcpause: %ld checks failed\n", failures);
    return 1;
  }
  return 0;
}
