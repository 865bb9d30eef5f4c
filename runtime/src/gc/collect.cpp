// gc/collect.cpp: the stop-the-world collector: when a collection starts,
// what happens while the world is stopped (world.cpp stops it), and the
// collector's mode (GT_GC).
//
// The steps of a collection (the design is docs/gc.md; the copy itself is
// copy.cpp; after Go's mgc.go and TILT's gc_para.c):
//
// 1. Trigger. A green thread asks (collect()): the allocation slow path
//    when the bytes handed out since the last collection exceed the budget
//    or the next block would break the heap limit (heap.cpp), every Nth slow
//    path, poll and switch under GT_GC_TORTURE=N (alloc.cpp, torture.cpp),
//    or gt_gc_collect(). The asker CASes `phase` from Idle to Stopping; if
//    that fails a collection is already being asked for and the asker just
//    stops for it.
// 2. Stop the world (world.cpp): the running threads stop at a switch
//    (kGCStop), and the executors meet; from here on every green thread's
//    stack is a suspended stack. The executor that sees everyone there leads.
// 3. Prepare (leader, alone): reload the stack maps if objects were loaded
//    or unloaded (dlopen), take back every executor's allocation block
//    (counting the bytes allocated in it), hold the root table's lock, reset
//    the copy's shared state; phase Collecting. The root table and the
//    registry of ref channels stay locked until the flip.
// 4. Copy (every arrived executor in parallel, copy.cpp): roots (registered
//    slots, the GC pointers the runtime holds (runtime_roots.cpp), then
//    every suspended thread's stack), then Cheney scanning with
//    work sharing until the termination test says no gray object is left.
// 5. Flip (the last worker to finish, alone): record the ends of the to-space
//    blocks, sweep the large objects, return from-space to the pool (under
//    GT_GC_VERIFY made inaccessible), make the to-space the allocation space,
//    set the next budget from the live bytes, verify (GT_GC_VERIFY), log the
//    pause (stats.cpp), phase Idle, count the collection.
// 6. Restart. Every executor returns to its scheduler loop and resumes the
//    threads in its run queues; a stopped thread resumes where it stopped,
//    with an empty allocation block in its mailbox.
//
// Replication sessions (replica.cpp) and collections exclude each other:
// while a session holds collections off (hold_collections), request() asks
// for none, and a green thread that wanted one (collect(): the allocation
// slow path, torture, gt_gc_collect) yields instead of stopping, so that
// the session's own threads keep running; it asks again later. A session
// opens only while no collection is being asked for or running: its green
// thread stops for one first.
//
// GT_GC selects the collector: `stw` (this one, the default until the
// concurrent collector of issue 14 is complete) or `concurrent` (cycle.cpp,
// opt-in while it is built). Under `concurrent` this file routes: a request
// asks cycle.cpp's coordinator for a cycle, collect() yields instead of
// stopping (except for the cycle's flip, which stops the world through
// world.cpp like a collection here), and cycles and replication sessions
// exclude each other under the same lock as collections and sessions do.
#include "heap.h"
#include "newobj.h"
#include "runtime_roots.h"
#include "stackscan.h"
#include "wlog.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace gt {
namespace gc {

std::atomic<uint64_t> collections{0};
Local *locals;
bool concurrent;

namespace {
SpinLock hold_lk; // guards `held`, `cycling` and the phase's move from Idle
std::atomic<bool> held{false}; // a replication session holds them off
bool cycling;                  // a concurrent cycle runs (cycle.cpp)
uint32_t sessions_waiting;     // in hold_collections: no new cycle meanwhile
uint32_t participants;
uint64_t pause_start, stopped_at, copied_at; // this collection's phases

void prepare(uint32_t workers) {
  stopped_at = now_ns();
  refresh_stackmaps(); // objects loaded or unloaded since the last collection
  for (uint32_t i = 0; i < sched.n; ++i) {
    Executor &x = sched.execs[i];
    tlab_retire(&x, locals[i]);
    x.tlab_ptr = x.tlab_limit = 0;
  }
  if (held.load(std::memory_order_relaxed))
    fatal("gc: a collection started during a replication session");
  participants = workers;
  roots_lock();
  runtime_roots_prepare();
  copy_prepare(participants);
}

void flip() {
  copied_at = now_ns();
  uint64_t copied = copy_finish();
  size_t large = large_sweep();
  uint64_t n = release_from_space(copied + large);
  uint64_t now = now_ns(), pause = now - pause_start;
  stats_collection(n, copied, copied + large, pause_start, pause,
                   GT_GC_PAUSE_COLLECTION);
  if (trace)
    fprintf(stderr,
            "gc %llu: %u executors, pause %.3f ms (stop %.3f, copy %.3f, "
            "flip %.3f), copied %zu KiB, live %zu KiB, heap %zu KiB\n",
            (unsigned long long)n, participants, pause / 1e6,
            (stopped_at - pause_start) / 1e6, (copied_at - stopped_at) / 1e6,
            (now - copied_at) / 1e6, size_t(copied >> 10),
            size_t((copied + large) >> 10), heap_bytes() >> 10);
  phase.store(kIdle, std::memory_order_release);
  collections.store(n, std::memory_order_release);
}

void configure_mode() {
  concurrent = false;
  const char *m = getenv("GT_GC");
  if (!m || !*m || !strcmp(m, "stw"))
    return;
  if (!strcmp(m, "concurrent")) {
    concurrent = true;
    return;
  }
  fatal("GT_GC='%s': expected 'stw' or 'concurrent'", m);
}
} // namespace

Local &local(Executor *e) { return locals[e->id]; }

void tlab_retire(Executor *e, Local &l) {
  if (l.tlab_start) {
    uintptr_t ptr = e->current ? e->current->mb.alloc_ptr : e->tlab_ptr;
    // The block's objects end there (GT_GC_VERIFY walks it up to its top).
    heap.top[block_of(l.tlab_start)] = uint32_t(ptr - l.tlab_start);
    __atomic_store_n(&l.allocated, l.allocated + (ptr - l.tlab_start),
                     __ATOMIC_RELAXED);
  }
  l.tlab_start = l.tlab_end = 0;
}

bool request(Executor *e) {
  if (concurrent) {
    cycle_request();
    return false; // nothing stops for it
  }
  hold_lk.lock();
  if (held.load(std::memory_order_relaxed)) {
    hold_lk.unlock();
    return false;
  }
  uint32_t idle = kIdle;
  bool asked =
      phase.compare_exchange_strong(idle, kStopping, std::memory_order_acq_rel);
  if (asked)
    pause_start = now_ns();
  hold_lk.unlock();
  if (asked)
    world_signal(e);
  return true;
}

void collect(Thread *self) {
  (void)self;
  Executor *e = current_executor();
  if (concurrent) { // stop only for a flip; else ask and let the cycle run
    bool flip = phase.load(std::memory_order_acquire) == kStopping;
    if (!flip)
      cycle_request();
    switch_out(e, flip ? kGCStop : kYield);
    return;
  }
  switch_out(e, request(e) ? kGCStop : kYield);
}

uint64_t release_from_space(size_t live) {
  set_budget(live);
  return free_from_space(kAlloc);
}

uint64_t free_from_space(BlockState from) {
  blocks_flip(heap.verify, from);
  uint64_t n = collections.load(std::memory_order_relaxed) + 1;
  if (heap.verify)
    verify_heap(n);
  runtime_roots_finish();
  roots_unlock();
  return n;
}

bool cycle_hold_begin() {
  hold_lk.lock();
  bool ok = !held.load(std::memory_order_relaxed) && !sessions_waiting &&
            phase.load(std::memory_order_acquire) == kIdle;
  if (ok)
    cycling = true;
  hold_lk.unlock();
  return ok;
}

void cycle_hold_end() {
  hold_lk.lock();
  cycling = false;
  hold_lk.unlock();
}

void hold_collections(Thread *self) {
  hold_lk.lock();
  ++sessions_waiting; // cycles back to back would starve us otherwise
  hold_lk.unlock();
  for (;;) {
    hold_lk.lock();
    bool idle = phase.load(std::memory_order_acquire) == kIdle && !cycling;
    if (idle) {
      held.store(true, std::memory_order_relaxed);
      --sessions_waiting;
    }
    hold_lk.unlock();
    if (idle)
      return;
    if (concurrent) // wait for the cycle without asking for another
      switch_out(current_executor(),
                 phase.load(std::memory_order_acquire) == kStopping ? kGCStop
                                                                    : kYield);
    else
      collect(self); // stop for the one being asked for
  }
}

void release_collections() {
  hold_lk.lock();
  held.store(false, std::memory_order_relaxed);
  hold_lk.unlock();
}

} // namespace gc

