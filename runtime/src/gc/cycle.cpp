// gc/cycle.cpp: the concurrent collector's cycle (GT_GC=concurrent; issue
// 14, design note docs/notes/issue-14-concurrent-gc-design.md, sections 7,
// 12 and 13). Step 7's version: a snapshot at the beginning and a lazy flip.
// A cycle stops the world three times, briefly (world.cpp; each stop costs
// a signal and a switch per executor); no stop touches a parked thread.
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
// 4. Snapshot (the world stopped; GT_GC_PAUSE_SNAPSHOT): shade the
//    registered roots' objects, turn `marking` on (the runtime's transfer
//    barrier, below) and begin a stack-scan cycle (threadscan.cpp) whose
//    scanner records the values of every GC slot of a suspended stack and
//    of its thread's record (runtime_roots.cpp). Every thread is suspended
//    here, and from the restart on an executor scans a thread before it
//    resumes it (the resume barrier): no thread ever runs unscanned.
// 5. Stacks: the coordinator sweeps the thread table, scanning the parked
//    threads where they wait, and shades the recorded values, until every
//    thread has been scanned (the flip rescans nothing, so this must end).
// 6. Mark rounds: a log round (every executor seals its log and cursor),
//    then replay every sealed entry, replicate every sealed new object,
//    transfer every gray replica; until a round finds little work, at most
//    kMaxRounds (what is left is the flip's, and lengthens it).
// 7. Flip (the world stopped; GT_GC_PAUSE_FLIP). First the residue, with
//    logging still on (flip_residue): every log sealed, the rest replayed,
//    the new objects replicated, the gray transferred; if that runs past
//    GT_GC_FLIP_BUDGET_US the flip is given up (GT_GC_PAUSE_FLIP_ABORTED),
//    the world restarts, and the coordinator runs step 6's rounds again
//    before it retries; after kMaxAborts the flip is forced through. Then
//    logging off (wlog_off_stopped), nothing left to replay; the
//    registered roots and the ref channels' buffers forwarded, shading
//    what has no replica; transfer until nothing is gray (GT_GC_VERIFY:
//    replica_verify). Then the replicas' blocks become allocation space and
//    the old allocation blocks from-space (kFrom, blocks_retag), `flipped`
//    on, and a second scan cycle begins whose scanner *flips* a thread:
//    rewrites each GC slot of its stack and of its record with its object's
//    replica. No stack is touched in the pause: an executor flips each
//    thread before it resumes it; threads made from now on are born
//    flipped.
// 8. Flip sweep (coordinator): sweeps of the thread table flip the parked
//    threads where they wait, until every thread has been flipped.
// 9. Release (the world stopped; GT_GC_PAUSE_RELEASE): from-space freed
//    (blocks_flip), the large originals and unreached large objects swept,
//    the heap checked under GT_GC_VERIFY, the cycle counted.
//
// Why marking misses nothing: a snapshot at the beginning (Yuasa; Doligez,
// Leroy and Gonthier's collector). At step 4 every thread is suspended, at
// a safepoint, so no write-log interval spans it; its roots are the
// registered slots (shaded there), the channels' buffers, the threads'
// records and the stacks, which no thread changes before it is scanned
// (none runs unscanned). Afterwards a thread obtains only objects reachable
// in the snapshot or allocated since: reading a field of an object it
// reaches, which replay keeps current in the replica and whose overwritten
// values it shades (the first write to a location in each interval is
// logged with the value it overwrites, and every interval began after the
// snapshot, so every snapshot value that is overwritten is logged); a new
// object (replicated, newobj.cpp); a registered root or a channel's buffer
// (shaded at the flip); or a value the runtime takes out of a parked
// thread's record, which counterparts change while it is parked: the
// transfer barrier records every value the runtime moves between threads
// while `marking` is on, and the coordinator shades it. So every root of
// the flip has a replica, and every replica is coherent.
//
// Between the flip and the release (`flipped`): a running thread holds only
// to-space pointers (it was flipped before it ran, and everything it can
// reach from there is to-space), so compiled code needs no read barrier. A
// parked thread that has not been flipped yet holds from-space pointers;
// the runtime reads a GC pointer from another thread's record only in
// chan.cpp, through ref_load, which gives the replica. A from-space value
// without a replica met by a flip or by ref_load is a fatal error. The
// release waits for the sweep to have flipped every thread, and stops the
// world so that no runtime code is inside ref_load when from-space goes.
//
// What is kept too long: an object reachable at the snapshot or replicated
// during marking that died before the flip (floating garbage, freed by the
// next cycle).
#include "heap.h"
#include "newobj.h"
#include "replica.h"
#include "runtime_roots.h"
#include "stackscan.h"
#include "wlog.h"

