// gc/wlog.cpp: the write log's buffers (gt/hooks.h, "The write log"): who
// holds them, when their entries are sealed, and the queue that replay
// takes them from (the design is docs/notes/issue-14-concurrent-gc-design.md,
// section 4.2).
//
// Every store into GC memory in managed code is logged by the write barrier
// hooks while the thread's gc_status has GT_GC_LOG_WRITES: the compiler
// (gc-barriers) reserves room for a group of entries at the mailbox's
// wlog_ptr (gc.write_barrier_reserve) and writes them. An entry may be
// written before the stores it stands for, so the collector may replay it
// only after its interval has ended, at the thread's next safepoint.
//
// 1. Buffers belong to executors, not threads: the scheduler lends its
//    executor's current buffer to the thread it resumes (wlog_lend: wlog_ptr,
//    wlog_free, wlog_state and the GT_GC_LOG_WRITES bit in the mailbox) and
//    takes it back when the thread switches out (wlog_switched_out), as it
//    does the allocation block. A million parked threads hold no buffers,
//    and an interval never spans two executors (every switch ends one).
// 2. gt_gc_wlog_flush (the buffer is full) is not a safepoint: it moves the
//    full buffer to the executor's `pending` list, installs a fresh one, and
//    sets GT_SIGNAL_GC in the thread's own mailbox so that its next poll
//    seals. Nothing else: no switch, no replay, gc_status untouched.
// 3. Sealing, at the thread's safepoints (wlog_safepoint: the poll's and the
//    allocation's slow paths) and at every switch-out: pending buffers go to
//    the replay queue; so does the current buffer once half full, or when a
//    round asks for it (`force`). Entries left in the current buffer belong
//    to ended intervals too: whatever is queued later is still sealed. Only
//    sealed buffers are ever queued, and nothing reads a buffer while it is
//    lent. The queue's lock orders the mutator's stores (made before the
//    seal, on the same OS thread) before replay's reads.
// 4. Logging on and off (wlog_on, wlog_off) and flushes (wlog_round) are
//    rounds: `log_on` is set or cleared, the round number raised, and a
//    process_barrier() run; then each executor acknowledges under its log's
//    lock, having sealed everything (force): a running thread at its next
//    poll, which the round signals (it also lends or takes the log in place:
//    the poll is a safepoint, so compiled code reads gc_status again), the
//    scheduler at a lend or switch-out, and the round itself for an
//    executor whose log is not lent. The scheduler stores `running` and then
//    reads `log_on` with only a compiler barrier between (the other half of
//    the Dekker pair is the round's process_barrier, as for the stack scan's
//    scan_on, threadscan.cpp): so either it lends, or the round sees the
//    thread running unlogged and waits for its poll. A lend re-reads
//    `log_on` under the lock, so that a scheduler that saw it on just before
//    an off round cannot lend after the round acknowledged for it.
//    One round runs at a time; a green thread waiting to run one
//    acknowledges the running one for its executor (its caller is at a call,
//    a safepoint), else the two would wait for each other.
//    The same points seal the executor's allocation cursor for the
//    replication of new objects (newobj_seal, newobj.cpp): a lend (the
//    executor's cursor, between threads), a take-back and a safepoint's seal
//    (the thread's cursor, its interval ended), each before the
//    acknowledgement, so that a round also means "every allocation before
//    it is sealed".
// 5. Tests without a collector keep their own buffer (gt_gc_wlog_start; the
//    mailbox's wlog_state then points at a TestLog), which the scheduler
//    and rounds leave alone; a thread that starts one gives the executor's
//    log back first.
// 6. GT_GC_LOG=1, a torture and verify mode for the log under the
//    stop-the-world collector: logging is on from the start of gt_run,
//    every seal is forced, and instead of being queued every sealed entry is
//    checked (its object a heap or large object with a valid descriptor, the
//    offset or range inside its payload, an overwritten pointer only for a
//    pointer field and itself a heap object), then dropped, unless a
//    replication session or concurrent cycle is replaying (wlog_on to
//    wlog_off): then it is queued as well. Objects do not move between a
//    thread's safepoint and its seal, so the check reads them where the
//    entry says.
#include "wlog.h"

#include "heap.h"
#include "newobj.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sched.h>

