/* service.c: a service-like workload for the collector's pauses (issue 14),
 * gt through gt-cc. service.go and Service.java do the same work; run.py
 * runs all three and prints one table.
 *
 *   gc-service LIVE_MIB SESSIONS SECONDS RATE [WORKERS [STALL_US]]
 *
 * What it models: a server whose long-lived state is a hash map of small
 * trees (LIVE_MIB MiB in all, sessions included, in this runtime's layout),
 * SESSIONS client sessions that are parked green threads each holding a
 * small GC object graph on its stack, and request workers that allocate
 * short-lived garbage and mutate the map and the sessions at a steady rate.
 * What it measures: every pause (the time a green thread is held up by the
 * collector), the minimum mutator utilization seen by a progress probe, peak
 * RSS against the live size (run.py, from rusage), and requests per second.
 *
 * The workload (the same in all three; every value is a function of the
 * arguments, so any run can be replayed: `service.go replay`):
 *   mix(x)    splitmix64's finalizer of x + 0x9E3779B97F4A7C15; a worker's
 *             random numbers are mix(s) with s starting at mix(1000 + w) and
 *             advancing by 0x9E3779B97F4A7C15 (all arithmetic mod 2^64).
 *   node      {left, right, val, aux}; build(d, v) is a complete tree of
 *             depth d: a node with val v and, for d > 0, the children
 *             build(d-1, mix(v)) and build(d-1, mix(v ^ 1)); sum(t) adds
 *             val + aux over the tree.
 *   map       ENTRIES entries {key, version, sum, tree, next} chained in a
 *             power-of-two bucket array (no resizing); entry i has key mix(i),
 *             tree build(3, key) (15 nodes), sum = sum(tree). ENTRIES is what
 *             is left of LIVE_MIB after the sessions, at 792 bytes an entry
 *             (a 64-byte entry, 15 48-byte nodes, its bucket slot), at least
 *             WORKERS.
 *   session   s (of SESSIONS) holds {id, count, acc, items}, items a list of
 *             two {next, val} (initially vals 2s and 2s + 1): 112 bytes. It
 *             parks receiving from its own channel; on a message m: count++,
 *             acc = acc * 31 + m, a new item with val m ^ count goes at the
 *             head and the list is cut back to two (the old second item is
 *             garbage). Its checksum: count * 0x100000001B3 + acc + the vals.
 *   workers   WORKERS of them (default one per executor). Worker w owns the
 *             entries i = w (mod WORKERS) and the sessions s = w (mod
 *             WORKERS), so the final state does not depend on how the
 *             workers interleave, only on how many requests each made. Its
 *             k-th request: x = next(); garbage = build(4, x) (31 nodes,
 *             dropped), acc_w += sum(garbage); entry i = w + W * (x mod n_w)
 *             (n_w: entries worker w owns) looked up by key; a response
 *             buffer of 512 words (4 KiB, no pointers) gets x and
 *             sum(garbage) in its first and last word and replaces the
 *             oldest of the worker's RECENT = 4 last responses; y = next();
 *             level = 1 + y mod 3; from the root go down level - 1 times,
 *             right if bit (8 + l) of y is set at step l = 1, 2..; replace
 *             the child there (right if bit 8 of y is set) with
 *             build(3 - level, y ^ version); version++; root.aux += y >> 40;
 *             sum = sum(tree). When k mod 8 == 7 it sends y to session
 *             w + W * ((y >> 16) mod m_w) (m_w: sessions worker w owns).
 *             Requests are paced: a worker does RATE / WORKERS per second,
 *             in 1 ms ticks (it sleeps until the next tick once it has done
 *             those due, and catches up after a pause), and yields once it
 *             has run UNIT_NS (20 us) since it last did, as a probe does.
 *             It runs for 1 s of warm-up and then SECONDS.
 *   result    checksum <map> <sessions> <workers>: the sum over entries of
 *             sum + version * 0x9E3779B97F4A7C15 (each entry's sum checked
 *             against its tree), the sum of the sessions' checksums, the sum
 *             of the workers' acc; printed in hex with the requests per worker.
 *
 * Pauses. Every pause from gt_gc_stats' log (the world asked to stop until
 * every executor went back to scheduling: the time every green thread is
 * held up; one per stop-the-world collection, three per concurrent cycle
 * and one per flip it gave up),
 * read by a monitor thread every 20 ms (the log keeps the last
 * GT_GC_PAUSE_LOG; a lost entry is an error). Printed as
 * `pause <start ns> <duration ns> <collection>` for those that start in the
 * window; run.py checks each against GT_GC_TRACE's line.
 *
 * The progress probe (language-neutral, the same in all three): one probe
 * thread per executor (here green threads, the collector's victims like any
 * other) repeats a unit of work (UNIT_NS = 20 us of a dependent arithmetic
 * chain, the iteration count calibrated at start), reads the clock after
 * each unit and yields. A gap between two consecutive readings longer than
 * STALL_US (default 100) is a stall: the probe made no progress from the
 * first reading to the second (the unit it did in between is counted as
 * lost too). Stalls are kept in a preallocated array and printed as
 * `stall <probe> <from ns> <to ns>`; run.py computes MMU(w), the minimum over
 * every window of length w inside the measured window of the fraction not
 * covered by stalls, per probe, and reports the worst probe. Other mutator
 * work delays a probe too (a request between two units), but by far less
 * than STALL_US; a stall also counts time the OS gave to another process.
 *
 * Live size: a collection forced after the window (gt_gc_collect) and its
 * live bytes, printed as `live_bytes`.
 */
