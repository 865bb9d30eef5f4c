// Mutex, condition variable and wait group under contention, and their
// misuse errors.
#include "check.h"

#include <deque>

namespace {

gt_mutex_t mu;
long counter;
constexpr int kThreads = 64, kIncrements = 20000;

void incrementer(void *) {
  for (int i = 0; i < kIncrements; ++i) {
    gt_mutex_lock(&mu);
    long v = counter;
    if (i % 64 == 0)
      gt_yield(); // hold the lock across a switch now and then
    counter = v + 1;
    gt_mutex_unlock(&mu);
  }
}

// A bounded queue guarded by a mutex and two condition variables.
struct Queue {
  gt_mutex_t m{};
  gt_cond_t not_empty{}, not_full{};
  std::deque<long> items;
  size_t cap = 8;
};
Queue q;
constexpr int kProducers = 8, kPerProducer = 5000;
long consumed_sum;

void producer(void *p) {
  long base = (long)(intptr_t)p * kPerProducer;
  for (long i = 0; i < kPerProducer; ++i) {
    gt_mutex_lock(&q.m);
    while (q.items.size() == q.cap)
      CHECK(gt_cond_wait(&q.not_full, &q.m) == GT_OK);
    q.items.push_back(base + i);
    gt_cond_signal(&q.not_empty);
    gt_mutex_unlock(&q.m);
  }
}

void consumer(void *) {
  for (long n = 0; n < (long)kProducers * kPerProducer; ++n) {
    gt_mutex_lock(&q.m);
    while (q.items.empty())
      CHECK(gt_cond_wait(&q.not_empty, &q.m) == GT_OK);
    consumed_sum += q.items.front();
    q.items.pop_front();
    gt_cond_broadcast(&q.not_full);
    gt_mutex_unlock(&q.m);
  }
}

gt_waitgroup_t wg;
std::atomic<int> wg_work;
void wg_worker(void *) {
  gt_sleep_for(1000);
  wg_work.fetch_add(1);
  gt_waitgroup_done(&wg);
}
void wg_waiter(void *p) {
  CHECK(gt_waitgroup_wait(&wg) == GT_OK);
  CHECK(wg_work.load() == 100);
  static_cast<std::atomic<int> *>(p)->fetch_add(1);
}

void main_thread(void *) {
  gt_thread_t h[kThreads];
  for (auto &x : h)
    x = gt_spawn(incrementer, nullptr, nullptr);
  for (auto x : h)
    gt_join(x);
  CHECK(counter == (long)kThreads * kIncrements);
  CHECK(gt_mutex_trylock(&mu) == 1);
  CHECK(gt_mutex_trylock(&mu) == 0);
  gt_mutex_unlock(&mu);
  std::printf("mutex: %d threads x %d increments = %ld\n", kThreads,
              kIncrements, counter);

  gt_thread_t c = gt_spawn(consumer, nullptr, nullptr);
  gt_thread_t ps[kProducers];
  for (int i = 0; i < kProducers; ++i)
    ps[i] = gt_spawn(producer, (void *)(intptr_t)i, nullptr);
  for (auto p : ps)
    gt_join(p);
  gt_join(c);
  long n = (long)kProducers * kPerProducer;
  CHECK(consumed_sum == n * (n - 1) / 2);
  std::printf("condvar: bounded queue, %ld items, sum %ld\n", n,
              consumed_sum);

  std::atomic<int> waiters_done{0};
  gt_waitgroup_add(&wg, 100);
  gt_thread_t ws[4];
  for (auto &w : ws)
    w = gt_spawn(wg_waiter, &waiters_done, nullptr);
  for (int i = 0; i < 100; ++i)
    gt_detach(gt_spawn(wg_worker, nullptr, nullptr));
  CHECK(gt_waitgroup_wait(&wg) == GT_OK);
  for (auto w : ws)
    gt_join(w);
  CHECK(waiters_done.load() == 4 && wg_work.load() == 100);
  std::puts("waitgroup: 100 workers, 5 waiters");
}

gt_mutex_t m2;
void unlock_unlocked(void *) { gt_mutex_unlock(&m2); }
void lock_twice(void *) {
  gt_mutex_lock(&m2);
  gt_mutex_lock(&m2);
}
void unlock_other(void *) {
  gt_mutex_lock(&m2);
  gt_join(gt_spawn([](void *) { gt_mutex_unlock(&m2); }, nullptr, nullptr));
}
void negative_wg(void *) {
  gt_waitgroup_t w{};
  gt_waitgroup_done(&w);
}
void cond_without_mutex(void *) {
  gt_cond_t c{};
  gt_mutex_t m{};
  gt_cond_wait(&c, &m);
}

} // namespace

int main() {
  run(main_thread);
  expect_fatal("unlocking an unlocked mutex", unlock_unlocked,
               "gt_mutex_unlock: mutex");
  expect_fatal("locking a mutex twice", lock_twice, "already held");
  expect_fatal("unlocking another thread's mutex", unlock_other,
               "not by the caller");
  expect_fatal("wait group below zero", negative_wg, "went negative");
  expect_fatal("cond wait without the mutex", cond_without_mutex,
               "is not held by the caller");
  std::puts("all sync tests passed");
  return 0;
}
