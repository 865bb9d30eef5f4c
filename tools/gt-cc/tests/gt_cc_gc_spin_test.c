/* Collections while green threads spin in loops without calls or
 * allocations, in functions nobody marked SS_SAFEPOINTS. gt-cc compiles
 * GC-managed code with a safepoint poll in every function
 * (insert-safepoint-polls<all>), so a collection stops each spinner at a poll
 * in its loop, and moves the object it holds across the loop.
 *
 * Without those polls the first gt_gc_collect() waits forever for the
 * spinners (with one executor the collecting thread never runs again at all:
 * preemption needs polls too), and the program hangs; compiled with polls in
 * SS_SAFEPOINTS functions only, it did, until the watchdog below killed it.
 * The watchdog (alarm) turns a regression into a failure instead of a hung
 * test run; its handler is SS_NO_SAFEPOINTS, as code that the kernel may run
 * on any thread must be.
 *
 * The spinners: FLAG_SPINNERS threads spin on a shared volatile flag (a loop
 * whose trip count nobody knows, polled on its back-edge), one of them in
 * the thread's own function; COUNT_SPINNERS threads repeat a counted loop
 * (strip-mined: a poll every chunk of iterations) and check that every round
 * gives the same sum. The main thread forces COLLECTIONS collections,
 * allocating garbage and a list it checks in between, and after each waits,
 * itself spinning on a counter the flag spinners advance, until every
 * spinner has run again. Every value is checked; the program exits non-zero
 * on any mismatch. scripts/run-tests.py runs it in the collector's three
 * modes, with 1 executor and with one per CPU, natively and under qemu.
 */
#include <gt/gt.h>

#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum {
  FLAG_SPINNERS = 3,
  COUNT_SPINNERS = 2,
  COLLECTIONS = 12,
  LIST = 200,
  WATCHDOG_SECONDS = 120,
  WATCHDOG_TORTURE_SECONDS = 280,
};

typedef struct box GT_GC *box_ref;
struct box {
  long id;
  long value;
  box_ref self;
  box_ref next;
};

static volatile int stop;           /* the main thread is done collecting */
static volatile long progress[FLAG_SPINNERS]; /* advanced by flag spinners */
static volatile long counted_rounds[COUNT_SPINNERS];
static gt_waitgroup_t started, done;
static gt_mutex_t lock;
static long failures;

static void fail(const char *what, long id) {
  gt_mutex_lock(&lock);
  ++failures;
  gt_mutex_unlock(&lock);
  printf("gt-cc gc spin: FAIL: %s (thread %ld)\n", what, id);
}

static box_ref make_box(long id) {
  box_ref b = gt_new(struct box);
  b->id = id;
  b->value = id * 7919 + 13;
  b->self = b;
  return b;
}

static int box_ok(box_ref b, long id) {
  return b && b->id == id && b->value == id * 7919 + 13 && b->self == b;
}

/* The flag spinner's loop, in a function of its own: nothing but a volatile
 * load, an increment and a volatile store per iteration. */
static __attribute__((noinline)) long spin_on_flag(box_ref b, long slot) {
  long n = 0;
  while (!stop) {
    ++n;
    progress[slot] = n;
  }
  /* b lived across every poll: a collection has moved it. */
  return box_ok(b, b->id) ? n : -1;
}

static void flag_spinner(void *arg) {
  long slot = (long)(intptr_t)arg;
  box_ref b = make_box(slot);
  gt_waitgroup_add(&started, -1);
  long n;
  if (slot == 0) {
    /* The same loop in the thread's own function. */
    n = 0;
    while (!stop) {
      ++n;
      progress[slot] = n;
    }
    if (!box_ok(b, slot))
      n = -1;
  } else {
    n = spin_on_flag(b, slot);
  }
  if (n <= 0 || !box_ok(b, slot))
    fail("flag spinner: object lost or never ran", slot);
  gt_waitgroup_add(&done, -1);
}

/* A counted loop: strip-mined, it polls once a chunk of iterations. */
static __attribute__((noinline)) unsigned long count_up(box_ref b, long n) {
  unsigned long sum = 0;
  for (long i = 0; i < n; ++i)
    sum += (unsigned long)(i ^ b->value) * 2654435761u;
  return sum;
}

