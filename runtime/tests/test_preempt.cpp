// Preemption at safepoint polls. The spinning functions below are marked
// SS_SAFEPOINTS, so the fork's insert-safepoint-polls pass polls the mailbox
// at their entry and on their loop back-edges (strip-mining the counted
// loop). With one executor (GT_EXECUTORS=1), each test only finishes if the
// spinning thread is preempted: whoever would stop it can run only on the
// executor the spinner holds.
#include "check.h"

#include <swapstack/swapstack.h>

#include <atomic>
#include <cstdint>
#include <pthread.h>

namespace {

std::atomic<bool> stop;

// A loop with no calls and no computable trip count: polled every iteration.
SS_SAFEPOINTS __attribute__((noinline)) uint64_t spin_until_stop() {
  uint64_t n = 0;
  while (!stop.load(std::memory_order_relaxed))
    ++n;
  return n;
}

// A counted loop (strip-mined: one poll per 1,000 iterations) that also
// leaves early when asked.
SS_SAFEPOINTS __attribute__((noinline)) uint64_t count_until_stop(uint64_t n) {
  uint64_t s = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (stop.load(std::memory_order_relaxed))
      break;
    s += i ^ (s >> 7);
  }
  return s;
}

void spinner(void *out) {
  *static_cast<uint64_t *>(out) = spin_until_stop();
}

void counter(void *out) {
  *static_cast<uint64_t *>(out) = count_until_stop(UINT64_MAX / 2);
}

// Runs `body` on a new thread that is started first (spawn is child-first,
// so with one executor it runs at once and the parent only runs again once
// it is preempted), then stops it from the parent.
void preempted_by_monitor(void (*body)(void *), const char *what) {
  stop.store(false);
  uint64_t result = 0;
  uint64_t t0 = gt_now_ns();
  gt_thread_t h = gt_spawn(body, &result, nullptr);
  uint64_t waited = gt_now_ns() - t0;
  stop.store(true);
  CHECK(gt_join(h) == GT_OK);
  std::printf("%s: the parent ran again after %.1f ms\n", what,
              waited / 1e6);
}

// Three spinners share one executor with the main thread, which sleeps:
// every one of them must get to run, and the main thread must wake up.
void fairness() {
  stop.store(false);
  uint64_t results[3] = {};
  gt_thread_t h[3];
  for (int i = 0; i < 3; ++i)
    h[i] = gt_spawn(spinner, &results[i], nullptr);
  CHECK(gt_sleep_for(50 * 1000 * 1000) == GT_OK);
  stop.store(true);
  for (int i = 0; i < 3; ++i) {
    CHECK(gt_join(h[i]) == GT_OK);
    CHECK(results[i] > 0);
  }
  std::printf("fairness: three spinners and a sleeper shared the executor\n");
}

void main_thread(void *) {
  preempted_by_monitor(spinner, "spinning loop");
  preempted_by_monitor(counter, "counted loop (strip-mined)");
  fairness();
}

// With time slices off, only gt_preempt() from another OS thread can stop
// the spinner.
std::atomic<gt_thread_t> victim;

void *preempter(void *) {
  while (!victim.load())
    ;
  gt_preempt(victim.load());
  return nullptr;
}

void main_explicit(void *) {
  pthread_t p;
  CHECK(pthread_create(&p, nullptr, preempter, nullptr) == 0);
  // The spinner must be running before it is asked to yield: the parent's
  // handle is published by the child itself.
  stop.store(false);
  uint64_t r = 0;
  gt_thread_t h = gt_spawn(
      [](void *out) {
        victim.store(gt_self());
        *static_cast<uint64_t *>(out) = spin_until_stop();
      },
      &r, nullptr);
  // Back here: the spinner yielded (one executor), or another executor took
  // this thread; either way the handle must stay valid until the request.
  CHECK(pthread_join(p, nullptr) == 0);
  stop.store(true);
  CHECK(gt_join(h) == GT_OK);
  std::printf("gt_preempt: the spinner yielded on request\n");
}

} // namespace

int main() {
  alarm(60); // a missed preemption hangs: fail instead
  run(main_thread);
  gt_config cfg{test_executors(), 0, 0, UINT64_MAX};
  gt_run(&cfg, main_explicit, nullptr);
  std::puts("all preemption tests passed");
  return 0;
}
