// The local run queue and the global queue under contention: one owner
// pushes (sometimes into runnext) and pops while thieves on other OS threads
// steal halves; every item must come out exactly once.
#include "check.h"
#include "runq.h"

#include <atomic>
#include <thread>
#include <vector>

using namespace gt;

int main() {
  constexpr int kItems = 2000000, kThieves = 3;
  std::vector<Thread> items(kItems);
  std::vector<std::atomic<int>> seen(kItems);
  for (int i = 0; i < kItems; ++i)
    items[i].id = i;
  RunQueue owner;
  RunQueue thief_q[kThieves];
  GlobalQueue global, thief_global;
  std::atomic<bool> done{false};
  std::atomic<long> taken{0};
  auto take = [&](Thread *t) {
    CHECK(seen[t->id].fetch_add(1) == 0);
    taken.fetch_add(1, std::memory_order_relaxed);
  };

  std::vector<std::thread> thieves;
  for (int k = 0; k < kThieves; ++k)
    thieves.emplace_back([&, k] {
      while (!done.load()) {
        if (Thread *t = thief_q[k].steal_from(owner, k == 0)) {
          take(t);
          while (Thread *u = thief_q[k].get())
            take(u);
        }
        if (Thread *t = global.get_batch(thief_q[k], 32, 4, thief_global))
          take(t);
        while (Thread *u = thief_q[k].get())
          take(u);
      }
    });

  for (int i = 0; i < kItems; ++i) {
    owner.put(&items[i], i % 7 == 0, global);
    if (i % 3 == 0)
      if (Thread *t = owner.get())
        take(t);
  }
  while (Thread *t = owner.get())
    take(t);
  while (Thread *t = global.get_batch(owner, 128, 1, global)) {
    take(t);
    while (Thread *u = owner.get())
      take(u);
  }
  while (taken.load() < kItems)
    std::this_thread::yield();
  done = true;
  for (auto &t : thieves)
    t.join();
  for (int i = 0; i < kItems; ++i)
    CHECK(seen[i].load() == 1);
  CHECK(thief_global.empty());
  std::printf("runq: %d items, each taken exactly once\n", kItems);
  return 0;
}
