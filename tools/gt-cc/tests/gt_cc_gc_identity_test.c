/* Pointer identity while collections move objects (issue 14: "two
 * references to the same object compare equal at every moment"), built by
 * gt-cc, under either collector (scripts/run-tests.py runs it under both).
 *
 * N tokens live in a GC array reached from a registered root (a global
 * slot) and from each worker's gt_spawn_ref argument. The tokens circulate
 * through ref channels, buffered (values in the ring) and unbuffered (values
 * in parked senders' and receivers' slots), sent with gt_chan_send_ref and
 * gt_select_ref and received with gt_select_ref (and gt_chan_recv_ref by
 * main), while a thread forces collections all along and everyone
 * allocates garbage. At most IN_FLIGHT tokens circulate at once, fewer than
 * the workers and no more than the ring holds, and every receiver selects
 * over both channels, so no send waits forever. At every hop the
 * receiver checks, for the token t it got:
 *   t->self == t                  (a field against the channel's value)
 *   all[t->id] == t               (the array, through its spawn argument)
 *   g_all[t->id] == t             (the array, through the registered root)
 *   all == g_all                  (the argument against the root)
 *   t->peer == all[(t->id+1) % N] (two heap paths to one object)
 * Each token makes HOPS hops, and more until MIN_COLLECTIONS forced
 * collections have ended, and then goes to a `done` channel; main checks
 * that every id arrived exactly once, with the same identities. Prints what
 * it counted; exits non-zero on any mismatch. */
#include <gt/gt.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct tok GT_GC *tok_ref;
struct tok {
  long id;
  long hops;
  tok_ref self;
  tok_ref peer;
};
typedef tok_ref GT_GC *tok_array;

#if defined(__aarch64__) /* under qemu */
enum { N = 64, WORKERS = 6, HOPS = 60, IN_FLIGHT = 5 };
#else
enum { N = 256, WORKERS = 12, HOPS = 200, IN_FLIGHT = 8 };
#endif
enum { RING = 8 }; /* >= IN_FLIGHT: a send into the ring never waits */
enum { MIN_COLLECTIONS = 3 }; /* tokens keep hopping until so many ended */

static tok_array g_all; /* a registered root */
static gt_chan_t *ring, *hand, *done;
static gt_waitgroup_t workers_done;
static gt_mutex_t lock;
static long failures, checks, collections_forced;
static int stop_collector;

static void fail(const char *what, long a, long b) {
  gt_mutex_lock(&lock);
  if (failures++ < 10)
    printf("gt-cc gc identity: MISMATCH %s: %ld vs %ld\n", what, a, b);
  gt_mutex_unlock(&lock);
}

static long check(tok_array all, tok_ref t) {
  long id = t->id;
  if (id < 0 || id >= N) {
    fail("token id in range", id, N);
    return 0;
  }
  if (t->self != t)
    fail("t->self == t", id, 0);
  if (all[id] != t)
    fail("all[id] == t (spawn argument)", id, 0);
  if (g_all[id] != t)
    fail("g_all[id] == t (registered root)", id, 0);
  if (all != g_all)
    fail("spawn argument == registered root", id, 0);
  if (t->peer != all[(id + 1) % N])
    fail("t->peer == all[id + 1]", id, 0);
  return 5;
}

static void collector(void *arg) {
  (void)arg;
  while (!__atomic_load_n(&stop_collector, __ATOMIC_ACQUIRE)) {
    gt_gc_collect();
    __atomic_add_fetch(&collections_forced, 1, __ATOMIC_RELAXED);
    gt_sleep_for(200000);
  }
}

