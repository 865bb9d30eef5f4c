// Small-stack threads (GT_ATTR_SMALL_STACK, runtime/src/segment.cpp): a
// thread starts on a 1 KiB segment and runs the functions that need more on a
// big segment. Compiled with -fsplit-stack (the checks that move a function)
// on x86-64; on other targets the flag is ignored and the semantic checks
// still run.
//   - many threads park on a channel on their first segment and each runs
//     exactly once after the wake;
//   - deep recursion moves to a big segment and back, also parking while
//     deep and resuming on any executor;
//   - stack arguments, struct and floating-point results cross the move;
//   - a function called in a loop moves on every call without leaking;
//   - a select runs on a big segment;
//   - gt_exit from a big segment returns both segments;
//   - an entry function without the check gets a full stack;
//   - overflow, unchecked code overrunning the first segment's slack, and a
//     dynamic allocation that does not fit are fatal errors naming the
//     thread.
#include "check.h"

#include "executor.h" // white box: the thread's segments

#include <vector>

namespace {

#if defined(__x86_64__) || defined(__aarch64__)
constexpr bool kSegmented = true;
#else
constexpr bool kSegmented = false;
#endif

gt_attr small_attr(const char *name = nullptr) {
  return gt_attr{0, name, GT_ATTR_SMALL_STACK};
}

gt::Thread *me() { return gt::current_thread(); }

// Writes a frame's array through an opaque call, so that it stays one
// array of its full size in the frame.
__attribute__((noinline)) void touch(volatile char *p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    p[i] = 0;
}

// Whether the calling frame is on the thread's first segment.
__attribute__((noinline)) bool on_first_segment() {
  gt::Thread *t = me();
  char here;
  bool in_first = &here >= t->stack.lo && &here < t->stack.hi();
  if (kSegmented) {
    CHECK(t->small);
    CHECK(t->stack.size == 1024);
    // The mailbox's stack_limit is the bottom of the current segment.
    CHECK(in_first == (t->mb.stack_limit == (uintptr_t)t->stack.lo));
  }
  return in_first;
}

// --- many parked threads

constexpr long kMassX86 = 200000, kMassOther = 20000;
long mass_n;
std::vector<std::atomic<uint32_t>> *runs;
std::atomic<long> parked_on_first{0}, started{0};
gt_chan_t *gate;
gt_waitgroup_t done;

void mass_thread(void *arg) {
  long i = (long)arg;
  if (on_first_segment())
    parked_on_first.fetch_add(1);
  started.fetch_add(1);
  CHECK(gt_chan_recv(gate, nullptr) == GT_CLOSED);
  (*runs)[i].fetch_add(1);
  gt_waitgroup_done(&done);
}

void test_mass() {
  mass_n = kSegmented ? kMassX86 : kMassOther;
  std::vector<std::atomic<uint32_t>> counts(mass_n);
  runs = &counts;
  gate = gt_chan_new(0, 0);
  gt_waitgroup_add(&done, mass_n);
  gt_attr attr = small_attr();
  std::vector<gt_thread_t> handles(mass_n);
  for (long i = 0; i < mass_n; ++i)
    handles[i] = gt_spawn(mass_thread, (void *)i, &attr);
  while (started.load() < mass_n)
    gt_yield();
  // Every thread parked inside the receive on its first segment: its saved
  // context lies there and its mailbox says so.
  gt_sleep_for(20 * 1000 * 1000);
  long parked_first = 0;
  for (long i = 0; i < mass_n; ++i) {
    gt::Thread *t = gt::thread_from_handle(handles[i]);
    CHECK(t);
    char *ctx = static_cast<char *>(static_cast<void *>(t->ctx));
    if (t->status.load() == gt::Status::Parked && ctx >= t->stack.lo &&
        ctx < t->stack.hi() && t->mb.stack_limit == (uintptr_t)t->stack.lo)
      ++parked_first;
  }
  CHECK(parked_first == mass_n);
  for (long i = 0; i < mass_n; ++i)
    gt_detach(handles[i]);
  gt_chan_close(gate);
  gt_waitgroup_wait(&done);
  gt_chan_free(gate);
  for (long i = 0; i < mass_n; ++i)
    CHECK(counts[i].load() == 1);
  // The park path (a channel receive) fits the first segment.
  CHECK(parked_on_first.load() == (kSegmented ? mass_n : 0) || !kSegmented);
  std::printf("ok: %ld small-stack threads parked (%ld started and %ld "
              "parked on their first segment), woken, each ran once\n",
              mass_n, parked_on_first.load(), parked_first);
}

// --- recursion across the move

struct Frame {
  char pad[200];
};

std::atomic<long> moved{0}, parked_deep{0}, migrated{0};

__attribute__((noinline)) long recurse(int depth, int park_at) {
  Frame f;
  for (size_t i = 0; i < sizeof f.pad; ++i)
    f.pad[i] = char(depth + i);
  long below = 0;
  if (depth > 0) {
    if (!on_first_segment())
      moved.fetch_add(1);
    if (depth == park_at) {
      parked_deep.fetch_add(1);
      uint32_t before = me()->mb.executor_id;
      gt_yield(); // resumes on any executor, still on the big segment
      gt_sleep_for(1000);
      if (me()->mb.executor_id != before)
        migrated.fetch_add(1); // it returns from the move on another one
    }
    below = recurse(depth - 1, park_at);
  }
  long sum = below;
  for (size_t i = 0; i < sizeof f.pad; ++i)
    sum += (unsigned char)f.pad[i];
  return sum;
}

long expected_recurse(int depth) {
  long sum = 0;
  for (int d = 0; d <= depth; ++d)
    for (size_t i = 0; i < sizeof(Frame::pad); ++i)
      sum += (unsigned char)char(d + i);
  return sum;
}

std::atomic<long> recursion_ok{0};

void recursion_thread(void *arg) {
  long id = (long)arg;
  for (int round = 0; round < 5; ++round) {
    int depth = 10 + int(id % 7) * 5 + round; // under 16 KiB of frames
    CHECK(recurse(depth, depth / 2) == expected_recurse(depth));
    CHECK(on_first_segment() || !kSegmented); // back where it started
  }
  recursion_ok.fetch_add(1);
}

void test_recursion() {
  constexpr long n = 64;
  gt_attr attr = small_attr("recurser");
  std::vector<gt_thread_t> ts;
  for (long i = 0; i < n; ++i)
    ts.push_back(gt_spawn(recursion_thread, (void *)i, &attr));
  for (auto t : ts)
    CHECK(gt_join(t) == 0);
  CHECK(recursion_ok.load() == n);
  CHECK(moved.load() > 0 || !kSegmented);
  std::printf("ok: %ld threads recursed 5 times across segments (%ld frames "
              "on big segments, %ld parked deep, %ld of them resumed on "
              "another executor)\n",
              n, moved.load(), parked_deep.load(), migrated.load());
}

// --- arguments and results across the move

struct Pair {
  long a, b;
};
struct Big {
  long w[5];
};

// Many arguments (the last ones on the stack, one a struct by value) and a
// frame that does not fit the first segment.
__attribute__((noinline)) Pair many_args(long a1, long a2, long a3, long a4,
                                         long a5, long a6, long a7, Big big,
                                         long a8, double d1, double d2) {
  volatile char frame[700];
  touch(frame, sizeof frame);
  frame[0] = char(a1);
  frame[699] = char(a8);
  CHECK(!on_first_segment() || !kSegmented);
  long s = a1 + 2 * a2 + 3 * a3 + 4 * a4 + 5 * a5 + 6 * a6 + 7 * a7 + 8 * a8 +
           frame[0] - char(a1) + frame[699] - char(a8);
  for (int i = 0; i < 5; ++i)
    s += (i + 10) * big.w[i];
  return Pair{s, long(d1 * 1000 + d2)};
}

__attribute__((noinline)) double fp_result(double x, float y) {
  volatile char frame[700];
  touch(frame, sizeof frame);
  frame[10] = 1;
  return x * 2 + y + frame[10];
}

__attribute__((noinline)) Big big_result(long base) {
  volatile char frame[700];
  touch(frame, sizeof frame);
  Big b;
  for (int i = 0; i < 5; ++i)
    b.w[i] = base * (i + 1) + frame[1];
  return b;
}

// Called through volatile pointers, so that the optimizer keeps every
// argument (constants included) and the calling convention as written.
Pair (*volatile many_args_p)(long, long, long, long, long, long, long, Big,
                             long, double, double) = many_args;
double (*volatile fp_result_p)(double, float) = fp_result;
Big (*volatile big_result_p)(long) = big_result;

std::atomic<long> args_ok{0};

void args_thread(void *) {
  for (long k = 0; k < 100; ++k) {
    Big big{{k, k + 1, k + 2, k + 3, k + 4}};
    Pair p = many_args_p(k, k + 1, k + 2, k + 3, k + 4, k + 5, k + 6, big,
                         k + 7, 1.5 + k, 0.25);
    long s = k + 2 * (k + 1) + 3 * (k + 2) + 4 * (k + 3) + 5 * (k + 4) +
             6 * (k + 5) + 7 * (k + 6) + 8 * (k + 7);
    for (int i = 0; i < 5; ++i)
      s += (i + 10) * (k + i);
    CHECK(p.a == s);
    CHECK(p.b == long((1.5 + k) * 1000 + 0.25));
    CHECK(fp_result_p(k + 0.5, 0.25f) == (k + 0.5) * 2 + 0.25 + 1);
    Big r = big_result_p(k);
    for (int i = 0; i < 5; ++i)
      CHECK(r.w[i] == k * (i + 1));
    CHECK(on_first_segment() || !kSegmented);
  }
  args_ok.fetch_add(1);
}

void test_args() {
  gt_attr attr = small_attr("args");
  std::vector<gt_thread_t> ts;
  for (int i = 0; i < 8; ++i)
    ts.push_back(gt_spawn(args_thread, nullptr, &attr));
  for (auto t : ts)
    CHECK(gt_join(t) == 0);
  CHECK(args_ok.load() == 8);
  std::printf("ok: stack arguments, struct and floating-point results cross "
              "the move (800 calls)\n");
}

// --- a call that moves in a loop, a select, gt_exit from a big segment

void loop_thread(void *out) {
  long sum = 0;
  for (long k = 0; k < 100000; ++k)
    sum += fp_result(double(k), 0.0f) > 0;
  *static_cast<long *>(out) = sum;
}

void exit_deep(int depth) {
  volatile char frame[300];
  touch(frame, sizeof frame);
  if (depth == 0)
    gt_exit();
  exit_deep(depth - 1 + frame[0]);
}

void exit_thread(void *) { exit_deep(20); }

void select_thread(void *arg) {
  gt_chan_t **chans = static_cast<gt_chan_t **>(arg);
  for (int k = 0; k < 1000; ++k) {
    int v = 0;
    gt_select_case cases[2] = {{chans[0], GT_RECV, &v, 0},
                               {chans[1], GT_RECV, &v, 0}};
    int i = gt_select(cases, 2, 1);
    CHECK(i == 0 || i == 1);
    CHECK(v == k);
  }
}

void test_loop_select_exit() {
  gt_attr attr = small_attr("looper");
  long sum = 0;
  CHECK(gt_join(gt_spawn(loop_thread, &sum, &attr)) == 0);
  CHECK(sum == 100000); // fp_result(k, 0) = 2k + 1 > 0
  gt_chan_t *chans[2] = {gt_chan_new(sizeof(int), 0),
                         gt_chan_new(sizeof(int), 0)};
  gt_attr sattr = small_attr("selector");
  gt_thread_t s = gt_spawn(select_thread, chans, &sattr);
  for (int k = 0; k < 1000; ++k)
    CHECK(gt_chan_send(chans[k % 2], &k) == 0);
  CHECK(gt_join(s) == 0);
  gt_chan_free(chans[0]);
  gt_chan_free(chans[1]);
  gt_attr eattr = small_attr("exiter");
  for (int i = 0; i < 1000; ++i)
    CHECK(gt_join(gt_spawn(exit_thread, nullptr, &eattr)) == 0);
  std::printf("ok: 100,000 moving calls in a loop, 1,000 selects, 1,000 "
              "exits from a big segment\n");
}

// An entry function without the split-stack check gets a full stack.
GT_NO_SPLIT_STACK void unchecked_entry(void *out) {
  gt::Thread *t = me();
  *static_cast<bool *>(out) = !t->small && t->stack.size >= 4096;
}

// An entry function whose frame needs the lea form of the check (frames of
// 256 bytes and more) gets a small stack, and runs on a big segment.
void big_entry(void *out) {
  volatile char frame[600];
  touch(frame, sizeof frame);
  gt::Thread *t = me();
  *static_cast<bool *>(out) = t->small && !on_first_segment() && frame[0] == 0;
}

void test_entry_sniffing() {
  gt_attr attr = small_attr("unchecked");
  bool full = false;
  CHECK(gt_join(gt_spawn(unchecked_entry, &full, &attr)) == 0);
  CHECK(full);
  bool moved = false;
  CHECK(gt_join(gt_spawn(big_entry, &moved, &attr)) == 0);
  CHECK(moved || !kSegmented);
  std::printf("ok: an entry function without the check gets a full stack, "
              "one with either form of it a small one\n");
}

void main_thread(void *) {
  test_entry_sniffing();
  test_mass();
  test_recursion();
  test_args();
  test_loop_select_exit();
}

// --- fatal errors

__attribute__((noinline)) long unbounded(long n) {
  volatile char frame[256];
  touch(frame, sizeof frame);
  frame[0] = char(n);
  return unbounded(n + 1) + frame[0];
}

void overflow_thread(void *) { unbounded(0); }

void overflow_body(void *) {
  gt_attr attr = small_attr("deep-small");
  gt_join(gt_spawn(overflow_thread, nullptr, &attr));
}

__attribute__((noinline)) void use(volatile char *p) { p[0] = 1; }

// X86-64 only: AArch64's split-stack prologues reject dynamic allocas (patch
// 0037), so there this test has no such thread.
#if defined(__x86_64__)
constexpr bool kDynamicAlloca = true;
void alloca_thread(void *arg) {
  size_t n = (size_t)arg;
  volatile char *p = static_cast<volatile char *>(__builtin_alloca(n));
  use(p);
}
#else
constexpr bool kDynamicAlloca = false;
void alloca_thread(void *) {}
#endif

// Code without the checks that overruns the slack: the canary at the bottom
// of the first segment catches it when the thread switches.
// GT_SPLIT_STACK_CHECKED: called directly (split-stack-calls would move the
// call, and the overrun with it): this code breaks that promise on purpose.
GT_NO_SPLIT_STACK GT_SPLIT_STACK_CHECKED __attribute__((noinline)) void
unchecked_deep() {
  volatile char frame[2048];
  touch(frame, sizeof frame);
}

void overrun_thread(void *) {
  unchecked_deep();
  gt_yield();
}

void overrun_body(void *) {
  gt_attr attr = small_attr("overrun-small");
  gt_join(gt_spawn(overrun_thread, nullptr, &attr));
}

// The same without a checked call while overrunning: only the canary at the
// first segment's bottom sees it, when the thread switches.
GT_NO_SPLIT_STACK GT_SPLIT_STACK_CHECKED __attribute__((noinline)) void
unchecked_quiet() {
  volatile char frame[2048];
  for (size_t i = 0; i < sizeof frame; ++i)
    frame[i] = 0;
}

void quiet_thread(void *) {
  unchecked_quiet();
  gt_yield();
}

void quiet_body(void *) {
  gt_attr attr = small_attr("quiet-small");
  gt_join(gt_spawn(quiet_thread, nullptr, &attr));
}

// A misuse error raised on a first segment: reported whole (formatted on
// another stack, report.cpp), naming the thread.
gt_mutex_t never_locked;

void misuse_thread(void *) { gt_mutex_unlock(&never_locked); }

void misuse_body(void *) {
  gt_attr attr = small_attr("misuse-small");
  gt_join(gt_spawn(misuse_thread, nullptr, &attr));
}

void alloca_body(void *) {
  gt_attr attr = small_attr("vla-small");
  gt_join(gt_spawn(alloca_thread, (void *)size_t(4000), &attr));
}

} // namespace

int main() {
  run(main_thread);
  expect_fatal("overflow of a small-stack thread", overflow_body,
               "stack overflow in green thread");
  expect_fatal("... is reported by name", overflow_body, "'deep-small'");
  expect_fatal("a fatal error on a first segment", misuse_body,
               "is not locked [in green thread");
  expect_fatal("... names the thread", misuse_body, "'misuse-small']");
  if (kSegmented)
    expect_fatal("unchecked code overrunning the slack", overrun_body,
                 "'overrun-small'");
  if (kSegmented)
    expect_fatal("... reported as an overflow", overrun_body,
                 "stack overflow in green thread");
  if (kSegmented)
    expect_fatal("an overrun seen only by the canary", quiet_body,
                 "'quiet-small': its small stack");
  if (kSegmented)
    expect_fatal("... which warns of damage", quiet_body,
                 "neighbouring stacks may be damaged");
  if (kSegmented && kDynamicAlloca)
    expect_fatal("a dynamic allocation that does not fit", alloca_body,
                 "a dynamic stack allocation of 4000 bytes does not fit");
  if (kSegmented && kDynamicAlloca)
    expect_fatal("... naming the thread", alloca_body, "'vla-small'");
  std::printf("all small-stack tests passed\n");
  return 0;
}
