/* Heap limits under the concurrent collector (GT_GC=concurrent, issue 14),
 * built by gt-cc; each case runs in a child process with a fresh heap (the
 * parent never starts the runtime), whatever mode scripts/run-tests.py
 * gives it (GT_GC_VERIFY and GT_GC_TORTURE apply):
 *
 * 1. A thread named "filler" keeps every 4000-byte chunk it allocates live
 *    (a list on its stack) under GT_GC_MAX_HEAP=16m: the process must die
 *    with the heap-exhaustion message, naming the request, the limit and
 *    the thread (not hang, nor crash elsewhere).
 * 2. The same with the list growing through a large array of pointers
 *    (each step a bigger copy, the old one dropped): large objects count
 *    against the limit too.
 * 3. A thread whose live set (a ring of 64 chunks, 256 KiB) fits allocates
 *    200 MiB of chunks under the same limit and must finish: cycles free
 *    from-space while it allocates.
 * Exits non-zero on a mismatch, printing what it expected and got.
 */
#include <gt/gt.h>

#include "gt_cc_child.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct chunk GT_GC *chunk_ref;
struct chunk {
  chunk_ref next;
  long id;
  char bytes[3984];
};

static long failures;
static volatile uintptr_t escape; /* keeps allocations from being elided */

static void filler(void *arg) {
  (void)arg;
  chunk_ref head = 0;
  for (long i = 0;; ++i) {
    chunk_ref c = gt_new(struct chunk);
    c->id = i;
    c->next = head;
    head = c;
    escape = (uintptr_t)gt_gc_raw(head);
  }
}

typedef chunk_ref GT_GC *chunk_array;

static void large_filler(void *arg) {
  (void)arg;
  chunk_array a = gt_new_array(chunk_ref, 1);
  for (long n = 1;; n *= 2) {
    chunk_array b = gt_new_array(chunk_ref, (size_t)n * 2);
    for (long i = 0; i < n; ++i)
      b[i] = a[i];
    for (long i = n; i < 2 * n; ++i) {
      chunk_ref c = gt_new(struct chunk);
      c->id = i;
      b[i] = c;
    }
    a = b;
    escape = (uintptr_t)gt_gc_raw(a);
  }
}

enum { RING = 64, CHURN = 200 << 20 };
static long churned;

static void churner(void *arg) {
  (void)arg;
  chunk_array ring = gt_new_array(chunk_ref, RING);
  long n = CHURN / (long)sizeof(struct chunk);
  if (getenv("GT_GC_TORTURE"))
    n /= 16; /* every allocation takes the slow path */
  for (long i = 0; i < n; ++i) {
    chunk_ref c = gt_new(struct chunk);
    c->id = i;
    ring[i % RING] = c; /* the chunk it replaces is garbage */
  }
  long bad = 0;
  for (long k = 0; k < RING; ++k) {
    long i = n - RING + k; /* the last RING chunks, each at i % RING */
    chunk_ref c = ring[i % RING];
    if (!c || c->id != i)
      ++bad;
  }
  churned = bad ? -bad : n;
}

static void (*body)(void *);
static const char *body_name;

static void main_thread(void *arg) {
  (void)arg;
  gt_attr a = {0, body_name, 0};
  gt_join(gt_spawn(body, NULL, &a));
}

static void run_body(void (*fn)(void *), const char *name) {
  body = fn;
  body_name = name;
  setenv("GT_GC", "concurrent", 1);
  setenv("GT_GC_MAX_HEAP", "16m", 1);
  gt_run(NULL, main_thread, NULL);
}

struct child {
  void (*fn)(void *);
  const char *name;
};
static void child_main(void *arg) {
  const struct child *c = arg;
  run_body(c->fn, c->name);
}

/* Runs fn as thread `name` in a child and checks that it dies with every
 * string of `expected` (null-terminated) on stderr. */
static void expect_death(const char *what, void (*fn)(void *), const char *name,
                         const char *const *expected) {
  static char err[65536];
  struct child c = {fn, name};
  int status = gt_test_run_child(child_main, &c, err, sizeof err);
  int ok = WIFSIGNALED(status);
  for (const char *const *e = expected; *e; ++e)
    if (!strstr(err, *e)) {
      printf("gt-cc gc exhaust: %s: expected \"%s\" on stderr\n", what, *e);
      ok = 0;
    }
  if (!ok) {
    printf("gt-cc gc exhaust: %s: FAILED (status %#x); stderr:\n%s\n", what,
           status, err);
    ++failures;
  } else {
    printf("gt-cc gc exhaust: %s: died as expected\n", what);
  }
}

int main(void) {
  static const char *const small[] = {
      "heap exhausted: cannot allocate 4000 bytes for a 'struct.chunk'",
      "limit 16777216 bytes", "'filler'", NULL};
  expect_death("small objects kept live", filler, "filler", small);
  static const char *const large[] = {"heap exhausted: cannot allocate",
                                      "limit 16777216 bytes", "'hoarder'",
                                      NULL};
  expect_death("a growing large array kept live", large_filler, "hoarder",
               large);
  run_body(churner, "churner");
  if (churned <= 0) {
    printf("gt-cc gc exhaust: a live set that fits: %ld bad chunks\n",
           -churned);
    ++failures;
  } else {
    printf("gt-cc gc exhaust: a live set that fits: %ld chunks allocated "
           "under a 16 MiB limit\n",
           churned);
  }
  if (failures) {
    puts("gt-cc gc exhaust: FAIL");
    return 1;
  }
  puts("gt-cc gc exhaust: OK");
  return 0;
}
