// gc/cycle.cpp: the concurrent collector's cycle (GT_GC=concurrent; issue
// 14, design note docs/notes/issue-14-concurrent-gc-design.md, sections 7
// and 12). This is step 6's version: everything up to the flip runs
// concurrently with the mutators, and the flip stops the world and rewrites
// every root (its pause still grows with the threads; step 7 makes the
// flip lazy).
//
// 1. Request. A green thread asks for a cycle (cycle_request: the
//    allocation slow path over its budget, GT_GC_TORTURE, gt_gc_collect),
//    which wakes the coordinator, an OS thread of the runtime's own (as
//    the preemption monitor is). Askers do not wait, except for heap room
//    (alloc.cpp) and gt_gc_collect, which yield until the cycle counts.
// 2. Begin (coordinator): unless a replication session holds collections
//    off (collect.cpp: cycles and sessions exclude each other), open a
//    replication session with one worker, the coordinator (replica.cpp).
// 3. LogOn: wlog_on, a round after which every executor logs the writes of
//    the threads it runs and seals its allocation cursor (newobj.cpp). No
//    replica exists before it returns (Go: "no object is scanned before
//    every P has the write barrier on").
// 4. Roots: shade the registered root slots' objects.
// 5. Stacks: a stack-scan cycle (threadscan.cpp) whose scanner records the
//    values of every GC slot of every suspended stack; the coordinator
//    sweeps the thread table, handshakes the running threads and shades
//    the recorded values. It gives up waiting for a thread that does not
//    reach a poll after kScanPatience: the flip rescans every stack anyway.
// 6. Mark rounds: a log round (every executor seals its log and cursor),
//    then replay every sealed entry, replicate every sealed new object,
//    transfer every gray replica; until a round finds little work, at most
//    kMaxRounds. Nothing here is needed for correctness in this version
//    (the flip redoes what is left), only for a short flip.
// 7. Flip (the world stopped, world.cpp; the leader executor alone, with
//    the coordinator's worker): seal and queue every executor's log and
//    turn logging off (wlog_off_stopped); replay the rest, replicate the
//    new objects, retire the allocation blocks; then rewrite every root
//    (registered slots, the runtime's own (runtime_roots.cpp), every
//    thread's stack) with its object's replica, shading what has none;
//    transfer until nothing is gray. With the world stopped every transfer
//    reads final contents, and every earlier transfer was kept current by
//    replay (writes logged) and re-transfer (new objects' unlogged
//    writes): so every reachable object's replica equals it, with its
//    pointers forwarded (GT_GC_VERIFY checks exactly that: replica_verify).
// 8. Commit: the replicas' blocks become allocation space and from-space
//    is freed, as after a stop-the-world copy (blocks_flip); large objects
//    that were replicated leave their originals to large_sweep; the budget
//    is set from the bytes replicated; GT_GC_VERIFY checks the whole heap;
//    the cycle is counted; the world restarts.
//
// Why a mutator never sees a replica before the flip: replicas are reached
// only through forwarding words, which only the collector reads, until the
// flip rewrites the roots. Why nothing is lost: see 7. What is kept too
// long: an object replicated during marking that died before the flip
// (floating garbage, freed by the next cycle).
#include "heap.h"
#include "newobj.h"
#include "replica.h"
#include "runtime_roots.h"
#include "stackscan.h"
#include "wlog.h"

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gt::gc {

namespace {
constexpr uint64_t kScanPatience = 20000000; // ns of step 5
constexpr unsigned kMaxRounds = 8;           // of step 6
constexpr uint64_t kLittleWork = 256;        // a round that ends step 6
constexpr size_t kReplayBatch = 64;          // log buffers a pass replays

std::atomic<bool> active{false}; // a cycle is past step 2
std::atomic<uint32_t> want{0};   // futex: a cycle is asked for
std::atomic<bool> quit{false};
pthread_t coordinator;
bool coordinator_started;

// One cycle's figures, for GT_GC_TRACE.
struct CycleFigures {
  uint64_t start, marked, flip_start, flip_end;
  unsigned rounds;
  size_t scan_left; // threads step 5 gave up on
};
CycleFigures fig;

void futex_wait(std::atomic<uint32_t> &w, uint32_t seen, uint64_t ns) {
  timespec ts{time_t(ns / 1000000000), long(ns % 1000000000)};
  syscall(SYS_futex, &w, FUTEX_WAIT_PRIVATE, seen, &ts, nullptr, 0);
}
void futex_wake(std::atomic<uint32_t> &w) {
  syscall(SYS_futex, &w, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

// --- step 5: the values the stack scan finds, shaded by the coordinator.
// Scans run on executors (the resume barrier) and on the coordinator (its
// sweeps); none is in flight at the flip, which empties the list last.
SpinLock found_lk;
uintptr_t *found;
size_t nfound, found_cap;

struct Record final : RootVisitor {
  void visit(void **slot) override {
    uintptr_t v = reinterpret_cast<uintptr_t>(*slot);
    if (!v)
      return;
    found_lk.lock();
    if (nfound == found_cap) {
      found_cap = found_cap ? 2 * found_cap : 4096;
      found = static_cast<uintptr_t *>(
          std::realloc(found, found_cap * sizeof *found));
      if (!found)
        fatal("gc cycle: out of memory for the stack scan's roots");
    }
    found[nfound++] = v;
    found_lk.unlock();
  }
};

struct Scanner final : ThreadScanner {
  void scan(Thread *t) override {
    Record v;
    scan_thread_stack(t, v);
  }
} scanner;

void shade_found(Replicator &w) {
  for (;;) {
    found_lk.lock();
    uintptr_t *list = found;
    size_t n = nfound;
    found = nullptr;
    nfound = found_cap = 0;
    found_lk.unlock();
    if (!n) {
      std::free(list);
      return;
    }
    for (size_t i = 0; i < n; ++i)
      shade(w, list[i]);
    std::free(list);
  }
}

// Step 7: every root slot gets its object's replica.
struct Forward final : RootVisitor {
  Replicator *w;
  explicit Forward(Replicator &w) : w(&w) {}
  void visit(void **slot) override {
    if (uintptr_t v = reinterpret_cast<uintptr_t>(*slot))
      *slot = reinterpret_cast<void *>(shade(*w, v));
  }
};

// Replays up to `max` sealed buffers (the flip: all of them).
void replay_sealed(Replicator &w, size_t max = SIZE_MAX) {
  for (size_t k = 0; k < max; ++k) {
    LogBuffer *b = wlog_sealed();
    if (!b)
      return;
    for (uint32_t i = 0; i < b->count; ++i)
      replay(w, b->e[i]);
    wlog_recycle(b);
  }
}

// One pass of step 6's work; how much there was. Bounded: the mutators may
// seal buffers faster than one worker replays them, and a pass that replayed
// until the queue is empty would then never end (the termination trap that
// TILT's collector warns of). What a pass leaves, the flip replays.
uint64_t mark_work(Replicator &w) {
  uint64_t before = w.n.replays + w.n.new_objects + w.n.replicas +
                    w.n.large_replicas + w.n.large_marked;
  replay_sealed(w, kReplayBatch);
  shade_found(w);
  newobj_drain(w);
  replica_drain(w);
  return w.n.replays + w.n.new_objects + w.n.replicas + w.n.large_replicas +
         w.n.large_marked - before;
}

void pause_us(unsigned us) {
  timespec ts{0, long(us) * 1000};
  nanosleep(&ts, nullptr);
}

// Steps 3 to 6, on the coordinator.
void mark(Replicator &w) {
  wlog_on();
  roots_lock();
  void ***table = root_table();
  for (size_t i = 0, n = root_table_size(); i < n; ++i)
    if (table[i])
      shade(w, reinterpret_cast<uintptr_t>(*table[i]));
  roots_unlock();
  replica_drain(w);

  scan_begin(&scanner);
  uint64_t give_up = now_ns() + kScanPatience;
  for (;;) {
    size_t left = scan_sweep();
    mark_work(w);
    fig.scan_left = left;
    if (!left || now_ns() > give_up)
      break;
    scan_handshake(nullptr);
    pause_us(20);
  }
  for (fig.rounds = 0; fig.rounds < kMaxRounds;) {
    wlog_round();
    ++fig.rounds;
    if (mark_work(w) < kLittleWork)
      break;
  }
}

// --- step 7, the leader executor with the world stopped
void flip_prepare(uint32_t) {
  refresh_stackmaps();
  Replicator &w = replica_worker(0);
  wlog_off_stopped();
  replay_sealed(w);
  shade_found(w);
  newobj_drain(w);
  for (uint32_t i = 0; i < sched.n; ++i) {
    Executor &x = sched.execs[i];
    tlab_retire(&x, locals[i]);
    x.tlab_ptr = x.tlab_limit = 0;
  }
  Forward v(w);
  roots_lock(); // until flip_finish
  void ***table = root_table();
  for (size_t i = 0, n = root_table_size(); i < n; ++i)
    if (table[i])
      v.visit(table[i]);
  runtime_roots_prepare(); // the registry stays locked until flip_finish
  while (scan_runtime_roots(v))
    replica_drain(w);
  for (uint32_t i = 0;; ++i) {
    Thread *t = thread_from_handle(gt_thread_t(i) + 1);
    if (!t)
      break;
    Status s = t->status.load(std::memory_order_acquire);
    if (s == Status::Dead || !t->ctx)
      continue;
    if (s == Status::Running)
      fatal("gc cycle: green thread %llu ('%s') is running during the flip",
            (unsigned long long)t->id, t->name);
    scan_thread_stack(t, v);
    replica_drain(w);
  }
  replica_finish(w);
  scan_end();
}

// Step 8: the last executor to finish, alone.
void flip_finish() {
  ReplicaCounts rc = replica_counts();
  if (heap.verify)
    replica_verify(true);
  replica_commit();
  size_t large = large_sweep(); // the large replicas included
  uint64_t small = rc.bytes - rc.large_bytes;
  uint64_t n = release_from_space(small + large);
  fig.flip_end = now_ns();
  uint64_t pause = fig.flip_end - fig.flip_start;
  stats_collection(n, rc.bytes, small + large, fig.flip_start, pause,
                   GT_GC_PAUSE_FLIP);
  stats_cycle(fig.flip_start - fig.start, rc.replays, rc.new_objects);
  if (trace)
    fprintf(stderr,
            "gc %llu: concurrent cycle, pause %.3f ms (the flip), mark %.3f "
            "ms (%u rounds, %zu threads left to the flip); replicated %zu "
            "KiB (%llu objects, %llu new), replayed %llu entries, live %zu "
            "KiB, heap %zu KiB\n",
            (unsigned long long)n, pause / 1e6,
            (fig.flip_start - fig.start) / 1e6, fig.rounds, fig.scan_left,
            size_t(rc.bytes >> 10),
            (unsigned long long)(rc.replicas + rc.large_replicas),
            (unsigned long long)rc.new_objects, (unsigned long long)rc.replays,
            size_t((small + large) >> 10), heap_bytes() >> 10);
  phase.store(kIdle, std::memory_order_release);
  // Before the count: whoever sees the count sees no cycle active
  // (cycle_target would otherwise wait for one more).
  active.store(false, std::memory_order_release);
  collections.store(n, std::memory_order_release);
}

// Steps 2 to 8, on the coordinator.
void run_cycle() {
  fig = CycleFigures{};
  fig.start = now_ns();
  // No stack is walked between cycles (threadscan.cpp scans only within a
  // scan cycle, which only the coordinator starts), so the stack maps may
  // be reloaded here. An object loaded during marking is seen only at the
  // flip's reload: a thread that runs its code and is scanned before then
  // is a fatal walk error (stackmap.cpp would need tables that can be
  // replaced under running walkers).
  refresh_stackmaps();
  replica_open(1);
  Replicator &w = replica_worker(0);
  mark(w);
  uint64_t n = collections.load(std::memory_order_acquire);
  fig.flip_start = now_ns(); // the pause starts with the request
  world_request_stop();      // step 7 runs on the executors
  while (collections.load(std::memory_order_acquire) == n) {
    if (world_stop_unattended(flip_prepare, flip_finish))
      break; // every executor has left its scheduler loop (gt_run ends)
    pause_us(50);
  }
}

void *coordinator_main(void *) {
  for (;;) {
    uint32_t w = want.load(std::memory_order_acquire);
    if (quit.load(std::memory_order_acquire))
      return nullptr;
    if (!w) {
      futex_wait(want, 0, 100000000);
      continue;
    }
    if (!cycle_hold_begin()) { // a replication session: not now
      want.store(0, std::memory_order_release);
      continue;
    }
    active.store(true, std::memory_order_release);
    want.store(0, std::memory_order_release);
    run_cycle();
    active.store(false, std::memory_order_release);
    cycle_hold_end();
  }
}
} // namespace

bool cycle_request() {
  if (active.load(std::memory_order_acquire))
    return true;
  if (!want.exchange(1, std::memory_order_acq_rel))
    futex_wake(want);
  return true;
}

uint64_t cycle_target() {
  bool running = active.load(std::memory_order_acquire) ||
                 want.load(std::memory_order_acquire);
  return collections.load(std::memory_order_acquire) + (running ? 2 : 1);
}

void cycle_stop_executor(Executor *e) {
  world_stop(e, flip_prepare);
  world_finish(collections.load(std::memory_order_acquire), flip_finish);
}

void cycle_run_start() {
  quit.store(false, std::memory_order_relaxed);
  want.store(0, std::memory_order_relaxed);
  if (pthread_create(&coordinator, nullptr, coordinator_main, nullptr))
    fatal("GT_GC=concurrent: cannot start the collector's coordinator thread");
  coordinator_started = true;
}

void cycle_run_end() {
  if (!coordinator_started)
    return;
  quit.store(true, std::memory_order_release);
  want.fetch_add(1, std::memory_order_release);
  futex_wake(want);
  pthread_join(coordinator, nullptr);
  coordinator_started = false;
}

} // namespace gt::gc
