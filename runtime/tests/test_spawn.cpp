// Spawn/join of a million green threads with checked results, nested
// spawns, detach, yield, thread ids, and misuse of handles.
#include "check.h"

#include <gt/gc.h>

#include <atomic>
#include <vector>

namespace {

struct Work {
  uint64_t in, out;
};

void square(void *p) {
  auto *w = static_cast<Work *>(p);
  w->out = w->in * w->in;
}

void million(void *) {
  constexpr int kTotal = 1000000, kWave = 10000;
  std::vector<Work> work(kWave);
  std::vector<gt_thread_t> h(kWave);
  uint64_t sum = 0, expect = 0;
  for (int base = 0; base < kTotal; base += kWave) {
    for (int i = 0; i < kWave; ++i) {
      work[i] = {uint64_t(base + i), 0};
      h[i] = gt_spawn(square, &work[i], nullptr);
    }
    for (int i = 0; i < kWave; ++i) {
      CHECK(gt_join(h[i]) == GT_OK);
      CHECK(work[i].out == work[i].in * work[i].in);
      sum += work[i].out;
      expect += uint64_t(base + i) * (base + i);
    }
  }
  CHECK(sum == expect);
  std::printf("spawned and joined %d threads, sum of squares %llu\n", kTotal,
              (unsigned long long)sum);
}

// A binary tree of spawns: every node joins its two children.
struct Node {
  int depth;
  uint64_t count;
};
void tree(void *p) {
  auto *n = static_cast<Node *>(p);
  if (n->depth == 0) {
    n->count = 1;
    return;
  }
  Node a{n->depth - 1, 0}, b{n->depth - 1, 0};
  gt_thread_t ha = gt_spawn(tree, &a, nullptr);
  gt_thread_t hb = gt_spawn(tree, &b, nullptr);
  gt_join(ha);
  gt_join(hb);
  n->count = a.count + b.count + 1;
}

std::atomic<int> detached_done{0};
void detached(void *) { detached_done.fetch_add(1); }

struct YieldArg {
  std::atomic<int> *turns;
  unsigned executors_seen;
};
void yielder(void *p) {
  auto *y = static_cast<YieldArg *>(p);
  for (int i = 0; i < 10000; ++i) {
    y->executors_seen |= 1u << (gt_self_mailbox()->executor_id % 32);
    y->turns->fetch_add(1);
    gt_yield();
  }
}

void main_thread(void *) {
  CHECK(gt_self_id() != 0);
  CHECK(gt_self() != 0);
  million(nullptr);

  Node root{14, 0};
  gt_join(gt_spawn(tree, &root, nullptr));
  CHECK(root.count == (1u << 15) - 1);
  std::printf("spawn tree of depth 14: %llu threads\n",
              (unsigned long long)root.count);

  for (int i = 0; i < 1000; ++i)
    gt_detach(gt_spawn(detached, nullptr, nullptr));
  while (detached_done.load() < 1000)
    gt_yield();

  std::atomic<int> turns{0};
  YieldArg args[8];
  gt_thread_t hs[8];
  for (int i = 0; i < 8; ++i) {
    args[i] = {&turns, 0};
    hs[i] = gt_spawn(yielder, &args[i], nullptr);
  }
  unsigned seen = 0;
  for (int i = 0; i < 8; ++i) {
    gt_join(hs[i]);
    seen |= args[i].executors_seen;
  }
  CHECK(turns.load() == 80000);
  std::printf("8 threads x 10000 yields on %u executor(s), ran on %d\n",
              gt_executor_count(), __builtin_popcount(seen));
  if (gt_executor_count() == 1)
    CHECK(seen == 1);

  // Big stacks are available per spawn.
  struct Big {
    static void run(void *p) {
      volatile char buf[1 << 20];
      buf[0] = 1;
      buf[sizeof buf - 1] = 2;
      *static_cast<int *>(p) = buf[0] + buf[sizeof buf - 1];
    }
  };
  int big = 0;
  gt_attr attr{2 << 20, "big"};
  gt_join(gt_spawn(Big::run, &big, &attr));
  CHECK(big == 3);
}

void nothing(void *) {}
void join_twice(void *) {
  gt_thread_t h = gt_spawn(nothing, nullptr, nullptr);
  gt_join(h);
  gt_join(h);
}
void join_self(void *) { gt_join(gt_self()); }
void join_detached(void *) {
  gt_thread_t h = gt_spawn(nothing, nullptr, nullptr);
  gt_detach(h);
  gt_join(h);
}

// A null entry function is reported when spawned, not as a jump to 0 in
// the new thread.
void spawn_null(void *) { gt_spawn(nullptr, nullptr, nullptr); }
void spawn_ref_null(void *) { gt_spawn_ref(nullptr, nullptr, nullptr); }

} // namespace

int main() {
  run(main_thread);
  expect_fatal("joining twice", join_twice, "gt_join: invalid thread handle");
  expect_fatal("joining itself", join_self, "cannot join itself");
  expect_fatal("joining a detached thread", join_detached, "gt_join: ");
  expect_death("gt_yield outside gt_run", [] { gt_yield(); },
               "gt_yield called outside a green thread");
  expect_fatal("spawning a null function", spawn_null,
               "gt_spawn: the entry function is null");
  expect_fatal("spawning a null function by reference", spawn_ref_null,
               "gt_spawn_ref: the entry function is null");
  std::puts("all spawn tests passed");
  return 0;
}
