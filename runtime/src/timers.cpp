// timers.cpp: sleeping threads, in one spin-locked binary heap of deadlines.
//
// A sleeper opens a wait episode, adds (deadline, thread, episode) and parks.
// Executors run expired timers from find_runnable() and sleep no longer than
// the earliest deadline when idle. An entry whose episode ended otherwise
// (the sleeper was cancelled) simply fails its claim when it expires.
#include "executor.h"

#include <algorithm>
#include <ctime>
#include <vector>

namespace gt {

namespace {
struct Timer {
  uint64_t deadline;
  Thread *t;
  uint64_t gen;
  bool operator>(const Timer &o) const { return deadline > o.deadline; }
};
alignas(64) SpinLock lk;
std::vector<Timer> heap; // min-heap on deadline
} // namespace

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + ts.tv_nsec;
}

void timer_add(uint64_t deadline, Thread *t, uint64_t gen) {
  lk.lock();
  heap.push_back({deadline, t, gen});
  std::push_heap(heap.begin(), heap.end(), std::greater<>());
  bool first = heap.front().deadline == deadline;
  read_mostly.timer_earliest.store(heap.front().deadline,
                                   std::memory_order_release);
  lk.unlock();
  if (first)
    wake_if_idle(); // an idle executor may sleep past the new deadline
}

void timers_run(Executor *e, uint64_t now) {
  for (;;) {
    Timer due[32];
    unsigned n = 0;
    lk.lock();
    while (n < 32 && !heap.empty() && heap.front().deadline <= now) {
      std::pop_heap(heap.begin(), heap.end(), std::greater<>());
      due[n++] = heap.back();
      heap.pop_back();
    }
    read_mostly.timer_earliest.store(heap.empty() ? UINT64_MAX
                                                  : heap.front().deadline,
                                     std::memory_order_release);
    lk.unlock();
    for (unsigned i = 0; i < n; ++i)
      if (claim(due[i].t, due[i].gen, kWokenTimer))
        ready(e, due[i].t);
    if (n < 32)
      return;
  }
}

} // namespace gt

using namespace gt;

extern "C" {

uint64_t gt_now_ns(void) { return now_ns(); }

int gt_sleep_until(uint64_t deadline) {
  Thread *self = self_or_die("gt_sleep_until");
  if (cancel_pending(self))
    return GT_CANCELED;
  if (deadline <= now_ns()) {
    gt_yield();
    return GT_OK;
  }
  uint64_t gen = begin_wait(self);
  if (cancel_pending(self) && cancel_own_wait(self))
    return GT_CANCELED;
  timer_add(deadline, self, gen);
  self->compactable = true;
  return park(self, nullptr) == kWokenCanceled ? GT_CANCELED : GT_OK;
}

int gt_sleep_for(uint64_t ns) { return gt_sleep_until(now_ns() + ns); }

} // extern "C"
