/* GC pointers held by the runtime (gt/gc.h: ref channels, gt_select_ref,
 * gt_spawn_ref), built by gt-cc, while collections move every object.
 *
 * A message is a struct msg with a linked list of 1 to 6 nodes; every field
 * is derived from the message's id, so a receiver checks the whole structure.
 * Every id is recorded in a table, and each phase checks that each of its
 * ids arrived exactly once.
 *
 * 1. Traffic: producers send through a buffered and an unbuffered ref
 *    channel (gt_chan_send_ref, and gt_select_ref with two send cases);
 *    relays forward through gt_select_ref with receive and send cases in one
 *    select, keeping up to 4 messages in a GC array; consumers receive with
 *    gt_chan_recv_ref and gt_select_ref. A collector thread forces
 *    collections all along (producers wait for one every 50 messages);
 *    everyone allocates garbage.
 * 2. Parked values: a full buffered channel, senders blocked on it (their
 *    values in their thread records), senders blocked in gt_select_ref, and
 *    receivers that were handed a value but have not run yet, across three
 *    forced collections.
 * 3. gt_spawn_ref: arguments built right before a forced collection; the
 *    child counts the arguments that moved while they waited in the
 *    runtime (between the spawn and the thread's start).
 * 4. Many parked threads (100,000 natively), each holding a list in a local
 *    and having sent a message into a channel (half sit in its buffer, half
 *    in blocked senders), across collections; afterwards every list and
 *    message is checked, and threads that moved to another executor are
 *    counted.
 * 5. Misuse, in child processes: the _ref calls on a plain channel, the
 *    plain calls on a ref channel and a select mixing them are fatal errors
 *    naming the thread.
 *
 * Run with GT_EXECUTORS executors (default: one per CPU), and by
 * scripts/run-tests.py also under GT_GC_VERIFY=1 and GT_GC_TORTURE=N
 * (which make phases 1 and 4 smaller). Prints what it counted; exits
 * non-zero on any mismatch.
 */
#include <gt/gt.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct node GT_GC *node_ref;
struct node {
  long msg, idx, val;
  node_ref next;
};
typedef struct msg GT_GC *msg_ref;
struct msg {
  long id, len, check;
  long addr; /* gt_spawn_ref: the address the parent saw */
  node_ref head;
};

#if defined(__aarch64__) /* under qemu */
enum { PRODUCERS = 6, PER_PRODUCER = 120, SPAWNS = 300, PARKED = 20000 };
#else
enum { PRODUCERS = 8, PER_PRODUCER = 500, SPAWNS = 2000, PARKED = 100000 };
#endif
enum { RELAYS = 4, CONSUMERS = 6, QCAP = 4 };
enum { XCAP = 64, XSENDERS = 32, YSENDERS = 16, ZRECEIVERS = 32 };

/* Ids by phase. */
enum {
  P1_BASE = 0,
  P1_END = P1_BASE + PRODUCERS * PER_PRODUCER,
  P2_BASE = P1_END,
  P2_END = P2_BASE + XCAP + XSENDERS + YSENDERS + ZRECEIVERS,
  P3_BASE = P2_END,
  P3_END = P3_BASE + SPAWNS,
  P4_BASE = P3_END,
  P4_END = P4_BASE + PARKED,
};

static long parked_threads = PARKED; /* smaller under GT_GC_TORTURE */
static unsigned char *seen;          /* per id */
static long failures;

#define FAIL(...)                                                              \
  do {                                                                         \
    if (__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED) <= 10) {            \
      printf("gc-ref: FAIL line %d: ", __LINE__);                              \
      printf(__VA_ARGS__);                                                     \
      putchar('\n');                                                           \
    }                                                                          \
  } while (0)
