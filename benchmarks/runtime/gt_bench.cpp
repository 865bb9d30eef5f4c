// The runtime's side of the green-thread benchmarks: the same programs as
// peers/bench.go (Go) and peers/boost_fiber.cpp (Boost.Fiber), on the gt
// runtime (whose switches are swapstack switches compiled by the fork).
//
// Usage:  gt-bench <bench> <executors> <n>
// Prints: RESULT <bench> <executors> <n> <value> <unit>
// Exits 1 (with a message on stderr) when a checksum is wrong.
//
//   skynet  skynet(0, n): each call with size > 1 spawns 10 detached threads
//           for skynet(num + i*size/10, size/10) that send their sums on the
//           parent's channel (capacity 10); the root runs in its own thread.
//           Best of 3, ms.
//   spawn   n threads that each add 1 to an atomic counter, spawned and joined
//           in batches of 10000. Best of 3, ns/thread.
//   yield   one executor, two threads each calling gt_yield() n times.
//           Best of 3, ns/yield.
//   chanpp  two threads ping-pong a counter over two unbuffered channels, n
//           round trips. Best of 3, ns/roundtrip.
//   memory  n threads each bump a counter and block receiving from one shared
//           unbuffered channel; once all have started (+100 ms), resident
//           memory growth (/proc/self/statm) / n, bytes/thread. One run.
//   memory_compact  the same with threads spawned with GT_ATTR_COMPACT (their
//           stacks are compacted while parked; they share only globals).
//   park    n threads each bump a counter and block receiving from one shared
//           unbuffered channel (as in memory); prints two results: "park",
//           the ms from the first spawn until all n have started, and "wake",
//           the ms from closing the channel until all n have finished (a
//           wait group). One run.
//   park_compact  the same with threads spawned with GT_ATTR_COMPACT.
//   memory_small, park_small  the same with threads spawned with
//           GT_ATTR_SMALL_STACK (a 1 KiB first segment;
//           runtime/src/segment.cpp).
//   idle    the runtime with its executors and nothing to run for 1 s (the
//           main thread sleeps): CPU time of the process, ms per second.
#include <gt/gt.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr long kBatch = 10000;
long n_arg;
std::string bench;
double result;
double result2 = -1; // a second result ("wake" of park)

[[noreturn]] void fail(const char *msg, long got, long want) {
  std::fprintf(stderr, "%s: got %ld, want %ld\n", msg, got, want);
  std::exit(1);
}

template <class F> double best_of_3(F f) {
  double best = 1e300;
  for (int i = 0; i < 3; ++i) {
    uint64_t t0 = gt_now_ns();
    f();
    best = std::min(best, double(gt_now_ns() - t0));
  }
  return best;
}

struct Sky {
  gt_chan_t *out;
  long num, size;
};

void skynet(void *p) {
  Sky s = *static_cast<Sky *>(p);
  delete static_cast<Sky *>(p);
  long sum = s.num;
  if (s.size > 1) {
    gt_chan_t *ch = gt_chan_new(sizeof(long), 10);
    long sub = s.size / 10;
    for (long i = 0; i < 10; ++i)
      gt_detach(gt_spawn(skynet, new Sky{ch, s.num + i * sub, sub}, nullptr));
    sum = 0;
    for (int i = 0; i < 10; ++i) {
      long v;
      gt_chan_recv(ch, &v);
      sum += v;
    }
    gt_chan_free(ch);
  }
  gt_chan_send(s.out, &sum);
}

void bench_skynet() {
  result = best_of_3([] {
               gt_chan_t *ch = gt_chan_new(sizeof(long), 0);
               gt_detach(gt_spawn(skynet, new Sky{ch, 0, n_arg}, nullptr));
               long sum;
               gt_chan_recv(ch, &sum);
               gt_chan_free(ch);
               if (sum != n_arg * (n_arg - 1) / 2)
                 fail("skynet", sum, n_arg * (n_arg - 1) / 2);
             }) /
           1e6;
}

std::atomic<long> counter;
void add_one(void *) { counter.fetch_add(1, std::memory_order_relaxed); }

void bench_spawn() {
  std::vector<gt_thread_t> h(kBatch);
  result = best_of_3([&] {
             counter = 0;
             for (long done = 0; done < n_arg;) {
               long m = std::min(kBatch, n_arg - done);
               for (long i = 0; i < m; ++i)
                 h[i] = gt_spawn(add_one, nullptr, nullptr);
               for (long i = 0; i < m; ++i)
                 gt_join(h[i]);
               done += m;
             }
             if (counter != n_arg)
               fail("spawn", counter, n_arg);
           }) /
           n_arg;
}

long yields;
void yielder(void *) {
  for (long i = 0; i < n_arg; ++i) {
    gt_yield();
    ++yields; // one executor: no race
  }
}

void bench_yield() {
  result = best_of_3([] {
             yields = 0;
             gt_thread_t a = gt_spawn(yielder, nullptr, nullptr);
             gt_thread_t b = gt_spawn(yielder, nullptr, nullptr);
             gt_join(a);
             gt_join(b);
             if (yields != 2 * n_arg)
               fail("yield", yields, 2 * n_arg);
           }) /
           (2.0 * n_arg);
}

