/* The concurrent collector's flip does not touch parked threads (issue 14,
 * step 7: the lazy flip), built by gt-cc; it sets GT_GC=concurrent itself,
 * whatever mode scripts/run-tests.py runs it in.
 *
 * Two rounds, FEW then MANY parked threads. Each parked thread builds a
 * list of LIST nodes and parks holding its head: in a stack slot (parked in
 * gt_chan_recv on a plain channel), or, every SENDER_EVERY-th thread, in
 * the runtime's element slot of its record as well (parked in
 * gt_chan_send_ref, sending its head). With all of them parked the main
 * thread forces CYCLES cycles and reads the pause log; then it receives
 * every sender's head (which must be the sender's current head: identity
 * across the flips) and releases the others, and every thread checks its
 * list, which must be intact and, for most, moved.
 *
 * The check: the median flip pause, and the median snapshot pause (the
 * cycle's first stop), with MANY parked threads are at most 3x those with
 * FEW, plus 2 ms. A flip that rewrote every parked stack
 * (step 6's) takes about a microsecond per thread, 100 ms for MANY here,
 * so the bound tells the two apart with a wide margin for a loaded machine.
 * Under GT_GC_VERIFY the pauses check the whole heap and every stack, and
 * under GT_GC_TORTURE cycles run back to back: there the rounds are smaller
 * and the pauses are printed, not compared. The release pauses are printed too.
 * Issue 14's million parked threads are benchmarks/gc's (gcpause threads N
 * under GT_GC=concurrent).
 */
#include <gt/gt.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct node GT_GC *node_ref;
struct node {
  long id;
  node_ref next;
};

#if defined(__aarch64__) /* under qemu */
enum { FEW = 200, MANY = 5000 };
#else
enum { FEW = 1000, MANY = 100000 };
#endif
/* Under GT_GC_VERIFY and GT_GC_TORTURE (untimed: every release checks
 * every stack, or cycles run back to back, each scanning every thread). */
enum { FEW_CHECKED = 200, MANY_CHECKED = 5000 };
enum { LIST = 3, CYCLES = 5, SENDER_EVERY = 10 };

static gt_chan_t *release;  /* plain: the receivers park here */
static gt_chan_t *handover; /* ref: the senders park here */
static gt_waitgroup_t parked, done;
static gt_mutex_t lock;
static long failures, intact, moved;

static void fail(const char *what, double a, double b) {
  gt_mutex_lock(&lock);
  if (failures++ < 10)
    printf("gt-cc gc parked flip: MISMATCH %s: %g vs %g\n", what, a, b);
  gt_mutex_unlock(&lock);
}

static node_ref make_list(long k) {
  node_ref head = 0;
  for (long i = 0; i < LIST; ++i) {
    node_ref n = gt_new(struct node);
    n->id = k * LIST + i;
    n->next = head;
    head = n;
  }
  return head;
}

static long list_ok(node_ref head, long k) {
  long i = LIST - 1;
  for (node_ref n = head; n; n = n->next, --i)
    if (i < 0 || n->id != k * LIST + i)
      return 0;
  return i == -1;
}

static void parker(void *arg) {
  long k = (long)(intptr_t)arg;
  node_ref head = make_list(k);
  uintptr_t before = gt_gc_address(head);
  gt_waitgroup_done(&parked);
  if (k % SENDER_EVERY == 0) {
    if (gt_chan_send_ref(handover, head) != GT_OK)
      fail("gt_chan_send_ref", 0, GT_OK);
  } else {
    long v;
    gt_chan_recv(release, &v);
  }
  long ok = list_ok(head, k), m = gt_gc_address(head) != before;
  gt_mutex_lock(&lock);
  intact += ok;
  moved += m;
  gt_mutex_unlock(&lock);
  gt_waitgroup_done(&done);
}

static void sort_u64(uint64_t *a, int n) { /* n <= GT_GC_PAUSE_LOG */
  for (int i = 1; i < n; ++i)
    for (int j = i; j > 0 && a[j - 1] > a[j]; --j) {
      uint64_t x = a[j];
      a[j] = a[j - 1];
      a[j - 1] = x;
    }
}

/* Receives `count` senders' heads from `handover` and checks each (every
 * sender's list arrives once, whichever sender it is). */
static void take(long count) {
  for (long i = 0; i < count; ++i) {
    node_ref head = gt_chan_recv_ref(handover, NULL);
    long owner = head ? head->id / LIST : -1;
    if (!head || owner % SENDER_EVERY || !list_ok(head, owner))
      fail("a received list's owner", (double)owner, 0);
  }
}

/* While the cycles run: half of the senders' heads, each taken from a
 * parked sender's record (marking: the transfer barrier; between a flip
 * and its release: the runtime's read barrier, ref_load). */
static void taker(void *arg) {
  take((long)(intptr_t)arg);
  gt_waitgroup_done(&done);
}

