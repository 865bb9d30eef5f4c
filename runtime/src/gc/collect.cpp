// gc/collect.cpp: the stop-the-world collector: when a collection starts,
// how the world stops and restarts, and what it counts.
//
// The steps of a collection (the design is docs/gc.md; the copy itself is
// copy.cpp; after Go's mgc.go and TILT's gc_para.c):
//
// 1. Trigger. A green thread asks (collect()): the allocation slow path
//    when the bytes handed out since the last collection exceed the budget
//    or the next block would break the heap limit (heap.cpp), every Nth slow
//    path, poll and switch under GT_GC_TORTURE=N (alloc.cpp, torture.cpp),
//    or gt_gc_collect(). The asker
//    CASes `phase` from Idle to Stopping; if that fails a collection is
//    already being asked for and the asker just stops for it.
// 2. Request. The winner sets GT_SIGNAL_GC in the mailbox of every
//    executor's running thread and wakes the idle executors (their sleep
//    condition includes the phase, idle.cpp).
// 3. Stop. A thread stops by switching to its scheduler with kGCStop: at a
//    poll (__safepoint_slow_path, preempt.cpp), in the allocation slow path,
//    or here; the scheduler puts it back in its run queue (runnext), so it is
//    saved exactly like a parked or runnable thread, at a switch. Threads
//    that do not run are stopped already. From here on every green thread's
//    stack is a suspended stack.
// 4. Rendezvous. Each scheduler checks the phase after every switch back and
//    whenever it looks for work; on Stopping it arrives here
//    (gc_stop_executor) and waits, re-signalling the running threads of the
//    executors that have not arrived every 200 us (a thread that parked just
//    as the first signal went out leaves its executor to one that did not
//    get it). An executor that has left its scheduler loop (gt_run ending)
//    counts as arrived. The executor that sees everyone there becomes the
//    leader by CASing Stopping to Preparing.
// 5. Prepare (leader, alone): reload the stack maps if objects were loaded
//    or unloaded (dlopen), take back every executor's allocation block
//    (counting the bytes allocated in it), hold the root table's lock, reset
//    the copy's shared state; phase Collecting. The root table and the
//    registry of ref channels stay locked until the flip.
// 6. Copy (every arrived executor in parallel, copy.cpp): roots (registered
//    slots, the GC pointers the runtime holds (runtime_roots.cpp), then
//    every suspended thread's stack), then Cheney scanning with
//    work sharing until the termination test says no gray object is left.
// 7. Flip (the last worker to finish, alone): record the ends of the to-space
//    blocks, sweep the large objects, return from-space to the pool (under
//    GT_GC_VERIFY made inaccessible), make the to-space the allocation space,
//    set the next budget from the live bytes, verify (GT_GC_VERIFY), log the
//    pause, phase Idle, count the collection.
// 8. Restart. Every executor returns to its scheduler loop and resumes the
//    threads in its run queues; a stopped thread resumes where it stopped,
//    with an empty allocation block in its mailbox.
#include "heap.h"
#include "runtime_roots.h"
#include "stackscan.h"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gt {
namespace gc {

std::atomic<uint32_t> phase{kIdle};
std::atomic<uint64_t> collections{0};
Local *locals;

namespace {
// Futex word: bumped at every change the waiters of a collection look for.
std::atomic<uint32_t> epoch{0};
std::atomic<uint32_t> arrived{0}, gone{0}, finished{0};
uint32_t participants;
uint64_t pause_start, stopped_at, copied_at; // this collection's phases
bool trace;                                   // GT_GC_TRACE

// Statistics (gt_gc_stats), under stats_lk.
SpinLock stats_lk;
struct gt_gc_stats stats;
uint64_t allocated_before; // by executors of earlier gt_runs
std::atomic<uint64_t> large_allocated{0};

void wake_waiters() {
  epoch.fetch_add(1, std::memory_order_release);
  syscall(SYS_futex, &epoch, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

void wait_epoch(uint32_t seen, uint64_t timeout_ns) {
  timespec ts{time_t(timeout_ns / 1000000000), long(timeout_ns % 1000000000)};
  syscall(SYS_futex, &epoch, FUTEX_WAIT_PRIVATE, seen, &ts, nullptr, 0);
}

// Asks the running thread of every executor that has not arrived to stop.
void signal_running(Executor *self) {
  for (uint32_t i = 0; i < sched.n; ++i) {
    Executor &x = sched.execs[i];
    if (&x == self || locals[i].arrived.load(std::memory_order_relaxed) ||
        locals[i].gone.load(std::memory_order_relaxed))
      continue;
    // Thread records are never unmapped: a thread that switched out since
    // the load gets a stale bit, which its next poll ignores.
    if (Thread *t = x.running.load(std::memory_order_acquire))
      __atomic_fetch_or(&t->mb.signals, GT_SIGNAL_GC, __ATOMIC_RELEASE);
  }
  wake_all();
}

void prepare() {
  stopped_at = now_ns();
  refresh_stackmaps(); // objects loaded or unloaded since the last collection
  for (uint32_t i = 0; i < sched.n; ++i) {
    Executor &x = sched.execs[i];
    tlab_retire(&x, locals[i]);
    x.tlab_ptr = x.tlab_limit = 0;
  }
  participants = arrived.load(std::memory_order_relaxed);
  roots_lock();
  runtime_roots_prepare();
  copy_prepare(participants);
}

void flip() {
  copied_at = now_ns();
  uint64_t copied = copy_finish();
  size_t large = large_sweep();
  set_budget(copied + large);
  blocks_flip(heap.verify);
  uint64_t n = collections.load(std::memory_order_relaxed) + 1;
  if (heap.verify)
    verify_heap(n);
  runtime_roots_finish();
  roots_unlock();
  for (uint32_t i = 0; i < sched.n; ++i)
    locals[i].arrived.store(false, std::memory_order_relaxed);
  arrived.store(0, std::memory_order_relaxed);
  finished.store(0, std::memory_order_relaxed);
  uint64_t now = now_ns(), pause = now - pause_start;
  stats_lk.lock();
  stats.collections = n;
  stats.bytes_copied += copied;
  stats.live_bytes = copied + large;
  stats.pause_total_ns += pause;
  if (pause > stats.pause_max_ns)
    stats.pause_max_ns = pause;
  stats.pauses[(n - 1) % GT_GC_PAUSE_LOG] = gt_gc_pause{pause_start, pause, n};
  stats_lk.unlock();
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
  wake_waiters();
}
} // namespace

Local &local(Executor *e) { return locals[e->id]; }

void count_large_alloc(size_t bytes) {
  large_allocated.fetch_add(bytes, std::memory_order_relaxed);
}

void tlab_retire(Executor *e, Local &l) {
  if (l.tlab_start) {
    uintptr_t ptr = e->current ? e->current->mb.alloc_ptr : e->tlab_ptr;
    __atomic_store_n(&l.allocated, l.allocated + (ptr - l.tlab_start),
                     __ATOMIC_RELAXED);
  }
  l.tlab_start = l.tlab_end = 0;
}

void request(Executor *e) {
  uint32_t idle = kIdle;
  if (phase.compare_exchange_strong(idle, kStopping, std::memory_order_acq_rel)) {
    pause_start = now_ns();
    signal_running(e);
  }
}

void collect(Thread *self) {
  (void)self;
  Executor *e = current_executor();
  request(e);
  switch_out(e, kGCStop);
}

} // namespace gc

using namespace gc;

bool gc_safepoint() {
  if (phase.load(std::memory_order_acquire) != kStopping)
    return false; // a stale signal
  switch_out(current_executor(), kGCStop);
  return true;
}

void gc_stop_executor(Executor *e) {
  if (phase.load(std::memory_order_acquire) != kStopping)
    return;
  Local &l = local(e);
  l.arrived.store(true, std::memory_order_relaxed);
  arrived.fetch_add(1, std::memory_order_acq_rel);
  for (unsigned spins = 0;; ++spins) {
    uint32_t seen = epoch.load(std::memory_order_acquire);
    uint32_t ph = phase.load(std::memory_order_acquire);
    if (ph == kCollecting)
      break;
    if (ph == kStopping && arrived.load(std::memory_order_acquire) +
                                   gone.load(std::memory_order_acquire) ==
                               sched.n) {
      uint32_t s = kStopping;
      if (phase.compare_exchange_strong(s, kPreparing,
                                        std::memory_order_acq_rel)) {
        prepare();
        phase.store(kCollecting, std::memory_order_release);
        wake_waiters();
        break;
      }
      continue;
    }
    if (spins < 64) {
      cpu_relax();
      continue;
    }
    signal_running(e);
    wait_epoch(seen, 200000);
  }
  uint64_t n = collections.load(std::memory_order_acquire);
  copy_work(l);
  if (finished.fetch_add(1, std::memory_order_acq_rel) + 1 == participants) {
    phase.store(kFlipping, std::memory_order_relaxed);
    flip();
    return;
  }
  for (;;) {
    uint32_t seen = epoch.load(std::memory_order_acquire);
    if (collections.load(std::memory_order_acquire) != n)
      return;
    wait_epoch(seen, 1000000000);
  }
}

void gc_run_start(const gt_config *config, uint32_t executors) {
  heap_configure(config);
  torture_configure();
  const char *t = getenv("GT_GC_TRACE");
  trace = t && *t && *t != '0';
  gc::load_stackmaps();
  locals = new Local[executors];
  arrived.store(0);
  gone.store(0);
  finished.store(0);
}

void gc_executor_gone(Executor *e) {
  local(e).gone.store(true, std::memory_order_relaxed);
  gone.fetch_add(1, std::memory_order_acq_rel);
  wake_waiters();
}

void gc_run_end() {
  uint64_t sum = 0;
  for (uint32_t i = 0; i < sched.n; ++i) {
    tlab_retire(&sched.execs[i], locals[i]);
    sum += locals[i].allocated;
  }
  stats_lk.lock();
  allocated_before += sum;
  stats_lk.unlock();
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
  uint64_t seen = collections.load(std::memory_order_acquire);
  do
    collect(self);
  while (collections.load(std::memory_order_acquire) == seen);
}

void gt_gc_stats(struct gt_gc_stats *out) {
  uint64_t running = 0;
  if (locals) // approximate while threads allocate: retired blocks only
    for (uint32_t i = 0; i < sched.n; ++i)
      running += __atomic_load_n(&locals[i].allocated, __ATOMIC_RELAXED);
  stats_lk.lock();
  uint64_t n = stats.collections;
  out->collections = n;
  out->bytes_allocated = allocated_before + running +
                         large_allocated.load(std::memory_order_relaxed);
  out->bytes_copied = stats.bytes_copied;
  out->live_bytes = stats.live_bytes;
  out->pause_total_ns = stats.pause_total_ns;
  out->pause_max_ns = stats.pause_max_ns;
  out->npauses = uint32_t(n < GT_GC_PAUSE_LOG ? n : GT_GC_PAUSE_LOG);
  for (uint32_t i = 0; i < out->npauses; ++i) // oldest first
    out->pauses[i] = stats.pauses[(n - out->npauses + i) % GT_GC_PAUSE_LOG];
  stats_lk.unlock();
  out->heap_bytes = heap_bytes();
  out->heap_limit = heap.limit;
  out->large_bytes = heap.large_bytes.load(std::memory_order_relaxed);
}

} // extern "C"