#include <gt/gc.h>
#include <gt/gt.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t u64;

typedef struct node GT_GC *node_ref;
struct node {
  node_ref left, right;
  u64 val, aux;
};

typedef struct entry GT_GC *entry_ref;
struct entry {
  u64 key, version, sum;
  node_ref tree;
  entry_ref next;
};

typedef struct item GT_GC *item_ref;
struct item {
  item_ref next;
  u64 val;
};

typedef struct session GT_GC *session_ref;
struct session {
  u64 id, count, acc;
  item_ref items;
};

/* What a worker gets (through gt_spawn_ref): the map and its number. */
typedef u64 GT_GC *buf_ref;
typedef struct wctx GT_GC *wctx_ref;
struct wctx {
  entry_ref GT_GC *buckets;
  u64 id;
};

#define GOLDEN 0x9E3779B97F4A7C15ull
enum {
  ENTRY_BYTES = 792,
  SESSION_BYTES = 112,
  TREE_DEPTH = 3,
  GARBAGE_DEPTH = 4,
  SEND_EVERY = 8,
  RESPONSE_WORDS = 512,
  RECENT = 4,
  MAX_WORKERS = 256,
  MAX_STALLS = 1 << 17,
  MAX_PAUSES = 1 << 16,
};
static const u64 UNIT_NS = 20000, TICK_NS = 1000000, WARMUP_NS = 1000000000;

static u64 mix(u64 x) {
  u64 z = x + GOLDEN;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static node_ref build(int depth, u64 v) {
  node_ref n = gt_new(struct node);
  n->val = v;
  if (depth > 0) {
    node_ref l = build(depth - 1, mix(v));
    n->left = l;
    node_ref r = build(depth - 1, mix(v ^ 1));
    n->right = r;
  }
  return n;
}

static u64 tree_sum(node_ref n) {
  return n ? n->val + n->aux + tree_sum(n->left) + tree_sum(n->right) : 0;
}

/* --- parameters and shared plain state (no GC pointers) */
static long live_mib, nsessions, seconds, rate, nworkers, stall_us = 100;
static u64 nentries, nbuckets, unit_iters;
static u64 start_ns, window_ns, end_ns;
static gt_chan_t **chans;
static u64 requests[MAX_WORKERS], worker_acc[MAX_WORKERS];
static u64 session_sum, errors;
static gt_mutex_t lock;
static gt_waitgroup_t sessions_parked, sessions_done;
/* Where each session's object escapes to: otherwise the compiler, which
 * knows that a new object is seen by nobody else, may keep its fields in
 * registers (as gcpause.c says). */
static volatile uintptr_t escape;

static void add_error(void) { __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED); }

/* --- the map */
static entry_ref lookup(entry_ref GT_GC *buckets, u64 key) {
  for (entry_ref e = buckets[key & (nbuckets - 1)]; e; e = e->next)
    if (e->key == key)
      return e;
  return 0;
}

static entry_ref GT_GC *build_map(void) {
  entry_ref GT_GC *buckets = gt_new_array(entry_ref, nbuckets);
  for (u64 i = 0; i < nentries; ++i) {
    entry_ref e = gt_new(struct entry);
    u64 key = mix(i);
    e->key = key;
    node_ref t = build(TREE_DEPTH, key);
    e->tree = t;
    e->sum = tree_sum(t);
    u64 b = key & (nbuckets - 1);
    e->next = buckets[b];
    buckets[b] = e;
  }
  return buckets;
}

