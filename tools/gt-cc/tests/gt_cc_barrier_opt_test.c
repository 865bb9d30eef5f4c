/* The write barrier's optimizations, executed (built by gt-cc -O2; the lit
 * tests of gc-barriers check the IR): with the thread's write log on, each
 * case below runs between gt_gc_wlog_start and gt_gc_wlog_stop and the log
 * must hold exactly the entries listed, in order:
 *   repeated   a location written several times between two safepoints has
 *              one entry, which holds the pointer the FIRST write overwrote;
 *   safepoint  a call between two writes of a location ends the interval:
 *              two entries, the second with the value of the first write;
 *   fresh      stores into an object allocated since the last safepoint
 *              have none, until a safepoint: then they are logged;
 *   publish    storing a fresh object into an old one is logged;
 *   dominated  a write in a block that an earlier write to the location
 *              dominates, with no safepoint between, has none; a location
 *              written only there has one.
 * Prints each case's count; exits non-zero on any mismatch.
 */
#include <gt/gt.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef struct node GT_GC *node_ref;
struct node {
  long key;
  node_ref left, right;
};

static int failures;

static uintptr_t addr(const void GT_GC *p) { return gt_gc_address(p); }

typedef struct {
  uintptr_t object, offset, old;
} want_entry;

#define KEY offsetof(struct node, key)
#define LEFT offsetof(struct node, left)
#define RIGHT offsetof(struct node, right)

/* Volatile stores, so that the optimizer keeps each one. */
#define SET_KEY(n, v) (*(volatile long GT_GC *)&(n)->key = (v))
#define SET_LEFT(n, v) (*(node_ref volatile GT_GC *)&(n)->left = (v))
#define SET_RIGHT(n, v) (*(node_ref volatile GT_GC *)&(n)->right = (v))

/* A call the optimizer cannot see through or delete: a safepoint. */
__attribute__((noinline)) static void safepoint(void) {
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void repeated(node_ref n, node_ref a,
                                               node_ref b) {
  SET_LEFT(n, a);
  SET_KEY(n, 1);
  SET_LEFT(n, b);
  SET_KEY(n, 2);
  SET_LEFT(n, a);
}

__attribute__((noinline)) static void across_safepoint(node_ref n, node_ref a,
                                                       node_ref b) {
  SET_LEFT(n, a);
  safepoint();
  SET_LEFT(n, b);
}

__attribute__((noinline)) static node_ref fresh(node_ref a) {
  node_ref f = gt_new(struct node);
  SET_LEFT(f, a);
  SET_KEY(f, 5);
  SET_RIGHT(f, a);
  safepoint();
  SET_KEY(f, 6);
  return f;
}

__attribute__((noinline)) static node_ref publish(node_ref n) {
  node_ref f = gt_new(struct node);
  SET_KEY(f, 9);
  SET_RIGHT(n, f);
  return f;
}

__attribute__((noinline)) static void dominated(node_ref n, node_ref a,
                                                volatile int *cond) {
  SET_KEY(n, 1);
  if (*cond) {
    SET_KEY(n, 2);
    SET_RIGHT(n, a);
  }
  SET_KEY(n, 3);
}

static gt_wlog_entry log_buf[64];

/* Collections so far when the case's log started. The log holds addresses
 * as they were when each write was logged; the stop-the-world collector does
 * not update them (the concurrent one consumes the log before it moves
 * anything), so after a collection in the middle of a case (GT_GC_TORTURE)
 * only the entries' count and offsets can be compared. */
static uint64_t collections_at_start;
static long cases_moved;

static uint64_t collections(void) {
  struct gt_gc_stats st;
  gt_gc_stats(&st);
  return st.collections;
}

static void start(void) {
  memset(log_buf, 0, sizeof log_buf);
  collections_at_start = collections();
  gt_gc_wlog_start(log_buf, 64);
}

/* Stops the log and checks it is exactly want[0..n), whose addresses the
 * caller takes right after the case ran. */
static void expect(const char *what, const want_entry *want, size_t n) {
  uint64_t flushes;
  size_t count = gt_gc_wlog_stop(&flushes);
  bool moved = collections() != collections_at_start;
  cases_moved += moved;
  printf("barrier-opt: %s: %zu entries%s\n", what, count,
         moved ? " (objects moved meanwhile: offsets compared)" : "");
  if (count != n || flushes != 0) {
    printf("barrier-opt: FAIL %s: %zu entries, %llu flushes; want %zu, 0\n",
           what, count, (unsigned long long)flushes, n);
    ++failures;
  }
  for (size_t i = 0; i < n && i < count; ++i)
    if (log_buf[i].offset != want[i].offset ||
        (!moved && (log_buf[i].object != want[i].object ||
                    log_buf[i].old != want[i].old))) {
      printf("barrier-opt: FAIL %s entry %zu: {%#lx, %lu, %#lx}, want {%#lx, "
             "%lu, %#lx}\n",
             what, i, (unsigned long)log_buf[i].object,
             (unsigned long)log_buf[i].offset, (unsigned long)log_buf[i].old,
             (unsigned long)want[i].object, (unsigned long)want[i].offset,
             (unsigned long)want[i].old);
      ++failures;
    }
}

static void run(void *arg) {
  (void)arg;
  node_ref n = gt_new(struct node), a = gt_new(struct node),
           b = gt_new(struct node), c = gt_new(struct node);

  n->left = c;
  start();
  repeated(n, a, b);
  {
    want_entry w[] = {{addr(n), LEFT, addr(c)}, {addr(n), KEY, 0}};
    expect("repeated", w, 2);
  }
  if (n->left != a || n->key != 2)
    ++failures, puts("barrier-opt: FAIL repeated: wrong values");

  n->left = c;
  start();
  across_safepoint(n, a, b);
  {
    want_entry w[] = {{addr(n), LEFT, addr(c)}, {addr(n), LEFT, addr(a)}};
    expect("safepoint", w, 2);
  }

  start();
  node_ref f = fresh(a);
  {
    want_entry w[] = {{addr(f), KEY, 0}};
    expect("fresh", w, 1);
  }
  if (f->key != 6 || f->left != a || f->right != a)
    ++failures, puts("barrier-opt: FAIL fresh: wrong values");

  n->right = b;
  start();
  f = publish(n);
  {
    want_entry w[] = {{addr(n), RIGHT, addr(b)}};
    expect("publish", w, 1);
  }
  if (n->right != f || f->key != 9)
    ++failures, puts("barrier-opt: FAIL publish: wrong values");

  volatile int yes = 1, no = 0;
  n->right = b;
  start();
  dominated(n, a, &yes);
  {
    want_entry w[] = {{addr(n), KEY, 0}, {addr(n), RIGHT, addr(b)}};
    expect("dominated, taken", w, 2);
  }
  start();
  dominated(n, a, &no);
  {
    want_entry w[] = {{addr(n), KEY, 0}};
    expect("dominated, not taken", w, 1);
  }
}

int main(void) {
  int rc = gt_run(NULL, run, NULL);
  printf("barrier-opt: %ld cases compared by offset only\n", cases_moved);
  if (rc != 0 || failures) {
    puts("barrier-opt: FAIL");
    return 1;
  }
  puts("barrier-opt: OK");
  return 0;
}