using namespace gc;

bool gc_idle_work(Executor *e) { return concurrent && cycle_idle(e); }

bool gc_safepoint() {
  if (phase.load(std::memory_order_acquire) != kStopping) {
    wlog_safepoint(current_thread()); // seal, log on or off, rounds
    if (concurrent)
      cycle_assist();
    return scan_handshake_self(); // or a stale signal
  }
  switch_out(current_executor(), kGCStop);
  return true;
}

void gc_stop_executor(Executor *e) {
  if (phase.load(std::memory_order_acquire) != kStopping)
    return;
  if (concurrent) {
    cycle_stop_executor(e); // the cycle's flip
    return;
  }
  world_stop(e, prepare);
  copy_work(local(e));
  world_finish(flip);
}

void gc_run_start(const gt_config *config, uint32_t executors) {
  configure_mode();
  heap_configure(config);
  torture_configure();
  stats_configure();
  gc::load_stackmaps();
  locals = new Local[executors];
  wlog_run_start(executors);
  newobj_run_start(executors);
  world_reset();
  if (concurrent)
    cycle_run_start();
}

void gc_executor_gone(Executor *e) { world_executor_gone(e); }

void gc_run_end() {
  cycle_run_end(); // the coordinator finishes its cycle, if any, and exits
  uint64_t sum = 0;
  for (uint32_t i = 0; i < sched.n; ++i) {
    tlab_retire(&sched.execs[i], locals[i]);
    sum += locals[i].allocated;
  }
  stats_run_end(sum);
  wlog_run_end();
  newobj_run_end();
  delete[] locals;
  locals = nullptr;
}

} // namespace gt

using namespace gt;
using namespace gt::gc;

extern "C" {

void gt_gc_collect(void) {
  Thread *self = self_or_die("gt_gc_collect");
  heap_ensure();
  // A collection that is being asked for has not copied yet, so any that
  // ends after this call will do. A stopped thread may be stolen and resumed
  // by an executor that has not looked at the phase yet: stop again then.
  if (concurrent) { // a cycle that begins after this call, counted
    uint64_t target = cycle_target();
    while (collections.load(std::memory_order_acquire) < target)
      collect(self);
    return;
  }
  uint64_t seen = collections.load(std::memory_order_acquire);
  do
    collect(self);
  while (collections.load(std::memory_order_acquire) == seen);
}

} // extern "C"