namespace gt {
namespace gc {

namespace {
// The first word of what the mailbox's wlog_state points at.
enum : uint32_t { kTestLog = 0x7e57106, kExecutorLog = 0xe8ec106 };

struct TestLog {
  uint32_t kind;
  gt_wlog_entry *base;
  size_t capacity;
  uint64_t flushes;
  uint64_t flushed; // entries handed over by the flushes
};

struct alignas(64) ExecLog {
  uint32_t kind = kExecutorLog;
  SpinLock lk; // guards the rest; the lent-to thread owns `cur`'s tail
  uint32_t id = 0;
  Thread *lent_to = nullptr;    // whose mailbox has cur's cursor
  LogBuffer *cur = nullptr;     // count is stale while lent (see sync)
  LogBuffer *pending = nullptr; // flushed in lent_to's current interval
  LogBuffer *spare = nullptr;
  Thread *last = nullptr;       // lent to last (for GT_GC_LOG's messages)
  std::atomic<uint64_t> ack{0}; // the last round it acknowledged
};

ExecLog *logs;
uint32_t nlogs;
std::atomic<uint64_t> round_want{0};
SpinLock round_lk; // one round at a time
alignas(64) SpinLock queue_lk;
LogBuffer *queue;
std::atomic<size_t> nqueued{0}; // buffers in `queue`, read without the lock
alignas(64) SpinLock pool_lk;
LogBuffer *pool;
uint32_t npool;
constexpr uint32_t kPoolMax = 64;
std::atomic<uint64_t> n_sealed_buffers{0}, n_sealed_entries{0}, n_flushes{0},
    n_rounds{0}, n_buffers{0}, n_checked{0};
bool log_check; // GT_GC_LOG=1 (step 6)
// Between wlog_on and wlog_off: sealed buffers are queued for replay, also
// under GT_GC_LOG=1 (which checks them first and otherwise drops them).
std::atomic<bool> replaying{false};

uint32_t kind_of(uintptr_t state) {
  return *reinterpret_cast<const uint32_t *>(state);
}

LogBuffer *fresh(ExecLog &x) {
  LogBuffer *b = x.spare;
  if (b) {
    x.spare = nullptr;
  } else {
    pool_lk.lock();
    if ((b = pool)) {
      pool = b->next;
      --npool;
    }
    pool_lk.unlock();
  }
  if (!b) {
    b = with_libc_room([] {
      return static_cast<LogBuffer *>(std::malloc(sizeof(LogBuffer)));
    });
    if (!b)
      fatal("gc: out of memory for a write-log buffer (executor %u)", x.id);
    n_buffers.fetch_add(1, std::memory_order_relaxed);
  }
  b->next = nullptr;
  b->count = 0;
  b->executor = x.id;
  return b;
}

// Step 6: what is wrong with the object `p` of an entry, or null.
const char *object_problem(uintptr_t p) {
  if (!p || p % kAlign)
    return "null or misaligned";
  if (in_blocks(p)) {
    if (block_state(block_of(p)) != kAlloc)
      return "in a heap block that is not allocation space";
    if (check_type(type_of(p)))
      return "its descriptor is not valid";
    return nullptr;
  }
  if (!large_exists(p))
    return "neither in the heap nor a large object";
  if (check_type(type_of(p)))
    return "its descriptor is not valid";
  return nullptr;
}

const char *entry_problem(const gt_wlog_entry &e) {
  uintptr_t p = e.object & ~uintptr_t(GT_WLOG_RANGE);
  if (const char *why = object_problem(p))
    return why;
  size_t size = payload_bytes(p);
  if (e.object & GT_WLOG_RANGE)
    return e.offset > size || e.old > size - e.offset
               ? "range beyond the object"
               : nullptr;
  if (e.offset >= size)
    return "offset beyond the object";
  if (!e.old)
    return nullptr;
  if (e.offset % 8 || !is_ptr_field(type_of(p), e.offset, size))
    return "an overwritten pointer logged for a field that is not a GC pointer";
  if (object_problem(e.old))
    return "the overwritten pointer is not a GC object";
  return nullptr;
}

void check_buffer(const ExecLog &x, LogBuffer *b) {
  for (uint32_t i = 0; i < b->count; ++i)
    if (const char *why = entry_problem(b->e[i])) {
      const gt_wlog_entry &e = b->e[i];
      fatal(
          "gc: GT_GC_LOG: executor %u's write log, written by thread %llu "
          "('%s') or an earlier one of the same interval: entry {object %#lx, "
          "offset %lu, %s %#lx}: %s",
          x.id, x.last ? (unsigned long long)x.last->id : 0ull,
          x.last ? x.last->name : "?", (unsigned long)e.object,
          (unsigned long)e.offset, e.object & GT_WLOG_RANGE ? "length" : "old",
          (unsigned long)e.old, why);
    }
  n_checked.fetch_add(b->count, std::memory_order_relaxed);
}

void push_queue(LogBuffer *b) {
  queue_lk.lock();
  b->next = queue;
  queue = b;
  nqueued.store(nqueued.load(std::memory_order_relaxed) + 1,
                std::memory_order_relaxed);
  queue_lk.unlock();
}

void enqueue(const ExecLog &x, LogBuffer *b) {
  n_sealed_buffers.fetch_add(1, std::memory_order_relaxed);
  n_sealed_entries.fetch_add(b->count, std::memory_order_relaxed);
  if (log_check) {
    check_buffer(x, b);
    if (!replaying.load(std::memory_order_acquire)) {
      wlog_recycle(b);
      return;
    }
  }
  push_queue(b);
}

void point(gt_mailbox &mb, const LogBuffer *b) {
  mb.wlog_ptr = reinterpret_cast<uintptr_t>(b->e + b->count);
  mb.wlog_free = kLogEntries - b->count;
}

// cur's count from the cursor in the mailbox of the thread it is lent to.
void sync(ExecLog &x, const gt_mailbox &mb) {
  x.cur->count =
      uint32_t((mb.wlog_ptr - reinterpret_cast<uintptr_t>(x.cur->e)) /
               sizeof(gt_wlog_entry));
}

// Step 3, under x.lk with cur's count in sync.
void seal(ExecLog &x, bool force) {
  while (LogBuffer *b = x.pending) {
    x.pending = b->next;
    enqueue(x, b);
  }
  if (x.cur && x.cur->count &&
      (force || log_check || x.cur->count >= kLogEntries / 2)) {
    enqueue(x, x.cur);
    x.cur = fresh(x);
    if (x.lent_to)
      point(x.lent_to->mb, x.cur);
  }
}

// The round a caller may acknowledge. Read it before log_on: a round's
// caller sets log_on before raising round_want, so whoever reads round r here
// then reads log_on as r set it. Read after, it could pair a log_on from
// before the round with the round's number, and acknowledge an on round
// without lending or an off round while lending.
uint64_t round_seen() { return round_want.load(std::memory_order_acquire); }

// Seals (everything, if round r, read by round_seen() before the caller's
// decision about lending, is pending) and acknowledges the round.
void seal_and_ack(ExecLog &x, uint64_t r) {
  bool pending = r > x.ack.load(std::memory_order_relaxed);
  seal(x, pending);
  if (pending)
    x.ack.store(r, std::memory_order_release);
}

void lend_locked(ExecLog &x, Thread *t) {
  if (!log_on.load(std::memory_order_relaxed)) // step 4: an off round won
    return;
  if (!x.cur)
    x.cur = fresh(x);
  point(t->mb, x.cur);
  t->mb.wlog_state = reinterpret_cast<uintptr_t>(&x);
  t->mb.gc_status |= GT_GC_LOG_WRITES;
  x.lent_to = x.last = t;
}

void take_locked(ExecLog &x, Thread *t) {
  sync(x, t->mb);
  t->mb.gc_status &= ~uint32_t(GT_GC_LOG_WRITES);
  t->mb.wlog_ptr = t->mb.wlog_free = t->mb.wlog_state = 0;
  x.lent_to = nullptr;
}

void free_list(LogBuffer *b) {
  while (b) {
    LogBuffer *next = b->next;
    std::free(b);
    b = next;
  }
}

// Step 4: one round. The caller has set or cleared log_on.
void run_round() {
  Thread *self = current_thread();
  Executor *me = current_executor();
  // A green thread that waits for another round to end holds its executor:
  // it acknowledges that round itself meanwhile, or the other would wait
  // for its executor forever.
  for (unsigned spins = 0; !round_lk.try_lock(); ++spins) {
    if (self)
      wlog_safepoint(self);
    spins < 64 ? cpu_relax() : (void)sched_yield();
  }
  uint64_t r = round_want.load(std::memory_order_relaxed) + 1;
  round_want.store(r, std::memory_order_release);
  n_rounds.fetch_add(1, std::memory_order_relaxed);
  process_barrier();
  for (uint32_t i = 0; i < nlogs; ++i) {
    ExecLog &x = logs[i];
    Executor &ex = sched.execs[i];
    for (unsigned spins = 0;; ++spins) {
      if (x.ack.load(std::memory_order_acquire) >= r)
        break;
      if (&ex == me && self) { // we are its running thread, at a call
        wlog_safepoint(self);
        continue;
      }
      x.lk.lock();
      Thread *run = ex.running.load(std::memory_order_acquire);
      // Wait for the running thread's poll if the log is lent to it, or if
      // it runs unlogged although logging is on (its scheduler read log_on
      // before we set it).
      bool wait = x.lent_to ||
                  (run && log_on.load(std::memory_order_relaxed) &&
                   !__atomic_load_n(&run->mb.wlog_state, __ATOMIC_RELAXED));
      if (!wait)
        seal_and_ack(x, r);
      x.lk.unlock();
      if (!wait)
        break;
      if (spins % 256 == 0)
        signal_running(ex, [](Thread *) { return true; });
      spins < 64 ? cpu_relax() : (void)sched_yield();
    }
  }
  round_lk.unlock();
}
} // namespace

void wlog_lend(Executor *e, Thread *t) {
  if (t->mb.wlog_state) // a test's own log (gt_gc_wlog_start)
    return;
  ExecLog &x = logs[e->id];
  uint64_t r = round_seen(); // before lend_locked reads log_on
  x.lk.lock();
  lend_locked(x, t);
  // Before the acknowledgement, which a round's caller may take as "every
  // allocation so far is sealed" too.
  if (x.lent_to == t) // the executor's cursor (t's mailbox is stale)
    newobj_seal(x.id, e->tlab_ptr);
  seal_and_ack(x, r); // between threads: no interval is open here
  x.lk.unlock();
}

// Takes x back from t, which is at a safepoint or switched out, and seals.
void take_and_seal(ExecLog &x, Thread *t) {
  uint64_t r = round_seen();
  x.lk.lock();
  take_locked(x, t);
  newobj_seal(x.id, t->mb.alloc_ptr); // (switched out: also e->tlab_ptr)
  seal_and_ack(x, r);
  x.lk.unlock();
}

void wlog_switched_out(Executor *e, Thread *t) {
  ExecLog &x = logs[e->id];
  if (t->mb.wlog_state != reinterpret_cast<uintptr_t>(&x))
    return; // a test's own log
  take_and_seal(x, t);
}

void wlog_safepoint(Thread *t) {
  Executor *e = current_executor();
  ExecLog &x = logs[e->id];
  uintptr_t st = t->mb.wlog_state;
  if (st && st != reinterpret_cast<uintptr_t>(&x))
    return; // a test's own log
  uint64_t r = round_seen(); // before log_on
  bool on = log_on.load(std::memory_order_acquire);
  if (!st && !on && r <= x.ack.load(std::memory_order_relaxed))
    return; // nothing to do: the common case outside collections
  x.lk.lock();
  if (on && !st)
    lend_locked(x, t);
  else if (!on && st)
    take_locked(x, t);
  else if (st)
    sync(x, t->mb);
  if (on || st) // the log is, or was until now, lent to t
    newobj_seal(x.id, t->mb.alloc_ptr);
  seal_and_ack(x, r);
  x.lk.unlock();
}

void runtime_write(uintptr_t object, size_t offset, uintptr_t old) {
  // The compiler's hooks (gt/hooks.h), as a barrier in compiled code: the
  // runtime runs on the green thread, whose mailbox is in the register.
  if (gt_hook_write_barrier_active())
    *gt_hook_write_barrier_reserve(1) = gt_wlog_entry{object, offset, old};
}

void wlog_release(Thread *t) {
  uintptr_t st = t->mb.wlog_state;
  if (!st || kind_of(st) != kExecutorLog)
    return;
  take_and_seal(*reinterpret_cast<ExecLog *>(st), t);
}

void wlog_on() {
  replaying.store(true, std::memory_order_release);
  log_on.store(true, std::memory_order_release);
  run_round();
}

void wlog_off() {
  log_on.store(log_check, std::memory_order_release); // GT_GC_LOG: stays on
  run_round();
  replaying.store(false, std::memory_order_release);
}

void wlog_seal_stopped() {
  for (uint32_t i = 0; i < nlogs; ++i) {
    ExecLog &x = logs[i];
    x.lk.lock();
    if (x.lent_to)
      fatal("gc: executor %u's write log is lent to thread %llu while the "
            "world is stopped",
            i, (unsigned long long)x.lent_to->id);
    seal(x, true);
    x.lk.unlock();
  }
}

void wlog_off_stopped() {
  log_on.store(log_check, std::memory_order_relaxed);
  wlog_seal_stopped();
  replaying.store(false, std::memory_order_release);
}

void wlog_round() { run_round(); }

bool wlog_is_on() { return log_on.load(std::memory_order_acquire); }

size_t wlog_backlog() { return nqueued.load(std::memory_order_relaxed); }

LogBuffer *wlog_sealed() {
  queue_lk.lock();
  LogBuffer *b = queue;
  if (b) {
    queue = b->next;
    nqueued.store(nqueued.load(std::memory_order_relaxed) - 1,
                  std::memory_order_relaxed);
  }
  queue_lk.unlock();
  return b;
}

void wlog_requeue(LogBuffer *b) { push_queue(b); }

void wlog_recycle(LogBuffer *b) {
  pool_lk.lock();
  if (npool < kPoolMax) {
    b->next = pool;
    pool = b;
    ++npool;
    b = nullptr;
  }
  pool_lk.unlock();
  if (b) // GT_GC_LOG's seals recycle on green threads
    with_libc_room([b] {
      std::free(b);
      return 0;
    });
}

WlogStats wlog_stats() {
  return WlogStats{n_sealed_buffers.load(std::memory_order_relaxed),
                   n_sealed_entries.load(std::memory_order_relaxed),
                   n_flushes.load(std::memory_order_relaxed),
                   n_rounds.load(std::memory_order_relaxed),
                   n_buffers.load(std::memory_order_relaxed),
                   n_checked.load(std::memory_order_relaxed)};
}

void wlog_run_start(uint32_t executors) {
  nlogs = executors;
  logs = new ExecLog[executors];
  for (uint32_t i = 0; i < executors; ++i)
    logs[i].id = i;
  round_want.store(0, std::memory_order_relaxed);
  const char *v = getenv("GT_GC_LOG");
  if (v && *v && strcmp(v, "0") && strcmp(v, "1"))
    fatal("GT_GC_LOG='%s': expected 0 or 1", v);
  log_check = v && !strcmp(v, "1");
  log_on.store(log_check, std::memory_order_relaxed);
}

void wlog_run_end() {
  log_on.store(false, std::memory_order_relaxed);
  if (log_check && trace)
    fprintf(stderr, "gc: GT_GC_LOG: %llu write-log entries checked\n",
            (unsigned long long)n_checked.load(std::memory_order_relaxed));
  for (uint32_t i = 0; i < nlogs; ++i) {
    free_list(logs[i].cur);
    free_list(logs[i].pending);
    free_list(logs[i].spare);
  }
  delete[] logs;
  logs = nullptr;
  nlogs = 0;
  free_list(queue);
  queue = nullptr;
  nqueued.store(0, std::memory_order_relaxed);
  free_list(pool);
  pool = nullptr;
  npool = 0;
}

} // namespace gc
} // namespace gt