#include <algorithm>
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
constexpr unsigned kMaxRounds = 8;    // of step 6
constexpr uint64_t kLittleWork = 256; // a round that ends step 6
constexpr size_t kReplayBatch = 64;   // log buffers a pass replays
constexpr unsigned kMaxAborts = 8;    // of a cycle's flip (step 7)
constexpr uint64_t kFlipBudgetUs = 300; // GT_GC_FLIP_BUDGET_US's default
uint64_t flip_budget_ns;                // 0: none (the flip never aborts)
constexpr size_t kAssistBuffers = 2;    // an assist replays at most
constexpr unsigned kAssistTransfers = 256; // of its own gray, at most
constexpr uint32_t kAssistCheck = 64;      // entries between stop checks
constexpr size_t kIdleNewBytes = 32 << 10; // new objects, an idle quantum
size_t assist_backlog;                     // GT_GC_ASSIST_BACKLOG
std::atomic<uint64_t> assist_buffers{0};   // replayed by assists, a cycle

std::atomic<bool> active{false}; // a cycle is past step 2
std::atomic<uint32_t> want{0};   // futex: a cycle is asked for
std::atomic<bool> quit{false};
pthread_t coordinator;
bool coordinator_started;

// One cycle's figures, for GT_GC_TRACE and the stats.
struct CycleFigures {
  uint64_t start, snapshot_start, snapshot_end, flip_start, flip_end;
  uint64_t release_start, release_end;
  unsigned rounds;
  unsigned aborts;                 // flips given up for the residue's budget
  uint64_t aborted_ns[kMaxAborts]; // their pauses
  bool forced;      // this flip may not abort (kMaxAborts reached)
  bool aborted;     // this flip was given up
  bool overran;     // a forced flip ran past the budget
  ReplicaCounts rc; // at the flip
};
CycleFigures fig;

