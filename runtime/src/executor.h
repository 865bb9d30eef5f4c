// executor.h: an executor (one OS thread running green threads) and the
// process-wide scheduler state shared by sched.cpp and idle.cpp.
#pragma once

#include "internal.h"
#include "runq.h"
#include "segment_abi.h"

#include <pthread.h>

namespace gt {

struct Executor {
  RunQueue rq;
  uint32_t id = 0;
  uint32_t tick = 0;
  ss_ctx_t sched_ctx = nullptr; // written by the thread it resumes
  Thread *current = nullptr;
  // The executor's allocation block (gc/alloc.cpp), lent to the mailbox of
  // the thread it runs: bump pointer and limit.
  uintptr_t tlab_ptr = 0, tlab_limit = 0;
  // For the preemption monitor (preempt.cpp): the thread running now and
  // how many times this executor has resumed a thread.
  std::atomic<Thread *> running{nullptr};
  std::atomic<uint64_t> resumes{0};
  uint64_t rng = 0;
  bool spinning = false;  // looking for work; counted in Sched::nspinning
  bool idle = false;      // in the idle list; guarded by Sched::idle_lk
  Executor *idle_next = nullptr;
  std::atomic<uint32_t> note{0}; // futex word: 1 = woken
  pthread_t os{};
  // Threads spawned and exited here; their sums give the live threads,
  // summed every 64th park to decide on compaction (compact_now).
  alignas(64) std::atomic<uint64_t> spawned{0}, exited{0};
  uint32_t parks = 0;
  bool compact_now = false;
  // Free thread records and a block of thread ids (threads.cpp).
  Thread *free_threads = nullptr;
  uint32_t nfree_threads = 0;
  uint64_t next_id = 0, end_id = 0;
  // Compacted stacks whose pages are still to be dropped (stacks.cpp).
  static constexpr uint32_t kDropBatch = 64;
  uint32_t ndrop = 0;
  Thread *drop[kDropBatch];
  // Default-size stacks kept for this executor (stacks.cpp).
  static constexpr uint32_t kStackCache = 64;
  uint32_t nstacks = 0;
  uint32_t refills = 0; // of the cache from carved or prepared stacks
  Stack stacks[kStackCache];
  // Free first segments of small-stack threads (segment.cpp).
  static constexpr uint32_t kSmallCache = 128;
  uint32_t nsmall = 0;
  char *small[kSmallCache];
  // This executor's gt_seg (segment_abi.h), its address taken once on its
  // own OS thread, so the scheduler reaches it without a thread-local
  // address computation (segment_executor_init).
  GtSegState *seg = nullptr;
};

// Groups written by different parties live on separate cache lines.
struct Sched {
  Executor *execs = nullptr; // read-mostly
  uint32_t n = 0;
  std::atomic<bool> shutdown{false};
  alignas(64) GlobalQueue global;
  alignas(64) std::atomic<uint32_t> nidle{0};
  std::atomic<uint32_t> nspinning{0};
  alignas(64) SpinLock idle_lk;
  Executor *idle_head = nullptr;
};
extern Sched sched;

// Small stacks (segment.cpp): the executor keeps between kSegSparesMin and
// kSegSparesMax spare big segments in gt_seg. At least one, so that a thread
// that needs one finds it without allocating on its small stack; at most
// two, which leaves room in gt_seg.spare for the segment a thread brings
// back from another executor.
inline constexpr uint32_t kSegSparesMin = 1, kSegSparesMax = 2;
static_assert(kSegSparesMax < GT_SEG_SPARES);
void segment_spares_refill(Executor *e, Thread *t); // to [min, max] again
// The last thing before small-stack thread t is resumed on e: point gt_seg
// at its mailbox, and set the split-stack limit if it is on its first
// segment (on a big segment the limit stays 0). Inline, on every resume.
GT_NO_SPLIT_STACK inline void segment_resume(Executor *e, Thread *t) {
  GtSegState &seg = *e->seg;
  if (seg.nspare - kSegSparesMin > kSegSparesMax - kSegSparesMin) [[unlikely]]
    segment_spares_refill(e, t);
  seg.mailbox = &t->mb;
  split_stack_limit_set(
      on_first_segment(t) ? (uintptr_t)t->stack.lo + GT_SEG_SLACK : 0);
}

// The green thread running the caller, nullptr outside green threads.
GT_NO_SPLIT_STACK inline Thread *current_thread() {
  Executor *e = current_executor();
  return e ? e->current : nullptr;
}
// The running green thread; anywhere else a fatal error naming `api`.
GT_NO_SPLIT_STACK inline Thread *self_or_die(const char *api) {
  Thread *t = current_thread();
  if (!t) [[unlikely]]
    outside_green_thread(api);
  return t;
}
// The executor running the calling green thread, read once; anywhere else a
// fatal error naming `api`.
GT_NO_SPLIT_STACK inline Executor *executor_or_die(const char *api) {
  Executor *e = current_executor();
  if (!e || !e->current) [[unlikely]]
    outside_green_thread(api);
  return e;
}

// idle.cpp
void wakep();              // wake one idle executor to look for work
void stop_spinning(Executor *e);
void idle_wait(Executor *e);
void wake_all();

} // namespace gt