static void count_spinner(void *arg) {
  long slot = (long)(intptr_t)arg;
  long id = 100 + slot;
  box_ref b = make_box(id);
  unsigned long first = count_up(b, 1 << 16);
  gt_waitgroup_add(&started, -1);
  long rounds = 0;
  while (!stop) {
    if (count_up(b, 1 << 16) != first)
      fail("counted loop: different sum", id);
    counted_rounds[slot] = ++rounds;
  }
  if (!box_ok(b, id))
    fail("counted spinner: object lost", id);
  gt_waitgroup_add(&done, -1);
}

/* A list of LIST boxes the main thread keeps across the collections. */
static box_ref make_list(void) {
  box_ref head = 0;
  for (long i = 0; i < LIST; ++i) {
    box_ref b = make_box(1000 + i);
    b->next = head;
    head = b;
    /* Garbage in between. */
    gt_new_array(char, 64 + i % 100)[0] = 1;
  }
  return head;
}

static long check_list(box_ref head) {
  long n = 0;
  for (box_ref b = head; b; b = b->next, ++n)
    if (!box_ok(b, 1000 + LIST - 1 - n))
      return -1;
  return n;
}

static void main_thread(void *arg) {
  (void)arg;
  gt_waitgroup_add(&started, FLAG_SPINNERS + COUNT_SPINNERS);
  gt_waitgroup_add(&done, FLAG_SPINNERS + COUNT_SPINNERS);
  for (long i = 0; i < FLAG_SPINNERS; ++i)
    gt_detach(gt_spawn(flag_spinner, (void *)(intptr_t)i, NULL));
  for (long i = 0; i < COUNT_SPINNERS; ++i)
    gt_detach(gt_spawn(count_spinner, (void *)(intptr_t)i, NULL));
  gt_waitgroup_wait(&started);

  box_ref list = make_list();
  struct gt_gc_stats before;
  gt_gc_stats(&before);
  for (int c = 0; c < COLLECTIONS; ++c) {
    long seen[FLAG_SPINNERS];
    for (int s = 0; s < FLAG_SPINNERS; ++s)
      seen[s] = progress[s];
    gt_gc_collect();
    if (check_list(list) != LIST)
      fail("list damaged by a collection", -1);
    box_ref extra = make_list(); /* garbage, after a check */
    if (check_list(extra) != LIST)
      fail("new list damaged", -1);
    /* Spin (no call) until every flag spinner has run since the collection
     * began. */
    for (int s = 0; s < FLAG_SPINNERS; ++s)
      while (progress[s] == seen[s])
        ;
  }
  /* And until every counting spinner has finished a round. */
  for (int s = 0; s < COUNT_SPINNERS; ++s)
    while (counted_rounds[s] == 0)
      ;
  stop = 1;
  gt_waitgroup_wait(&done);

  struct gt_gc_stats after;
  gt_gc_stats(&after);
  long collections = (long)(after.collections - before.collections);
  long rounds = 0;
  for (int s = 0; s < COUNT_SPINNERS; ++s)
    rounds += counted_rounds[s] > 0;
  if (collections < COLLECTIONS)
    fail("fewer collections than forced", -1);
  if (rounds != COUNT_SPINNERS)
    fail("a counted spinner never finished a round", -1);
  if (check_list(list) != LIST)
    fail("list damaged at the end", -1);
  printf("gt-cc gc spin: %d flag and %d counting spinners, %s%d collections "
         "forced, list of %d checked\n",
         FLAG_SPINNERS, COUNT_SPINNERS, collections >= COLLECTIONS ? ">= " : "",
         COLLECTIONS, LIST);
}

/* Runs on whichever thread the kernel picks, where the mailbox register may
 * hold anything: it must not poll. */
static SS_NO_SAFEPOINTS void watchdog(int sig) {
  (void)sig;
  static const char msg[] = "gt-cc gc spin: FAIL: still running after the "
                            "watchdog's time: a collection waits for a "
                            "spinner that never polls?\n";
  ssize_t r = write(2, msg, sizeof msg - 1);
  (void)r;
  _exit(3);
}

int main(void) {
  signal(SIGALRM, watchdog);
  /* Under GT_GC_TORTURE the spinners' polls collect back to back (some
   * 300,000 collections a run), and a run takes 15 to 95 s here depending on
   * when the main thread gets its executor: allow that, below
   * scripts/run-tests.py's 300 s per test. */
  alarm(getenv("GT_GC_TORTURE") ? WATCHDOG_TORTURE_SECONDS : WATCHDOG_SECONDS);
  if (gt_run(NULL, main_thread, NULL) != 0 || failures) {
    puts("gt-cc gc spin: FAIL");
    return 1;
  }
  puts("gt-cc gc spin: OK");
  return 0;
}
