// internal.h: the runtime's shared types: green threads, executors, locks,
// and the park/ready protocol every blocking primitive uses.
//
// Park/ready protocol (one "wait episode" at a time per thread):
//   1. The thread opens an episode: park_word = (gen << 2) | kWaiting.
//   2. It registers itself where wakers will look (a wait queue, a timer),
//      normally under that object's spin lock, then switches to its executor's
//      scheduler with (kPark, unlock), which saves the thread's context, runs
//      the unlock, and only then marks the thread kParked.
//   3. A waker claims the episode with a CAS kWaiting -> kClaimed on the same
//      gen (exactly one waker wins; a stale timer or a second channel of a
//      select loses), records why in wake_reason/wake_index, waits until the
//      thread is kParked (a few instructions after the unlock), and queues it.
// So a waker never resumes a context that is not yet saved, and late wakers
// of an earlier episode can never wake a later one.
#pragma once

#include <gt/gt.h>
#include <swapstack/swapstack.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gt {

inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// A test-and-test-and-set lock for short critical sections; executors never
// sleep while holding one.
class SpinLock {
public:
  void lock() {
    for (unsigned spins = 0;; ++spins) {
      if (!word_.exchange(1, std::memory_order_acquire))
        return;
      while (word_.load(std::memory_order_relaxed))
        spins < 64 ? cpu_relax() : yield_os_thread(), ++spins;
    }
  }
  bool try_lock() { return !word_.exchange(1, std::memory_order_acquire); }
  void unlock() { word_.store(0, std::memory_order_release); }
  bool held() const { return word_.load(std::memory_order_relaxed); }

private:
  static void yield_os_thread();
  std::atomic<uint32_t> word_{0};
};
static_assert(sizeof(SpinLock) == 4);

struct Stack {
  char *lo = nullptr; // lowest usable byte (the guard is below)
  size_t size = 0;    // usable bytes
  uint32_t cls = 0;   // size class in the pool, or kSmallClass
  char *hi() const { return lo + size; }
};

enum class Status : uint32_t { Runnable, Running, Parked, Dead };

struct Thread;

// Stack::cls of a small-stack thread's first segment (segment.cpp), which
// has no guard page and no place in stacks.cpp's pools.
constexpr uint32_t kSmallClass = ~0u;

// A function without the split-stack check (segment.cpp): varargs functions
// (LLVM cannot check them) and code that runs where the limit belongs to
// another stack, such as signal handlers. The runtime is compiled without
// split-stack-calls, so its calls to them stay direct; the public ones
// (gt/hooks.h) are declared GT_SPLIT_STACK_CHECKED. Not this macro's job:
// an annotation on these definitions (which also keeps them referenced)
// made test-gc-ref fail under GT_GC_TORTURE, not yet understood (issue 12's
// note, section 5.6).
#define GT_NO_SPLIT_STACK __attribute__((no_split_stack))

// Calls f() where the C library has room to run: the runtime's code is
// compiled with split-stack checks but calls into libc (malloc, realloc)
// are not, and a small-stack thread's first segment (segment.cpp) leaves
// libc only GT_SEG_SLACK bytes. This frame is larger than any first
// segment, so its check moves it to a big segment there; elsewhere (a big
// segment, a full stack, an executor's own stack) it costs a frame of
// untouched stack. For the runtime's rare allocations on paths that green
// threads run: the write log's buffers, the cycle regions' lists.
template <class F> __attribute__((noinline)) auto with_libc_room(F f) {
  char room[4096];
  asm volatile("" : : "r"(room) : "memory");
  return f();
}

// An entry in a wait queue (waitq.h).
struct Waiter {
  Thread *t = nullptr;
  uint64_t gen = 0;
  Waiter *prev = nullptr, *next = nullptr;
  void *elem = nullptr; // channel element to send / buffer to receive into
  int32_t index = -1;   // select case index
  bool linked = false;
};

enum WakeReason : uint32_t { kWokenNone, kWokenSignal, kWokenTimer,
                             kWokenCanceled, kWokenClosed };

enum JoinState : uint32_t { kJoinable, kJoining, kDetached };

