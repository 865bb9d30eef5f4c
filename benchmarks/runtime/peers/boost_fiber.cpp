// Peer benchmarks for the green-thread runtime: the same programs written with
// Boost.Fiber (1.74) fibers and channels.
//
// Usage:  boost_fiber <bench> <executors> <n>
// Prints: RESULT <bench> <executors> <n> <value> <unit>
// Exits 1 (with a message on stderr) when a checksum is wrong.
//
// "executors" is the number of OS threads running fibers: the main thread and
// executors-1 std::threads all install boost::fibers::algo::work_stealing
// (default suspend=false, so an idle executor spins looking for work). With
// executors == 1 the main thread keeps Boost's default round_robin instead:
// work_stealing(1) spins forever in pick_next() as soon as its only thread has
// no ready fiber (it draws random victims until one differs from itself). The
// workers park their main fiber on a fiber condition variable until the
// benchmark is done, then meet the main thread at a std::barrier and are
// joined. Fibers use the default stack allocator, boost::fibers::default_stack
// = boost::context::fixedsize_stack: 128 KiB (stack_traits::default_size()),
// allocated with malloc, no guard page.
//
//   skynet  skynet(0, n): each call with size > 1 launches 10 fibers for
//           skynet(num + i*size/10, size/10), joins them and sums the results
//           they wrote into a slot of the parent's array; the root runs in its
//           own fiber, so n = 1000000 makes 1,111,111 fibers. n must be a
//           power of 10 (sum == n*(n-1)/2). Best of 3, in ms.
//   spawn   n fibers that each add 1 to a shared atomic counter, launched and
//           joined in batches of 10000. Best of 3, in ns/thread.
//   yield   executors forced to 1: two fibers each call
//           boost::this_fiber::yield() n times. Best of 3, total / (2n), ns/yield.
//   chanpp  two fibers ping-pong a counter over two
//           boost::fibers::unbuffered_channel<long>, n round trips.
//           Best of 3, in ns/roundtrip.
//   memory  n fibers each bump a "started" counter and block in pop() on one
//           shared boost::fibers::unbuffered_channel<int>; once all have
//           started (+100 ms), resident memory growth (/proc/self/statm) / n,
//           in bytes/thread (the fiber handle vector is touched beforehand, so
//           it is not counted). One run; the channel is then closed and all
//           fibers joined.
//   park    n fibers each bump a "started" counter and block in pop() on one
//           shared unbuffered_channel<int>; prints two results: "park", the ms
//           from the first launch until all n have started, and "wake", the
//           ms from close() until all n are joined. One run.
//   idle    nothing to run for 1 s (the main fiber sleeps): CPU time of the
//           process, ms per second (work_stealing executors spin when idle).
//
// Build:
//   clang++-19 -std=c++20 -O2 boost_fiber.cpp -lboost_fiber -lboost_context \
//     -pthread -o /tmp/peers-boost
#include <boost/fiber/all.hpp>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fibers = boost::fibers;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The executors: work_stealing on the calling (main) thread and on count-1
// worker threads, which are released and joined by the destructor.
class Executors {
public:
  explicit Executors(unsigned count) : exit_(count) {
    for (unsigned i = 1; i < count; ++i)
      threads_.emplace_back([this, count] {
        fibers::use_scheduling_algorithm<fibers::algo::work_stealing>(count);
        {
          std::unique_lock lock(mutex_);
          done_cv_.wait(lock, [this] { return done_; });
        }
        exit_.arrive_and_wait();
      });
    if (count > 1) // else keep the default round_robin, see above
      fibers::use_scheduling_algorithm<fibers::algo::work_stealing>(count);
  }
  ~Executors() {
    {
      std::unique_lock lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    // Blocks the OS threads (not just fibers), so no scheduler is left
    // stealing from one whose thread has already exited.
    exit_.arrive_and_wait();
    for (auto &t : threads_)
      t.join();
  }

private:
  fibers::mutex mutex_;
  fibers::condition_variable done_cv_;
  bool done_ = false;
  std::barrier<> exit_;
  std::vector<std::thread> threads_;
};

static bool ok = true;

static void check(bool good, const char *what, long got, long want) {
  if (!good && ok)
    std::fprintf(stderr, "%s: got %ld, want %ld\n", what, got, want);
  ok = ok && good;
}

// Runs f three times; returns the shortest wall time in ns.
template <class F> static double best_of_3(F f) {
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < 3; ++i) {
    auto t0 = Clock::now();
    f();
    best = std::min(best, double(std::chrono::nanoseconds(Clock::now() - t0).count()));
  }
  return best;
}

static long skynet(long num, long size) {
  if (size == 1)
    return num;
  long sub = size / 10, results[10];
  fibers::fiber children[10];
  for (int i = 0; i < 10; ++i)
    children[i] = fibers::fiber([&results, i, num, sub] { results[i] = skynet(num + i * sub, sub); });
  long sum = 0;
  for (int i = 0; i < 10; ++i) {
    children[i].join();
    sum += results[i];
  }
  return sum;
}

static double bench_skynet(long n) {
  return best_of_3([n] {
    long sum = 0;
    fibers::fiber([&sum, n] { sum = skynet(0, n); }).join();
    check(sum == n * (n - 1) / 2, "skynet sum", sum, n * (n - 1) / 2);
  }) / 1e6;
}

