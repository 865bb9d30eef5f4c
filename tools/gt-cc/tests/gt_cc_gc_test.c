/* A C program with GC pointers built by gt-cc, end to end: GT_GC pointer
 * types, gt_new/gt_new_array with compiler-derived descriptors and inline
 * allocation, GC pointers held only in locals (the compiler records them in
 * stack maps) across allocations that collect, across a park inside the
 * runtime (the thread's stack is scanned while it is suspended) and across
 * forced collections, a derived pointer (into an object) kept across
 * collections, and GC pointers in a frame with a variable-length array. Every
 * value is checked after the collections; the program prints what it
 * counted and exits non-zero on any mismatch. Run it also with
 * GT_GC_TORTURE=N and GT_GC_VERIFY=1 (scripts/run-tests.py does).
 */
#include <gt/gt.h>

#include <stdio.h>
#include <string.h>

typedef struct node GT_GC *node_ref;
struct node {
  long key;
  node_ref left, right;
  double weight;
};

enum { THREADS = 16, DEPTH = 9, ROUNDS = 3, VEC = 64 };

static gt_chan_t *go;
static gt_waitgroup_t parked, done;
static long failures, checked_nodes;
static gt_mutex_t lock;

static node_ref make_tree(int depth, long *next) {
  node_ref n = gt_new(struct node);
  n->key = (*next)++;
  n->weight = (double)n->key / 2;
  if (depth > 0) {
    n->left = make_tree(depth - 1, next);
    n->right = make_tree(depth - 1, next);
  }
  return n;
}

/* Checks a tree made by make_tree from *next; returns its node count or -1. */
static long check_tree(node_ref n, int depth, long *next) {
  if (!n || n->key != *next || n->weight != (double)n->key / 2)
    return -1;
  ++*next;
  if (depth == 0)
    return (n->left || n->right) ? -1 : 1;
  long l = check_tree(n->left, depth - 1, next);
  long r = l < 0 ? -1 : check_tree(n->right, depth - 1, next);
  return r < 0 ? -1 : 1 + l + r;
}

/* Garbage, so that allocation collects (under GT_GC_TORTURE, often). */
static void churn(int n) {
  for (int i = 0; i < n; ++i) {
    char GT_GC *junk = gt_new_array(char, 100 + i % 200);
    junk[0] = (char)i;
  }
}

/* A frame with a variable-length array (a dynamic alloca: its size is not
 * known when it is compiled and its stack pointer moves) that holds GC
 * pointers in locals across a forced collection: the stack map addresses
 * the slots from the frame pointer, so the collector finds and updates them.
 * Returns the mismatches. */
static long vla_frame(node_ref tree, long base, int n) {
  long buf[n];
  for (int i = 0; i < n; ++i)
    buf[i] = base * 3 + i;
  node_ref fresh = gt_new(struct node);
  fresh->key = base + 77777;
  node_ref GT_GC *pair = gt_new_array(node_ref, 2);
  pair[0] = tree;
  pair[1] = fresh;
  struct gt_gc_stats before, after;
  gt_gc_stats(&before);
  /* A compiler barrier (inline assembly) with GC pointers live across it:
   * no safepoint, nothing to relocate there. */
  __asm__ volatile("" ::: "memory");
  gt_gc_collect();
  churn(n);
  gt_gc_stats(&after);
  long bad = after.collections > before.collections ? 0 : 1;
  for (int i = 0; i < n; ++i)
    if (buf[i] != base * 3 + i)
      ++bad;
  if (fresh->key != base + 77777 || pair[1] != fresh || pair[0] != tree ||
      tree->key != base)
    ++bad;
  return bad;
}

static void worker(void *arg) {
  long id = (long)(intptr_t)arg;
  long base = id * 100000;
  long next = base;
  node_ref tree = make_tree(DEPTH, &next);
  /* An array of GC pointers and a derived pointer into an object. */
  node_ref GT_GC *vec = gt_new_array(node_ref, VEC);
  for (int i = 0; i < VEC; ++i) {
    vec[i] = gt_new(struct node);
    vec[i]->key = base + 50000 + i;
  }
  long GT_GC *key_of_last = &vec[VEC - 1]->key;
  churn(50);

  gt_waitgroup_add(&parked, -1);
  long token;
  /* Parks inside the runtime: the stack is scanned while suspended. */
  gt_chan_recv(go, &token);
  churn(50);

  long bad = 0, count = 0;
  for (int round = 0; round < ROUNDS; ++round) {
    long expect = base;
    long n = check_tree(tree, DEPTH, &expect);
    if (n < 0)
      ++bad;
    else
      count += n;
    for (int i = 0; i < VEC; ++i)
      if (!vec[i] || vec[i]->key != base + 50000 + i)
        ++bad;
    if (*key_of_last != base + 50000 + VEC - 1)
      ++bad;
    churn(20);
    gt_yield();
  }
  if (gt_gc_array_len(vec) != VEC)
    ++bad;
  bad += vla_frame(tree, base, 5 + (int)id * 7);
  gt_mutex_lock(&lock);
  failures += bad;
  checked_nodes += count;
  gt_mutex_unlock(&lock);
  gt_waitgroup_add(&done, -1);
}

static void main_thread(void *arg) {
  (void)arg;
  go = gt_chan_new(sizeof(long), 0);
  gt_waitgroup_add(&parked, THREADS);
  gt_waitgroup_add(&done, THREADS);
  for (long i = 0; i < THREADS; ++i)
    gt_detach(gt_spawn(worker, (void *)(intptr_t)i, NULL));
  gt_waitgroup_wait(&parked);
  /* Every worker is parked (or about to) holding its tree: move them all. */
  for (int i = 0; i < 3; ++i)
    gt_gc_collect();
  gt_chan_close(go);
  gt_waitgroup_wait(&done);

  struct gt_gc_stats st;
  gt_gc_stats(&st);
  long expect = (long)THREADS * ROUNDS * ((1L << (DEPTH + 1)) - 1);
  printf("gt-cc gc: %ld nodes checked of %ld, %ld mismatches, %llu "
         "collections\n",
         checked_nodes, expect, failures,
         (unsigned long long)st.collections);
  if (checked_nodes != expect || st.collections < 3)
    ++failures;
}

int main(void) {
  if (gt_run(NULL, main_thread, NULL) != 0 || failures) {
    puts("gt-cc gc: FAIL");
    return 1;
  }
  puts("gt-cc gc: OK");
  return 0;
}