// Thread::drop_state, for compacted stacks (stacks.cpp):
//   kDropKeep -> kDropPending (compacted) -> kDropDropping -> kDropKeep
//   (pages dropped); or kDropPending -> kDropKeep by the resumer, who then
//   skips copying the saved bytes back. The stack walker (gc/stackwalk.cpp)
//   borrows a pending stack: kDropPending -> kDropDropping -> kDropPending.
enum DropState : uint8_t { kDropKeep, kDropPending, kDropDropping };

struct Thread {
  gt_mailbox mb; // first, so that the mailbox address is the thread address
  ss_ctx_t ctx = nullptr;
  std::atomic<Status> status{Status::Dead};
  std::atomic<uint64_t> park_word{0};
  uint64_t park_gen = 0;
  uint32_t wake_reason = 0;
  int32_t wake_index = -1;
  Thread *next = nullptr; // free-record lists (threads.cpp)
  Stack stack;
  void (*fn)(void *) = nullptr;
  void *arg = nullptr;
  uint64_t id = 0;
  uint32_t slot = 0; // index in the thread table
  uint32_t gen = 0;  // handle generation; bumped when the record is reused
  SpinLock lk;       // guards join state, exited, joiner
  JoinState join = kJoinable;
  bool exited = false;
  Thread *joiner = nullptr;
  uint64_t joiner_gen = 0;
  char name[24] = {};
  // While parked, others touch only these (never the thread's stack), so
  // that a parked thread's stack can be compacted (stacks.cpp): its wait-queue
  // entry and a buffer for a channel element.
  Waiter wait;
  alignas(16) unsigned char elem_buf[16];
  bool compactable = false; // for the current park; reset by begin_wait
  bool may_compact = false; // spawned with GT_ATTR_COMPACT
  bool small = false;       // spawned with GT_ATTR_SMALL_STACK (segment.cpp)
  // Whether the compacted stack's pages are still to be dropped (stacks.cpp):
  // a DropState.
  std::atomic<uint8_t> drop_state{kDropKeep};
  void *saved = nullptr;    // the compacted or evicted stack's live bytes
  size_t saved_len = 0;
  // The shared stack this thread takes turns on (share.cpp), or null.
  void *shared = nullptr;
  // GC pointers the runtime holds for this thread (gt/gc.h's *_ref calls),
  // roots that gc/runtime_roots.cpp scans and rewrites; null/0 otherwise.
  // The thread sets them while it runs and withdraws them once it resumes,
  // with no safepoint in between, so a collection (which runs only while
  // every green thread is at a switch) sees them exactly while they matter.
  // gc_arg: gt_spawn_ref's argument, until the thread starts.
  // gc_slots[0, gc_nslots): the element slots of a parked ref channel
  //   operation (elem_buf) or gt_select_ref (its malloc'd element buffer,
  //   one slot per case). Each holds null or a GC pointer; counterparts read
  //   and write them under the channel's lock, through the waiters.
  // gc_cases: a parked gt_select_ref's case array (a GC array).
  uintptr_t gc_arg = 0;
  uintptr_t gc_cases = 0;
  uintptr_t *gc_slots = nullptr;
  size_t gc_nslots = 0;
  // The concurrent stack scan's word (gc/threadscan.cpp): cycle << 2 |
  // state; a word of an older cycle means not scanned in the current one.
  std::atomic<uint64_t> gc_word{0};

  // The thread's own wait-queue entry for a new wait episode `gen`.
  Waiter *own_waiter(uint64_t g) {
    wait = Waiter{};
    wait.t = this;
    wait.gen = g;
    return &wait;
  }
  gt_thread_t handle() const { return (uint64_t(gen) << 32) | (slot + 1); }
};

class RunQueue;
struct Executor;

// Park reasons, the first word a thread sends its scheduler. kGCStop: the
// thread stops for a collection (gc/collect.cpp) and is requeued.
// kGCHandshake: the thread's stack is to be scanned (gc/threadscan.cpp); its
// scheduler resumes it at once, through the resume barrier, which scans it.
enum SwitchReason : uintptr_t { kYield = 1, kPark, kExit, kSpawn, kGCStop,
                                kGCHandshake };

// An unlock the scheduler runs after saving a parking thread's context.
struct Unlock {
  void (*fn)(void *);
  void *arg;
};

// --- executor-side services (sched.cpp, idle.cpp, timers.cpp, stacks.cpp)

} // namespace gt
// The executor of the running OS thread (sched.cpp sets it). Read only
// through current_executor(); C++ code never names it, so the fork's
// swapstack-safe-tls pass never sees an access to hoist.
extern "C" __attribute__((
    visibility("hidden"))) __thread gt::Executor *gt_tls_executor;
