// Compaction of parked stacks (GT_ATTR_COMPACT, gt_config.compact_threshold):
// threads parked in every kind of wait, with their stacks compacted, resume
// with their frames intact (including pointers into their own stacks) and
// receive or deliver channel values correctly; parked threads then cost well
// under a page each. Threads spawned above the threshold take turns on shared
// stacks (share.cpp), also when parked in select or on large elements. A
// thread whose privately compacted stack is touched by another thread is
// reported when it resumes.
#include "check.h"

#include <vector>

namespace {

constexpr int kThreads = 20000;

struct Shared {
  gt_chan_t *to_workers, *from_workers;
  gt_mutex_t m{};
  gt_cond_t cv{};
  gt_waitgroup_t wg{};
  bool go = false;
};
Shared sh;

long rss_bytes() {
  long pages, resident;
  FILE *f = std::fopen("/proc/self/statm", "r");
  CHECK(f && std::fscanf(f, "%ld %ld", &pages, &resident) == 2);
  std::fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

// Fills a frame with a pattern and a pointer into itself, parks in the
// given way, and checks both after resuming.
__attribute__((noinline)) long worker_body(long id) {
  volatile long pattern[32];
  for (int i = 0; i < 32; ++i)
    pattern[i] = id * 31 + i;
  volatile long *self_ptr = &pattern[7];
  long got = 0;
  switch (id % 4) {
  case 0: // receive a value sent after we parked
    CHECK(gt_chan_recv(sh.to_workers, &got) == GT_OK);
    break;
  case 1: { // send a value (blocks until main receives)
    long v = id * 1000;
    CHECK(gt_chan_send(sh.from_workers, &v) == GT_OK);
    got = -1;
    break;
  }
  case 2: // condition variable
    gt_mutex_lock(&sh.m);
    while (!sh.go)
      CHECK(gt_cond_wait(&sh.cv, &sh.m) == GT_OK);
    gt_mutex_unlock(&sh.m);
    got = -2;
    break;
  case 3:
    CHECK(gt_sleep_for(200 * 1000000ull) == GT_OK);
    got = -3;
    break;
  }
  for (int i = 0; i < 32; ++i)
    CHECK(pattern[i] == id * 31 + i);
  CHECK(*self_ptr == id * 31 + 7);
  return got;
}

long results[kThreads];
void worker(void *p) {
  long id = (long)(intptr_t)p;
  results[id] = worker_body(id);
  gt_waitgroup_done(&sh.wg);
}

void big_elements();

void main_thread(void *) {
  sh.to_workers = gt_chan_new(sizeof(long), 0);
  sh.from_workers = gt_chan_new(sizeof(long), 0);
  long before = rss_bytes();
  gt_waitgroup_add(&sh.wg, kThreads);
  gt_attr attr{0, "worker", GT_ATTR_COMPACT};
  for (long i = 0; i < kThreads; ++i)
    gt_detach(gt_spawn(worker, (void *)(intptr_t)i, &attr));
  gt_sleep_for(20 * 1000000ull); // all have parked by now
  long per_thread = (rss_bytes() - before) / kThreads;
  std::printf("%d parked threads: %ld resident bytes each\n", kThreads,
              per_thread);
  CHECK(per_thread < 2048); // a page each without compaction

  long sum_from = 0;
  for (long i = 0; i < kThreads / 4; ++i) {
    long v = 0;
    CHECK(gt_chan_recv(sh.from_workers, &v) == GT_OK);
    sum_from += v;
  }
  for (long i = 0; i < kThreads / 4; ++i) {
    long v = 5000000 + i;
    CHECK(gt_chan_send(sh.to_workers, &v) == GT_OK);
  }
  gt_mutex_lock(&sh.m);
  sh.go = true;
  gt_cond_broadcast(&sh.cv);
  gt_mutex_unlock(&sh.m);
  CHECK(gt_waitgroup_wait(&sh.wg) == GT_OK);

  long expect_from = 0, sum_to = 0, expect_to = 0;
  for (long id = 0; id < kThreads; ++id) {
    switch (id % 4) {
    case 0:
      CHECK(results[id] >= 5000000 && results[id] < 5000000 + kThreads / 4);
      sum_to += results[id];
      break;
    case 1:
      CHECK(results[id] == -1);
      expect_from += id * 1000;
      break;
    default:
      CHECK(results[id] == -(id % 4));
    }
  }
  for (long i = 0; i < kThreads / 4; ++i)
    expect_to += 5000000 + i;
  CHECK(sum_from == expect_from && sum_to == expect_to);
  gt_chan_free(sh.to_workers);
  gt_chan_free(sh.from_workers);
  std::puts("compacted threads resumed intact; channel values delivered");
  big_elements();
}

// Threads on shared stacks (spawned above the threshold) that park in
// select and in channel operations on elements larger than the thread
// record's buffer: their stacks are reused by others while they are parked,
// so the runtime must keep waiters and elements off them.
struct Big {
  long v[8];
};
constexpr int kBig = 4000;
gt_chan_t *big_in, *big_out, *never;
long big_got[kBig];
gt_waitgroup_t big_wg;

__attribute__((noinline)) void big_body(long id) {
  volatile long pattern[16];
  for (int i = 0; i < 16; ++i)
    pattern[i] = id * 7 + i;
  Big b{};
  if (id % 2 == 0) { // select: a receive of a Big, or a channel never used
    Big other{};
    gt_select_case cases[2] = {{never, GT_RECV, &other, 0},
                               {big_in, GT_RECV, &b, 0}};
    CHECK(gt_select(cases, 2, 1) == 1);
    for (int i = 0; i < 8; ++i)
      CHECK(b.v[i] == b.v[0] + i);
    big_got[id] = b.v[0];
  } else { // a blocking send of a Big
    for (int i = 0; i < 8; ++i)
      b.v[i] = id * 100 + i;
    CHECK(gt_chan_send(big_out, &b) == GT_OK);
    big_got[id] = -1;
  }
  for (int i = 0; i < 16; ++i)
    CHECK(pattern[i] == id * 7 + i);
}

void big_worker(void *p) {
  big_body((long)(intptr_t)p);
  gt_waitgroup_done(&big_wg);
}

void big_elements() {
  big_in = gt_chan_new(sizeof(Big), 0);
  big_out = gt_chan_new(sizeof(Big), 0);
  never = gt_chan_new(sizeof(Big), 0);
  gt_waitgroup_add(&big_wg, kBig);
  gt_attr attr{0, "big", GT_ATTR_COMPACT};
  for (long i = 0; i < kBig; ++i)
    gt_detach(gt_spawn(big_worker, (void *)(intptr_t)i, &attr));
  gt_sleep_for(20 * 1000000ull);
  long sum = 0, expect = 0;
  for (long i = 0; i < kBig / 2; ++i) {
    Big b;
    CHECK(gt_chan_recv(big_out, &b) == GT_OK);
    for (int k = 0; k < 8; ++k)
      CHECK(b.v[k] == b.v[0] + k);
    sum += b.v[0];
    expect += (2 * i + 1) * 100;
  }
  CHECK(sum == expect);
  for (long i = 0; i < kBig / 2; ++i) {
    Big b;
    for (int k = 0; k < 8; ++k)
      b.v[k] = 1000000 + i * 10 + k;
    CHECK(gt_chan_send(big_in, &b) == GT_OK);
  }
  CHECK(gt_waitgroup_wait(&big_wg) == GT_OK);
  long got = 0, want = 0;
  for (long id = 0; id < kBig; id += 2) {
    got += big_got[id];
    want += 1000000 + (id / 2) * 10;
  }
  CHECK(got == want);
  gt_chan_free(big_in);
  gt_chan_free(big_out);
  gt_chan_free(never);
  std::puts("select and large elements on shared stacks: ok");
}

// Breaks the contract: main writes to an object on a compacted thread's stack.
volatile int *shared_local;
gt_chan_t *wake;
void sharer(void *) {
  volatile int local = 1;
  shared_local = &local;
  gt_chan_recv(wake, nullptr);
  std::printf("local = %d\n", local);
}
void violation(void *) {
  wake = gt_chan_new(0, 0);
  gt_attr attr{0, "sharer", GT_ATTR_COMPACT};
  gt_thread_t h = gt_spawn(sharer, nullptr, &attr);
  for (int i = 0; i < 10; ++i) // keep the live count above the threshold
    gt_detach(gt_spawn([](void *) { gt_sleep_for(1000000000); }, nullptr,
                       nullptr));
  gt_sleep_for(10 * 1000000ull);
  *shared_local = 2; // the stack was compacted: this touches a dropped page
  gt_chan_close(wake);
  gt_join(h);
}

} // namespace

int main() {
  gt_config cfg{test_executors(), 0, /*compact_threshold=*/100};
  gt_run(&cfg, main_thread, nullptr);
  expect_death(
      "another thread touches a compacted stack",
      [] {
        gt_config small{test_executors(), 0, /*compact_threshold=*/1};
        gt_run(&small, violation, nullptr);
      },
      "'sharer' was accessed by another thread while it was parked and "
      "compacted");
  std::puts("all compaction tests passed");
  return 0;
}
