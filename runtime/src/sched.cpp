// sched.cpp: executors, the scheduler loop, and the life of a green thread.
//
// Design (read this first; after Go's proc.go):
//
// - An *executor* is an OS thread with a local run queue (runq.h). gt_run()
//   makes the calling thread executor 0 and starts the others. Each runs
//   schedule(): find a runnable thread, switch to it, and when the thread
//   switches back, act on what it asked for (yield, park, exit).
// - Every switch is a swapstack switch compiled by the fork (this file goes
//   through clang-19 -> opt lower-swapstack-builtins -> llc): the scheduler
//   keeps only its live values across the switch, and so does the thread.
//   The scheduler resumes a thread with one word, its Executor*; the thread
//   stores the scheduler's context into that executor and, to give control
//   back, switches to it with (reason, argument). So a thread always learns
//   the executor it runs on from the switch itself, never from a TLS address
//   computed before the switch (llvm-project 98479). Right before the switch
//   the scheduler points the mailbox register at the thread's mailbox, which
//   managed code (compiled through the fork's pipeline) reads to poll; a
//   thread's switch_out() gives its caller's value back when it resumes,
//   since unmanaged callers of the API keep their own values in that
//   (callee-saved) register.
// - A parking thread passes an Unlock; the scheduler runs it only after the
//   thread's context is saved and then marks the thread Parked, so a waker
//   (who claims the wait first, see internal.h) can never resume a stale
//   context. An exiting thread is finished by the scheduler once it is off
//   its stack: the stack goes back to the pool, the joiner is woken.
// - find_runnable(): every 61st tick one thread from the global queue (so
//   threads that keep readying each other cannot starve it), then the local
//   queue (runnext first), the global queue in a batch, expired timers, then
//   stealing half of a random victim's queue while *spinning* (idle.cpp),
//   then sleeping on a futex until work or the next timer.
// - Spawning is child-first (Cilk's work-first): the new thread runs at once
//   and the parent waits in runnext, where an idle executor can steal it.
//   Fork-join code then runs depth-first on a few hot stacks instead of
//   fanning out into thousands of cold ones. Woken threads go to runnext too:
//   a message passed from A to B lets B run next on the same executor, with
//   A's data still in cache. Yielding threads go to the tail.
// - A thread spawned with GT_ATTR_COMPACT above the compaction threshold runs
//   on a shared stack (share.cpp): schedule() takes the stack before the
//   switch (evicting the parked thread whose bytes are there) and lets it go
//   after the switch back; a thread whose stack is in use elsewhere goes to
//   the global queue. A spinning executor with nothing to steal prepares
//   stacks ahead (stacks.cpp) when another executor is spawning in a burst.
#include "executor.h"

#include <gt/gc.h>

#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace gt {

