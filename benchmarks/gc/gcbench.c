/* GCBench: this project's version of the classic collector benchmark by John
 * Ellis and Pete Kovac (Post Communications), as modified by Hans Boehm
 * (https://hboehm.info/gc/gc_bench/). Written here from the algorithm: one C
 * source for this runtime (gt-cc) and for the Boehm collector (-DGC_BOEHM);
 * gcshim.h says what differs. The Go and Java peers (gcbench.go,
 * GCBench.java) do the same work in the same order and print the same lines.
 *
 *   gcbench [N]     N: the long-lived tree's and the largest temporary
 *                   trees' depth (default 16, as the original); the stretch
 *                   tree is N + 2 deep (18)
 *
 * The algorithm: nodes have two child pointers and two ints. Build a
 * "stretch" tree of depth N+2 bottom-up and drop it; build a long-lived tree
 * of depth N top-down and a long-lived array of 250,000 doubles (array[i] =
 * 1/i) that stay alive to the end; then for each depth d = 4, 6, ..., N,
 * build iters(d) = 2 * size(N+2) / size(d) trees of depth d top-down
 * (allocate a node, then fill in its children recursively) and as many
 * bottom-up (children first), dropping each, where size(d) = 2^(d+1) - 1.
 * The original prints only times; this version counts every node allocated
 * and checks (counts the nodes of) the last tree of each kind at each depth
 * and the long-lived tree at the end, so that every peer's output can be
 * compared. Single-threaded, as the original.
 */
#include "gcshim.h"

typedef struct node node;
struct node {
  GCPTR(node) left;
  GCPTR(node) right;
  int i, j;
};

enum { MIN_DEPTH = 4, ARRAY_SIZE = 500000 };

static long nodes_made;

static long tree_size(int depth) { return (1L << (depth + 1)) - 1; }

static GCPTR(node) new_node(void) {
  ++nodes_made;
  return NEW(node);
}

/* Top-down: the node exists before its children are made. */
static void populate(int depth, GCPTR(node) n) {
  if (depth <= 0)
    return;
  --depth;
  n->left = new_node();
  n->right = new_node();
  populate(depth, n->left);
  populate(depth, n->right);
}

/* Bottom-up: both children, then their parent. */
static GCPTR(node) make_tree(int depth) {
  if (depth <= 0)
    return new_node();
  GCPTR(node) left = make_tree(depth - 1);
  GCPTR(node) right = make_tree(depth - 1);
  GCPTR(node) n = new_node();
  n->left = left;
  n->right = right;
  return n;
}

static long check(GCPTR(node) n) {
  if (!n->left)
    return 1;
  return 1 + check(n->left) + check(n->right);
}

static int max_depth = 16;

static void time_construction(int depth) {
  long iters = 2 * tree_size(max_depth + 2) / tree_size(depth);
  printf("Creating %ld trees of depth %d\n", iters, depth);
  long last = 0;
  for (long i = 0; i < iters; ++i) {
    GCPTR(node) t = new_node();
    populate(depth, t);
    if (i == iters - 1)
      last = check(t);
  }
  printf("\tTop down construction: last tree check %ld\n", last);
  for (long i = 0; i < iters; ++i) {
    GCPTR(node) t = make_tree(depth);
    if (i == iters - 1)
      last = check(t);
  }
  printf("\tBottom up construction: last tree check %ld\n", last);
}

static void run(void *arg) {
  (void)arg;
  int stretch = max_depth + 2;
  printf("Garbage Collector Test\n");
  printf(" Stretching memory with a binary tree of depth %d\n", stretch);
  printf(" Stretch tree check %ld\n", check(make_tree(stretch)));

  printf(" Creating a long-lived binary tree of depth %d\n", max_depth);
  GCPTR(node) long_lived = new_node();
  populate(max_depth, long_lived);

  printf(" Creating a long-lived array of %d doubles\n", ARRAY_SIZE / 2);
  GCPTR(double) array = NEW_ATOMIC_ARRAY(double, ARRAY_SIZE / 2);
  for (int i = 0; i < ARRAY_SIZE / 2; ++i)
    array[i] = 1.0 / i;

  for (int d = MIN_DEPTH; d <= max_depth; d += 2)
    time_construction(d);

  if (!long_lived || array[1000] != 1.0 / 1000) {
    printf("Failed\n");
    exit(1);
  }
  printf("Long-lived tree check %ld, array[1000] %.6f\n", check(long_lived),
         array[1000]);
  printf("Nodes allocated %ld\n", nodes_made);
}

int main(int argc, char **argv) {
  if (argc > 1)
    max_depth = atoi(argv[1]);
  if (max_depth < MIN_DEPTH || max_depth > 24) {
    fprintf(stderr, "usage: gcbench [depth %d..24]\n", MIN_DEPTH);
    return 2;
  }
  return bench_main(run);
}
