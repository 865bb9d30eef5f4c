/* The write barrier, executed (built by gt-cc): every store into GC memory
 * is logged while the thread's log is on. The stop-the-world collector keeps
 * the log off; this test turns it on for its thread and checks the log's
 * exact contents: the object, the offset and the previous GC pointer of each
 * location written, for plain and atomic stores of pointers and non-pointers
 * and for struct assignments into GC memory (memset/memcpy: range entries).
 * A location written several times between two safepoints has one entry,
 * with the pointer its first write overwrote (gt_cc_barrier_opt_test.c
 * checks what the compiler's optimizations of the barrier may and may not
 * do). Then that a log without room for a group of entries is flushed and
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

/* One expected entry. */
typedef struct {
  uintptr_t object, offset, old;
} want_entry;

/* Checks that log[0..count) is exactly want[0..n). */
static void expect_log(const char *what, const gt_wlog_entry *log,
                       size_t count, const want_entry *want, size_t n) {
  if (count != n) {
    printf("barrier: FAIL %s: %zu entries, want %zu\n", what, count, n);
    ++failures;
  }
  for (size_t i = 0; i < n && i < count; ++i)
    if (log[i].object != want[i].object || log[i].offset != want[i].offset ||
        log[i].old != want[i].old) {
      printf("barrier: FAIL %s entry %zu: {%#lx, %lu, %#lx}, want {%#lx, "
             "%lu, %#lx}\n",
             what, i, (unsigned long)log[i].object,
             (unsigned long)log[i].offset, (unsigned long)log[i].old,
             (unsigned long)want[i].object, (unsigned long)want[i].offset,
             (unsigned long)want[i].old);
      ++failures;
    }
}

/* Not inlined into the checks, so that the stores are what they say; no
 * call in it, so all its stores are between the same two safepoints. */
__attribute__((noinline)) static void writes(node_ref n, node_ref a,
                                             node_ref b) {
  /* Volatile, so that the optimizer keeps every store (a store it deletes
   * as dead is never seen, and needs no barrier). */
  *(volatile long GT_GC *)&n->key = 42;                  /* 1: long */
  *(node_ref volatile GT_GC *)&n->left = a;              /* 2: pointer */
  *(node_ref volatile GT_GC *)&n->left = b;              /* (2's entry) */
  __atomic_store_n(&n->key, 7, __ATOMIC_RELEASE);        /* (1's entry) */
  n->b = (struct blob){{0}};                              /* 3: memset */
  a->b = n->b;                       /* 4: a memset too, once optimized */
  /* (C's __atomic_exchange_n and compare-and-swap of a GC pointer go through
   * integers; the lit tests check the barriers of pointer-typed atomics.) */
}

/* What writes(n, a, b) logs when n->left was `left`. */
static void want_writes(want_entry *w, node_ref n, node_ref a,
                        node_ref left) {
  const uintptr_t N = addr(n);
  w[0] = (want_entry){N, offsetof(struct node, key), 0};
  w[1] = (want_entry){N, offsetof(struct node, left), addr(left)};
  w[2] = (want_entry){N | GT_WLOG_RANGE, offsetof(struct node, b),
                      sizeof(struct blob)};
  w[3] = (want_entry){addr(a) | GT_WLOG_RANGE, offsetof(struct node, b),
                      sizeof(struct blob)};
}

static void run(void *arg) {
  (void)arg;
  node_ref n = gt_new(struct node), a = gt_new(struct node),
           b = gt_new(struct node);
  gt_wlog_entry log[GT_WLOG_MAX_RESERVE];
  memset(log, 0, sizeof log);
  gt_gc_wlog_start(log, GT_WLOG_MAX_RESERVE);
  writes(n, a, b);
  uint64_t flushes;
  size_t count = gt_gc_wlog_stop(&flushes);
  printf("barrier: %zu entries, %llu flushes\n", count,
         (unsigned long long)flushes);
  EXPECT(flushes == 0);
  want_entry want[4];
  want_writes(want, n, a, NULL);
  expect_log("writes", log, count, want, 4);
  EXPECT(n->key == 7 && n->left == b && n->b.w[7] == 0);

  /* A log of 6 entries: the first call's group of 4 leaves 2 free, so the
   * second call's group flushes (the log restarts at small[0]). */
  gt_wlog_entry small[6];
  memset(small, 0, sizeof small);
  gt_gc_wlog_start(small, 6);
  writes(n, a, b);
  writes(n, a, b);
  count = gt_gc_wlog_stop(&flushes);
  printf("barrier: small log: %zu entries left, %llu flushes\n", count,
         (unsigned long long)flushes);
  EXPECT(flushes == 1);
  want_writes(want, n, a, b); /* n->left was b before the second call */
  expect_log("small log", small, count, want, 4);

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
