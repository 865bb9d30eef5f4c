// ttsp.cpp: time to safepoint — how long a green thread running a tight loop
// takes to reach a safepoint poll after it has been asked to yield.
//
// The kernels are SS_SAFEPOINTS functions, so the fork's
// insert-safepoint-polls pass polls at their entries and loop back-edges and
// strip-mines their counted loops (one poll per 1,000 iterations). One green
// thread runs a kernel over and over on the only executor (time slices off,
// so only our requests preempt it). A plain OS thread on the other CPU
// repeatedly waits a random 20-400 µs, notes the time, asks the green thread
// to yield (gt_preempt sets GT_SIGNAL_PREEMPT in its mailbox) and spins until
// the bit is clear again: the slow path clears it first thing. The interval
// is the time to safepoint, plus a cache-line round trip. Printed: the
// distribution (p50/p99/p99.9/max) per kernel; the target is a
// maximum of 50 µs. The last kernel polls every few nanoseconds: its tail is
// the machine's noise floor (threads descheduled by the OS or hypervisor).
#include <gt/gt.h>
#include <swapstack/swapstack.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr size_t kArray = 1 << 14;       // 128 KiB of words: in L2
constexpr size_t kBig = size_t(1) << 25; // 256 MiB of words: misses

uint64_t *array, *big;
uint32_t *chain, *gather_idx;

// --- kernels (each a few hundred µs per call)

SS_SAFEPOINTS __attribute__((noinline)) uint64_t sum(const uint64_t *a,
                                                     size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; ++i) // vectorized, then strip-mined
    s += a[i];
  return s;
}

SS_SAFEPOINTS __attribute__((noinline)) uint64_t divide(const uint64_t *a,
                                                        size_t n) {
  uint64_t s = 1;
  for (size_t i = 0; i < n; ++i) // a 64-bit division per iteration
    s += a[i] / (s | 1);
  return s;
}

SS_SAFEPOINTS __attribute__((noinline)) uint64_t chase(const uint32_t *next,
                                                       size_t steps) {
  uint32_t p = 0;
  for (size_t i = 0; i < steps; ++i) // a dependent load per iteration
    p = next[p];
  return p;
}

SS_SAFEPOINTS __attribute__((noinline)) uint64_t gather(const uint64_t *a,
                                                        const uint32_t *idx,
                                                        size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; ++i) // a cache miss per iteration
    s += a[idx[i]];
  return s;
}

SS_SAFEPOINTS __attribute__((noinline)) uint64_t collatz_total(uint64_t from,
                                                               uint64_t to) {
  uint64_t steps = 0;
  for (uint64_t x0 = from; x0 < to; ++x0)
    for (uint64_t x = x0; x != 1; ++steps) // no computable trip count
      x = x % 2 ? 3 * x + 1 : x / 2;
  return steps;
}

SS_SAFEPOINTS __attribute__((noinline)) uint64_t fib(uint64_t n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2); // entry polls only
}

SS_SAFEPOINTS __attribute__((noinline)) uint64_t spin_polls(uint64_t n) {
  volatile uint64_t i = 0;
  while (i < n) // volatile: no computable trip count, a poll per iteration
    i = i + 1;
  return i;
}

double mat_a[96][96], mat_b[96][96], mat_c[96][96];

SS_SAFEPOINTS __attribute__((noinline)) double matmul() {
  for (int i = 0; i < 96; ++i)
    for (int j = 0; j < 96; ++j) {
      double s = 0;
      for (int k = 0; k < 96; ++k)
        s += mat_a[i][k] * mat_b[k][j];
      mat_c[i][j] = s;
    }
  return mat_c[5][7];
}

struct Kernel {
  const char *name;
  const char *polls;
  uint64_t (*run)();
};

volatile uint64_t sink;

const Kernel kernels[] = {
    {"sum (vectorized)", "strip-mined", [] { return sum(array, kArray); }},
    {"division chain", "strip-mined", [] { return divide(array, kArray); }},
    {"pointer chase (L2)", "strip-mined", [] { return chase(chain, kArray); }},
    {"gather (256 MiB)", "strip-mined",
     [] { return gather(big, gather_idx, kArray); }},
    {"collatz (while loop)", "every iteration",
     [] { return collatz_total(1, 2000); }},
    {"matmul 96^3 (nested)", "middle loop",
     [] { return uint64_t(matmul()); }},
    {"fib(22) (recursion)", "entries", [] { return fib(22); }},
    // Polls every few nanoseconds: what it measures beyond that is the
    // noise floor of the machine (the requester or the executor descheduled
    // by the OS or the hypervisor), not the compiler's polls.
    {"control: poll loop", "every iteration",
     [] { return spin_polls(20000); }},
};