Sched sched;
ReadMostly read_mostly; // internal.h
} // namespace gt
__thread gt::Executor *gt_tls_executor; // internal.h: current_executor()
namespace gt {

// Written by its executor only, before and after it schedules; the asm's
// memory clobber keeps the store where it is against current_executor()'s
// reads, which the compiler cannot see.
static void set_current_executor(Executor *e) {
#if defined(__x86_64__)
  asm volatile("movq %0, %%fs:gt_tls_executor@tpoff" : : "r"(e) : "memory");
#elif defined(__aarch64__)
  uintptr_t tp;
  asm volatile("mrs %0, tpidr_el0\n\t"
               "add %0, %0, #:tprel_hi12:gt_tls_executor\n\t"
               "add %0, %0, #:tprel_lo12_nc:gt_tls_executor\n\t"
               "str %1, [%0]"
               : "=&r"(tp)
               : "r"(e)
               : "memory");
#endif
}

void outside_green_thread(const char *api) {
  fatal("%s called outside a green thread", api);
}

// --- the thread side of a switch

// Not split-stack checked: the fork rejects split-stack functions that
// switch (SwapStackChecker: the limit at %fs:0x70 belongs to the OS thread,
// and a switch does not switch it); the scheduler sets it for the thread it
// resumes instead (segment.cpp). So it is inlined only into unchecked
// callers whose frame, with its own, fits a small stack's slack (gt_yield,
// gt_spawn, park, exit_current: a few words each, the calls they make
// checked); everyone else calls switch_out.
[[gnu::always_inline]] GT_NO_SPLIT_STACK static inline Executor *
switch_out_inline(Executor *e, SwitchReason why, uintptr_t arg) {
  // The scheduler resumes us with the mailbox register pointing at our
  // mailbox. Our caller may be plain C (the runtime's API is callable from
  // unmanaged code), for which the register is just a callee-saved one that
  // must come back unchanged: give it back what it had. For managed callers
  // that is our mailbox anyway.
  uintptr_t callers_mailbox_reg = ss_mailbox();
  ss_result2 r = ss_switch2(e->sched_ctx, why, arg);
  Executor *now = (Executor *)r.w0;
  now->sched_ctx = r.from;
  ss_set_mailbox(callers_mailbox_reg);
  return now;
}

__attribute__((noinline)) GT_NO_SPLIT_STACK Executor *
switch_out(Executor *e, SwitchReason why, uintptr_t arg) {
  return switch_out_inline(e, why, arg);
}

[[gnu::noinline]] GT_NO_SPLIT_STACK uint32_t park(Thread *self,
                                                  const Unlock *unlock) {
  switch_out_inline(current_executor(), kPark,
                    reinterpret_cast<uintptr_t>(unlock));
  return self->wake_reason;
}

static void unlock_spin(void *lk) { static_cast<SpinLock *>(lk)->unlock(); }

uint32_t park_locked(Thread *self, SpinLock *lk) {
  Unlock u{unlock_spin, lk};
  return park(self, &u);
}

// --- wait episodes (see internal.h)

// park_word = gen << 2 | state.
enum : uint64_t { kWaiting = 1, kClaimed = 2, kWaitingNoCancel = 3 };

uint64_t begin_wait(Thread *t, bool cancellable) {
  uint64_t gen = ++t->park_gen;
  t->wake_reason = kWokenNone;
  t->wake_index = -1;
  t->compactable = false;
  t->park_word.store(gen << 2 | (cancellable ? kWaiting : kWaitingNoCancel),
                     std::memory_order_seq_cst);
  return gen;
}

bool claim(Thread *t, uint64_t gen, WakeReason why, int32_t index) {
  uint64_t expect = gen << 2 | kWaiting;
  if (!t->park_word.compare_exchange_strong(expect, gen << 2 | kClaimed,
                                            std::memory_order_acq_rel) &&
      (expect != (gen << 2 | kWaitingNoCancel) ||
       !t->park_word.compare_exchange_strong(expect, gen << 2 | kClaimed,
                                             std::memory_order_acq_rel)))
    return false;
  t->wake_reason = why;
  t->wake_index = index;
  return true;
}

bool claim_any(Thread *t, WakeReason why) {
  uint64_t w = t->park_word.load(std::memory_order_acquire);
  return (w & 3) == kWaiting && claim(t, w >> 2, why);
}

bool cancel_own_wait(Thread *t) {
  return claim(t, t->park_gen, kWokenCanceled);
}

void ready(Executor *e, Thread *t, bool wake) {
  // The claimed thread may still be on its way into the scheduler.
  while (t->status.load(std::memory_order_acquire) != Status::Parked)
    cpu_relax();
  t->status.store(Status::Runnable, std::memory_order_relaxed);
  if (e)
    e->rq.put(t, true, sched.global);
  else
    sched.global.put(t);
  if (wake)
    wake_if_idle();
}

// --- the scheduler side

static uint64_t next_rand(Executor *e) {
  e->rng ^= e->rng << 13;
  e->rng ^= e->rng >> 7;
  e->rng ^= e->rng << 17;
  return e->rng;
}

static Thread *steal(Executor *e) {
  for (int pass = 0; pass < 4; ++pass) {
    uint32_t start = next_rand(e) % sched.n;
    for (uint32_t i = 0; i < sched.n; ++i) {
      Executor *v = &sched.execs[(start + i) % sched.n];
      if (v == e)
        continue;
      if (Thread *t = e->rq.steal_from(v->rq, pass == 3))
        return t;
    }
  }
  return nullptr;
}

// Unchecked: only the scheduler calls it, on its executor's own stack.
GT_NO_SPLIT_STACK static Thread *find_runnable(Executor *e) {
  for (;;) {
    if (gc_requested())
      gc_stop_executor(e);
    if (sched.shutdown.load(std::memory_order_acquire))
      return nullptr;
    Thread *t = nullptr;
    uint64_t deadline = timer_next_deadline();
    if (deadline != UINT64_MAX) {
      uint64_t now = now_ns();
      if (now >= deadline)
        timers_run(e, now);
    }
    if (++e->tick % 61 == 0)
      t = sched.global.get_batch(e->rq, 1, 1, sched.global);
    if (!t)
      t = e->rq.get();
    if (!t)
      t = sched.global.get_batch(e->rq, 128, sched.n, sched.global);
    if (!t && sched.n > 1) {
      if (!e->spinning &&
          2 * sched.nspinning.load() <
              sched.n - sched.nidle.load(std::memory_order_relaxed)) {
        e->spinning = true;
        sched.nspinning.fetch_add(1);
      }
      // Keep looking for a short while before sleeping: a spinning executor
      // spares whoever makes work next a futex wake-up (wake_if_idle skips
      // it while anyone spins).
      uint64_t until = 0;
      while (e->spinning && !t) {
        t = steal(e);
        if (!t)
          t = sched.global.get_batch(e->rq, 128, sched.n, sched.global);
        if (t || sched.shutdown.load(std::memory_order_relaxed) ||
            gc_requested())
          break;
        if (stack_prepare_wanted()) { // an executor spawns in a burst
          stack_prepare();
          until = 0;
          continue;
        }
        uint64_t now = now_ns();
        if (!until)
          until = now + 50000;
        else if (now >= until)
          break;
        for (int i = 0; i < 32; ++i) // back off: polling victims' queue
          cpu_relax();               // lines slows their owners down
      }
    }
    if (t) {
      if (e->spinning)
        stop_spinning(e);
      return t;
    }
    idle_wait(e);
  }
}

// find_runnable's common case, inline in the scheduler's loop: nothing asked
// of the executor (no collection, no shutdown, no timer, not a tick that
// looks at the global queue first, not spinning) and a thread in its local
// queue. Otherwise find_runnable.
GT_NO_SPLIT_STACK static inline Thread *next_runnable(Executor *e) {
  if (!gc_requested() && !sched.shutdown.load(std::memory_order_acquire) &&
      timer_next_deadline() == UINT64_MAX && (e->tick + 1) % 61 != 0 &&
      !e->spinning) {
    if (Thread *t = e->rq.get()) {
      ++e->tick;
      return t;
    }
  }
  return find_runnable(e);
}

// Compaction of parked stacks starts once this many threads are alive.
static uint64_t compact_threshold;

static bool compaction_wanted(Executor *e) {
  if (e->parks++ % 64 != 0)
    return e->compact_now;
  uint64_t spawned = 0, exited = 0;
  for (uint32_t i = 0; i < sched.n; ++i) {
    spawned += sched.execs[i].spawned.load(std::memory_order_relaxed);
    exited += sched.execs[i].exited.load(std::memory_order_relaxed);
  }
  return e->compact_now = spawned - exited > compact_threshold;
}

static void finish_exit(Executor *e, Thread *t) {
  if (t->mb.wlog_state)
    gc::wlog_exited(t);
  e->exited.store(e->exited.load(std::memory_order_relaxed) + 1,
                  std::memory_order_relaxed);
  if (t->small)
    small_thread_exited(e, t);
  else if (t->stack.lo) // not a shared stack (share_release let it go)
    stack_free(e, t->stack);
  t->stack = Stack{};
  t->status.store(Status::Dead, std::memory_order_relaxed);
  t->lk.lock();
  t->exited = true;
  if (t->join == kDetached) {
    t->lk.unlock();
    thread_free(e, t);
    return;
  }
  Thread *joiner = t->joiner;
  uint64_t gen = t->joiner_gen;
  t->lk.unlock();
  if (joiner && claim(joiner, gen, kWokenSignal))
    ready(e, joiner);
}

extern "C" void gt_thread_entry(ss_ctx_t from, uintptr_t w0, uintptr_t);

// While one thread runs, the records and stacks of the next ones are loaded
// into the cache: after a mass wake-up (a million receivers of a closed
// channel) each resume otherwise waits first for its thread's record and
// then for the line of its stack that holds its saved context, both long
// evicted. A pipeline over the run queue: the record of the thread two
// places on, the stack of the one after next, whose record the previous
// resume asked for. Hints only: a thief may take either meanwhile.
// Only with two threads or more queued: a short queue is in the cache
// already (two threads yielding to each other).
GT_NO_SPLIT_STACK static inline void prefetch_next(Executor *e) {
  Thread *n = e->rq.peek(1);
  if (!n)
    return;
  __builtin_prefetch(n);
  __builtin_prefetch(reinterpret_cast<char *>(n) + 64);
  __builtin_prefetch(reinterpret_cast<char *>(n) + 256);
  if ((n = e->rq.peek(0))) {
    auto *ctx =
        reinterpret_cast<char *>(__atomic_load_n(&n->ctx, __ATOMIC_RELAXED));
    for (int i = 0; i < 6; ++i) // 384 bytes: what a park path returns through
      __builtin_prefetch(ctx + 64 * i);
  }
}

// Unchecked (see switch_out); it runs on the executor's own stack.
GT_NO_SPLIT_STACK static void schedule(Executor *e) {
  Thread *t = find_runnable(e);
  Thread *gc_stopped = nullptr; // the thread that last stopped for a collection
  while (t) {
    // The resume barrier of a concurrent stack scan (gc/threadscan.cpp):
    // Running, then scan_on, before anything touches the thread's stack or
    // its saved copy. scan_begin sets scan_on and then runs a barrier on
    // every thread (process_barrier) before any sweep reads a status, so
    // either we see the scan and wait for or take its claim, or the sweep
    // sees Running and leaves the thread to us. Here that costs a compiler
    // barrier, not a fence.
    t->status.store(Status::Running, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    gc::ScanClaim scan;
    if (gc::scan_on.load(std::memory_order_acquire))
      scan = gc::scan_resume(t);
    if (t->shared && !share_acquire(t, (const void *)gt_thread_entry)) {
      // Another thread runs on its shared stack elsewhere (share.cpp): try
      // again later.
      if (scan.held)
        gc::scan_unclaim(t, scan);
      t->status.store(Status::Runnable, std::memory_order_relaxed);
      sched.global.put(t);
      t = find_runnable(e);
      continue;
    }
    e->current = t;
    t->mb.executor_id = e->id;
    prefetch_next(e);
    if (!t->shared && t->saved)
      stack_restore(t);
    if (scan.held) // in place now: the stack is ours, the thread not running
      gc::scan_resumed(t, scan);
    e->running.store(t, std::memory_order_release);
    // The write log (gc/wlog.cpp): running, then log_on, with a compiler
    // barrier between; a round that turns logging on or off pays for the
    // fence (process_barrier), and waits for a thread it sees running
    // unlogged.
    std::atomic_signal_fence(std::memory_order_seq_cst);
    if (gc::log_on.load(std::memory_order_acquire))
      gc::wlog_lend(e, t);
    // A thread that goes on after stopping for a collection keeps its time
    // slice (preempt.cpp): were that a new resume, a thread that collections
    // stop more often than once a slice (GT_GC_TORTURE stops it every few
    // hundred polls) would never be asked to yield, and could keep its
    // executor forever.
    if (t != gc_stopped)
      e->resumes.store(e->resumes.load(std::memory_order_relaxed) + 1,
                       std::memory_order_relaxed);
    gc_stopped = nullptr;
    // Lend the executor's allocation block to the thread (gc/alloc.cpp).
    t->mb.alloc_ptr = e->tlab_ptr;
    t->mb.alloc_limit = e->tlab_limit;
    if (gc::torture_every)
      gc_torture_resume(t);
    ss_set_mailbox(reinterpret_cast<uintptr_t>(&t->mb));
    if (t->small)
      segment_resume(e, t); // last: it sets the split-stack limit
    ss_result2 r = ss_switch2(t->ctx, (uintptr_t)e, 0);
    if (t->small) {
      segment_suspend(); // first, and inline
      small_stack_check(t);
    }
    t->ctx = r.from;
    e->tlab_ptr = t->mb.alloc_ptr;
    e->tlab_limit = t->mb.alloc_limit;
    if (t->mb.wlog_state) // before anyone else may resume t
      gc::wlog_switched_out(e, t);
    e->current = nullptr;
    e->running.store(nullptr, std::memory_order_relaxed);
    // The Unlock of a park lives on the thread's stack: on a shared stack,
    // read it first, then let others have the stack (they may evict our
    // bytes at once).
    Unlock u{nullptr, nullptr};
    bool shared = t->shared != nullptr;
    if (shared) [[unlikely]] {
      if (r.w0 == kPark && r.w1)
        u = *reinterpret_cast<const Unlock *>(r.w1);
      share_release(t, r.w0 == kExit);
    }
    Thread *next = nullptr;
    switch (r.w0) {
    case kYield:
      t->status.store(Status::Runnable, std::memory_order_relaxed);
      e->rq.put(t, false, sched.global);
      if (sched.n > 1 && e->rq.size() > 1)
        wake_if_idle(); // let an idle executor steal the others
      break;
    case kSpawn: // child first; the parent waits in runnext, stealable
      t->status.store(Status::Runnable, std::memory_order_relaxed);
      e->rq.put(t, true, sched.global);
      if (sched.n > 1)
        wake_if_idle();
      next = reinterpret_cast<Thread *>(r.w1);
      break;
    case kPark: {
      if (!shared && r.w1)
        u = *reinterpret_cast<const Unlock *>(r.w1);
      // Compact before unlocking: no waker can touch the thread yet.
      if (t->compactable && t->may_compact && compaction_wanted(e) &&
          !t->shared)
        stack_compact(e, t);
      if (u.fn)
        u.fn(u.arg);
      t->status.store(Status::Parked, std::memory_order_release);
      break;
    }
    case kExit:
      finish_exit(e, t);
      break;
    case kGCStop: // stopped for a collection; first to run afterwards
      t->status.store(Status::Runnable, std::memory_order_relaxed);
      e->rq.put(t, true, sched.global);
      gc_stopped = t;
      break;
    case kGCHandshake: // on again at once, through the resume barrier
      t->status.store(Status::Runnable, std::memory_order_relaxed);
      next = t;
      gc_stopped = t; // keeps its time slice
      break;
    default:
      fatal("scheduler: thread %llu switched back with reason %lu",
            (unsigned long long)t->id, (unsigned long)r.w0);
    }
    if (gc::torture_every && (r.w0 == kPark || r.w0 == kYield))
      gc_torture_switch(e);
    if (gc_requested())
      gc_stop_executor(e);
    t = next ? next : next_runnable(e);
  }
}

// --- threads

[[noreturn, gnu::noinline]] GT_NO_SPLIT_STACK static void exit_current() {
  switch_out_inline(current_executor(), kExit, 0);
  fatal("an exited thread was resumed");
}

// Unchecked (see switch_out); it starts at the top of a fresh stack.
extern "C" SS_ENTRY GT_NO_SPLIT_STACK void
gt_thread_entry(ss_ctx_t from, uintptr_t w0, uintptr_t) {
  Executor *e = reinterpret_cast<Executor *>(w0);
  e->sched_ctx = from;
  Thread *t = e->current;
  t->fn(t->arg);
  exit_current();
}

static void ref_entry(void *fn);

static Thread *spawn_on(Executor *e, void (*fn)(void *), void *arg,
                        const gt_attr *attr) {
  if (!fn) [[unlikely]]
    fatal("gt_spawn: the entry function is null");
  size_t size = attr && attr->stack_size ? attr->stack_size
                                         : stack_default_size();
  Thread *t = thread_new(e);
  t->may_compact = attr && (attr->flags & GT_ATTR_COMPACT);
  // A small stack (segment.cpp) only for an entry function that checks the
  // split-stack limit, asked for or by default, and of the default size,
  // which is the size of the big segments for now. A gt_spawn_ref thread's
  // entry function is the user's (ref_entry, which checks too, calls it).
  const void *entry = fn == ref_entry ? arg : (const void *)fn;
  t->small = !t->may_compact && size <= stack_default_size() && e &&
             small_stack_for(entry, attr ? attr->flags : 0);
  // Above the compaction threshold, compactable threads of the default
  // size take turns on shared stacks (share.cpp).
  bool shared = t->may_compact && size <= stack_default_size() && e &&
                e->compact_now; // as of this executor's last parks
  if (shared)
    share_assign(t);
  else if (t->small) {
    if (!small_stack_alloc(e, &t->stack))
      fatal("gt_spawn: cannot allocate a small stack: out of memory");
  } else if (!stack_alloc(e, size, &t->stack))
    fatal("gt_spawn: cannot allocate a %zu-byte stack: out of memory", size);
  t->fn = fn;
  t->arg = arg;
  t->gc_arg = t->gc_cases = 0;
  t->gc_slots = nullptr;
  t->gc_nslots = 0;
  t->id = thread_next_id(e);
  std::memset(&t->mb, 0, sizeof t->mb);
  t->mb.stack_limit = (uintptr_t)t->stack.lo;
  if (attr && attr->name)
    std::strncpy(t->name, attr->name, sizeof t->name - 1);
  else
    t->name[0] = 0;
  if (!shared) // a shared stack gets the first frame on the first run
    t->ctx =
        ss_new(t->stack.lo, t->stack.size, (const void *)gt_thread_entry);
  e->spawned.store(e->spawned.load(std::memory_order_relaxed) + 1,
                   std::memory_order_relaxed);
  t->status.store(Status::Runnable, std::memory_order_relaxed);
  return t;
}

// The first frame of a gt_spawn_ref thread (fn is the user's function): its
// argument waited in the Thread record, a root (gc/runtime_roots.cpp); no
// safepoint lies between reading it and the call.
static void ref_entry(void *fn) {
  Thread *t = current_thread();
  uintptr_t arg = t->gc_arg;
  t->gc_arg = 0;
  reinterpret_cast<void (*)(void GT_GC *)>(fn)(
      reinterpret_cast<void GT_GC *>(arg));
}

// The thread a handle names, locked; a stale or bogus handle is fatal.
static Thread *lock_handle(gt_thread_t h, const char *api) {
  Thread *t = thread_from_handle(h);
  if (t) {
    t->lk.lock();
    if (t->gen == uint32_t(h >> 32))
      return t;
    t->lk.unlock();
  }
  fatal("%s: invalid thread handle %#llx (already joined or detached?)", api,
        (unsigned long long)h);
}

} // namespace gt

using namespace gt;

extern "C" {

// Unchecked, with the switch inlined (spawn_on checks for itself).
[[gnu::noinline]] GT_NO_SPLIT_STACK gt_thread_t gt_spawn(void (*fn)(void *),
                                                         void *arg,
                                                         const gt_attr *attr) {
  Executor *e = executor_or_die("gt_spawn");
  Thread *t = spawn_on(e, fn, arg, attr);
  gt_thread_t h = t->handle();
  switch_out_inline(e, kSpawn, reinterpret_cast<uintptr_t>(t));
  return h;
}

gt_thread_t gt_spawn_ref(void (*fn)(void GT_GC *), void GT_GC *arg,
                         const gt_attr *attr) {
  Executor *e = executor_or_die("gt_spawn_ref");
  if (!fn) [[unlikely]]
    fatal("gt_spawn_ref: the entry function is null");
  Thread *t = spawn_on(e, ref_entry, reinterpret_cast<void *>(fn), attr);
  t->gc_arg = reinterpret_cast<uintptr_t>(arg);
  gc::transfer_barrier(t->gc_arg); // t is born scanned (gc/threadscan.cpp)
  gt_thread_t h = t->handle();
  switch_out(e, kSpawn, reinterpret_cast<uintptr_t>(t));
  return h;
}

int gt_join(gt_thread_t h) {
  Thread *self = self_or_die("gt_join");
  Thread *t = lock_handle(h, "gt_join");
  if (t == self)
    fatal("gt_join: a thread cannot join itself");
  if (t->join == kDetached)
    fatal("gt_join: thread %llu is detached", (unsigned long long)t->id);
  if (t->join == kJoining)
    fatal("gt_join: thread %llu is already being joined by thread %llu",
          (unsigned long long)t->id, (unsigned long long)t->joiner->id);
  if (!t->exited) {
    uint64_t gen = begin_wait(self);
    if (cancel_pending(self) && cancel_own_wait(self)) {
      t->lk.unlock();
      return GT_CANCELED;
    }
    t->join = kJoining;
    t->joiner = self;
    t->joiner_gen = gen;
    self->compactable = true;
    uint32_t why = park_locked(self, &t->lk);
    t->lk.lock();
    if (why == kWokenCanceled && !t->exited) {
      t->join = kJoinable;
      t->joiner = nullptr;
      t->lk.unlock();
      return GT_CANCELED;
    }
  }
  t->lk.unlock();
  thread_free(current_executor(), t);
  return GT_OK;
}

void gt_detach(gt_thread_t h) {
  self_or_die("gt_detach");
  Thread *t = lock_handle(h, "gt_detach");
  if (t->join == kJoining)
    fatal("gt_detach: thread %llu is being joined", (unsigned long long)t->id);
  if (t->exited) {
    t->lk.unlock();
    thread_free(current_executor(), t);
    return;
  }
  t->join = kDetached;
  t->lk.unlock();
}

// Unchecked, with the switch inlined: the hottest switch of all.
[[gnu::noinline]] GT_NO_SPLIT_STACK void gt_yield(void) {
  switch_out_inline(executor_or_die("gt_yield"), kYield, 0);
}

void gt_exit(void) {
  self_or_die("gt_exit");
  exit_current();
}

gt_thread_t gt_self(void) { return self_or_die("gt_self")->handle(); }
uint64_t gt_self_id(void) { return self_or_die("gt_self_id")->id; }
gt_mailbox *gt_self_mailbox(void) { return &self_or_die("gt_self_mailbox")->mb; }
unsigned gt_executor_count(void) { return sched.n; }

void gt_set_name(const char *name) {
  Thread *t = self_or_die("gt_set_name");
  std::strncpy(t->name, name, sizeof t->name - 1);
}

void gt_cancel(gt_thread_t h) {
  Thread *t = lock_handle(h, "gt_cancel");
  __atomic_fetch_or(&t->mb.signals, GT_SIGNAL_CANCEL, __ATOMIC_SEQ_CST);
  bool woke = claim_any(t, kWokenCanceled);
  t->lk.unlock();
  if (woke)
    ready(current_executor(), t);
}

int gt_cancel_requested(void) {
  return cancel_pending(self_or_die("gt_cancel_requested"));
}

struct MainArgs {
  void (*fn)(void *);
  void *arg;
};

static void main_trampoline(void *p) {
  auto *m = static_cast<MainArgs *>(p);
  m->fn(m->arg);
  sched.shutdown.store(true, std::memory_order_release);
  wake_all();
}

// Unchecked (see switch_out): schedule() is inlined here.
GT_NO_SPLIT_STACK static void *executor_main(void *p) {
  Executor *e = static_cast<Executor *>(p);
  // The scheduler points the mailbox register at each thread it resumes; the
  // caller (gt_run's, or the C library's thread start) expects its own value
  // back, as for any callee-saved register.
  uintptr_t callers_mailbox_reg = ss_mailbox();
  set_current_executor(e);
  segment_executor_init(e);
  stacks_executor_init();
  schedule(e);
  gc_executor_gone(e);
  stack_drop_pending(e);
  segment_executor_fini(e);
  stacks_executor_fini();
  set_current_executor(nullptr);
  ss_set_mailbox(callers_mailbox_reg);
  return nullptr;
}

int gt_run(const gt_config *config, void (*main_fn)(void *), void *arg) {
  if (sched.execs)
    fatal("gt_run: the runtime is already running");
  unsigned n = config && config->executors ? config->executors
                                           : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
  if (n == 0)
    n = 1;
  stack_set_default_size(config ? config->default_stack_size : 0);
  compact_threshold = config && config->compact_threshold
                          ? config->compact_threshold
                          : 65536;
  stacks_install_overflow_handler();
  sched.shutdown.store(false);
  sched.n = n;
  sched.execs = new Executor[n];
  for (unsigned i = 0; i < n; ++i) {
    sched.execs[i].id = i;
    sched.execs[i].rng = 0x9e3779b97f4a7c15ull * (i + 1);
  }
  gc_run_start(config, n);
  MainArgs m{main_fn, arg};
  gt_attr attr{0, "main", 0};
  Thread *t = spawn_on(&sched.execs[0], main_trampoline, &m, &attr);
  sched.execs[0].rq.put(t, false, sched.global);
  for (unsigned i = 1; i < n; ++i)
    if (pthread_create(&sched.execs[i].os, nullptr, executor_main,
                       &sched.execs[i]))
      fatal("gt_run: cannot start executor %u", i);
  preempt_start(config ? config->time_slice_ns : 0);
  executor_main(&sched.execs[0]);
  for (unsigned i = 1; i < n; ++i)
    pthread_join(sched.execs[i].os, nullptr);
  preempt_stop();
  gc_run_end();
  share_fini();
  for (unsigned i = 0; i < n; ++i) {
    for (uint32_t k = 0; k < sched.execs[i].nstacks; ++k)
      stack_free(nullptr, sched.execs[i].stacks[k]);
    thread_cache_drain(&sched.execs[i]);
  }
  delete[] sched.execs;
  sched.execs = nullptr;
  sched.n = 0;
  sched.nidle.store(0);
  sched.nspinning.store(0);
  sched.idle_head = nullptr;
  return 0;
}

} // extern "C"
