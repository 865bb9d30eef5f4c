// preempt.cpp: safepoints and preemption.
//
// Design (after Go's sysmon and asynchronous-preemption requests, but with
// compiler-inserted polls instead of signals):
//
// - Managed code marked SS_SAFEPOINTS is compiled by the fork's
//   insert-safepoint-polls pass, which puts a *poll* at every function entry
//   and loop back-edge (strip-mining counted loops to one poll per 1,000
//   iterations): the running thread's mailbox is always in the mailbox
//   register (r14 / x28, set by the scheduler before every resume), so a poll
//   is `testb $3, 8(%r14); jne slow` — a load, a test and a branch that is
//   never taken. When GT_SIGNAL_PREEMPT or GT_SIGNAL_GC is set it calls
//   __safepoint_slow_path(), which is preserve_most: the hot code keeps its
//   registers and spills nothing around the poll.
// - Who sets GT_SIGNAL_PREEMPT: the monitor (one OS thread, started by
//   gt_run unless time slices are off) wakes every few milliseconds and looks
//   at each executor's resume counter. An executor whose counter has not
//   moved for a whole time slice (default 10 ms, gt_config.time_slice_ns)
//   has been running one thread all that time: the monitor sets that
//   thread's PREEMPT bit, once per resume. gt_preempt() sets it on request.
// - While no executor runs a thread, the monitor backs off (up to 8 ticks
//   between looks), so an idle runtime costs almost no CPU time; a thread
//   that starts running then may get up to that much longer before its
//   first request to yield.
// - GT_SIGNAL_GC asks the thread to stop for a collection: the slow path
//   switches out with kGCStop (gc/collect.cpp), unless the collection is
//   over (a stale signal).
// - The slow path clears the bit and yields: the thread goes to the tail of
//   its executor's run queue, so every runnable thread on an executor gets a
//   turn within a time slice each even if one of them never blocks.
// - A thread that is not running when its bit is set (it parked meanwhile)
//   yields once at its next poll; that costs a trip through the scheduler and
//   is not worth a read-modify-write of the signal word on every resume.
// The monitor never touches a thread's stack or registers: the thread stops
// itself, at a poll, where the compiler knows exactly what is live.
#include "executor.h"

#include <ctime>
#include <pthread.h>

namespace gt {

static pthread_t monitor_thread;
static bool monitor_running;
static uint64_t time_slice_ns;

static void sleep_ns(uint64_t ns) {
  timespec ts{time_t(ns / 1000000000), long(ns % 1000000000)};
  nanosleep(&ts, nullptr);
}

static void *monitor_main(void *) {
  struct Seen {
    uint64_t resumes = 0;
    uint64_t since = 0;
    bool signalled = false;
  };
  Seen *seen = new Seen[sched.n];
  // Look twice per slice, so a thread is asked to yield after between one
  // and one and a half slices.
  uint64_t tick = time_slice_ns / 2;
  tick = tick < 50000 ? 50000 : tick > 5000000 ? 5000000 : tick;
  // While nothing runs, look less and less often (up to every 8 ticks), so
  // an idle runtime costs almost no CPU time; the first look that sees a
  // thread running returns to every tick.
  uint64_t idle_ticks = 0;
  while (!sched.shutdown.load(std::memory_order_acquire)) {
    sleep_ns(tick << (idle_ticks < 3 ? idle_ticks : 3));
    uint64_t now = now_ns();
    bool any_running = false;
    for (uint32_t i = 0; i < sched.n; ++i) {
      Executor &e = sched.execs[i];
      Seen &s = seen[i];
      any_running |= e.running.load(std::memory_order_relaxed) != nullptr;
      uint64_t resumes = e.resumes.load(std::memory_order_relaxed);
      if (resumes != s.resumes) {
        s = Seen{resumes, now, false};
        continue;
      }
      Thread *t = e.running.load(std::memory_order_acquire);
      if (!t || s.signalled || now - s.since < time_slice_ns)
        continue;
      // Thread records are never unmapped, so a thread that parked (or even
      // exited) since the load gets at worst one spurious yield.
      __atomic_fetch_or(&t->mb.signals, GT_SIGNAL_PREEMPT, __ATOMIC_RELEASE);
      s.signalled = true;
    }
    idle_ticks = any_running ? 0 : idle_ticks + 1;
  }
  delete[] seen;
  return nullptr;
}

void preempt_start(uint64_t slice_ns) {
  time_slice_ns = slice_ns ? slice_ns : 10000000;
  monitor_running = time_slice_ns != UINT64_MAX;
  if (monitor_running &&
      pthread_create(&monitor_thread, nullptr, monitor_main, nullptr))
    fatal("gt_run: cannot start the preemption monitor");
}

void preempt_stop() {
  if (monitor_running)
    pthread_join(monitor_thread, nullptr);
  monitor_running = false;
}

} // namespace gt

using namespace gt;

extern "C" {

// The body of __safepoint_slow_path: an ordinary, checked function.
[[gnu::noinline]] static void safepoint_slow(void) noexcept {
  Thread *t = current_thread();
  if (!t || ss_mailbox() != reinterpret_cast<uintptr_t>(&t->mb))
    fatal("safepoint poll with a mailbox register (%#lx) that is not the "
          "running green thread's mailbox: SS_SAFEPOINTS code called from "
          "outside a green thread, or from code that does not keep the "
          "register reserved",
          (unsigned long)ss_mailbox());
  uint64_t was = __atomic_fetch_and(
      &t->mb.signals, ~uint64_t(GT_SIGNAL_PREEMPT | GT_SIGNAL_GC),
      __ATOMIC_ACQ_REL);
  // GT_SIGNAL_GC: stop for the collection being asked for (gc/collect.cpp),
  // or for a torture collection. That is a trip through the scheduler, but
  // not a yield: the thread is first in line afterwards and keeps its time
  // slice (sched.cpp), so a pending preemption is still served.
  if ((was & GT_SIGNAL_GC) && !gc_safepoint() && gc::torture_every)
    gc_torture_poll(t);
  if (was & GT_SIGNAL_PREEMPT)
    switch_out(current_executor(), kYield);
}

// Unchecked (gt/hooks.h): a split-stack prologue would clobber r10 (x9, x10),
// which preserve_most callers keep. Its frame is the registers it saves
// around the call, within a small stack's slack; the body checks.
__attribute__((preserve_most)) GT_NO_SPLIT_STACK void
__safepoint_slow_path(void) noexcept {
  safepoint_slow();
}

void gt_preempt(gt_thread_t h) {
  if (Thread *t = thread_from_handle(h)) {
    t->lk.lock();
    bool valid = t->gen == uint32_t(h >> 32);
    if (valid)
      __atomic_fetch_or(&t->mb.signals, GT_SIGNAL_PREEMPT, __ATOMIC_RELEASE);
    t->lk.unlock();
    if (valid)
      return;
  }
  fatal("gt_preempt: invalid thread handle %#llx", (unsigned long long)h);
}

} // extern "C"