using namespace gt;
using namespace gt::gc;

// The body of gt_gc_wlog_flush: an ordinary, checked function.
[[gnu::noinline]] static void wlog_flush(size_t need) noexcept {
  gt_mailbox *mb = gt_self_mailbox();
  uintptr_t st = mb->wlog_state;
  if (!st) {
    Thread *t = self_or_die("gt_gc_wlog_flush");
    fatal("gt_gc_wlog_flush: thread %llu ('%s') has no write log",
          (unsigned long long)t->id, t->name);
  }
  if (need > GT_WLOG_MAX_RESERVE) {
    Thread *t = self_or_die("gt_gc_wlog_flush");
    fatal("gt_gc_wlog_flush: thread %llu ('%s'): the barrier needs %zu "
          "entries, more than GT_WLOG_MAX_RESERVE (%d)",
          (unsigned long long)t->id, t->name, need, GT_WLOG_MAX_RESERVE);
  }
  if (kind_of(st) == kExecutorLog) { // step 2
    ExecLog &x = *reinterpret_cast<ExecLog *>(st);
    x.lk.lock();
    sync(x, *mb);
    x.cur->next = x.pending;
    x.pending = x.cur;
    x.cur = fresh(x);
    point(*mb, x.cur);
    x.lk.unlock();
    n_flushes.fetch_add(1, std::memory_order_relaxed);
    __atomic_fetch_or(&mb->signals, GT_SIGNAL_GC, __ATOMIC_RELAXED);
    return;
  }
  TestLog *log = reinterpret_cast<TestLog *>(st);
  if (need > log->capacity) {
    Thread *t = self_or_die("gt_gc_wlog_flush");
    fatal("gt_gc_wlog_flush: thread %llu ('%s'): the barrier needs %zu "
          "entries, the log holds %zu (gt_gc_wlog_start: at least "
          "GT_WLOG_MAX_RESERVE)",
          (unsigned long long)t->id, t->name, need, log->capacity);
  }
  ++log->flushes;
  log->flushed += log->capacity - mb->wlog_free;
  mb->wlog_ptr = reinterpret_cast<uintptr_t>(log->base);
  mb->wlog_free = log->capacity;
}