static u64 map_checksum(entry_ref GT_GC *buckets) {
  u64 c = 0, n = 0;
  for (u64 b = 0; b < nbuckets; ++b)
    for (entry_ref e = buckets[b]; e; e = e->next) {
      if (tree_sum(e->tree) != e->sum)
        add_error();
      c += e->sum + e->version * GOLDEN;
      ++n;
    }
  if (n != nentries)
    add_error();
  return c;
}

/* --- sessions: parked threads holding GC data */
static void session_main(void *arg) {
  u64 id = (u64)(uintptr_t)arg;
  session_ref s = gt_new(struct session);
  s->id = id;
  item_ref second = gt_new(struct item);
  second->val = 2 * id + 1;
  item_ref first = gt_new(struct item);
  first->val = 2 * id;
  first->next = second;
  s->items = first;
  escape = (uintptr_t)gt_gc_raw(s);
  gt_waitgroup_add(&sessions_parked, -1);
  u64 m;
  while (gt_chan_recv(chans[id], &m) == GT_OK) { /* parked here */
    s->count += 1;
    s->acc = s->acc * 31 + m;
    item_ref it = gt_new(struct item);
    it->val = m ^ s->count;
    it->next = s->items;
    s->items = it;
    it->next->next = 0;
  }
  u64 c = s->count * 0x100000001B3ull + s->acc;
  for (item_ref it = s->items; it; it = it->next)
    c += it->val;
  if (s->id != id)
    add_error();
  gt_mutex_lock(&lock);
  session_sum += c;
  gt_mutex_unlock(&lock);
  gt_waitgroup_add(&sessions_done, -1);
}

/* --- request workers */
static u64 owned(u64 total, u64 w) { return (total - w + nworkers - 1) / nworkers; }

static void request(entry_ref GT_GC *buckets, buf_ref GT_GC *recent, u64 w,
                    u64 k, u64 *state) {
  u64 x = mix(*state);
  *state += GOLDEN;
  node_ref garbage = build(GARBAGE_DEPTH, x);
  u64 gsum = tree_sum(garbage);
  worker_acc[w] += gsum;
  buf_ref response = gt_new_array(u64, RESPONSE_WORDS);
  response[0] = x;
  response[RESPONSE_WORDS - 1] = gsum;
  recent[k % RECENT] = response;
  u64 i = w + nworkers * (x % owned(nentries, w));
  entry_ref e = lookup(buckets, mix(i));
  u64 y = mix(*state);
  *state += GOLDEN;
  if (!e) {
    add_error();
    return;
  }
  int level = 1 + (int)(y % 3);
  node_ref p = e->tree;
  for (int l = 1; l < level; ++l)
    p = (y >> (8 + l)) & 1 ? p->right : p->left;
  node_ref sub = build(TREE_DEPTH - level, y ^ e->version);
  if ((y >> 8) & 1)
    p->right = sub;
  else
    p->left = sub;
  e->version += 1;
  e->tree->aux += y >> 40;
  e->sum = tree_sum(e->tree);
  if (k % SEND_EVERY == SEND_EVERY - 1) {
    u64 s = w + nworkers * ((y >> 16) % owned(nsessions, w));
    gt_chan_send(chans[s], &y);
  }
}

static void worker_main(void GT_GC *arg) {
  wctx_ref ctx = (wctx_ref)arg;
  entry_ref GT_GC *buckets = ctx->buckets;
  u64 w = ctx->id, state = mix(1000 + w), done = 0;
  buf_ref GT_GC *recent = gt_new_array(buf_ref, RECENT);
  double per_ns = (double)rate / nworkers / 1e9;
  for (;;) {
    u64 now = gt_now_ns();
    if (now >= end_ns)
      break;
    u64 due = (u64)((now - start_ns) * per_ns), slice = now;
    while (done < due) {
      request(buckets, recent, w, done, &state);
      ++done;
      u64 t = gt_now_ns();
      if (t >= end_ns)
        break;
      if (t - slice >= UNIT_NS) { /* share the executor as a probe does */
        gt_yield();
        slice = gt_now_ns();
      }
    }
    u64 next_tick = start_ns + ((now - start_ns) / TICK_NS + 1) * TICK_NS;
    gt_sleep_until(next_tick);
  }
  requests[w] = done;
}

