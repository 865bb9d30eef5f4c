/* The concurrent collector's cycle (GT_GC=concurrent, issue 14), built by
 * gt-cc: this program sets GT_GC=concurrent itself, whatever mode
 * scripts/run-tests.py runs it in (GT_GC_VERIFY and GT_GC_TORTURE apply).
 *
 * 1. Marking runs with the mutators: mutators store into old objects (a
 *    large pointer array each and the nodes in it), allocate (also
 *    publishing a new node before filling it in, in one safepoint
 *    interval: what re-transfer is for), and compare
 *    everything with a model outside the heap every CHECK_EVERY steps,
 *    while the main thread forces CYCLES cycles. Afterwards the statistics
 *    must show that the cycles saw the mutators' writes and allocations
 *    (write-log entries replayed, objects allocated during a cycle
 *    replicated: neither can happen unless mutators ran during marking),
 *    a snapshot, a flip and a release pause per cycle (and between the
 *    first two the flips given up: every cycle's first under GT_GC_TORTURE,
 *    some with GT_GC_FLIP_BUDGET_US=1), a mark time, and with
 *    GT_GC_ASSIST_BACKLOG=0 log buffers replayed by the mutators' assists.
 * 2. Identity: each mutator also keeps a second path to one of its nodes
 *    (through another node's `other`) and checks `==` between the two
 *    paths at every step.
 * 3. Parked threads: PARKED threads each build a list, park on a channel
 *    across 3 cycles, then check their list (intact) and its address (moved,
 *    for most: an address can come back); the flip rewrote their stacks
 *    while they were parked.
 * 4. A large array of pointers (over GT_GC_LARGE_OBJECT bytes: replicated
 *    into a mapping of its own by the concurrent collector) mutated across
 *    cycles and checked against its model.
 * Prints what it counted; exits non-zero on any mismatch.
 */
#include <gt/gt.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct node GT_GC *node_ref;
struct node {
  long id; /* never changes */
  long val;
  node_ref other;
};

/* SLOTS pointers make each mutator's array a large object (over
 * GT_GC_LARGE_OBJECT bytes), which the concurrent collector replicates and
 * replays into like any other. */
#if defined(__aarch64__) /* under qemu */
enum { THREADS = 3, SLOTS = 1040, CYCLES = 6, PARKED = 500, LARGE = 2048 };
#else
enum { THREADS = 4, SLOTS = 1040, CYCLES = 12, PARKED = 5000, LARGE = 4096 };
#endif
enum { CHECK_EVERY = 997, LIST = 5 };

#include "gt_cc_model.h"

static gt_waitgroup_t done;
static gt_mutex_t lock;
static long failures, checks, identity_checks;
static int stop;

static void fail(const char *what, long a, long b) {
  gt_mutex_lock(&lock);
  if (failures++ < 10)
    printf("gt-cc gc cycle: MISMATCH %s: %ld vs %ld\n", what, a, b);
  gt_mutex_unlock(&lock);
}

static void mutator(void *arg) {
  long t = (long)(intptr_t)arg;
  struct model *m = calloc(1, sizeof *m);
  node_ref GT_GC *slots = gt_new_array(node_ref, SLOTS);
  long next = 0, local_checks = 0, local_ids = 0;
  unsigned long r = 0x9e3779b97f4a7c15ul * (unsigned long)(t + 1);
  for (int i = 0; i < SLOTS; ++i) {
    slots[i] = model_make(m, next, next * 7 + t);
    m->slot[i] = next++;
  }
  /* The second path: hub->other and slots[hub_slot] name the same node. */
  node_ref hub = model_make(m, next++, -1);
  int hub_slot = 0;
  hub->other = slots[hub_slot];
  for (long s = 1; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); ++s) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    int i = (int)(r % SLOTS), j = (int)((r >> 20) % SLOTS);
    switch ((r >> 40) % 5) {
    case 0: /* a new node into the old array */
      slots[i] = model_make(m, next, s);
      m->slot[i] = next++;
      if (i == hub_slot)
        hub->other = slots[i];
      break;
    case 4: { /* a new node published first, then filled in */
      node_ref o = slots[j];
      long oid = m->slot[j];
      node_ref n = model_make(m, next, 0);
      slots[i] = n;
      __atomic_signal_fence(__ATOMIC_SEQ_CST); /* no poll, no reordering */
      n->val = s * 5 + t;
      n->other = o;
      m->val[next] = s * 5 + t;
      m->other[next] = oid;
      m->slot[i] = next++;
      if (i == hub_slot)
        hub->other = n;
      break;
    }
    case 1: /* a value into an old node */
      slots[i]->val = s * 3 + t;
      m->val[m->slot[i]] = s * 3 + t;
      break;
    case 2: /* a pointer into an old node */
      slots[i]->other = slots[j];
      m->other[m->slot[i]] = m->slot[j];
      break;
    default: /* the hub follows another slot */
      hub_slot = j;
      hub->other = slots[j];
      break;
    }
    if (hub->other != slots[hub_slot])
      fail("identity of two paths to one node", hub->other->id,
           slots[hub_slot]->id);
    ++local_ids;
    if (s % CHECK_EVERY == 0) {
      long bad = model_mismatches(slots, m);
      if (bad)
        fail("slots against the model", bad, 0);
      ++local_checks;
    }
    if (s % 64 == 0)
      gt_yield();
  }
  long bad = model_mismatches(slots, m);
  if (bad)
    fail("slots against the model at the end", bad, 0);
  model_free(m);
  gt_mutex_lock(&lock);
  checks += local_checks + 1;
  identity_checks += local_ids;
  gt_mutex_unlock(&lock);
  gt_waitgroup_done(&done);
}