static void worker(void GT_GC *arg) {
  tok_array all = (tok_array)arg;
  long local = 0;
  unsigned long r = 0x2545f4914f6cdd1dul ^ (unsigned long)(uintptr_t)&local;
  gt_select_ref_case GT_GC *cs = gt_new_array(gt_select_ref_case, 2);
  for (;;) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    cs[0].chan = ring;
    cs[0].op = GT_RECV;
    cs[0].ref = 0;
    cs[1].chan = hand;
    cs[1].op = GT_RECV;
    cs[1].ref = 0;
    int k = gt_select_ref(cs, 2, 1);
    if (k < 0 || cs[k].closed)
      break;
    tok_ref t = (tok_ref)cs[k].ref;
    local += check(all, t);
    for (int g = 0; g < 8; ++g) /* garbage */
      (void)gt_new(struct tok);
    ++t->hops;
    if (t->hops >= HOPS &&
        __atomic_load_n(&collections_forced, __ATOMIC_RELAXED) >=
            MIN_COLLECTIONS) {
      gt_chan_send_ref(done, t);
      continue;
    }
    switch ((r >> 20) % 3) {
    case 0: /* either channel; the ring always has room */
      cs[0].chan = ring;
      cs[0].op = GT_SEND;
      cs[0].ref = t;
      cs[1].chan = hand;
      cs[1].op = GT_SEND;
      cs[1].ref = t;
      gt_select_ref(cs, 2, 1);
      break;
    case 1: /* parks until a receiver takes it: one is idle or will be */
      gt_chan_send_ref(hand, t);
      break;
    default:
      gt_chan_send_ref(ring, t);
    }
  }
  gt_mutex_lock(&lock);
  checks += local;
  gt_mutex_unlock(&lock);
  gt_waitgroup_done(&workers_done);
}

static void main_thread(void *arg) {
  (void)arg;
  gt_gc_add_root((void GT_GC **)&g_all);
  tok_array all = gt_new_array(tok_ref, N);
  g_all = all;
  for (long i = 0; i < N; ++i) {
    tok_ref t = gt_new(struct tok);
    t->id = i;
    t->self = t;
    all[i] = t;
  }
  for (long i = 0; i < N; ++i)
    all[i]->peer = all[(i + 1) % N];
  ring = gt_chan_new_ref(RING);
  hand = gt_chan_new_ref(0);
  done = gt_chan_new_ref(N);
  gt_detach(gt_spawn(collector, NULL, NULL));
  gt_waitgroup_add(&workers_done, WORKERS);
  for (int w = 0; w < WORKERS; ++w)
    gt_detach(gt_spawn_ref(worker, all, NULL));
  long fed = 0;
  for (; fed < IN_FLIGHT; ++fed)
    gt_chan_send_ref(ring, all[fed]);
  char *seen = calloc(N, 1);
  long got = 0;
  for (long i = 0; i < N; ++i) {
    int status;
    tok_ref t = (tok_ref)gt_chan_recv_ref(done, &status);
    if (status != GT_OK) {
      fail("done channel status", status, GT_OK);
      break;
    }
    checks += check(all, t);
    if (t->hops < HOPS)
      fail("hops (at least)", t->hops, HOPS);
    if (seen[t->id]++)
      fail("token arrived twice", t->id, 0);
    ++got;
    if (fed < N) { /* one out, one in */
      gt_chan_send_ref(fed % 2 ? ring : hand, all[fed]);
      ++fed;
    }
  }
  gt_chan_close(ring);
  gt_chan_close(hand);
  gt_waitgroup_wait(&workers_done);
  __atomic_store_n(&stop_collector, 1, __ATOMIC_RELEASE);
  free(seen);
  struct gt_gc_stats st;
  gt_gc_stats(&st);
  if (got != N)
    fail("tokens done", got, N);
  if (collections_forced < MIN_COLLECTIONS)
    fail("collections forced (at least)", collections_forced, MIN_COLLECTIONS);
  printf("gt-cc gc identity: %ld tokens, %d hops each at least, %ld identity "
         "checks, "
         "%ld forced collections (%llu in all, %llu of them concurrent "
         "cycles)\n",
         got, HOPS, checks, collections_forced,
         (unsigned long long)st.collections, (unsigned long long)st.cycles);
}

int main(void) {
  if (gt_run(NULL, main_thread, NULL) != 0 || failures) {
    puts("gt-cc gc identity: FAIL");
    return 1;
  }
  puts("gt-cc gc identity: OK");
  return 0;
}