/* --- the progress probe */
static u64 sink;

/* A unit of work: a dependent chain of multiply, add and xor-shift. */
__attribute__((noinline)) static u64 unit(u64 x, u64 iters) {
  for (u64 i = 0; i < iters; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    x ^= x >> 29;
  }
  return x;
}

static void calibrate(void) {
  u64 best = ~0ull, x = 1, n = 2000;
  for (int r = 0; r < 200; ++r) {
    u64 t0 = gt_now_ns();
    x = unit(x, n);
    u64 t = gt_now_ns() - t0;
    if (t < best)
      best = t;
  }
  sink += x;
  unit_iters = best ? n * UNIT_NS / best : n;
}

struct probe {
  u64 units, min_gap, nstalls;
  u64 *stalls; /* from, to pairs */
};
static struct probe *probes;

static void probe_main(void *arg) {
  struct probe *p = &probes[(uintptr_t)arg];
  u64 x = (uintptr_t)arg + 1, stall = stall_us * 1000;
  u64 prev = gt_now_ns();
  p->min_gap = ~0ull;
  while (prev < end_ns) {
    x = unit(x, unit_iters);
    u64 t = gt_now_ns();
    u64 gap = t - prev;
    if (t >= window_ns) {
      ++p->units;
      if (gap < p->min_gap)
        p->min_gap = gap;
      if (gap > stall && p->nstalls < MAX_STALLS) {
        p->stalls[2 * p->nstalls] = prev;
        p->stalls[2 * p->nstalls + 1] = t;
        ++p->nstalls;
      }
    }
    prev = t;
    gt_yield();
  }
  __atomic_fetch_add(&sink, x, __ATOMIC_RELAXED);
}

/* --- the pause monitor: copies gt_gc_stats' pause log before it wraps */
static struct gt_gc_pause *pauses;
static u64 npauses, recorded; /* pauses copied; the log's count seen */

static void read_pauses(void) {
  struct gt_gc_stats st;
  gt_gc_stats(&st);
  /* Entry i of the log is pause number pauses_recorded - npauses + i. */
  u64 first = st.pauses_recorded - st.npauses;
  if (st.pauses_recorded > recorded && first > recorded) {
    fprintf(stderr, "service: pauses %llu-%llu lost\n",
            (unsigned long long)recorded, (unsigned long long)first - 1);
    add_error();
  }
  for (uint32_t i = 0; i < st.npauses; ++i) {
    if (first + i < recorded)
      continue;
    if (npauses < MAX_PAUSES)
      pauses[npauses++] = st.pauses[i];
  }
  if (st.pauses_recorded > recorded)
    recorded = st.pauses_recorded;
}

static void monitor_main(void *arg) {
  (void)arg;
  while (gt_now_ns() < end_ns + 50000000) {
    gt_sleep_for(20000000);
    read_pauses();
  }
}

/* Sizes from the arguments, once the executors are known. */
static int setup(void) {
  if (nworkers == 0)
    nworkers = gt_executor_count() < MAX_WORKERS ? gt_executor_count() : MAX_WORKERS;
  if (nsessions < nworkers) {
    fprintf(stderr, "service: need at least WORKERS (%ld) sessions\n", nworkers);
    return 0;
  }
  long long map_bytes =
      (long long)live_mib * 1048576 - (long long)nsessions * SESSION_BYTES;
  nentries = map_bytes > 0 ? (u64)(map_bytes / ENTRY_BYTES) : 0;
  if (nentries < (u64)nworkers)
    nentries = (u64)nworkers;
  for (nbuckets = 1; nbuckets < nentries; nbuckets *= 2)
    ;
  chans = malloc((size_t)nsessions * sizeof *chans);
  pauses = malloc(MAX_PAUSES * sizeof *pauses);
  calibrate();
  printf("config %ld %ld %ld %ld %ld %ld entries %llu unit_iters %llu\n", live_mib,
         nsessions, seconds, rate, nworkers, stall_us,
         (unsigned long long)nentries, (unsigned long long)unit_iters);
  return 1;
}