static gt_chan_t *release;
static long parked_ok, parked_moved;

static void parked(void *arg) {
  long k = (long)(intptr_t)arg;
  node_ref head = 0;
  for (long i = 0; i < LIST; ++i) {
    node_ref n = gt_new(struct node);
    n->id = k * LIST + i;
    n->val = ~n->id;
    n->other = head;
    head = n;
  }
  uintptr_t before = gt_gc_address(head);
  long v;
  gt_chan_recv(release, &v);
  /* Moved while parked, most likely: an address may come back, as blocks
   * are reused from cycle to cycle. */
  long moved = gt_gc_address(head) != before, ok = 1;
  long i = LIST - 1;
  for (node_ref n = head; n; n = n->other, --i)
    if (n->id != k * LIST + i || n->val != ~n->id)
      ok = 0;
  if (i != -1)
    ok = 0;
  gt_mutex_lock(&lock);
  parked_ok += ok;
  parked_moved += moved;
  gt_mutex_unlock(&lock);
  gt_waitgroup_done(&done);
}

static void main_thread(void *arg) {
  (void)arg;
  struct gt_gc_stats st0, st;
  gt_gc_stats(&st0);

  /* 1 and 2. */
  gt_waitgroup_add(&done, THREADS);
  for (long i = 0; i < THREADS; ++i)
    gt_detach(gt_spawn(mutator, (void *)(intptr_t)i, NULL));
  for (int c = 0; c < CYCLES; ++c) {
    gt_sleep_for(1000000);
    gt_gc_collect();
  }
  __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
  gt_waitgroup_wait(&done);
  gt_gc_stats(&st);
  long cycles = (long)(st.cycles - st0.cycles);
  if (cycles < CYCLES)
    fail("cycles counted (at least)", cycles, CYCLES);
  if (st.cycles != st.collections)
    fail("every collection a cycle", (long)st.cycles, (long)st.collections);
  if (st.replayed_entries == 0)
    fail("write-log entries replayed (mutators ran during marking)", 0, 1);
  if (st.new_objects == 0)
    fail("objects allocated during marking replicated", 0, 1);
  if (st.mark_total_ns == 0)
    fail("mark time", 0, 1);
  /* Three pauses per cycle, its snapshot, its flip and its release, of one
   * number, in that order, and between the first two the flips it gave up
   * (GT_GC_PAUSE_FLIP_ABORTED). */
  long aborted_logged = 0;
  for (uint32_t i = 0; i < st.npauses; ++i) {
    const struct gt_gc_pause *p = &st.pauses[i];
    const struct gt_gc_pause *q = i ? &st.pauses[i - 1] : NULL;
    int flip =
        p->kind == GT_GC_PAUSE_FLIP || p->kind == GT_GC_PAUSE_FLIP_ABORTED;
    aborted_logged += p->kind == GT_GC_PAUSE_FLIP_ABORTED;
    if (!flip && p->kind != GT_GC_PAUSE_SNAPSHOT &&
        p->kind != GT_GC_PAUSE_RELEASE)
      fail("pause kind", (long)p->kind, GT_GC_PAUSE_FLIP);
    if (!q || p->kind == GT_GC_PAUSE_SNAPSHOT)
      continue;
    int follows = q->collection == p->collection &&
                  (flip ? q->kind == GT_GC_PAUSE_SNAPSHOT ||
                              q->kind == GT_GC_PAUSE_FLIP_ABORTED
                        : q->kind == GT_GC_PAUSE_FLIP);
    if (!follows)
      fail("the pause before this one of its cycle", (long)p->kind,
           (long)q->kind);
  }
  /* Flips given up: under GT_GC_TORTURE every cycle's first; with a budget
   * of 1 µs (a run of scripts/run-tests.py) at least one, as the mutators'
   * stores leave a residue at every flip; whatever is in the log is
   * counted. */
  long aborts = (long)(st.flip_aborts - st0.flip_aborts);
  const char *budget = getenv("GT_GC_FLIP_BUDGET_US");
  if (getenv("GT_GC_TORTURE") && aborts < cycles)
    fail("flips given up under GT_GC_TORTURE (at least)", aborts, cycles);
  if (budget && !strcmp(budget, "1") && aborts < 1)
    fail("flips given up with a budget of 1 us (at least)", aborts, 1);
  if (aborted_logged > aborts)
    fail("flips given up, logged (at most)", aborted_logged, aborts);
  /* Assists: with GT_GC_ASSIST_BACKLOG=0 a mutator replays queued log
   * buffers at every safepoint of a marking cycle, and these mutators seal
   * a buffer every 1024 stores. */
  const char *backlog = getenv("GT_GC_ASSIST_BACKLOG");
  long assists = (long)(st.assist_buffers - st0.assist_buffers);
  if (backlog && !strcmp(backlog, "0") && assists < 1)
    fail("log buffers replayed by assists with a backlog of 0 (at least)",
         assists, 1);

  /* 3. */
  release = gt_chan_new(sizeof(long), 0);
  gt_waitgroup_add(&done, PARKED);
  for (long k = 0; k < PARKED; ++k)
    gt_detach(gt_spawn(parked, (void *)(intptr_t)k, NULL));
  gt_sleep_for(2000000);
  for (int c = 0; c < 3; ++c)
    gt_gc_collect();
  for (long k = 0; k < PARKED; ++k)
    gt_chan_send(release, &k);
  gt_waitgroup_wait(&done);
  if (parked_ok != PARKED)
    fail("parked threads whose list is intact", parked_ok, PARKED);
  if (parked_moved < PARKED / 2)
    fail("parked threads whose list moved (at least)", parked_moved,
         PARKED / 2);

  /* 4. */
  node_ref GT_GC *big = gt_new_array(node_ref, LARGE);
  long *model = calloc(LARGE, sizeof *model);
  for (long i = 0; i < LARGE; ++i) {
    node_ref n = gt_new(struct node);
    n->id = i;
    big[i] = n;
    model[i] = i;
  }
  /* Each cycle that begins after its allocation replicates it, but an
   * address may come back (a mapping freed by one cycle is reused by the
   * next: two cycles within one gt_gc_collect move it there and back), so
   * count the calls after which it is somewhere else. */
  int big_moves = 0;
  for (int c = 0; c < 3; ++c) {
    uintptr_t big_before = gt_gc_address(big);
    for (long i = 0; i < LARGE; i += 3) { /* rotate a third of the slots */
      long j = (i * 7 + c) % LARGE;
      node_ref a = big[i];
      big[i] = big[j];
      big[j] = a;
      long x = model[i];
      model[i] = model[j];
      model[j] = x;
    }
    gt_gc_collect();
    big_moves += gt_gc_address(big) != big_before;
  }
  long big_bad = 0;
  for (long i = 0; i < LARGE; ++i)
    if (big[i]->id != model[i])
      ++big_bad;
  if (big_bad)
    fail("large array against its model", big_bad, 0);
  if (big_moves < 1) /* large pointer objects are replicated */
    fail("cycles that moved the large array (at least)", big_moves, 1);
  free(model);

  gt_gc_stats(&st);
  printf("gt-cc gc cycle: %ld cycles, %llu entries replayed, %llu new objects "
         "replicated, mark %.3f ms in all, max pause %.3f ms, %llu flips "
         "given up, %llu over budget, %llu buffers replayed by assists; %ld "
         "model checks, %ld identity checks; %ld/%d parked threads' lists "
         "intact (%ld moved); large array moved by %d of 3 cycles, %ld "
         "mismatches\n",
         (long)(st.cycles - st0.cycles),
         (unsigned long long)st.replayed_entries,
         (unsigned long long)st.new_objects, st.mark_total_ns / 1e6,
         st.pause_max_ns / 1e6, (unsigned long long)st.flip_aborts,
         (unsigned long long)st.flip_overruns,
         (unsigned long long)st.assist_buffers, checks, identity_checks,
         parked_ok, PARKED, parked_moved, big_moves, big_bad);
}

int main(void) {
  setenv("GT_GC", "concurrent", 1);
  if (gt_run(NULL, main_thread, NULL) != 0 || failures) {
    puts("gt-cc gc cycle: FAIL");
    return 1;
  }
  puts("gt-cc gc cycle: OK");
  return 0;
}
