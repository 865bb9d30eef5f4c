/* The write barrier, executed (built by gt-cc): every store into GC memory
 * runs the gc.write_barrier hook, which logs it while the thread's log is on.
 * The stop-the-world collector keeps the log off; this test turns it on for
 * its thread and checks the log's exact contents: the object, the offset and
 * the previous GC pointer of each write, for plain and atomic stores of
 * pointers and non-pointers and for struct assignments into GC memory
 * (memset/memcpy: range entries); then that a full log is flushed and
 * restarted, and that with the log off nothing is written. Prints what it
 * counted; exits non-zero on any mismatch.
 */
#include <gt/gt.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef struct node GT_GC *node_ref;
struct blob {
  long w[8];
};
struct node {
  long key;
  node_ref left, right;
  struct blob b;
};

static int failures;

#define EXPECT(cond)                                                           \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("barrier: FAIL line %d: %s\n", __LINE__, #cond);                  \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

static uintptr_t addr(const void GT_GC *p) { return (uintptr_t)p; }

/* Not inlined into the checks, so that the stores are what they say. */
__attribute__((noinline)) static void writes(node_ref n, node_ref a,
                                             node_ref b) {
  /* Volatile, so that the optimizer keeps every store (a store it deletes
   * as dead is never seen, and needs no barrier). */
  *(volatile long GT_GC *)&n->key = 42;                  /* 1: long */
  *(node_ref volatile GT_GC *)&n->left = a;              /* 2: old null */
  *(node_ref volatile GT_GC *)&n->left = b;              /* 3: old a */
  __atomic_store_n(&n->key, 7, __ATOMIC_RELEASE);        /* 4: atomic */
  n->b = (struct blob){{0}};                              /* 5: memset */
  a->b = n->b;                       /* 6: a memset too, once optimized */
  /* (C's __atomic_exchange_n and compare-and-swap of a GC pointer go through
   * integers; the lit tests check the barriers of pointer-typed atomics.) */
}

static void run(void *arg) {
  (void)arg;
  node_ref n = gt_new(struct node), a = gt_new(struct node),
           b = gt_new(struct node);
  gt_wlog_entry log[16];
  memset(log, 0, sizeof log);
  gt_gc_wlog_start(log, 16);
  writes(n, a, b);
  uint64_t flushes;
  size_t count = gt_gc_wlog_stop(&flushes);
  printf("barrier: %zu entries, %llu flushes\n", count,
         (unsigned long long)flushes);
  EXPECT(count == 6 && flushes == 0);
  const uintptr_t N = addr(n);
  struct {
    uintptr_t object, offset, old;
  } want[6] = {
      {N, offsetof(struct node, key), 0},
      {N, offsetof(struct node, left), 0},
      {N, offsetof(struct node, left), addr(a)},
      {N, offsetof(struct node, key), 0},
      {N | GT_WLOG_RANGE, offsetof(struct node, b), sizeof(struct blob)},
      {addr(a) | GT_WLOG_RANGE, offsetof(struct node, b), sizeof(struct blob)},
  };
  for (size_t i = 0; i < 6 && i < count; ++i) {
    if (log[i].object != want[i].object || log[i].offset != want[i].offset ||
        log[i].old != want[i].old) {
      printf("barrier: FAIL entry %zu: {%#lx, %lu, %#lx}, want {%#lx, %lu, "
             "%#lx}\n",
             i, (unsigned long)log[i].object, (unsigned long)log[i].offset,
             (unsigned long)log[i].old, (unsigned long)want[i].object,
             (unsigned long)want[i].offset, (unsigned long)want[i].old);
      ++failures;
    }
  }
  EXPECT(n->key == 7 && n->left == b && n->b.w[7] == 0);

  /* A log of 4 entries: 6 writes flush once and leave 2. */
  gt_wlog_entry small[4];
  gt_gc_wlog_start(small, 4);
  writes(n, a, b);
  count = gt_gc_wlog_stop(&flushes);
  printf("barrier: small log: %zu entries left, %llu flushes\n", count,
         (unsigned long long)flushes);
  EXPECT(count == 2 && flushes == 1);
  EXPECT(small[1].object == (addr(a) | GT_WLOG_RANGE));

  /* Log off: nothing is written. */
  gt_wlog_entry untouched[2];
  memset(untouched, 0xab, sizeof untouched);
  writes(n, a, b);
  EXPECT(untouched[0].object == (uintptr_t)0xabababababababab);
}

int main(void) {
  if (gt_run(NULL, run, NULL) != 0 || failures) {
    puts("barrier: FAIL");
    return 1;
  }
  puts("barrier: OK");
  return 0;
}