namespace gt {

// The executor of the OS thread running the caller *now*, nullptr outside
// executors. A green thread moves between OS threads at every switch, so an
// address of a thread-local computed before a switch is wrong after it
// (llvm-project 98479); clang computes such addresses once per function. An
// asm volatile read is done where it is written, each time, and costs a load
// (local-exec: the runtime links into executables only; shared libraries
// get morestack_shim_*.S instead, gt-cc -shared). Unchecked and inline: it
// runs in the overflow handler and on the scheduler's hot path.
GT_NO_SPLIT_STACK inline Executor *current_executor() {
  Executor *e;
#if defined(__x86_64__)
  asm volatile("movq %%fs:gt_tls_executor@tpoff, %0" : "=r"(e));
#elif defined(__aarch64__)
  asm volatile("mrs %0, tpidr_el0\n\t"
               "add %0, %0, #:tprel_hi12:gt_tls_executor\n\t"
               "add %0, %0, #:tprel_lo12_nc:gt_tls_executor\n\t"
               "ldr %0, [%0]"
               : "=r"(e));
#else
#error "current_executor: unsupported target"
#endif
  return e;
}
// current_thread() (nullptr outside green threads) and self_or_die(api) are
// inline in executor.h.
[[noreturn]] void outside_green_thread(const char *api);

// Switches from the running thread `t` on `e` to e's scheduler. Returns the
// executor that resumes it.
// `arg`: the Unlock* of kPark, the new Thread* of kSpawn.
Executor *switch_out(Executor *e, SwitchReason why, uintptr_t arg = 0);

// Episode helpers.
uint64_t begin_wait(Thread *t, bool cancellable = true);
bool claim(Thread *t, uint64_t gen, WakeReason why, int32_t index = -1);
bool claim_any(Thread *t, WakeReason why); // the open cancellable episode
// After a successful claim. `wake`: wake an idle executor if worthwhile
// (wake_if_idle); a waker readying many threads does so once per batch.
void ready(Executor *e, Thread *t, bool wake = true);
void wake_if_idle(); // after making work: wake an idle executor if worthwhile
// Ends the current episode from the waiting side without parking, when
// possible (e.g. cancel noticed). False: a waker already claimed it, so the
// thread must park anyway and will be woken at once.
bool cancel_own_wait(Thread *t);
// Parks the running thread; `unlock` (may be null) runs once its context is
// saved. Returns the wake reason.
uint32_t park(Thread *self, const Unlock *unlock);
uint32_t park_locked(Thread *self, SpinLock *lk); // unlocks lk

inline bool cancel_pending(Thread *t) {
  return __atomic_load_n(&t->mb.signals, __ATOMIC_SEQ_CST) & GT_SIGNAL_CANCEL;
}

// Preemption (preempt.cpp): the monitor thread that asks threads running
// longer than a time slice to yield at their next safepoint poll.
void preempt_start(uint64_t time_slice_ns); // 0: default; UINT64_MAX: off
void preempt_stop();                        // after shutdown

// Timers (timers.cpp).
void timer_add(uint64_t deadline, Thread *t, uint64_t gen);
inline uint64_t timer_next_deadline(); // UINT64_MAX when none; below
void timers_run(Executor *e, uint64_t now);
uint64_t now_ns();

// Stacks (stacks.cpp).
bool stack_alloc(Executor *e, size_t size, Stack *out);
void stack_free(Executor *e, const Stack &s);
void stacks_install_overflow_handler();
void stacks_executor_init(); // the executor thread's alternate signal stack
void stacks_executor_fini();
// Both unchecked: the overflow handler calls them (running_segment).
GT_NO_SPLIT_STACK inline size_t stack_default_size(); // below ReadMostly
void stack_set_default_size(size_t size);
GT_NO_SPLIT_STACK unsigned stack_class_of(size_t size); // Stack::cls

// segment.cpp: small-stack threads.
// Whether a thread whose entry is fn gets a small stack: asked for
// (GT_ATTR_SMALL_STACK) or by default (fn in code compiled by
// gt-cc -fsplit-stack), fn begins with the split-stack check, and small
// stacks are usable in this program.
// The common answer inline (below ReadMostly): the entry functions that last
// did and did not qualify by default (programs spawn the same few again and
// again).
inline bool small_stack_for(const void *fn, unsigned attr_flags);
bool small_stack_for_slow(const void *fn, unsigned attr_flags);
bool small_stack_alloc(Executor *e, Stack *out);
void small_stack_free(Executor *e, const Stack &s);
// The lowest word of a first segment: code that runs without checks and
// overruns the slack (see the contract in gt/gt.h) likely overwrites it.
inline uintptr_t canary_of(const char *lo) {
  return (uintptr_t)lo ^ 0x5a17c0ffee5a17c0ull;
}
[[noreturn]] void small_stack_overrun(const Thread *t);
// After a small-stack thread switched back: inline, it runs at every switch.
inline void small_stack_check(const Thread *t) {
  if (*reinterpret_cast<const uintptr_t *>(t->stack.lo) !=
      canary_of(t->stack.lo)) [[unlikely]]
    small_stack_overrun(t);
}
bool small_prepare_wanted();
void small_prepare(); // carve and touch first segments ahead (idle executors)
// segment_resume (executor.h) is the last call before a small-stack thread
// is resumed (it sets the split-stack limit, which the scheduler's own code
// must not see); segment_suspend the first thing after it switched back.
void small_thread_exited(Executor *e, Thread *t);
void segment_executor_init(Executor *e); // on the executor's OS thread
void segment_executor_fini(Executor *e);
// Whether a small-stack thread runs (or was suspended) on its first segment:
// __morestack keeps the mailbox's stack_limit at the bottom of the segment it
// is on. Unchecked and inline: the overflow handler uses it.
GT_NO_SPLIT_STACK inline bool on_first_segment(const Thread *t) {
  return t->mb.stack_limit == (uintptr_t)t->stack.lo;
}
// A big segment, by its bottom: a default-size stack of stacks.cpp's.
GT_NO_SPLIT_STACK inline Stack big_segment_at(char *lo) {
  return Stack{lo, stack_default_size(), stack_class_of(stack_default_size())};
}
// The stack a thread runs (or was suspended) on: its own, or the big segment
// a small-stack thread moved to (whose bottom the mailbox's stack_limit
// holds). The one answer for the overflow handler, the GC's stack walker and
// thread exit.
GT_NO_SPLIT_STACK inline Stack running_segment(const Thread *t) {
  if (!t->small || on_first_segment(t))
    return t->stack;
  return big_segment_at(reinterpret_cast<char *>(t->mb.stack_limit));
}

// The split-stack limit of the running OS thread (%fs:0x70 on x86-64,
// [TPIDR_EL0 + 8] on AArch64, where -fsplit-stack prologues read it; 0 means
// unchecked; segment_abi.h). Inline, not a call: it runs where the limit and
// the stack pointer disagree.
inline void split_stack_limit_set(uintptr_t limit) {
#if defined(__x86_64__)
  asm volatile("movq %0, %%fs:0x70" : : "r"(limit) : "memory");
#elif defined(__aarch64__)
  uintptr_t tp;
  asm volatile("mrs %0, tpidr_el0\n\tstr %1, [%0, #8]"
               : "=&r"(tp)
               : "r"(limit)
               : "memory");
#else
  (void)limit;
#endif
}
inline void segment_suspend() { split_stack_limit_set(0); }
inline uintptr_t split_stack_limit_get() {
  uintptr_t limit;
#if defined(__x86_64__)
  asm volatile("movq %%fs:0x70, %0" : "=r"(limit));
#elif defined(__aarch64__)
  asm volatile("mrs %0, tpidr_el0\n\tldr %0, [%0, #8]" : "=r"(limit));
#else
  limit = 0;
#endif
  return limit;
}
// Stack compaction of parked threads: copies the live part of a parked
// thread's stack aside and returns its pages to the kernel; restore before
// resuming it.
void stack_compact(Executor *e, Thread *t);
void stack_restore(Thread *t);
void stack_drop_pending(Executor *e); // drop the pages of compacted stacks
// Drops the pages of a batch of freed stacks beyond those kept resident;
// idle executors call it before sleeping. Whether more remain.
bool stack_scavenge();
// Default-size stacks prepared ahead (carved, guarded, first page touched)
// by idle executors for executors that spawn in bursts.
bool stack_prepare_wanted(); // default stacks or first segments
void stack_prepare(); // one small batch


// Shared stacks (share.cpp) for GT_ATTR_COMPACT threads spawned above the
// compaction threshold.
bool share_assign(Thread *t);  // at spawn: t->shared, t->stack
// Before resuming t: takes its stack, evicting its occupant; false if
// another thread runs on it.
bool share_acquire(Thread *t, const void *entry);
void share_release(Thread *t, bool exited); // after t switched back
// Holds t's shared stack for a scan of t, which is suspended: no thread runs
// on the stack and no eviction moves its bytes until share_unpin. False if
// the stack is busy.
bool share_pin(Thread *t);
void share_unpin(Thread *t);
void share_fini();                          // gt_run's end

// Threads table (threads.cpp).
// `e`: the calling executor's cache, or nullptr.
Thread *thread_new(Executor *e);
void thread_free(Executor *e, Thread *t);
void thread_cache_drain(Executor *e);
Thread *thread_from_handle(gt_thread_t h); // nullptr if never valid
uint64_t thread_next_id(Executor *e);

// Words the scheduler reads at every switch, and spawn at every spawn, on a
// cache line of their own (sched.cpp defines it). Most are written only when
// a collection, a stack-scan cycle or a logging round starts or ends, or at
// start-up, never on a mutator's path, so the line stays with the executors
// that read it. (Among other globals, a benchmark's counter and the
// collector's statistics lock shared their lines.) The last two change more
// often, but everyone who reads the line reads them too. Each field's
// owner, who writes it, is named.
struct alignas(64) ReadMostly {
  std::atomic<uint32_t> gc_phase{0};   // gc/collect.cpp: gc::phase
  std::atomic<bool> gc_scan_on{false}; // gc/threadscan.cpp: gc::scan_on
  std::atomic<bool> gc_log_on{false};  // gc/wlog.cpp: gc::log_on
  std::atomic<bool> gc_marking{false}; // gc/cycle.cpp: gc::marking
  std::atomic<bool> gc_flipped{false}; // gc/cycle.cpp: gc::flipped
  uint64_t gc_torture_every = 0;       // gc/torture.cpp: gc::torture_every
  size_t stack_default_bytes = 0;      // stacks.cpp: stack_set_default_size
  // timers.cpp: the earliest deadline, UINT64_MAX when none.
  std::atomic<uint64_t> timer_earliest{UINT64_MAX};
  // segment.cpp: the entry functions that last did and did not qualify for
  // a small stack by default (small_stack_for).
  std::atomic<const void *> small_stack_default_entry{nullptr};
  std::atomic<const void *> full_stack_default_entry{nullptr};
};
static_assert(sizeof(ReadMostly) == 64);
extern ReadMostly read_mostly;
GT_NO_SPLIT_STACK inline size_t stack_default_size() {
  return read_mostly.stack_default_bytes;
}
inline uint64_t timer_next_deadline() {
  return read_mostly.timer_earliest.load(std::memory_order_acquire);
}
inline bool small_stack_for(const void *fn, unsigned attr_flags) {
  if (!(attr_flags & (GT_ATTR_SMALL_STACK | GT_ATTR_FULL_STACK))) {
    if (fn ==
        read_mostly.small_stack_default_entry.load(std::memory_order_relaxed))
      return true;
    if (fn ==
        read_mostly.full_stack_default_entry.load(std::memory_order_relaxed))
      return false;
  }
  return small_stack_for_slow(fn, attr_flags);
}

// The collector's hooks in the scheduler (gc/collect.cpp).
namespace gc {
// gc::Phase; nonzero: a collection runs.
inline constexpr std::atomic<uint32_t> &phase = read_mostly.gc_phase;
// GT_GC_TORTURE=N, or 0.
inline constexpr uint64_t &torture_every = read_mostly.gc_torture_every;
// The concurrent stack scan (gc/threadscan.cpp, whose protocol this is).
// A scan cycle is running.
inline constexpr std::atomic<bool> &scan_on = read_mostly.gc_scan_on;
uint64_t scan_born_word();        // Thread::gc_word of a thread made now
// The resume barrier: after storing t's status Running, if scan_on (read
// after a compiler barrier only; scan_begin pays for a process_barrier):
// claims t, or waits while a sweep holds it. With the
// claim held, the scheduler scans t once its stack is in place
// (scan_resumed), or gives the claim back if it cannot take the stack.
struct ScanClaim {
  uint64_t cycle = 0, old = 0;
  bool held = false;
};
ScanClaim scan_resume(Thread *t);
void scan_resumed(Thread *t, const ScanClaim &cl);
void scan_unclaim(Thread *t, const ScanClaim &cl);
// The write log (gc/wlog.cpp, whose protocol this is). After storing
// e->running, if log_on (read after a compiler barrier only; the rounds pay
// for a process_barrier): lend the executor's log to t. After t switched
// out, if its mailbox's wlog_state is set: take it back and seal it.
inline constexpr std::atomic<bool> &log_on = read_mostly.gc_log_on;
void wlog_lend(Executor *e, Thread *t);
void wlog_switched_out(Executor *e, Thread *t);
// t exited: frees the log record of a test log (gt_gc_wlog_start) that was
// never stopped. (Spawning clears the whole mailbox.)
void wlog_exited(Thread *t);
// A store the runtime makes into the GC object `object` (a payload) at
// `offset` on the running thread's behalf, overwriting the GC pointer `old`
// (0 for other values): logged as compiled code's barrier would, if the
// thread logs. Before or after the store, before the thread's next safepoint.
void runtime_write(uintptr_t object, size_t offset, uintptr_t old);
// The concurrent cycle's barriers on GC pointers that the runtime moves
// between threads (chan.cpp, gt_spawn_ref; gc/cycle.cpp has the reasons).
// While a cycle marks (its stack scan is ragged: some stacks scanned, some
// not), every such value is recorded for shading after it has been stored
// where it goes: transfer_barrier, read after a compiler barrier only
// (the scan's start pays for a process_barrier). From a cycle's flip to
// its release (some stacks flipped, some not, none running unflipped), a
// value read from another thread's record goes through ref_load, which
// gives the replica of a from-space object.
inline constexpr std::atomic<bool> &marking = read_mostly.gc_marking;
inline constexpr std::atomic<bool> &flipped = read_mostly.gc_flipped;
void transfer_record(uintptr_t v);
inline void transfer_barrier(uintptr_t v) {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  if (v && marking.load(std::memory_order_relaxed)) [[unlikely]]
    transfer_record(v);
}
uintptr_t forwarded(uintptr_t v);
inline uintptr_t ref_load(uintptr_t v) {
  if (v && flipped.load(std::memory_order_relaxed)) [[unlikely]]
    return forwarded(v);
  return v;
}
} // namespace gc
// Whether a collection asks the executors to stop; one relaxed load.
inline bool gc_requested() {
  return gc::phase.load(std::memory_order_relaxed) != 0;
}
// A scheduler (not a green thread) joins a requested collection: waits for
// the world to stop, copies, and returns once it restarts.
void gc_stop_executor(Executor *e);
// From a safepoint whose GT_SIGNAL_GC was set: stops the running thread if a
// collection is being asked for. Whether it stopped.
bool gc_safepoint();
// GT_GC_TORTURE at polls and switches (gc/torture.cpp), called only while
// gc::torture_every is set: before resuming t (its polls take the slow
// path); from that slow path (collects every Nth time); after a thread parked
// or yielded on e (asks for a collection every Nth time).
void gc_torture_resume(Thread *t);
void gc_torture_poll(Thread *t);
void gc_torture_switch(Executor *e);
// An executor about to sleep (idle.cpp) does a quantum of a concurrent
// cycle's marking work (gc/cycle.cpp); whether there was any.
bool gc_idle_work(Executor *e);
void gc_run_start(const gt_config *config, uint32_t executors); // gt_run
void gc_executor_gone(Executor *e); // left its scheduler loop
void gc_run_end();                  // gt_run's end
// Ref channels (gt_chan_new_ref), whose buffers the collector scans
// (gc/runtime_roots.cpp); unregister before freeing.
bool gc_register_ref_chan(gt_chan *c); // false: out of memory
void gc_unregister_ref_chan(gt_chan *c);

// A full memory barrier on every thread of the process (procbarrier.cpp),
// for the rare side of an asymmetric Dekker synchronization.
void process_barrier();
void process_barrier_fallback(bool on); // tests: the mprotect way, or not

// Fatal errors naming the current green thread.
[[noreturn]] void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

} // namespace gt
