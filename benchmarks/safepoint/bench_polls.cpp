// bench-polls: what safepoint polls and the mailbox register cost, per loop
// kernel, measured side by side in one run.
//
// Every kernel of kernels.c is built three times (kernels.h): `base` (plain
// code, the mailbox register allocatable), `reserved` (the register reserved,
// no polls) and `polls` (reserved, and the kernel marked SS_SAFEPOINTS, so
// the fork's insert-safepoint-polls pass polls the mailbox's signal word at
// its entry and on its loop back-edges). The difference between base and
// reserved is the cost of the reservation; between reserved and polls, the
// cost of the polls.
//
// Method: this program runs on a green thread (gt_run, one executor) because
// polled code reads the mailbox register, which the runtime sets before
// running a thread; it is itself built with the register reserved, so it
// never clobbers it. For each kernel it first checks that the three builds
// return the same checksum (and stops if not). Then it times many rounds; in
// each, every variant runs one slot of back-to-back calls, in a random order
// and for a random length around `slot_ms`, and each variant keeps its
// fastest slot (ns per call): the minimum is the sample least disturbed by
// interrupts and other tenants. Slots are short and irregular on purpose: on
// a shared VM, a periodic disturbance (there, ~4 ms of slow execution every
// ~16 ms) stayed in phase with fixed 5 ms slots taken in a fixed rotation
// and slowed one variant in every round, by up to 80%. The kernels' data
// stays in L1/L2, so the time is loop overhead and computation, not memory
// bandwidth.
//
// Output: a markdown table (ns per call of base; the other variants as a
// percentage over base, and polls over reserved), the geometric means of the
// ratios, and whether polls stay within the target: 1% over base (HotSpot's
// budget for its safepoint polls; Go rejected loop polls that cost 7.8%).
//
// The runtime's default time slice stays on: polled code is asked to yield
// every ~10 ms like any long-running thread (the only thread yields to
// itself), so `polls` includes what preemption costs, not only the polls.
//
// Usage: bench-polls [--quick]   (--quick: fewer rounds)
#include "kernels.h"

#include <gt/gt.h>
#include <swapstack/swapstack.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

