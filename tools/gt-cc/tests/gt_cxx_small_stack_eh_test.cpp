// C++ exceptions through calls that moved to a big segment (issue 12),
// built by gt-c++ (split stacks by default on x86-64, exceptions on).
//
// A thread of such code starts on a 1 KiB first segment; a call whose frame
// does not fit moves to a big segment in __morestack
// (runtime/src/morestack_x86_64.S). An exception thrown there unwinds
// through __morestack's frame, whose cleanup must put the first segment's
// limits back and return the big segment, or the thread would go on with no
// limit (its next big frame overrunning 1 KiB) and leak a segment per throw.
//
// Each of N threads, spawned with default options, checked and counted:
//   - starts on its first segment (x86-64; elsewhere on a full stack);
//   - R rounds of: a call with a 2 KiB frame that throws, caught on the
//     first segment; an indirect call (moved by split-stack-calls' thunk)
//     that throws from a moved frame after a destructor there; a throw and
//     catch both on the big segment; after each catch the thread is back on
//     its first segment with the same stack_limit, and the next big frame
//     moves again (so the limit was restored);
//   - every destructor ran, every exception carried its value;
//   - parks on a channel on its first segment, and finishes exactly once.
// Exits non-zero on a mismatch.
#include <gt/gt.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

// Small stacks by default where the runtime has them (segment.cpp).
#if defined(__x86_64__) || defined(__aarch64__)
constexpr int kSegmented = 1;
#else
constexpr int kSegmented = 0;
#endif
#if defined(__x86_64__)
constexpr int kThreads = 500, kRounds = 200;
#else
constexpr int kThreads = 50, kRounds = 20; // under qemu
#endif
constexpr uintptr_t kFirstSegment = 1024; // runtime/src/segment_abi.h

static long failures;
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond) && __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED) <= 10)   \
      std::printf("small-stack-eh: FAIL line %d: %s\n", __LINE__, #cond);      \
  } while (0)

// Whether the frame at fp lies on the thread's first segment: the mailbox's
// stack_limit is the bottom of the segment a small-stack thread runs on.
static bool on_first_segment(const void *fp) {
  return uintptr_t(fp) - gt_self_mailbox()->stack_limit < kFirstSegment;
}
#define HERE_SMALL() on_first_segment(__builtin_frame_address(0))

struct Boom {
  long value;
  bool thrown_small; // whether the throwing frame was on the first segment
};

struct Counted {
  long *count;
  ~Counted() { ++*count; }
};

// A frame that does not fit a first segment: moves, then throws.
__attribute__((noinline)) static void throw_big(long v, long *dtors) {
  volatile char pad[2048];
  for (unsigned i = 0; i < sizeof pad; ++i)
    pad[i] = char(v + i);
  Counted c{dtors};
  throw Boom{v + pad[7] - char(v + 7), HERE_SMALL()};
}

// Thrown from a small frame of its own, called through a pointer: the call
// goes through split-stack-calls' indirect thunk, which moves it.
__attribute__((noinline)) static void throw_small(long v, long *dtors) {
  Counted c{dtors};
  throw Boom{v, HERE_SMALL()};
}
static void (*volatile throw_indirect)(long, long *) = throw_small;

// Moves, then throws and catches on the big segment.
__attribute__((noinline)) static long catch_big(long v, long *dtors) {
  volatile char pad[2048];
  for (unsigned i = 0; i < sizeof pad; ++i)
    pad[i] = char(i);
  try {
    throw_small(v, dtors);
  } catch (const Boom &b) {
    return b.value + pad[3] - 3 + (b.thrown_small ? 1000000 : 0);
  }
  return -1;
}

// Whether a big frame moves now (it must, from the first segment).
__attribute__((noinline)) static bool big_moves() {
  volatile char pad[2048];
  for (unsigned i = 0; i < sizeof pad; ++i)
    pad[i] = 1;
  return !HERE_SMALL() && pad[sizeof pad / 2] == 1;
}

struct Job {
  long id;
  int started_small = 0, rounds_ok = 0, ran = 0;
  long dtors = 0;
};

static gt_chan_t *gate;

static void run(void *arg) {
  Job *j = static_cast<Job *>(arg);
  j->started_small = HERE_SMALL();
  uintptr_t limit = gt_self_mailbox()->stack_limit;
  for (int r = 0; r < kRounds; ++r) {
    long v = j->id * 1000 + r;
    bool ok = true;
    try {
      throw_big(v, &j->dtors);
      ok = false;
    } catch (const Boom &b) {
      ok &= b.value == v && !b.thrown_small;
    }
    ok &= HERE_SMALL() == bool(j->started_small) &&
          gt_self_mailbox()->stack_limit == limit;
    try {
      throw_indirect(v + 1, &j->dtors);
      ok = false;
    } catch (const Boom &b) {
      // Moved by the thunk: thrown off the first segment.
      ok &= b.value == v + 1 && !b.thrown_small;
    }
    ok &= HERE_SMALL() == bool(j->started_small) &&
          gt_self_mailbox()->stack_limit == limit;
    ok &= catch_big(v + 2, &j->dtors) == v + 2;
    ok &= big_moves(); // (on a full stack no frame is on a first segment)
    j->rounds_ok += ok;
  }
  char c;
  CHECK(gt_chan_recv(gate, &c) == GT_CLOSED);
  CHECK(HERE_SMALL() == bool(j->started_small));
  __atomic_add_fetch(&j->ran, 1, __ATOMIC_RELAXED);
}

static Job jobs[kThreads];

static void main_thread(void *) {
  gate = gt_chan_new(1, 0);
  gt_thread_t h[kThreads];
  for (int i = 0; i < kThreads; ++i) {
    jobs[i].id = i;
    h[i] = gt_spawn(run, &jobs[i], nullptr);
  }
  gt_sleep_for(10000000);
  gt_chan_close(gate);
  for (int i = 0; i < kThreads; ++i)
    gt_join(h[i]);
  gt_chan_free(gate);
  long small = 0, rounds = 0, ran = 0, dtors = 0;
  for (const Job &j : jobs) {
    small += j.started_small;
    rounds += j.rounds_ok;
    ran += j.ran == 1;
    dtors += j.dtors;
  }
  std::printf("small-stack-eh: %d threads: %ld started on a first segment; "
              "%ld/%ld rounds right; %ld destructors; %ld finished once\n",
              kThreads, small, rounds, long(kThreads) * kRounds, dtors, ran);
  CHECK(small == (kSegmented ? kThreads : 0));
  CHECK(rounds == long(kThreads) * kRounds);
  CHECK(dtors == 3L * kThreads * kRounds);
  CHECK(ran == kThreads);
}

int main() {
  const char *ex = std::getenv("GT_EXECUTORS");
  gt_config cfg = {ex ? unsigned(std::atoi(ex)) : 0, 0, 0, 0, 0};
  if (gt_run(&cfg, main_thread, nullptr) != 0)
    CHECK(!"gt_run");
  if (failures) {
    std::printf("small-stack-eh: FAIL (%ld mismatches)\n", failures);
    return 1;
  }
  std::puts("small-stack-eh: OK");
  return 0;
}