// Unchecked (gt/hooks.h): LLVM's split-stack prologue puts the frame size in
// r10 before anything is saved, and preserve_most callers keep r10. Its frame
// is the registers it saves around the call; the body checks.
extern "C" __attribute__((preserve_most)) GT_NO_SPLIT_STACK void
gt_gc_wlog_flush(size_t need) noexcept {
  wlog_flush(need);
}

namespace {
// t's own log (gt_gc_wlog_start), or null (none, or the executor's).
TestLog *test_log_of(Thread *t) {
  uintptr_t st = t->mb.wlog_state;
  return st && kind_of(st) == kTestLog ? reinterpret_cast<TestLog *>(st)
                                       : nullptr;
}
} // namespace

namespace gt::gc {
void wlog_exited(Thread *t) {
  if (TestLog *log = test_log_of(t))
    std::free(log);
  t->mb.gc_status &= ~uint32_t(GT_GC_LOG_WRITES);
  t->mb.wlog_ptr = t->mb.wlog_free = t->mb.wlog_state = 0;
}
} // namespace gt::gc

extern "C" void gt_gc_wlog_start(gt_wlog_entry *buf, size_t n) noexcept {
  Thread *t = self_or_die("gt_gc_wlog_start");
  if (!buf || n == 0)
    fatal("gt_gc_wlog_start: thread %llu ('%s'): empty buffer",
          (unsigned long long)t->id, t->name);
  gt_mailbox *mb = &t->mb;
  wlog_release(t); // the executor's (a call is a safepoint)
  TestLog *log = test_log_of(t);
  if (!log) {
    log = static_cast<TestLog *>(std::malloc(sizeof(TestLog)));
    if (!log)
      fatal("gt_gc_wlog_start: thread %llu ('%s'): out of memory",
            (unsigned long long)t->id, t->name);
    mb->wlog_state = reinterpret_cast<uintptr_t>(log);
  }
  *log = TestLog{kTestLog, buf, n, 0, 0};
  mb->wlog_ptr = reinterpret_cast<uintptr_t>(buf);
  mb->wlog_free = n;
  mb->gc_status |= GT_GC_LOG_WRITES;
}

extern "C" size_t gt_gc_wlog_stop(uint64_t *flushes) noexcept {
  Thread *t = self_or_die("gt_gc_wlog_stop");
  gt_mailbox *mb = &t->mb;
  TestLog *log = test_log_of(t);
  if (flushes)
    *flushes = log ? log->flushes : 0;
  if (!log)
    return 0;
  mb->gc_status &= ~uint32_t(GT_GC_LOG_WRITES);
  size_t n = log->capacity - mb->wlog_free;
  mb->wlog_state = 0;
  mb->wlog_ptr = mb->wlog_free = 0;
  std::free(log);
  return n;
}

extern "C" void gt_gc_wlog_stats(uint64_t *entries,
                                 uint64_t *flushes) noexcept {
  Thread *t = self_or_die("gt_gc_wlog_stats");
  const TestLog *log = test_log_of(t);
  if (entries)
    *entries = log ? log->flushed + (log->capacity - t->mb.wlog_free) : 0;
  if (flushes)
    *flushes = log ? log->flushes : 0;
}