static double bench_spawn(long n) {
  return best_of_3([n] {
    std::atomic<long> counter{0};
    std::vector<fibers::fiber> batch;
    for (long done = 0; done < n; done += long(batch.size())) {
      batch.clear();
      for (long i = 0, m = std::min(10000L, n - done); i < m; ++i)
        batch.emplace_back([&counter] { counter.fetch_add(1, std::memory_order_relaxed); });
      for (auto &f : batch)
        f.join();
    }
    check(counter == n, "spawn counter", counter, n);
  }) / double(n);
}

static double bench_yield(long n) {
  return best_of_3([n] {
    long count = 0; // one executor: no race
    auto yielder = [&count, n] {
      for (long i = 0; i < n; ++i) {
        boost::this_fiber::yield();
        ++count;
      }
    };
    fibers::fiber a(yielder), b(yielder);
    a.join();
    b.join();
    check(count == 2 * n, "yield count", count, 2 * n);
  }) / double(2 * n);
}

static double bench_chanpp(long n) {
  return best_of_3([n] {
    fibers::unbuffered_channel<long> c1, c2;
    fibers::fiber a([&, n] {
      for (long i = 0; i < n; ++i) {
        c1.push(i);
        long v = c2.value_pop();
        check(v == i + 1, "chanpp value", v, i + 1);
      }
    });
    fibers::fiber b([&, n] {
      for (long i = 0; i < n; ++i)
        c2.push(c1.value_pop() + 1);
    });
    a.join();
    b.join();
  }) / double(n);
}

// Resident set size in bytes (second field of /proc/self/statm).
static long rss() {
  long size = 0, resident = 0;
  if (FILE *f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &size, &resident) != 2)
      resident = 0;
    std::fclose(f);
  }
  return resident * sysconf(_SC_PAGESIZE);
}

static double bench_memory(long n) {
  std::atomic<long> started{0};
  fibers::unbuffered_channel<int> ch;
  std::vector<fibers::fiber> fs(n); // touched now, so not counted below
  long before = rss();
  for (auto &f : fs)
    f = fibers::fiber([&] {
      started.fetch_add(1);
      int v;
      ch.pop(v); // returns channel_op_status::closed after close()
    });
  while (started.load() < n)
    boost::this_fiber::sleep_for(1ms);
  boost::this_fiber::sleep_for(100ms);
  long after = rss();
  ch.close();
  for (auto &f : fs)
    f.join();
  return double(after - before) / double(n);
}

static double park_wake_ms = 0;

static double bench_park(long n) {
  std::atomic<long> started{0};
  fibers::unbuffered_channel<int> ch;
  std::vector<fibers::fiber> fs(n);
  auto t0 = Clock::now();
  for (auto &f : fs)
    f = fibers::fiber([&] {
      started.fetch_add(1);
      int v;
      ch.pop(v);
    });
  while (started.load() < n)
    boost::this_fiber::yield();
  auto t1 = Clock::now();
  ch.close();
  for (auto &f : fs)
    f.join();
  auto t2 = Clock::now();
  park_wake_ms = std::chrono::duration<double, std::milli>(t2 - t1).count();
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

static double cpu_seconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double bench_idle() {
  boost::this_fiber::sleep_for(100ms);
  double c0 = cpu_seconds();
  auto t0 = Clock::now();
  boost::this_fiber::sleep_for(1s);
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  return (cpu_seconds() - c0) * 1e3 / wall;
}

static bool power_of_10(long n) {
  while (n > 1 && n % 10 == 0)
    n /= 10;
  return n == 1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s skynet|spawn|yield|chanpp|memory|park|idle <executors> <n>\n", argv[0]);
    return 2;
  }
  std::string name = argv[1];
  long executors = std::atol(argv[2]), n = std::atol(argv[3]);
  if (executors < 1 || n < 1) {
    std::fprintf(stderr, "executors and n must be positive integers\n");
    return 2;
  }
  if (name != "skynet" && name != "spawn" && name != "yield" && name != "chanpp" &&
      name != "memory" && name != "park" && name != "idle") {
    std::fprintf(stderr, "unknown benchmark %s\n", name.c_str());
    return 2;
  }
  if (name == "skynet" && !power_of_10(n)) {
    std::fprintf(stderr, "skynet needs n to be a power of 10\n");
    return 2;
  }
  if (name == "yield")
    executors = 1;

  double value;
  const char *unit;
  {
    Executors pool{unsigned(executors)};
    if (name == "skynet")
      value = bench_skynet(n), unit = "ms";
    else if (name == "spawn")
      value = bench_spawn(n), unit = "ns/thread";
    else if (name == "yield")
      value = bench_yield(n), unit = "ns/yield";
    else if (name == "chanpp")
      value = bench_chanpp(n), unit = "ns/roundtrip";
    else if (name == "park")
      value = bench_park(n), unit = "ms";
    else if (name == "idle")
      value = bench_idle(), unit = "ms/s";
    else
      value = bench_memory(n), unit = "bytes/thread";
  }
  if (!ok)
    return 1;
  std::printf("RESULT %s %ld %ld %.2f %s\n", name.c_str(), executors, n, value, unit);
  if (name == "park")
    std::printf("RESULT wake %ld %ld %.2f ms\n", executors, n, park_wake_ms);
  return 0;
}