gt_chan_t *c1, *c2;
void pong(void *) {
  for (long i = 0; i < n_arg; ++i) {
    long v;
    gt_chan_recv(c1, &v);
    ++v;
    gt_chan_send(c2, &v);
  }
}

void bench_chanpp() {
  result = best_of_3([] {
             c1 = gt_chan_new(sizeof(long), 0);
             c2 = gt_chan_new(sizeof(long), 0);
             gt_thread_t b = gt_spawn(pong, nullptr, nullptr);
             for (long i = 0; i < n_arg; ++i) {
               long v = i;
               gt_chan_send(c1, &v);
               gt_chan_recv(c2, &v);
               if (v != i + 1)
                 fail("chanpp", v, i + 1);
             }
             gt_join(b);
             gt_chan_free(c1);
             gt_chan_free(c2);
           }) /
           n_arg;
}

long rss_bytes() {
  long pages = 0, resident = 0;
  FILE *f = std::fopen("/proc/self/statm", "r");
  if (!f || std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
    std::exit(2);
  std::fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

// The spawn flags of the memory and park variants.
unsigned spawn_flags() {
  if (bench.ends_with("_compact"))
    return GT_ATTR_COMPACT;
  if (bench.ends_with("_small"))
    return GT_ATTR_SMALL_STACK;
  return 0;
}

std::atomic<long> started;
gt_chan_t *gate;
gt_waitgroup_t finished;
void parked(void *) {
  started.fetch_add(1);
  gt_chan_recv(gate, nullptr);
  gt_waitgroup_done(&finished);
}

void bench_memory() {
  gate = gt_chan_new(0, 0);
  long before = rss_bytes();
  gt_waitgroup_add(&finished, n_arg);
  gt_attr attr{0, nullptr, spawn_flags()};
  for (long i = 0; i < n_arg; ++i)
    gt_detach(gt_spawn(parked, nullptr, &attr));
  while (started.load() < n_arg)
    gt_sleep_for(1000000);
  gt_sleep_for(100000000);
  result = double(rss_bytes() - before) / n_arg;
  gt_chan_close(gate);
  gt_waitgroup_wait(&finished);
  gt_chan_free(gate);
}

void bench_park() {
  started = 0;
  gate = gt_chan_new(0, 0);
  gt_waitgroup_add(&finished, n_arg);
  gt_attr attr{0, nullptr, spawn_flags()};
  uint64_t t0 = gt_now_ns();
  for (long i = 0; i < n_arg; ++i)
    gt_detach(gt_spawn(parked, nullptr, &attr));
  while (started.load() < n_arg)
    gt_yield();
  uint64_t t1 = gt_now_ns();
  gt_chan_close(gate);
  gt_waitgroup_wait(&finished);
  uint64_t t2 = gt_now_ns();
  gt_chan_free(gate);
  result = (t1 - t0) / 1e6;
  result2 = (t2 - t1) / 1e6;
}

double cpu_seconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void bench_idle() {
  gt_sleep_for(100000000); // let start-up settle
  double c0 = cpu_seconds();
  uint64_t t0 = gt_now_ns();
  gt_sleep_for(1000000000);
  result = (cpu_seconds() - c0) * 1e3 / ((gt_now_ns() - t0) / 1e9);
}

void main_thread(void *) {
  if (bench == "skynet")
    bench_skynet();
  else if (bench == "spawn")
    bench_spawn();
  else if (bench == "yield")
    bench_yield();
  else if (bench == "chanpp")
    bench_chanpp();
  else if (bench == "memory" || bench == "memory_compact" ||
           bench == "memory_small")
    bench_memory();
  else if (bench == "park" || bench == "park_compact" || bench == "park_small")
    bench_park();
  else if (bench == "idle")
    bench_idle();
}

} // namespace

int main(int argc, char **argv) {
  static const char *units[][2] = {{"skynet", "ms"},
                                   {"spawn", "ns/thread"},
                                   {"yield", "ns/yield"},
                                   {"chanpp", "ns/roundtrip"},
                                   {"memory", "bytes/thread"},
                                   {"memory_compact", "bytes/thread"},
                                   {"memory_small", "bytes/thread"},
                                   {"park", "ms"},
                                   {"park_compact", "ms"},
                                   {"park_small", "ms"},
                                   {"idle", "ms/s"}};
  const char *unit = nullptr;
  if (argc == 4)
    for (auto &u : units)
      if (bench = argv[1], bench == u[0])
        unit = u[1];
  if (!unit) {
    std::fprintf(
        stderr,
        "usage: gt-bench skynet|spawn|yield|chanpp|memory|memory_compact"
        "|memory_small|park|park_compact|park_small|idle <executors> "
        "<n>\n");
    return 2;
  }
  unsigned executors = std::atoi(argv[2]);
  if (bench == "yield")
    executors = 1;
  n_arg = std::atol(argv[3]);
  gt_config cfg{executors, 0};
  gt_run(&cfg, main_thread, nullptr);
  std::printf("RESULT %s %u %ld %.2f %s\n", bench.c_str(), executors, n_arg,
              result, unit);
  if (result2 >= 0) // park: the wake phase
    std::printf("RESULT %s %u %ld %.2f %s\n",
                bench == "park"           ? "wake"
                : bench == "park_compact" ? "wake_compact"
                                          : "wake_small",
                executors, n_arg, result2, unit);
  return 0;
}
