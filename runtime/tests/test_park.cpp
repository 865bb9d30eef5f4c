// A million parked threads: each spawned thread parks on a channel receive;
// some are woken one by one with a value, the rest all at once by closing the
// channel. Every thread must have parked before the wake-up starts and must
// run to its end exactly once, every value must be received exactly once,
// and a thread spawned with GT_ATTR_COMPACT (every 8th) must find its frame
// intact. AArch64 runs under qemu, where stack guards fall back to mprotect
// (two memory mappings per stack; vm.max_map_count allows ~32,000 stacks):
// 20,000 threads there.
#include "check.h"

#include <atomic>
#include <memory>

namespace {

#if defined(__aarch64__)
constexpr long kThreads = 20000;
#else
constexpr long kThreads = 1000000;
#endif
constexpr long kValues = 1000; // woken by a send, the rest by close

gt_chan_t *gate;
gt_waitgroup_t finished;
std::atomic<long> parked_count{0};
std::unique_ptr<std::atomic<uint8_t>[]> ran;        // per thread
std::unique_ptr<std::atomic<uint8_t>[]> value_seen; // per sent value
std::atomic<long> values_received{0}, closed_seen{0}, bad_frames{0};

void parked(void *arg) {
  long id = reinterpret_cast<long>(arg);
  volatile long frame[4] = {id, ~id, id * 3, id ^ 0x5555}; // on our stack
  parked_count.fetch_add(1, std::memory_order_relaxed);
  long v = -1;
  int r = gt_chan_recv(gate, &v);
  if (frame[0] != id || frame[1] != ~id || frame[2] != id * 3 ||
      frame[3] != (id ^ 0x5555))
    bad_frames.fetch_add(1);
  if (r == GT_OK) {
    CHECK(v >= 0 && v < kValues);
    CHECK(value_seen[v].fetch_add(1) == 0);
    values_received.fetch_add(1);
  } else {
    CHECK(r == GT_CLOSED);
    closed_seen.fetch_add(1);
  }
  CHECK(ran[id].fetch_add(1) == 0); // exactly once
  gt_waitgroup_done(&finished);
}

void main_thread(void *) {
  ran.reset(new std::atomic<uint8_t>[kThreads]());
  value_seen.reset(new std::atomic<uint8_t>[kValues]());
  gate = gt_chan_new(sizeof(long), 0);
  gt_waitgroup_add(&finished, kThreads);
  uint64_t t0 = gt_now_ns();
  gt_attr compact{0, nullptr, GT_ATTR_COMPACT};
  for (long i = 0; i < kThreads; ++i)
    gt_detach(gt_spawn(parked, reinterpret_cast<void *>(i),
                       i % 8 == 7 ? &compact : nullptr));
  while (parked_count.load() < kThreads)
    gt_yield();
  uint64_t t1 = gt_now_ns();
  for (long i = 0; i < kThreads; ++i)
    CHECK(ran[i].load() == 0); // all parked, none ran to its end
  for (long v = 0; v < kValues; ++v)
    CHECK(gt_chan_send(gate, &v) == GT_OK);
  gt_chan_close(gate);
  CHECK(gt_waitgroup_wait(&finished) == GT_OK);
  uint64_t t2 = gt_now_ns();
  for (long i = 0; i < kThreads; ++i)
    CHECK(ran[i].load() == 1);
  for (long v = 0; v < kValues; ++v)
    CHECK(value_seen[v].load() == 1);
  CHECK(values_received.load() == kValues);
  CHECK(closed_seen.load() == kThreads - kValues);
  CHECK(bad_frames.load() == 0);
  gt_chan_free(gate);
  std::printf("%ld threads parked in %.0f ms, woken (%ld by a value, %ld by "
              "close) and finished in %.0f ms on %u executors; each ran once\n",
              kThreads, (t1 - t0) / 1e6, kValues, kThreads - kValues,
              (t2 - t1) / 1e6, gt_executor_count());
}

} // namespace

int main() {
  run(main_thread);
  std::puts("all park tests passed");
  return 0;
}