namespace {

enum Variant { kBase, kReserved, kPolls, kNumVariants };
const char *const kVariantNames[kNumVariants] = {"base", "reserved", "polls"};

// Problem sizes (elements). No kernel's working set exceeds 96 KiB: they stay
// in L2 (most in L1), so the kernels time loops, not memory bandwidth.
constexpr size_t kInts = 2048;   // 16 KiB
constexpr size_t kWords = 4096;  // 2 x 32 KiB
constexpr size_t kBytes = 16384; // 2 x 16 KiB
constexpr size_t kDim = 64;      // 3 x 32 KiB
constexpr size_t kChase = 16384; // 64 KiB
constexpr uint64_t kCollatzLimit = 1500;
constexpr size_t kSorted = 16384; // 64 KiB
constexpr size_t kProbes = 2048;
constexpr size_t kHist = 65536; // 64 KiB
constexpr size_t kLfk = 2048;   // 4 arrays of 16 KiB
constexpr size_t kLfkPad = 12;
constexpr unsigned kFib = 25;

struct Kernel {
  const char *name;
  const char *description;
  kernel_fn fn[kNumVariants];
  unsigned reps; // kernel_data.reps: brings a call to roughly 20-200 us
};

// The kernels, with the repetitions that make a call last 25-165 us on the
// machine this was tuned on (an AMD EPYC vCPU).
#define VARIANTS(name)                                                         \
  { name##_base, name##_reserved, name##_polls }
const Kernel kKernels[] = {
    {"sum_i64", "int64 array sum", VARIANTS(sum_i64), 256},
    {"copy_words", "word copy", VARIANTS(copy_words), 64},
    {"bytes_transform", "byte copy/transform", VARIANTS(bytes_transform), 16},
    {"matmul", "matmul 64x64 double", VARIANTS(matmul), 1},
    {"pointer_chase", "pointer chase", VARIANTS(pointer_chase), 1},
    {"collatz", "collatz steps (while)", VARIANTS(collatz), 1},
    {"binary_search", "binary search", VARIANTS(binary_search), 1},
    {"histogram", "histogram", VARIANTS(histogram), 2},
    {"lfk1_hydro", "LFK 1 hydro fragment", VARIANTS(lfk1_hydro), 64},
    {"lfk3_inner_product", "LFK 3 inner product", VARIANTS(lfk3_inner_product),
     16},
    {"lfk5_tridiag", "LFK 5 tri-diagonal elim.", VARIANTS(lfk5_tridiag), 8},
    {"lfk7_eos", "LFK 7 equation of state", VARIANTS(lfk7_eos), 16},
    {"lfk12_first_diff", "LFK 12 first difference", VARIANTS(lfk12_first_diff),
     64},
    {"fib", "fib(25) (recursive)", VARIANTS(fib), 1},
};
#undef VARIANTS

struct Options {
  int rounds = 200;
  double slot_ms = 1;
};

// Deterministic inputs, the same in every run and with every standard
// library (mt19937_64's sequence is fixed by the standard).
class Rng {
public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint64_t next() { return gen_(); }
  uint64_t below(uint64_t n) { return next() % n; }
  double uniform(double lo, double hi) {
    return lo + (hi - lo) * double(next() >> 11) * 0x1p-53;
  }

private:
  std::mt19937_64 gen_;
};

// Owns every kernel's arrays and the kernel_data that points into them.
class Data {
public:
  Data() {
    Rng rng(42);
    fill_integers(rng);
    fill_matrices(rng);
    fill_chase(rng);
    fill_search(rng);
    fill_livermore(rng);
    point_at_arrays();
  }
  kernel_data *get() { return &d_; }

private:
  void fill_integers(Rng &rng) {
    ints_.resize(kInts);
    for (auto &v : ints_)
      v = int64_t(rng.next() >> 8) - (int64_t(1) << 54);
    words_src_.resize(kWords);
    words_dst_.assign(kWords, 0);
    for (auto &v : words_src_)
      v = rng.next();
    // Text-like bytes: mostly letters of both cases, some punctuation.
    static const char kAlphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,;:!?0123456789";
    bytes_src_.resize(kBytes);
    bytes_dst_.assign(kBytes, 0);
    for (auto &c : bytes_src_)
      c = (unsigned char)kAlphabet[rng.below(sizeof kAlphabet - 1)];
    hist_src_.resize(kHist);
    for (auto &c : hist_src_)
      c = (unsigned char)rng.next();
    bins_.assign(256, 0);
  }

  void fill_matrices(Rng &rng) {
    mat_a_.resize(kDim * kDim);
    mat_b_.resize(kDim * kDim);
    mat_c_.assign(kDim * kDim, 0.0);
    for (auto &v : mat_a_)
      v = rng.uniform(-1, 1);
    for (auto &v : mat_b_)
      v = rng.uniform(-1, 1);
  }

  // One random cycle through every slot (Sattolo's algorithm): swapping each
  // slot with a strictly earlier one never closes a cycle early.
  void fill_chase(Rng &rng) {
    next_.resize(kChase);
    std::iota(next_.begin(), next_.end(), 0u);
    for (size_t i = kChase - 1; i > 0; --i)
      std::swap(next_[i], next_[rng.below(i)]);
  }

  // Distinct sorted keys with gaps; half of the probes are present.
  void fill_search(Rng &rng) {
    sorted_.resize(kSorted);
    int32_t key = 0;
    for (auto &v : sorted_)
      v = key += 1 + int32_t(rng.below(4));
    probes_.resize(kProbes);
    for (size_t i = 0; i < kProbes; ++i)
      probes_[i] = i % 2 ? sorted_[rng.below(kSorted)]
                         : int32_t(rng.below(uint64_t(key) + 16));
  }

  // Values that keep every recurrence bounded and away from subnormals.
  void fill_livermore(Rng &rng) {
    lfk_x_.assign(kLfk, 0.0);
    for (auto *v : {&lfk_y_, &lfk_z_, &lfk_u_}) {
      v->resize(kLfk + kLfkPad);
      for (auto &e : *v)
        e = rng.uniform(0.1, 0.9);
    }
  }

  void point_at_arrays() {
    d_ = kernel_data{};
    d_.ints = ints_.data();
    d_.n_ints = kInts;
    d_.words_src = words_src_.data();
    d_.words_dst = words_dst_.data();
    d_.n_words = kWords;
    d_.bytes_src = bytes_src_.data();
    d_.bytes_dst = bytes_dst_.data();
    d_.n_bytes = kBytes;
    d_.mat_a = mat_a_.data();
    d_.mat_b = mat_b_.data();
    d_.mat_c = mat_c_.data();
    d_.dim = kDim;
    d_.next = next_.data();
    d_.n_chase = kChase;
    d_.collatz_limit = kCollatzLimit;
    d_.sorted = sorted_.data();
    d_.n_sorted = kSorted;
    d_.probes = probes_.data();
    d_.n_probes = kProbes;
    d_.hist_src = hist_src_.data();
    d_.n_hist = kHist;
    d_.bins = bins_.data();
    d_.lfk_x = lfk_x_.data();
    d_.lfk_y = lfk_y_.data();
    d_.lfk_z = lfk_z_.data();
    d_.lfk_u = lfk_u_.data();
    d_.lfk_n = kLfk;
    d_.lfk_q = 0.5;
    d_.lfk_r = 0.3;
    d_.lfk_t = 0.2;
    d_.fib_n = kFib;
    d_.reps = 1;
  }

  std::vector<int64_t> ints_;
  std::vector<uint64_t> words_src_, words_dst_;
  std::vector<unsigned char> bytes_src_, bytes_dst_, hist_src_;
  std::vector<double> mat_a_, mat_b_, mat_c_;
  std::vector<uint32_t> next_, bins_;
  std::vector<int32_t> sorted_, probes_;
  std::vector<double> lfk_x_, lfk_y_, lfk_z_, lfk_u_;
  kernel_data d_;
};

using Clock = std::chrono::steady_clock;

// Results of timed calls go here, so no call is dead.
volatile uint64_t sink;

// Nanoseconds per call over `calls` back-to-back calls.
double time_calls(kernel_fn fn, kernel_data *d, long calls) {
  uint64_t acc = 0;
  auto t0 = Clock::now();
  for (long i = 0; i < calls; ++i)
    acc += fn(d);
  auto t1 = Clock::now();
  sink = sink + acc;
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / calls;
}

// Stops the program unless the three builds computed the same thing.
void check_checksums(const Kernel &k, kernel_data *d) {
  uint64_t sums[kNumVariants];
  for (int v = 0; v < kNumVariants; ++v)
    sums[v] = k.fn[v](d);
  for (int v = 1; v < kNumVariants; ++v)
    if (sums[v] != sums[kBase]) {
      std::fprintf(stderr,
                   "bench-polls: %s: checksum of %s is %#llx, of base %#llx\n",
                   k.name, kVariantNames[v], (unsigned long long)sums[v],
                   (unsigned long long)sums[kBase]);
      std::abort();
    }
}

// Calls per slot: enough base calls for about `slot_ms`.
long calls_per_slot(const Kernel &k, kernel_data *d, double slot_ms) {
  double target_ns = slot_ms * 1e6;
  long calls = 1;
  double per_call = time_calls(k.fn[kBase], d, calls);
  // Grow the sample until it lasts a tenth of a slot, then extrapolate.
  while (per_call * calls < target_ns / 10) {
    calls *= 2;
    per_call = time_calls(k.fn[kBase], d, calls);
  }
  return std::max(1L, long(target_ns / per_call));
}

struct Timing {
  double best_ns[kNumVariants];
};

Timing measure(const Kernel &k, kernel_data *d, const Options &opt,
               std::mt19937_64 &rng) {
  d->reps = k.reps;
  check_checksums(k, d);
  long calls = calls_per_slot(k, d, opt.slot_ms);
  Timing t;
  std::fill(std::begin(t.best_ns), std::end(t.best_ns), 1e300);
  int order[kNumVariants] = {kBase, kReserved, kPolls};
  for (int round = 0; round < opt.rounds; ++round) {
    std::shuffle(std::begin(order), std::end(order), rng);
    for (int v : order) {
      long n = calls / 2 + long(rng() % uint64_t(calls + 1)); // 0.5-1.5 slots
      t.best_ns[v] = std::min(t.best_ns[v], time_calls(k.fn[v], d, n));
    }
  }
  return t;
}

double percent(double ratio) { return (ratio - 1) * 100; }

class Table {
public:
  void add(const Kernel &k, const Timing &t) {
    double reserved = t.best_ns[kReserved] / t.best_ns[kBase];
    double polls = t.best_ns[kPolls] / t.best_ns[kBase];
    double polls_vs_reserved = t.best_ns[kPolls] / t.best_ns[kReserved];
    std::printf("| %-26s | %12.1f | %+15.2f%% | %+13.2f%% | %+16.2f%% |\n",
                k.description, t.best_ns[kBase], percent(reserved),
                percent(polls), percent(polls_vs_reserved));
    std::fflush(stdout);
    log_reserved_ += std::log(reserved);
    log_polls_ += std::log(polls);
    log_polls_vs_reserved_ += std::log(polls_vs_reserved);
    ++rows_;
  }

  static void print_header() {
    std::printf("| %-26s | %12s | %16s | %14s | %17s |\n", "kernel",
                "base ns/call", "reserved vs base", "polls vs base",
                "polls vs reserved");
    std::printf(
        "|----------------------------|-------------:|-----------------:"
        "|---------------:|------------------:|\n");
  }

  // Prints the geomean row and the verdict.
  void print_summary() const {
    double reserved = percent(std::exp(log_reserved_ / rows_));
    double polls = percent(std::exp(log_polls_ / rows_));
    double polls_vs_reserved =
        percent(std::exp(log_polls_vs_reserved_ / rows_));
    std::printf("| %-26s | %12s | %+15.2f%% | %+13.2f%% | %+16.2f%% |\n",
                "geomean", "", reserved, polls, polls_vs_reserved);
    std::printf("\nTarget: polls <= 1%% geomean overhead vs base (Go rejected "
                "loop polls at 7.8%% geomean; HotSpot's budget is 1%%): %s "
                "(%+.2f%%).\n",
                polls <= 1.0 ? "met" : "NOT met", polls);
  }

private:
  double log_reserved_ = 0, log_polls_ = 0, log_polls_vs_reserved_ = 0;
  int rows_ = 0;
};

// Polled code reads the mailbox through the reserved register: make sure the
// runtime set it for this thread before running any.
void check_mailbox_register() {
  if (ss_mailbox() != reinterpret_cast<uintptr_t>(gt_self_mailbox())) {
    std::fprintf(stderr, "bench-polls: the mailbox register does not hold "
                         "this green thread's mailbox\n");
    std::abort();
  }
}

void bench_main(const Options &opt) {
  check_mailbox_register();
  Data data;
  std::printf("Poll overhead per kernel: best of %d rounds of the variants "
              "interleaved, ~%.0f ms each; base = mailbox register "
              "allocatable, reserved = register reserved, polls = reserved + "
              "SS_SAFEPOINTS.\n\n",
              opt.rounds, opt.slot_ms);
  Table::print_header();
  Table table;
  std::mt19937_64 rng(7); // slot order and lengths
  for (const Kernel &k : kKernels)
    table.add(k, measure(k, data.get(), opt, rng));
  table.print_summary();
}

Options parse_args(int argc, char **argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      opt.rounds = 40;
    } else {
      std::fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
      std::exit(2);
    }
  }
  return opt;
}

} // namespace

int main(int argc, char **argv) {
  Options opt = parse_args(argc, argv);
  gt_config cfg{};
  cfg.executors = 1;                   // one green thread does all the work
  cfg.default_stack_size = 256 * 1024; // room for printf and the kernels
  gt_run(
      &cfg, [](void *p) { bench_main(*static_cast<Options *>(p)); }, &opt);
  return 0;
}