#define EXPECT(cond)                                                           \
  do {                                                                         \
    if (!(cond))                                                               \
      FAIL("%s", #cond);                                                       \
  } while (0)

static long val_of(long id, long idx) { return id * 1000003 + idx * 7919 + 17; }
static long check_of(long id, long len) { return ~(id * 31 + len); }

static msg_ref make_msg(long id) {
  long len = 1 + id % 6;
  msg_ref m = gt_new(struct msg);
  m->id = id;
  m->len = len;
  m->check = check_of(id, len);
  node_ref head = NULL;
  for (long i = len - 1; i >= 0; --i) {
    node_ref n = gt_new(struct node);
    n->msg = id;
    n->idx = i;
    n->val = val_of(id, i);
    n->next = head;
    head = n;
  }
  m->head = head;
  return m;
}

/* The message's id if every field is right, else -1. */
static long check_msg(msg_ref m) {
  if (!m)
    return -1;
  long id = m->id, len = m->len;
  if (id < 0 || len != 1 + id % 6 || m->check != check_of(id, len))
    return -1;
  node_ref n = m->head;
  for (long i = 0; i < len; ++i, n = n->next)
    if (!n || n->msg != id || n->idx != i || n->val != val_of(id, i))
      return -1;
  return n ? -1 : id;
}

/* Checks m and records its id, which must lie in [lo, hi). */
static void receive(msg_ref m, long lo, long hi) {
  long id = check_msg(m);
  if (id < lo || id >= hi) {
    FAIL("a broken message (id %ld, expected %ld..%ld)", id, lo, hi - 1);
    return;
  }
  if (__atomic_fetch_add(&seen[id], 1, __ATOMIC_RELAXED))
    FAIL("message %ld arrived twice", id);
}

/* Every id in [lo, hi) arrived exactly once; returns how many did. */
static long count_seen(long lo, long hi) {
  long n = 0;
  for (long id = lo; id < hi; ++id) {
    if (seen[id] == 1)
      ++n;
    else
      FAIL("message %ld arrived %d times", id, seen[id]);
  }
  return n;
}

/* Garbage, so that allocation collects (under GT_GC_TORTURE, often). */
static void churn(int n) {
  for (int i = 0; i < n; ++i) {
    char GT_GC *junk = gt_new_array(char, 100 + i % 200);
    junk[0] = (char)i;
  }
}

static void set_case(gt_select_ref_case GT_GC *cs, int i, gt_chan_t *c, int op,
                     void GT_GC *ref) {
  cs[i].chan = c;
  cs[i].op = op;
  cs[i].closed = 0;
  cs[i].ref = ref;
}

static uint64_t collections(void) {
  struct gt_gc_stats st;
  gt_gc_stats(&st);
  return st.collections;
}

/* --- the collector thread: forces collections until told to stop */

static int stop_collector;
static long forced;
static gt_waitgroup_t collector_done;

static void collector(void *arg) {
  (void)arg;
  while (!__atomic_load_n(&stop_collector, __ATOMIC_ACQUIRE)) {
    gt_gc_collect();
    __atomic_add_fetch(&forced, 1, __ATOMIC_RELAXED);
    gt_sleep_for(20 * 1000); /* the others run between two collections */
  }
  gt_waitgroup_done(&collector_done);
}

static void start_collector(void) {
  __atomic_store_n(&stop_collector, 0, __ATOMIC_RELEASE);
  gt_waitgroup_add(&collector_done, 1);
  gt_detach(gt_spawn(collector, NULL, NULL));
}

static void stop_the_collector(void) {
  __atomic_store_n(&stop_collector, 1, __ATOMIC_RELEASE);
  gt_waitgroup_wait(&collector_done);
}

/* --- 1. traffic */

static gt_chan_t *A, *B, *C, *D; /* A, C buffered; B, D unbuffered */
static gt_waitgroup_t producers_done, pipeline_done;
static long relays_left = RELAYS, relayed, sent_by_select;

static void producer(void *arg) {
  long p = (long)(intptr_t)arg;
  gt_select_ref_case GT_GC *cs = gt_new_array(gt_select_ref_case, 2);
  for (long j = 0; j < PER_PRODUCER; ++j) {
    msg_ref m = make_msg(P1_BASE + p * PER_PRODUCER + j);
    if (p % 2 == 0) {
      EXPECT(gt_chan_send_ref(j % 2 ? A : B, m) == GT_OK);
    } else {
      set_case(cs, 0, A, GT_SEND, m);
      set_case(cs, 1, B, GT_SEND, m);
      int k = gt_select_ref(cs, 2, 1);
      EXPECT(k == 0 || k == 1);
      __atomic_add_fetch(&sent_by_select, 1, __ATOMIC_RELAXED);
    }
    churn(j % 3);
    if (j % 50 == 49) { /* let a collection fall into the traffic */
      long f = __atomic_load_n(&forced, __ATOMIC_RELAXED);
      while (__atomic_load_n(&forced, __ATOMIC_RELAXED) == f)
        gt_sleep_for(50 * 1000);
    }
  }
  gt_waitgroup_done(&producers_done);
}

/* Receives from A and B while it has room, sends its oldest message to C or
 * D while it has one: receive and send cases in one select. */
static void relay(void *arg) {
  (void)arg;
  msg_ref GT_GC *q = gt_new_array(msg_ref, QCAP);
  gt_select_ref_case GT_GC *cs = gt_new_array(gt_select_ref_case, 4);
  int head = 0, count = 0, a_open = 1, b_open = 1;
  for (long iter = 0;; ++iter) {
    int n = 0, ia = -1, ib = -1;
    if (count < QCAP) {
      if (a_open)
        set_case(cs, ia = n++, A, GT_RECV, NULL);
      if (b_open)
        set_case(cs, ib = n++, B, GT_RECV, NULL);
    }
    int first_send = n;
    if (count > 0) {
      set_case(cs, n++, C, GT_SEND, q[head]);
      set_case(cs, n++, D, GT_SEND, q[head]);
    }
    if (n == 0)
      break;
    int k = gt_select_ref(cs, n, 1);
    if (k < 0 || k >= n) {
      FAIL("relay: gt_select_ref returned %d of %d", k, n);
      break;
    }
    if (k == ia || k == ib) {
      if (cs[k].closed) {
        EXPECT(cs[k].ref == NULL);
        if (k == ia)
          a_open = 0;
        else
          b_open = 0;
      } else {
        EXPECT(check_msg(cs[k].ref) >= 0);
        q[(head + count) % QCAP] = cs[k].ref;
        ++count;
      }
    } else {
      EXPECT(k >= first_send && !cs[k].closed);
      q[head] = NULL;
      head = (head + 1) % QCAP;
      --count;
      __atomic_add_fetch(&relayed, 1, __ATOMIC_RELAXED);
    }
    if (iter % 8 == 0)
      churn(3);
  }
  if (__atomic_sub_fetch(&relays_left, 1, __ATOMIC_ACQ_REL) == 0) {
    gt_chan_close(C);
    gt_chan_close(D);
  }
  gt_waitgroup_done(&pipeline_done);
}

static void consumer(void *arg) {
  long kind = (long)(intptr_t)arg % 3;
  if (kind < 2) {
    gt_chan_t *c = kind ? D : C;
    for (;;) {
      int st = -99;
      msg_ref m = gt_chan_recv_ref(c, &st);
      if (st == GT_CLOSED) {
        EXPECT(m == NULL);
        break;
      }
      EXPECT(st == GT_OK);
      receive(m, P1_BASE, P1_END);
      churn(1);
    }
  } else {
    gt_select_ref_case GT_GC *cs = gt_new_array(gt_select_ref_case, 2);
    int c_open = 1, d_open = 1;
    while (c_open || d_open) {
      int n = 0, ic = -1;
      if (c_open)
        set_case(cs, ic = n++, C, GT_RECV, NULL);
      if (d_open)
        set_case(cs, n++, D, GT_RECV, NULL);
      int k = gt_select_ref(cs, n, 1);
      if (k < 0 || k >= n) {
        FAIL("consumer: gt_select_ref returned %d of %d", k, n);
        break;
      }
      if (cs[k].closed) {
        EXPECT(cs[k].ref == NULL);
        if (k == ic)
          c_open = 0;
        else
          d_open = 0;
      } else {
        receive(cs[k].ref, P1_BASE, P1_END);
      }
      churn(1);
    }
  }
  gt_waitgroup_done(&pipeline_done);
}

static void traffic(void) {
  A = gt_chan_new_ref(4);
  B = gt_chan_new_ref(0);
  C = gt_chan_new_ref(2);
  D = gt_chan_new_ref(0);
  uint64_t before = collections();
  forced = 0;
  start_collector();
  gt_waitgroup_add(&producers_done, PRODUCERS);
  gt_waitgroup_add(&pipeline_done, RELAYS + CONSUMERS);
  for (long i = 0; i < CONSUMERS; ++i)
    gt_detach(gt_spawn(consumer, (void *)(intptr_t)i, NULL));
  for (long i = 0; i < RELAYS; ++i)
    gt_detach(gt_spawn(relay, NULL, NULL));
  for (long i = 0; i < PRODUCERS; ++i)
    gt_detach(gt_spawn(producer, (void *)(intptr_t)i, NULL));
  gt_waitgroup_wait(&producers_done);
  gt_chan_close(A);
  gt_chan_close(B);
  gt_waitgroup_wait(&pipeline_done);
  stop_the_collector();
  long n = count_seen(P1_BASE, P1_END);
  uint64_t during = collections() - before;
  printf("gc-ref traffic: %ld of %d messages arrived once (%ld relayed, %ld "
         "sent by select), %llu collections (%ld forced)\n",
         n, P1_END - P1_BASE, relayed, sent_by_select,
         (unsigned long long)during, forced);
  EXPECT(n == P1_END - P1_BASE && relayed == n);
  EXPECT(sent_by_select == (PRODUCERS / 2) * PER_PRODUCER);
  EXPECT(during >= PER_PRODUCER / 50);
  gt_chan_free(A);
  gt_chan_free(B);
  gt_chan_free(C);
  gt_chan_free(D);
}

/* --- 2. values parked in buffers, senders and receivers */

static gt_chan_t *X, *Y, *Y2, *Z, *Z2;
static gt_waitgroup_t parked_done;
static long started2;

static void x_sender(void GT_GC *arg) {
  msg_ref m = arg;
  __atomic_add_fetch(&started2, 1, __ATOMIC_RELAXED);
  EXPECT(gt_chan_send_ref(X, m) == GT_OK); /* X is full: parks */
  gt_waitgroup_done(&parked_done);
}

static void y_sender(void GT_GC *arg) {
  gt_select_ref_case GT_GC *cs = gt_new_array(gt_select_ref_case, 2);
  set_case(cs, 0, Y, GT_SEND, arg);
  set_case(cs, 1, Y2, GT_SEND, arg);
  __atomic_add_fetch(&started2, 1, __ATOMIC_RELAXED);
  int k = gt_select_ref(cs, 2, 1); /* nobody receives yet: parks */
  EXPECT(k == 0 || k == 1);
  gt_waitgroup_done(&parked_done);
}

static void z_receiver(void *arg) {
  long i = (long)(intptr_t)arg;
  msg_ref m;
  __atomic_add_fetch(&started2, 1, __ATOMIC_RELAXED);
  if (i % 2 == 0) {
    int st = -99;
    m = gt_chan_recv_ref(Z, &st);
    EXPECT(st == GT_OK);
  } else {
    gt_select_ref_case GT_GC *cs = gt_new_array(gt_select_ref_case, 2);
    set_case(cs, 0, Z2, GT_RECV, NULL);
    set_case(cs, 1, Z, GT_RECV, NULL);
    int k = gt_select_ref(cs, 2, 1);
    EXPECT(k == 1 && !cs[1].closed);
    m = cs[1].ref;
  }
  receive(m, P2_BASE, P2_END);
  gt_waitgroup_done(&parked_done);
}

static void parked_values(void) {
  X = gt_chan_new_ref(XCAP);
  Y = gt_chan_new_ref(0);
  Y2 = gt_chan_new_ref(0);
  Z = gt_chan_new_ref(0);
  Z2 = gt_chan_new_ref(1);
  long id = P2_BASE;
  for (int i = 0; i < XCAP; ++i) /* fills X's buffer */
    EXPECT(gt_chan_send_ref(X, make_msg(id++)) == GT_OK);
  int n = XSENDERS + YSENDERS + ZRECEIVERS;
  gt_waitgroup_add(&parked_done, n);
  for (int i = 0; i < XSENDERS; ++i)
    gt_detach(gt_spawn_ref(x_sender, make_msg(id++), NULL));
  for (int i = 0; i < YSENDERS; ++i)
    gt_detach(gt_spawn_ref(y_sender, make_msg(id++), NULL));
  for (long i = 0; i < ZRECEIVERS; ++i)
    gt_detach(gt_spawn(z_receiver, (void *)(intptr_t)i, NULL));
  while (__atomic_load_n(&started2, __ATOMIC_RELAXED) < n)
    gt_yield();
  gt_sleep_for(20 * 1000 * 1000); /* all have parked by now */
  /* Each value goes straight into a parked receiver's slot; on one executor
   * none of them runs before the collections below. */
  for (int i = 0; i < ZRECEIVERS; ++i)
    EXPECT(gt_chan_send_ref(Z, make_msg(id++)) == GT_OK);
  uint64_t before = collections();
  for (int i = 0; i < 3; ++i) {
    churn(200);
    gt_gc_collect();
  }
  uint64_t during = collections() - before;
  for (int i = 0; i < XCAP + XSENDERS; ++i) {
    int st = -99;
    msg_ref m = gt_chan_recv_ref(X, &st);
    EXPECT(st == GT_OK);
    receive(m, P2_BASE, P2_END);
  }
  gt_select_ref_case GT_GC *cs = gt_new_array(gt_select_ref_case, 2);
  for (int i = 0; i < YSENDERS; ++i) {
    set_case(cs, 0, Y, GT_RECV, NULL);
    set_case(cs, 1, Y2, GT_RECV, NULL);
    int k = gt_select_ref(cs, 2, 1);
    EXPECT((k == 0 || k == 1) && !cs[k].closed);
    receive(k == 0 || k == 1 ? cs[k].ref : NULL, P2_BASE, P2_END);
  }
  gt_waitgroup_wait(&parked_done);
  long got = count_seen(P2_BASE, P2_END);
  printf("gc-ref parked: %ld of %d values parked in a buffer, senders and "
         "receivers arrived once, across %llu collections\n",
         got, P2_END - P2_BASE, (unsigned long long)during);
  EXPECT(got == P2_END - P2_BASE && during >= 3);
  EXPECT(id == P2_END);
  gt_chan_free(X);
  gt_chan_free(Y);
  gt_chan_free(Y2);
  gt_chan_free(Z);
  gt_chan_free(Z2);
}

/* --- 3. gt_spawn_ref */

static gt_waitgroup_t spawned_done;
static long moved_args;

static void spawned(void GT_GC *arg) {
  msg_ref m = arg;
  if (m && m->addr != (long)(uintptr_t)m) /* moved since the spawn */
    __atomic_add_fetch(&moved_args, 1, __ATOMIC_RELAXED);
  churn(2);
  receive(m, P3_BASE, P3_END);
  gt_waitgroup_done(&spawned_done);
}

/* The same check, for the extra rounds (whose ids repeat). */
static void spawned_again(void GT_GC *arg) {
  msg_ref m = arg;
  if (m && m->addr != (long)(uintptr_t)m)
    __atomic_add_fetch(&moved_args, 1, __ATOMIC_RELAXED);
  long id = check_msg(m);
  if (id < P3_BASE || id >= P3_END)
    FAIL("a broken gt_spawn_ref argument (id %ld)", id);
  gt_waitgroup_done(&spawned_done);
}

static void spawn_args(void) {
  uint64_t before = collections();
  forced = 0;
  start_collector(); /* on other executors, collections can fall between a
                        spawn and the thread's start */
  gt_waitgroup_add(&spawned_done, SPAWNS);
  for (long i = 0; i < SPAWNS; ++i) {
    msg_ref m = make_msg(P3_BASE + i);
    if (i % 100 == 0) { /* the argument lives in our frame across this */
      churn(100);
      gt_gc_collect();
    }
    m->addr = (long)(uintptr_t)m;
    gt_detach(gt_spawn_ref(spawned, m, NULL));
  }
  gt_waitgroup_wait(&spawned_done);
  /* A collection falls between a spawn and the thread's start only when
   * another executor asks for it while we run (a spawn runs the child at
   * once): with more than one executor, spawn on for a while to give that a
   * chance. Whether it happened depends on timing, so it is reported, not
   * required; every argument that did move was checked by spawned(). */
  long extra = 0;
  uint64_t deadline = gt_now_ns() + 2000000000ull;
  while (gt_executor_count() > 1 &&
         !__atomic_load_n(&moved_args, __ATOMIC_RELAXED) &&
         gt_now_ns() < deadline) {
    gt_waitgroup_add(&spawned_done, 100);
    for (int i = 0; i < 100; ++i, ++extra) {
      msg_ref m = make_msg(P3_BASE + extra % SPAWNS);
      m->addr = (long)(uintptr_t)m;
      gt_detach(gt_spawn_ref(spawned_again, m, NULL));
    }
    gt_waitgroup_wait(&spawned_done);
  }
  stop_the_collector();
  long got = count_seen(P3_BASE, P3_END);
  uint64_t during = collections() - before;
  printf("gc-ref spawn: %ld of %d arguments arrived intact (and %ld more), "
         "%llu collections, %s arguments moved before their thread started\n",
         got, SPAWNS, extra, (unsigned long long)during,
         moved_args ? "some" : "no");
  EXPECT(got == SPAWNS && during >= SPAWNS / 100);
}

/* --- 4. many parked threads */

typedef struct lnode GT_GC *lnode_ref;
struct lnode {
  long v;
  lnode_ref next;
};

static gt_chan_t *big, *go;
static gt_waitgroup_t many_done;
static long attempted, sent4, lists_ok, woken_closed, migrated;

static lnode_ref make_list(long id) {
  lnode_ref l = NULL;
  for (long i = 0; i < 3; ++i) {
    lnode_ref n = gt_new(struct lnode);
    n->v = id * 3 + i;
    n->next = l;
    l = n;
  }
  return l;
}

static int check_list(lnode_ref l, long id) {
  for (long i = 2; i >= 0; --i, l = l->next)
    if (!l || l->v != id * 3 + i)
      return 0;
  return l == NULL;
}

static void many(void *arg) {
  long id = (long)(intptr_t)arg;
  lnode_ref list = make_list(id); /* a local: the stack map keeps it */
  msg_ref m = make_msg(id);
  uint32_t exec = gt_self_mailbox()->executor_id;
  __atomic_add_fetch(&attempted, 1, __ATOMIC_RELAXED);
  /* The first half fills big's buffer, the rest park as senders. */
  EXPECT(gt_chan_send_ref(big, m) == GT_OK);
  __atomic_add_fetch(&sent4, 1, __ATOMIC_RELAXED);
  int st = -99;
  msg_ref none = gt_chan_recv_ref(go, &st); /* parks until go closes */
  EXPECT(st == GT_CLOSED && none == NULL);
  if (st == GT_CLOSED)
    __atomic_add_fetch(&woken_closed, 1, __ATOMIC_RELAXED);
  if (check_list(list, id))
    __atomic_add_fetch(&lists_ok, 1, __ATOMIC_RELAXED);
  if (gt_self_mailbox()->executor_id != exec)
    __atomic_add_fetch(&migrated, 1, __ATOMIC_RELAXED);
  gt_waitgroup_done(&many_done);
}

static void many_parked(void) {
  long n = parked_threads;
  big = gt_chan_new_ref((size_t)n / 2);
  go = gt_chan_new_ref(0);
  gt_attr compact = {0, NULL, GT_ATTR_COMPACT};
  uint64_t before = collections();
  gt_waitgroup_add(&many_done, n);
  for (long i = 0; i < n; ++i)
    gt_detach(gt_spawn(many, (void *)(intptr_t)(P4_BASE + i), &compact));
  while (__atomic_load_n(&attempted, __ATOMIC_RELAXED) < n)
    gt_yield();
  gt_sleep_for(20 * 1000 * 1000);
  /* n/2 values in big's buffer, n/2 in parked senders' records. */
  for (int i = 0; i < 3; ++i) {
    churn(100);
    gt_gc_collect();
  }
  for (long i = 0; i < n; ++i) {
    int st = -99;
    msg_ref m = gt_chan_recv_ref(big, &st);
    EXPECT(st == GT_OK);
    receive(m, P4_BASE, P4_BASE + n);
  }
  /* Now every thread parks on go, holding its list. */
  while (__atomic_load_n(&sent4, __ATOMIC_RELAXED) < n)
    gt_yield();
  for (int i = 0; i < 2; ++i) {
    churn(100);
    gt_gc_collect();
  }
  gt_chan_close(go);
  gt_waitgroup_wait(&many_done);
  long got = count_seen(P4_BASE, P4_BASE + n);
  uint64_t during = collections() - before;
  printf("gc-ref many: %ld parked threads: %ld messages arrived once, %ld "
         "lists intact, %ld woken by close, %llu collections, %ld moved to "
         "another executor\n",
         n, got, lists_ok, woken_closed, (unsigned long long)during, migrated);
  EXPECT(got == n && lists_ok == n && woken_closed == n && during >= 5);
  EXPECT(migrated > 0 || gt_executor_count() == 1);
  gt_chan_free(big);
  gt_chan_free(go);
}

static void timed(const char *what, void (*phase)(void)) {
  uint64_t t0 = gt_now_ns();
  phase();
  printf("gc-ref %s: %.0f ms\n", what, (double)(gt_now_ns() - t0) / 1e6);
}

static void main_thread(void *arg) {
  (void)arg;
  timed("traffic", traffic);
  timed("parked", parked_values);
  timed("spawn", spawn_args);
  timed("many", many_parked);
}

/* --- 5. misuse */

static void send_ref_on_plain(void *arg) {
  (void)arg;
  gt_set_name("misuser");
  gt_chan_t *c = gt_chan_new(sizeof(long), 1);
  gt_chan_send_ref(c, make_msg(1));
}

static void recv_on_ref(void *arg) {
  (void)arg;
  gt_chan_t *c = gt_chan_new_ref(1);
  long v;
  gt_chan_recv(c, &v);
}

static void select_mixed(void *arg) {
  (void)arg;
  gt_select_ref_case GT_GC *cs = gt_new_array(gt_select_ref_case, 2);
  set_case(cs, 0, gt_chan_new_ref(1), GT_RECV, NULL);
  set_case(cs, 1, gt_chan_new(sizeof(long), 1), GT_RECV, NULL);
  gt_select_ref(cs, 2, 0);
}

static void expect_fatal(const char *what, void (*body)(void *),
                         const char *want) {
  int fds[2];
  fflush(stdout);
  if (pipe(fds) != 0) {
    FAIL("pipe");
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    gt_config cfg = {1, 0, 0, 0, 0};
    gt_run(&cfg, body, NULL);
    _exit(0);
  }
  close(fds[1]);
  char err[1024];
  size_t len = 0;
  for (ssize_t r; len < sizeof err - 1 &&
                  (r = read(fds[0], err + len, sizeof err - 1 - len)) > 0;)
    len += (size_t)r;
  err[len] = 0;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  int ok = WIFSIGNALED(status) && strstr(err, want) &&
           strstr(err, "[in green thread");
  printf("gc-ref misuse: %s: %s -> %s", ok ? "ok" : "FAILED", what,
         len ? err : "(no message)\n");
  if (!ok)
    FAIL("expected a fatal error containing \"%s\"", want);
}

int main(void) {
  const char *torture = getenv("GT_GC_TORTURE");
  if (torture && atoi(torture) > 0) /* every allocation takes the slow path */
    parked_threads = PARKED / 10;
  seen = calloc(P4_END, 1);
  const char *ex = getenv("GT_EXECUTORS");
  gt_config cfg = {ex ? (unsigned)atoi(ex) : 0, 0, 0, 0, 0};
  cfg.compact_threshold = 1000; /* the parked threads take turns on stacks */
  if (!seen || gt_run(&cfg, main_thread, NULL) != 0)
    FAIL("setup");
  expect_fatal("gt_chan_send_ref on a plain channel", send_ref_on_plain,
               "gt_chan_send_ref: channel");
  expect_fatal("gt_chan_recv on a ref channel", recv_on_ref,
               "gt_chan_recv: channel");
  expect_fatal("gt_select_ref with a plain channel", select_mixed,
               "gt_select_ref: channel");
  if (failures) {
    printf("gc-ref: FAIL (%ld mismatches)\n", failures);
    return 1;
  }
  puts("gc-ref: OK");
  return 0;
}