void futex_wait(std::atomic<uint32_t> &w, uint32_t seen, uint64_t ns) {
  timespec ts{time_t(ns / 1000000000), long(ns % 1000000000)};
  syscall(SYS_futex, &w, FUTEX_WAIT_PRIVATE, seen, &ts, nullptr, 0);
}
void futex_wake(std::atomic<uint32_t> &w) {
  syscall(SYS_futex, &w, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

void pause_us(unsigned us) {
  timespec ts{0, long(us) * 1000};
  nanosleep(&ts, nullptr);
}

// --- steps 5 and 6: values found by the stack scan and the transfer
// barrier, shaded by the coordinator. Scans run on executors (the resume
// barrier) and on the coordinator (its sweeps), transfers on green threads;
// none is in flight at the flip, which empties the list last.
SpinLock found_lk;
uintptr_t *found;
size_t nfound, found_cap;

void record(uintptr_t v) {
  found_lk.lock();
  if (nfound == found_cap) {
    // On a green thread's stack (a transfer): libc gets room of its own.
    bool grown = with_libc_room([] {
      size_t cap = found_cap ? 2 * found_cap : 4096;
      void *a = std::realloc(found, cap * sizeof *found);
      if (!a)
        return false;
      found = static_cast<uintptr_t *>(a);
      found_cap = cap;
      return true;
    });
    if (!grown) {
      found_lk.unlock();
      fatal("gc cycle: out of memory for the stack scan's roots");
    }
  }
  found[nfound++] = v;
  found_lk.unlock();
}

struct Record final : RootVisitor {
  void visit(void **slot) override {
    // A thread record's slot may be written meanwhile by a counterpart
    // (whose value the transfer barrier records).
    if (uintptr_t v = __atomic_load_n(reinterpret_cast<uintptr_t *>(slot),
                                      __ATOMIC_RELAXED))
      record(v);
  }
};

struct Marker final : ThreadScanner {
  void scan(Thread *t) override {
    Record v;
    scan_thread_stack(t, v);
    visit_thread_slots(t, v);
  }
} marker;

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

// Step 4: a registered root's object is shaded (its slot left alone).
struct Shade final : RootVisitor {
  Replicator *w;
  explicit Shade(Replicator &w) : w(&w) {}
  void visit(void **slot) override {
    shade(*w, reinterpret_cast<uintptr_t>(*slot));
  }
};

// Step 7: a root slot of the flip gets its object's replica, made if need
// be (the registered roots and the channels' buffers are not barriered).
struct ShadeForward final : RootVisitor {
  Replicator *w;
  explicit ShadeForward(Replicator &w) : w(&w) {}
  void visit(void **slot) override {
    if (uintptr_t v = reinterpret_cast<uintptr_t>(*slot))
      *slot = reinterpret_cast<void *>(shade(*w, v));
  }
};

// The object v, between a flip and its release, as a flipped thread must
// see it: its replica if v is in from-space; 0 if it has none there (an
// object the marking missed: a collector bug, reported by the callers).
uintptr_t flip_target(uintptr_t v) {
  if (in_blocks(v)) {
    BlockState s = block_state(block_of(v));
    if (s == kAlloc)
      return v; // a replica, or allocated since the flip
    if (s != kFrom)
      return 0;
  }
  // A from-space object, or a large one: replicated, or a large replica or
  // marked NOPTRS object, whose word names itself (replica_flip); else a
  // large object allocated since the flip, or one the marking missed.
  uintptr_t f = fwd_word(v).load(std::memory_order_acquire);
  if (f & GT_FWD_FORWARDED)
    return f & ~uintptr_t(GT_FWD_BITS);
  return !in_blocks(v) && large_young(v) ? v : 0;
}

const char *unreplicated_why(uintptr_t v) {
  if (!in_blocks(v))
    return "is a large object that the marking did not reach";
  return block_state(block_of(v)) == kFrom
             ? "is a from-space object without a replica"
             : "points into a free heap block";
}

// The fatal error for a value v without a replica that `holder` holds.
[[noreturn]] void missed(uintptr_t v, const char *holder) {
  fatal("gc cycle %llu: %s holds %#lx, which %s (the concurrent cycle's "
        "marking missed it)",
        (unsigned long long)collections.load(std::memory_order_relaxed) + 1,
        holder, (unsigned long)v, unreplicated_why(v));
}

[[noreturn]] void unreplicated(uintptr_t v, const char *where, Thread *t) {
  char holder[160];
  snprintf(holder, sizeof holder, "%s of green thread %llu%s%s%s", where,
           (unsigned long long)t->id, t->name[0] ? " ('" : "", t->name,
           t->name[0] ? "')" : "");
  missed(v, holder);
}

// Step 7's scanner: flips a thread (its stack and its record's slots).
// Record slots are rewritten by CAS: a counterpart may store a value into
// one meanwhile, which is to-space already (it runs flipped).
struct Flip final : RootVisitor {
  Thread *t;
  const char *where;
  void visit(void **slot) override {
    auto *s = reinterpret_cast<uintptr_t *>(slot);
    uintptr_t v = __atomic_load_n(s, __ATOMIC_RELAXED);
    if (!v)
      return;
    uintptr_t r = flip_target(v);
    if (!r)
      unreplicated(v, where, t);
    if (r != v)
      __atomic_compare_exchange_n(s, &v, r, false, __ATOMIC_RELAXED,
                                  __ATOMIC_RELAXED);
  }
};

struct Flipper final : ThreadScanner {
  void scan(Thread *t) override {
    Flip v;
    v.t = t;
    v.where = "the stack";
    scan_thread_stack(t, v);
    v.where = "a slot that the runtime holds for the record";
    visit_thread_slots(t, v);
  }
} flipper;

// Replays up to `max` sealed buffers (the flip: all of them); how many it
// replayed.
size_t replay_sealed(Replicator &w, size_t max = SIZE_MAX) {
  for (size_t k = 0; k < max; ++k) {
    LogBuffer *b = wlog_sealed();
    if (!b)
      return k;
    for (uint32_t i = 0; i < b->count; ++i)
      replay(w, b->e[i]);
    wlog_recycle(b);
  }
  return max;
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

void retire_tlabs() {
  for (uint32_t i = 0; i < sched.n; ++i) {
    Executor &x = sched.execs[i];
    tlab_retire(&x, locals[i]);
    x.tlab_ptr = x.tlab_limit = 0;
  }
}

// The stop that cycle_stop_executor joins.
void (*stop_prepare)(uint32_t);
void (*stop_finish)();

// Runs a stop of the world with prepare and finish, from the coordinator;
// returns when it has ended.
void stop_world(void (*prepare)(uint32_t), void (*finish)()) {
  stop_prepare = prepare;
  stop_finish = finish;
  uint64_t s = world_stops();
  world_request_stop();
  while (world_stops() == s) {
    if (world_stop_unattended(prepare, finish))
      break; // every executor has left its scheduler loop (gt_run ends)
    pause_us(50);
  }
}

// --- step 4, the leader executor with the world stopped: the snapshot
void snapshot_prepare(uint32_t) {
  Shade v(replica_worker(0));
  visit_registered_roots(v);
  marking.store(true, std::memory_order_relaxed);
  // The executors see both when the world restarts: every thread they
  // resume is scanned first.
  scan_begin(&marker, true);
}

void snapshot_finish() {
  uint64_t end = now_ns();
  stats_pause(collections.load(std::memory_order_relaxed) + 1,
              fig.snapshot_start, end - fig.snapshot_start,
              GT_GC_PAUSE_SNAPSHOT);
  fig.snapshot_end = end;
  phase.store(kIdle, std::memory_order_release);
}

// --- step 7, the leader executor with the world stopped
//
// The residue: what the marking left (sealed log buffers, the stop's own
// seals, values found, new objects, gray replicas), done first with logging
// still on, against the budget (GT_GC_FLIP_BUDGET_US). A residue that runs
// past it gives the flip up (Go's mark termination restarts likewise): the
// world restarts with what is left still queued, nothing of the flip done,
// and the coordinator marks again before it retries. Every step here is one
// the coordinator also takes with the world running, so stopping between
// any two loses nothing. After kMaxAborts the flip is forced through
// whatever the residue costs (the mutators outrun one worker; pacing, step
// 9 of the design note, is what should hold them back). Whether the flip
// may go on.
bool flip_residue(Replicator &w) {
  uint64_t deadline = now_ns() + flip_budget_ns;
  auto over = [&] { return flip_budget_ns && now_ns() > deadline; };
  wlog_seal_stopped();
  while (replay_sealed(w, 1))
    if (over() && !fig.forced)
      return false;
  shade_found(w);
  if (over() && !fig.forced)
    return false;
  newobj_drain(w);
  if (over() && !fig.forced)
    return false;
  if (fig.forced || !flip_budget_ns)
    replica_drain(w);
  else if (!replica_drain_until(w, deadline))
    return false;
  fig.overran = fig.forced && over();
  // GT_GC_TORTURE: every cycle's first flip is given up, after its residue.
  return !(torture_every && !fig.aborts && !fig.forced);
}

void flip_prepare(uint32_t) {
  Replicator &w = replica_worker(0);
  fig.aborted = !flip_residue(w);
  if (fig.aborted)
    return;
  refresh_stackmaps();
  wlog_off_stopped(); // the residue sealed everything: nothing new
  marking.store(false, std::memory_order_relaxed);
  replay_sealed(w);
  shade_found(w);
  newobj_drain(w);
  newobj_end(); // nothing allocated from now on is replicated
  retire_tlabs();
  ShadeForward v(w);
  visit_registered_roots(v);
  runtime_roots_prepare();
  visit_chan_slots(v);
  runtime_roots_finish();
  shade_found(w);
  replica_finish(w);
  replica_assists_done(1);
  scan_end(); // the marking's
  fig.rc = replica_counts();
  if (heap.verify)
    replica_verify(true);
  replica_flip();
  // The budget counts from here: what is allocated while the stacks are
  // flipped belongs to the next cycle.
  set_budget(fig.rc.bytes + fig.rc.large_marked_bytes);
  blocks_retag();
  large_freeze();
  flipped.store(true, std::memory_order_relaxed);
  // The executors see it when the world restarts: no barrier needed.
  scan_begin(&flipper, true);
}

void flip_finish() {
  fig.flip_end = now_ns();
  if (fig.aborted)
    fig.aborted_ns[fig.aborts] = fig.flip_end - fig.flip_start;
  stats_pause(collections.load(std::memory_order_relaxed) + 1, fig.flip_start,
              fig.flip_end - fig.flip_start,
              fig.aborted ? GT_GC_PAUSE_FLIP_ABORTED : GT_GC_PAUSE_FLIP);
  phase.store(kIdle, std::memory_order_release);
}

// --- step 9, the world stopped again
void release_prepare(uint32_t) {
  retire_tlabs();
  scan_end(); // the flip's: every thread has been flipped
  flipped.store(false, std::memory_order_relaxed);
  roots_lock(); // free_from_space verifies, then unlocks both
  runtime_roots_prepare();
  replica_commit();
}

void release_finish() {
  size_t large = large_sweep(); // the large replicas included
  uint64_t n = free_from_space(kFrom);
  const ReplicaCounts &rc = fig.rc;
  uint64_t small = rc.bytes - rc.large_bytes;
  heap.live = small + large;
  fig.release_end = now_ns();
  uint64_t flip = fig.flip_end - fig.flip_start;
  uint64_t release = fig.release_end - fig.release_start;
  stats_collection(n, rc.bytes, small + large, fig.release_start, release,
                   GT_GC_PAUSE_RELEASE);
  uint64_t assists = assist_buffers.exchange(0, std::memory_order_relaxed);
  stats_cycle(fig.flip_start - fig.start, rc.replays, rc.new_objects,
              fig.overran, assists);
  if (trace) {
    // Every pause of the cycle as "pause <kind> <ms> ms" (benchmarks/gc/
    // run.py matches the pause log against these).
    char aborted[kMaxAborts * 32 + 1] = "";
    for (unsigned i = 0, at = 0; i < fig.aborts && at < sizeof aborted; ++i)
      at += snprintf(aborted + at, sizeof aborted - at,
                     ", pause aborted %.3f ms", fig.aborted_ns[i] / 1e6);
    fprintf(stderr,
            "gc %llu: concurrent cycle, pause snapshot %.3f ms%s, pause flip "
            "%.3f ms%s, pause release %.3f ms; mark %.3f ms (%u rounds, %u "
            "flips given up), stack flips %.3f ms; replicated %zu KiB (%llu "
            "objects, %llu new), replayed %llu entries (%llu buffers by "
            "assists), live %zu KiB, heap %zu KiB\n",
            (unsigned long long)n,
            (fig.snapshot_end - fig.snapshot_start) / 1e6, aborted, flip / 1e6,
            fig.overran ? " (over budget)" : "", release / 1e6,
            (fig.flip_start - fig.start) / 1e6, fig.rounds, fig.aborts,
            (fig.release_start - fig.flip_end) / 1e6, size_t(rc.bytes >> 10),
            (unsigned long long)(rc.replicas + rc.large_replicas),
            (unsigned long long)rc.new_objects, (unsigned long long)rc.replays,
            (unsigned long long)assists, size_t((small + large) >> 10),
            heap_bytes() >> 10);
  }
  phase.store(kIdle, std::memory_order_release);
  // Before the count: whoever sees the count sees no cycle active
  // (cycle_target would otherwise wait for one more). No green thread runs
  // between the two stores (the world is stopped), so none sees the cycle
  // inactive and not yet counted.
  active.store(false, std::memory_order_release);
  collections.store(n, std::memory_order_release);
}

// Step 6, on the coordinator: log rounds until one finds little work, at
// most kMaxRounds at a time (what is left is the flip's residue).
void mark_rounds(Replicator &w) {
  for (unsigned k = 0; k < kMaxRounds; ++k) {
    wlog_round();
    ++fig.rounds;
    if (mark_work(w) < kLittleWork)
      break;
  }
}

// Steps 3 to 6, on the coordinator.
void mark(Replicator &w) {
  wlog_on();
  fig.snapshot_start = now_ns();
  stop_world(snapshot_prepare, snapshot_finish);
  for (;;) { // step 5: no thread runs unscanned, so no handshake is needed
    size_t left = scan_sweep();
    mark_work(w);
    if (!left)
      break;
    pause_us(20);
  }
  mark_rounds(w);
}

// Steps 2 to 9, on the coordinator.
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
  replica_open(1, sched.n); // the coordinator, and an assist per executor
  Replicator &w = replica_worker(0);
  mark(w);
  for (;;) { // step 7, retried while its residue runs past the budget
    fig.forced = fig.aborts >= kMaxAborts;
    fig.flip_start = now_ns(); // a pause starts with the request
    stop_world(flip_prepare, flip_finish);
    if (!fig.aborted)
      break;
    ++fig.aborts;
    mark_rounds(w);
  }
  while (scan_sweep()) // step 8
    pause_us(50);
  fig.release_start = now_ns();
  stop_world(release_prepare, release_finish);
  replica_free_lists();
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

// --- Assists: the first part of step 9 (pacing), work tied to logging.
// Mutators that store faster than the coordinator replays would leave the
// flip a backlog as long as their head start (and with the flip's budget,
// give it up until it is forced). So while a cycle marks, a mutator at a
// safepoint (after sealing its own log) that finds more than
// `assist_backlog` sealed buffers queued replays up to kAssistBuffers of
// them itself, with its executor's Replicator (replica_open's assists:
// nothing switches a green thread inside runtime code, so one thread uses
// it at a time), then transfers a little of what that shaded and gives the
// rest to the coordinator (replica_assist_drain). An assist never holds up
// a stop of the world for long: it checks for one every kAssistCheck
// entries and puts the buffer back (replaying an entry twice is harmless:
// replay copies the primary's current words).
void assist_replay(Replicator &w, LogBuffer *b) {
  for (uint32_t i = 0; i < b->count; ++i) {
    if (i % kAssistCheck == 0 && i && gc_requested()) {
      wlog_requeue(b);
      return;
    }
    replay(w, b->e[i]);
  }
  wlog_recycle(b);
  assist_buffers.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

void cycle_assist() {
  if (!marking.load(std::memory_order_relaxed) ||
      wlog_backlog() <= assist_backlog)
    return;
  Replicator &w = replica_worker(1 + current_executor()->id);
  for (size_t k = 0; k < kAssistBuffers && !gc_requested(); ++k) {
    LogBuffer *b = wlog_sealed();
    if (!b)
      break;
    assist_replay(w, b);
  }
  replica_assist_drain(w, kAssistTransfers);
}

// An idle executor's quantum (idle.cpp), on its own stack, with its
// Replicator (no green thread runs on it meanwhile): a sealed buffer, else
// a published gray range, else up to kIdleNewBytes of new objects to
// replicate; then its own gray, as an assist's.
bool cycle_idle(Executor *e) {
  if (!marking.load(std::memory_order_relaxed))
    return false;
  Replicator &w = replica_worker(1 + e->id);
  bool did = true;
  if (LogBuffer *b = wlog_sealed())
    assist_replay(w, b);
  else if (!replica_assist_steal(w, kAssistTransfers))
    did = newobj_drain_some(w, kIdleNewBytes);
  replica_assist_drain(w, kAssistTransfers);
  return did;
}

void transfer_record(uintptr_t v) { record(v); }

uintptr_t forwarded(uintptr_t v) {
  uintptr_t r = flip_target(v);
  if (!r)
    missed(v, "a parked thread's record, read by the runtime,");
  return r;
}

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
  world_stop(e, stop_prepare);
  world_finish(stop_finish);
}

void cycle_run_start() {
  flip_budget_ns = kFlipBudgetUs * 1000;
  if (const char *s = getenv("GT_GC_FLIP_BUDGET_US"); s && *s) // <= 1000 s
    flip_budget_ns =
        std::min<uint64_t>(strtoull(s, nullptr, 10), 1000000000) * 1000;
  // Default: two buffers per executor (each replays in tens of µs), so
  // that the flip's residue stays within its budget; GT_GC_TORTURE: 0,
  // every safepoint of a marking cycle assists while anything is queued.
  assist_backlog = torture_every ? 0 : 2 * size_t(sched.n);
  if (const char *s = getenv("GT_GC_ASSIST_BACKLOG"); s && *s)
    assist_backlog = strtoull(s, nullptr, 10);
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
