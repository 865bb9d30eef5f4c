// gc/world.cpp: stopping the world for a collection and restarting it; the
// executors' rendezvous (after Go's stopTheWorld and TILT's StopAllThreads).
// The stop-the-world collector (collect.cpp) stops the world for a whole
// collection; the concurrent collector will stop it only for its flip.
//
// The protocol:
// 1. Request. Whoever moved `phase` from Idle to Stopping calls
//    world_signal: GT_SIGNAL_GC in the mailbox of every executor's running
//    thread, and the idle executors woken (their sleep condition includes the
//    phase, idle.cpp).
// 2. Stop. A running thread stops at its next poll, allocation slow path or
//    collect() by switching to its scheduler with kGCStop, which requeues it
//    (runnext): from then on it is a suspended stack like any parked one.
// 3. Arrive (world_stop). Each scheduler sees the phase after every switch
//    back and whenever it looks for work, and arrives here. It waits,
//    re-signalling every 200 us the running threads of the executors that
//    have not arrived (a thread that parked just as the first signal went out
//    leaves its executor to one that did not get it). An executor that has
//    left its scheduler loop (gt_run ending) counts as arrived.
// 4. Lead. The executor that sees everyone there CASes Stopping to
//    Preparing and runs the collector's `prepare` alone; phase Collecting
//    releases the others. Every arrived executor then works for the
//    collector.
// 5. Finish (world_finish). The last executor to finish its share clears
//    the arrivals and runs the collector's `finish`, which ends with phase
//    Idle, and counts the stop (`stops`); the others wait for that count
//    and return to their scheduler loops, which resume their threads.
//
// Waiting is a futex on `epoch`, bumped at every change waiters look for.
#include "heap.h"

#include <climits>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gt::gc {

namespace {
std::atomic<uint32_t> epoch{0};
std::atomic<uint32_t> arrived{0}, gone{0}, finished{0};
std::atomic<uint64_t> stops{0}; // ended
uint32_t participants; // executors that arrived: the collection's workers

void wait_epoch(uint32_t seen, uint64_t timeout_ns) {
  timespec ts{time_t(timeout_ns / 1000000000), long(timeout_ns % 1000000000)};
  syscall(SYS_futex, &epoch, FUTEX_WAIT_PRIVATE, seen, &ts, nullptr, 0);
}
} // namespace

void world_wake() {
  epoch.fetch_add(1, std::memory_order_release);
  syscall(SYS_futex, &epoch, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

void world_signal(Executor *self) {
  for (uint32_t i = 0; i < sched.n; ++i) {
    Executor &x = sched.execs[i];
    if (&x == self || locals[i].arrived.load(std::memory_order_relaxed) ||
        locals[i].gone.load(std::memory_order_relaxed))
      continue;
    signal_running(x, [](Thread *) { return true; });
  }
  wake_all();
}

uint32_t world_stop(Executor *e, void (*prepare)(uint32_t workers)) {
  locals[e->id].arrived.store(true, std::memory_order_relaxed);
  arrived.fetch_add(1, std::memory_order_acq_rel);
  for (unsigned spins = 0;; ++spins) {
    uint32_t seen = epoch.load(std::memory_order_acquire);
    uint32_t ph = phase.load(std::memory_order_acquire);
    if (ph == kCollecting)
      return participants;
    if (ph == kStopping && arrived.load(std::memory_order_acquire) +
                                   gone.load(std::memory_order_acquire) ==
                               sched.n) {
      uint32_t s = kStopping;
      if (phase.compare_exchange_strong(s, kPreparing,
                                        std::memory_order_acq_rel)) {
        participants = arrived.load(std::memory_order_relaxed);
        prepare(participants);
        phase.store(kCollecting, std::memory_order_release);
        world_wake();
        return participants;
      }
      continue;
    }
    if (spins < 64) {
      cpu_relax();
      continue;
    }
    world_signal(e);
    wait_epoch(seen, 200000);
  }
}

uint64_t world_stops() { return stops.load(std::memory_order_acquire); }

void world_finish(void (*finish)()) {
  // Read before we count ourselves finished: the last cannot count this
  // stop before that.
  uint64_t n = stops.load(std::memory_order_acquire);
  if (finished.fetch_add(1, std::memory_order_acq_rel) + 1 == participants) {
    // Alone: every other worker waits below. The arrivals are cleared before
    // `finish` sets the phase to Idle, after which the next stop may begin.
    for (uint32_t i = 0; i < sched.n; ++i)
      locals[i].arrived.store(false, std::memory_order_relaxed);
    arrived.store(0, std::memory_order_relaxed);
    finished.store(0, std::memory_order_relaxed);
    phase.store(kFlipping, std::memory_order_relaxed);
    finish();
    stops.fetch_add(1, std::memory_order_release);
    world_wake();
    return;
  }
  for (;;) {
    uint32_t seen = epoch.load(std::memory_order_acquire);
    if (stops.load(std::memory_order_acquire) != n)
      return;
    wait_epoch(seen, 1000000000);
  }
}

void world_request_stop() {
  uint32_t idle = kIdle;
  if (!phase.compare_exchange_strong(idle, kStopping,
                                     std::memory_order_acq_rel))
    fatal("gc: the concurrent cycle's stop found the phase at %u, not idle",
          idle);
  world_signal(nullptr);
}

bool world_stop_unattended(void (*prepare)(uint32_t workers),
                           void (*finish)()) {
  if (gone.load(std::memory_order_acquire) != sched.n)
    return false;
  uint32_t s = kStopping;
  if (!phase.compare_exchange_strong(s, kPreparing, std::memory_order_acq_rel))
    return false;
  participants = 0;
  prepare(0);
  phase.store(kFlipping, std::memory_order_relaxed);
  finish();
  stops.fetch_add(1, std::memory_order_release);
  world_wake();
  return true;
}

void world_reset() {
  arrived.store(0);
  gone.store(0);
  finished.store(0);
}

void world_executor_gone(Executor *e) {
  locals[e->id].gone.store(true, std::memory_order_relaxed);
  gone.fetch_add(1, std::memory_order_acq_rel);
  world_wake();
}

} // namespace gt::gc