static void run(void *arg) {
  (void)arg;
  if (!setup()) {
    ++errors;
    return;
  }
  entry_ref GT_GC *buckets = build_map();

  gt_waitgroup_add(&sessions_parked, nsessions);
  gt_waitgroup_add(&sessions_done, nsessions);
  gt_attr sattr = {0, NULL, GT_ATTR_COMPACT};
  for (long s = 0; s < nsessions; ++s) {
    chans[s] = gt_chan_new(sizeof(u64), 0);
    gt_thread_t t = gt_spawn(session_main, (void *)(uintptr_t)s, &sattr);
    if (!t) {
      fprintf(stderr, "service: spawn of session %ld failed\n", s);
      exit(1);
    }
    gt_detach(t);
  }
  gt_waitgroup_wait(&sessions_parked);
  gt_gc_collect(); /* a clean start: the setup's garbage goes */
  struct gt_gc_stats st;
  gt_gc_stats(&st);
  recorded = st.pauses_recorded;

  start_ns = gt_now_ns();
  window_ns = start_ns + WARMUP_NS;
  end_ns = window_ns + (u64)seconds * 1000000000ull;
  gt_thread_t monitor = gt_spawn(monitor_main, NULL, NULL);
  gt_thread_t threads[2 * MAX_WORKERS];
  unsigned nprobes = gt_executor_count();
  probes = calloc(nprobes, sizeof *probes);
  for (unsigned p = 0; p < nprobes; ++p) {
    probes[p].stalls = malloc(2 * MAX_STALLS * sizeof(u64));
    threads[p] = gt_spawn(probe_main, (void *)(uintptr_t)p, NULL);
  }
  gt_attr wattr = {64 * 1024, "worker", 0};
  for (long w = 0; w < nworkers; ++w) {
    wctx_ref ctx = gt_new(struct wctx);
    ctx->buckets = buckets;
    ctx->id = (u64)w;
    threads[nprobes + w] = gt_spawn_ref(worker_main, ctx, &wattr);
  }
  for (unsigned i = 0; i < nprobes + nworkers; ++i)
    gt_join(threads[i]);
  gt_join(monitor);
  read_pauses();

  printf("window %llu %llu\n", (unsigned long long)window_ns,
         (unsigned long long)end_ns);
  for (unsigned p = 0; p < nprobes; ++p) {
    printf("probe %u %llu %llu\n", p, (unsigned long long)probes[p].units,
           (unsigned long long)probes[p].min_gap);
    for (u64 i = 0; i < probes[p].nstalls; ++i)
      printf("stall %u %llu %llu\n", p, (unsigned long long)probes[p].stalls[2 * i],
             (unsigned long long)probes[p].stalls[2 * i + 1]);
  }
  for (u64 i = 0; i < npauses; ++i)
    if (pauses[i].start_ns >= window_ns && pauses[i].start_ns < end_ns)
      printf("pause %llu %llu %llu\n", (unsigned long long)pauses[i].start_ns,
             (unsigned long long)pauses[i].duration_ns,
             (unsigned long long)pauses[i].collection);

  gt_gc_collect();
  gt_gc_stats(&st);
  printf("live_bytes %llu\n", (unsigned long long)st.live_bytes);

  u64 map_sum = map_checksum(buckets);
  for (long s = 0; s < nsessions; ++s)
    gt_chan_close(chans[s]);
  gt_waitgroup_wait(&sessions_done);
  u64 acc = 0;
  printf("requests");
  for (long w = 0; w < nworkers; ++w) {
    printf(" %llu", (unsigned long long)requests[w]);
    acc += worker_acc[w];
  }
  printf("\nchecksum %016llx %016llx %016llx\n", (unsigned long long)map_sum,
         (unsigned long long)session_sum, (unsigned long long)acc);
  printf("errors %llu\n", (unsigned long long)errors);
}

int main(int argc, char **argv) {
  if (argc >= 5) {
    live_mib = atol(argv[1]);
    nsessions = atol(argv[2]);
    seconds = atol(argv[3]);
    rate = atol(argv[4]);
  }
  nworkers = argc >= 6 ? atol(argv[5]) : 0;
  if (argc >= 7)
    stall_us = atol(argv[6]);
  if (argc < 5 || live_mib < 1 || seconds < 1 || rate < 1 || nworkers < 0 ||
      nworkers > MAX_WORKERS || stall_us < 1) {
    fprintf(stderr, "usage: gc-service LIVE_MIB SESSIONS SECONDS RATE "
                    "[WORKERS [STALL_US]]\n");
    return 2;
  }
  if (gt_run(NULL, run, NULL) != 0)
    return 1;
  return errors ? 1 : 0;
}