// --- measurement

struct Run {
  const Kernel *k;
  std::atomic<bool> stop{false};
  std::atomic<gt_mailbox *> mb{nullptr};
  std::atomic<gt_thread_t> thread{0};
  std::vector<uint64_t> samples;
  size_t want = 0;
};

SS_SAFEPOINTS void spin_kernel(void *p) {
  Run *r = static_cast<Run *>(p);
  r->thread.store(gt_self());
  r->mb.store(gt_self_mailbox());
  while (!r->stop.load(std::memory_order_relaxed))
    sink = sink + r->k->run();
}

// The executor (this process's main thread) on the first CPU, the requester
// on the last: neither migrates, nor do they share a CPU.
void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

int last_cpu() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 1 ? int(n - 1) : 0;
}

void *requester(void *p) {
  pin_to(last_cpu());
  Run *r = static_cast<Run *>(p);
  gt_mailbox *mb;
  while (!(mb = r->mb.load()))
    ;
  uint64_t rng = 0x243f6a8885a308d3ull;
  while (r->samples.size() < r->want) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    uint64_t until = gt_now_ns() + 20000 + rng % 380000;
    while (gt_now_ns() < until)
      ;
    uint64_t t0 = gt_now_ns();
    gt_preempt(r->thread.load());
    while (__atomic_load_n(&mb->signals, __ATOMIC_ACQUIRE) & GT_SIGNAL_PREEMPT)
      ;
    r->samples.push_back(gt_now_ns() - t0);
  }
  r->stop.store(true);
  return nullptr;
}

size_t samples_per_kernel = 2000;

void measure(const Kernel &k) {
  Run r;
  r.k = &k;
  r.want = samples_per_kernel;
  r.samples.reserve(r.want);
  // The requester starts first: the spawned thread may run at once, and it
  // only yields when asked to. It publishes its handle and mailbox itself.
  pthread_t req;
  if (pthread_create(&req, nullptr, requester, &r))
    std::abort();
  gt_thread_t t = gt_spawn(spin_kernel, &r, nullptr);
  gt_join(t);
  pthread_join(req, nullptr);
  std::sort(r.samples.begin(), r.samples.end());
  auto pct = [&](double p) {
    return r.samples[std::min(r.samples.size() - 1,
                              size_t(p * r.samples.size()))] /
           1000.0;
  };
  double mx = r.samples.back() / 1000.0;
  std::printf("| %s | %s | %zu | %.2f | %.2f | %.2f | %.2f | %s |\n", k.name,
              k.polls, r.samples.size(), pct(0.5), pct(0.99), pct(0.999), mx,
              mx <= 50 ? "met" : "not met");
}

void setup() {
  array = new uint64_t[kArray];
  chain = new uint32_t[kArray];
  gather_idx = new uint32_t[kArray];
  big = new uint64_t[kBig];
  uint64_t rng = 88172645463325252ull;
  auto next = [&] {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
  };
  for (size_t i = 0; i < kArray; ++i) {
    array[i] = next() | 1;
    gather_idx[i] = uint32_t(next() % kBig);
    chain[i] = uint32_t(i);
  }
  for (size_t i = kArray - 1; i > 0; --i) // one random cycle (Sattolo)
    std::swap(chain[i], chain[next() % i]);
  for (size_t i = 0; i < kBig; ++i)
    big[i] = i;
  for (int i = 0; i < 96; ++i)
    for (int j = 0; j < 96; ++j)
      mat_a[i][j] = i + j, mat_b[i][j] = i - j;
}

void bench_main(void *) {
  std::printf("| kernel | polls | samples | p50 (µs) | p99 (µs) | p99.9 (µs) "
              "| max (µs) | max ≤ 50 µs |\n"
              "|---|---|---:|---:|---:|---:|---:|---|\n");
  for (const Kernel &k : kernels)
    measure(k);
}

} // namespace

int main(int argc, char **argv) {
  if (argc > 1 && !std::strcmp(argv[1], "--quick"))
    samples_per_kernel = 300;
  setup();
  pin_to(0);
  gt_config cfg{};
  cfg.executors = 1;
  cfg.time_slice_ns = UINT64_MAX; // only the requester preempts
  gt_run(&cfg, bench_main, nullptr);
  return 0;
}