/* The median pause of each kind (ms) and the largest flip of the cycles
 * counted after `first`, from the pause log. */
struct medians {
  double snapshot, flip, release, flip_max;
};
static struct medians pauses(uint64_t first) {
  struct medians m = {0, 0, 0, 0};
  struct gt_gc_stats st;
  gt_gc_stats(&st);
  uint64_t k[3][GT_GC_PAUSE_LOG];
  int nk[3] = {0, 0, 0};
  for (uint32_t i = 0; i < st.npauses; ++i) {
    const struct gt_gc_pause *p = &st.pauses[i];
    if (p->collection < first)
      continue;
    if (p->kind == GT_GC_PAUSE_FLIP_ABORTED)
      continue; /* a flip given up: its residue ran past the budget */
    int j = p->kind == GT_GC_PAUSE_SNAPSHOT  ? 0
            : p->kind == GT_GC_PAUSE_FLIP    ? 1
            : p->kind == GT_GC_PAUSE_RELEASE ? 2
                                             : -1;
    if (j < 0)
      fail("pause kind (a concurrent cycle's)", p->kind, GT_GC_PAUSE_FLIP);
    else
      k[j][nk[j]++] = p->duration_ns;
  }
  for (int j = 0; j < 3; ++j)
    if (nk[j] < CYCLES) {
      fail("pauses of a kind logged (snapshot, flip, release)", j, nk[j]);
      return m;
    }
  for (int j = 0; j < 3; ++j)
    sort_u64(k[j], nk[j]);
  m.snapshot = k[0][nk[0] / 2] / 1e6;
  m.flip = k[1][nk[1] / 2] / 1e6;
  m.release = k[2][nk[2] / 2] / 1e6;
  m.flip_max = k[1][nk[1] - 1] / 1e6;
  return m;
}

/* One round with n parked threads; its median pauses. */
static struct medians round_of(long n) {
  struct medians none = {0, 0, 0, 0};
  intact = moved = 0;
  gt_waitgroup_add(&parked, n);
  gt_waitgroup_add(&done, n);
  for (long k = 0; k < n; ++k) {
    gt_thread_t t = gt_spawn(parker, (void *)(intptr_t)k, NULL);
    if (!t) {
      fail("gt_spawn", (double)k, (double)n);
      return none;
    }
    gt_detach(t);
  }
  gt_waitgroup_wait(&parked);
  gt_sleep_for(2000000); /* the last ones reach their channel */
  struct gt_gc_stats st;
  gt_gc_stats(&st);
  uint64_t first = st.collections + 1;
  long senders = (n + SENDER_EVERY - 1) / SENDER_EVERY;
  gt_waitgroup_add(&done, 1);
  gt_detach(gt_spawn(taker, (void *)(intptr_t)(senders / 2), NULL));
  for (int c = 0; c < CYCLES; ++c)
    gt_gc_collect();
  struct medians m = pauses(first);
  take(senders - senders / 2);
  for (long k = 0; k < n - senders; ++k)
    gt_chan_send(release, &k);
  gt_waitgroup_wait(&done);
  if (intact != n)
    fail("parked threads whose list is intact", (double)intact, (double)n);
  if (moved < n / 2)
    fail("parked threads whose list moved (at least)", (double)moved,
         (double)n / 2);
  printf("gt-cc gc parked flip: %ld parked threads: median pauses %.3f ms "
         "(snapshot), %.3f ms (flip; max %.3f), %.3f ms (release); %ld lists "
         "intact, %ld moved\n",
         n, m.snapshot, m.flip, m.flip_max, m.release, intact, moved);
  return m;
}

static void main_thread(void *arg) {
  (void)arg;
  release = gt_chan_new(sizeof(long), 0);
  handover = gt_chan_new_ref(0);
  int timed = !getenv("GT_GC_VERIFY") && !getenv("GT_GC_TORTURE");
  struct medians few = round_of(timed ? FEW : FEW_CHECKED);
  struct medians many = round_of(timed ? MANY : MANY_CHECKED);
  if (timed && many.flip > 3 * few.flip + 2.0)
    fail("flip pause (ms) with many parked threads, over 3x that with few "
         "+ 2 ms",
         many.flip, few.flip);
  if (timed && many.snapshot > 3 * few.snapshot + 2.0)
    fail("snapshot pause (ms) with many parked threads, over 3x that with "
         "few + 2 ms",
         many.snapshot, few.snapshot);
  gt_chan_free(release);
  gt_chan_free(handover);
}

int main(void) {
  setenv("GT_GC", "concurrent", 1);
  if (gt_run(NULL, main_thread, NULL) != 0 || failures) {
    puts("gt-cc gc parked flip: FAIL");
    return 1;
  }
  puts("gt-cc gc parked flip: OK");
  return 0;
}
