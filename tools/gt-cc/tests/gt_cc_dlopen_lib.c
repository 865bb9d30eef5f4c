/* The shared library of test-gc-dlopen, built with `gt-cc -shared`: GC code
 * that the program loads with dlopen after its first collections. Its frames
 * hold GC pointers across collections and parks, so a collection must have
 * read its stack maps (gc/stackmap.cpp reloads them when objects are loaded).
 * It is linked without the runtime: the program exports it.
 */
#include <gt/gt.h>

typedef struct cell GT_GC *cell_ref;
struct cell {
  cell_ref next;
  long value;
  cell_ref self; /* points at the cell itself: identity kept by the copy */
};

static cell_ref build(long n, long seed) {
  cell_ref head = 0;
  for (long i = n - 1; i >= 0; --i) {
    cell_ref c = gt_new(struct cell);
    c->value = seed * 1000003 + i;
    c->next = head;
    c->self = c;
    head = c;
  }
  return head;
}

/* Counts the cells of a list built by build(n, seed) that hold what they
 * should; n when all do. */
static long check(cell_ref c, long n, long seed) {
  long good = 0;
  for (long i = 0; i < n && c; ++i, c = c->next)
    good += c->value == seed * 1000003 + i && c->self == c;
  return good;
}

/* Builds a list of n cells, then `rounds` times: garbage, a forced
 * collection, a yield (the thread parks in a switch inside this library's
 * frame); returns the number of intact cells (n when all are). */
long gt_dl_work(long n, long seed, int rounds) {
  cell_ref list = build(n, seed);
  for (int r = 0; r < rounds; ++r) {
    cell_ref junk = build(50, -1);
    (void)junk;
    gt_gc_collect();
    gt_yield();
  }
  return check(list, n, seed);
}
