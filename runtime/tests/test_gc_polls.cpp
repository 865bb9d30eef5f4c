// Stopping running threads for a collection: with time slices off, one
// spinner per executor but one runs a loop that never allocates or switches,
// only polls (SS_SAFEPOINTS); the main thread collects again and again on
// the remaining executor. Each collection can only finish if every spinner
// stops at a poll through GT_SIGNAL_GC (__safepoint_slow_path), is saved like
// a parked thread, and resumes afterwards. The spinners' lists (in root
// slots, as in test_gc.cpp: this file has no stack maps) move at every
// collection and are checked when the spinning ends. A watchdog turns a
// hang into a failure.
#include "check.h"

#include <gt/gc.h>
#include <swapstack/swapstack.h>

#include <atomic>
#include <csignal>
#include <cstdint>

namespace {

constexpr int kCollections = 50, kListLen = 500, kMaxSpinners = 64;

struct Node {
  Node GT_GC *next;
  long value;
};
const GT_TYPE_WITH(1) node_type = {GT_TYPE_V1(0), sizeof(Node), "Node", 1,
                                   {0}};

Node GT_GC *lists[kMaxSpinners];
std::atomic<bool> stop{false};
std::atomic<int> spinning{0};

SS_SAFEPOINTS __attribute__((noinline)) uint64_t spin() {
  uint64_t n = 0;
  while (!stop.load(std::memory_order_relaxed))
    ++n;
  return n;
}

void spinner(void *arg) {
  int id = int(reinterpret_cast<intptr_t>(arg));
  for (long i = 0; i < kListLen; ++i) {
    Node GT_GC *n =
        gt_new_with(Node, static_cast<const gt_type *>((const void *)&node_type));
    n->value = id * 100000 + i;
    n->next = lists[id];
    lists[id] = n;
  }
  uintptr_t before = reinterpret_cast<uintptr_t>(gt_gc_raw(lists[id]));
  spinning.fetch_add(1);
  uint64_t iterations = spin();
  CHECK(iterations > 0);
  // Moved while we spun, and intact.
  CHECK(reinterpret_cast<uintptr_t>(gt_gc_raw(lists[id])) != before);
  long i = kListLen;
  for (Node GT_GC *n = lists[id]; n; n = n->next)
    CHECK(n->value == id * 100000 + --i);
  CHECK(i == 0);
}

void main_thread(void *) {
  int spinners = int(gt_executor_count()) - 1;
  // (On AArch64 __safepoint_slow_path is preserve_most, which saves an odd
  // number of registers below its frame record: the walker accepts frame
  // pointers that are 8 mod 16.)
  CHECK(spinners < kMaxSpinners);
  for (auto &l : lists)
    gt_gc_add_root(reinterpret_cast<void GT_GC **>(&l));
  gt_thread_t t[kMaxSpinners];
  for (int i = 0; i < spinners; ++i)
    t[i] = gt_spawn(spinner, reinterpret_cast<void *>(intptr_t(i)), nullptr);
  while (spinning.load() < spinners)
    gt_yield();
  struct gt_gc_stats s0, s1;
  gt_gc_stats(&s0);
  uint64_t t0 = gt_now_ns();
  for (int k = 0; k < kCollections; ++k)
    gt_gc_collect();
  uint64_t t1 = gt_now_ns();
  gt_gc_stats(&s1);
  CHECK(s1.collections >= s0.collections + kCollections);
  stop.store(true);
  for (int i = 0; i < spinners; ++i)
    CHECK(gt_join(t[i]) == GT_OK);
  std::printf("%d collections with %d spinners stopped at polls: %.3f ms "
              "each (max pause %.3f ms)\n",
              kCollections, spinners, (t1 - t0) / 1e6 / kCollections,
              s1.pause_max_ns / 1e6);
}

} // namespace

int main() {
  signal(SIGALRM, [](int) {
    const char msg[] = "test-gc_polls: a collection did not finish (hang)\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    abort();
  });
  alarm(120);
  gt_config cfg{};
  cfg.executors = test_executors();
  cfg.time_slice_ns = UINT64_MAX; // only GT_SIGNAL_GC stops a spinner
  gt_run(&cfg, main_thread, nullptr);
  std::printf("ok\n");
  return 0;
}
