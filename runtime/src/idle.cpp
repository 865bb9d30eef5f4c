// idle.cpp: parking idle executors on a futex without lost wake-ups or
// thundering herds (after Go's wakep/spinning scheme).
//
// An executor with nothing to run first *spins*: it keeps stealing, counted
// in `nspinning`; at most about half the busy executors spin. When it gives
// up it pushes itself on the idle list, then re-checks every queue, then
// sleeps on its own futex word. Whoever makes work runnable issues a full
// fence and, if executors are idle and none is spinning, wakes exactly one
// (wakep), which starts out spinning; when a spinner finds work and it was
// the last spinner, it wakes the next one. The fence pairs with the idle
// side's fence (push, fence, re-check), so one of the two always sees the
// other: work is never left behind while everybody sleeps.
#include "executor.h"

#include <climits>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gt {

static void futex_wait(std::atomic<uint32_t> *word, uint32_t seen,
                       uint64_t timeout_ns) {
  timespec ts, *tsp = nullptr;
  if (timeout_ns != UINT64_MAX) {
    ts.tv_sec = timeout_ns / 1000000000;
    ts.tv_nsec = timeout_ns % 1000000000;
    tsp = &ts;
  }
  syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, seen, tsp, nullptr, 0);
}

static void futex_wake(std::atomic<uint32_t> *word) {
  syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

void wakep() {
  uint32_t zero = 0;
  if (!sched.nspinning.compare_exchange_strong(zero, 1))
    return; // a spinner will find the work
  sched.idle_lk.lock();
  Executor *x = sched.idle_head;
  if (x) {
    sched.idle_head = x->idle_next;
    x->idle = false;
    x->spinning = true; // carries our nspinning count
    sched.nidle.fetch_sub(1);
  }
  sched.idle_lk.unlock();
  if (!x) {
    sched.nspinning.fetch_sub(1);
    return;
  }
  x->note.store(1, std::memory_order_release);
  futex_wake(&x->note);
}

void wake_if_idle() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (sched.nidle.load(std::memory_order_relaxed) != 0 &&
      sched.nspinning.load(std::memory_order_relaxed) == 0)
    wakep();
}

void stop_spinning(Executor *e) {
  e->spinning = false;
  if (sched.nspinning.fetch_sub(1) == 1)
    wake_if_idle(); // hand the search on
}

void wake_all() {
  for (uint32_t i = 0; i < sched.n; ++i) {
    sched.execs[i].note.store(1, std::memory_order_release);
    futex_wake(&sched.execs[i].note);
  }
}

static bool work_anywhere() {
  if (!sched.global.empty())
    return true;
  for (uint32_t i = 0; i < sched.n; ++i)
    if (!sched.execs[i].rq.empty())
      return true;
  return false;
}

// Takes `e` off the idle list if nobody else did.
static void leave_idle(Executor *e) {
  sched.idle_lk.lock();
  if (e->idle) {
    Executor **p = &sched.idle_head;
    while (*p != e)
      p = &(*p)->idle_next;
    *p = e->idle_next;
    e->idle = false;
    sched.nidle.fetch_sub(1);
  }
  sched.idle_lk.unlock();
}

void idle_wait(Executor *e) {
  stack_drop_pending(e);
  if (e->spinning) {
    e->spinning = false;
    sched.nspinning.fetch_sub(1);
  }
  // Help a concurrent collection mark (gc/cycle.cpp, cycle_idle), a
  // quantum at a time, until work shows up, a timer is due (timers run in
  // find_runnable) or the world is to stop. Then
  // return the pages of stacks freed meanwhile (after a mass exit), a batch
  // at a time, until work shows up. Neither spinning nor idle meanwhile:
  // nobody relies on us to find new work, or wakes us.
  while (!sched.shutdown.load(std::memory_order_relaxed) && !gc_requested() &&
         !work_anywhere() && timer_next_deadline() > now_ns() &&
         gc_idle_work(e))
    ;
  while (!sched.shutdown.load(std::memory_order_relaxed) && stack_scavenge() &&
         !work_anywhere())
    ;
  while (!sched.shutdown.load(std::memory_order_relaxed) &&
         stack_prepare_wanted() && !work_anywhere())
    stack_prepare();
  sched.idle_lk.lock();
  e->note.store(0, std::memory_order_relaxed);
  e->idle = true;
  e->idle_next = sched.idle_head;
  sched.idle_head = e;
  sched.nidle.fetch_add(1);
  sched.idle_lk.unlock();
  std::atomic_thread_fence(std::memory_order_seq_cst);

  uint64_t timeout = UINT64_MAX;
  uint64_t deadline = timer_next_deadline();
  if (deadline != UINT64_MAX) {
    uint64_t now = now_ns();
    timeout = deadline > now ? deadline - now : 0;
  }
  if (timeout != 0 && !work_anywhere() &&
      !sched.shutdown.load(std::memory_order_acquire) && !gc_requested())
    futex_wait(&e->note, 0, timeout);
  leave_idle(e);
}

} // namespace gt
