// The write log's buffers (gc/wlog.cpp): executors lend them to the threads
// they run, full ones are flushed mid-interval without a switch, and only
// sealed entries (of intervals that have ended at a safepoint) reach the
// replay queue, each exactly once.
//
// Mutator green threads write intervals of entries through the compiler's
// hooks (gt/hooks.h: gc.write_barrier_active, gc.write_barrier_reserve;
// groups of 1..16 entries, so buffers fill and gt_gc_wlog_flush runs), each
// entry naming its thread, a per-thread sequence number and its interval.
// An interval ends at a safepoint of a random kind: a poll's slow path
// (gc.safepoint_poll, taken when a signal is set), a yield, a sleep, a park
// on a mutex or a channel, an allocation slow path. Before the safepoint the
// thread publishes "interval k is at its safepoint". The main thread turns
// logging on and off again and again (wlog_on, wlog_off) and runs flush
// rounds (wlog_round); an OS thread takes sealed buffers from the queue
// meanwhile, as replay will.
//
// Checked, and counted:
// - no entry is taken from the queue while its thread is still in the
//   interval that wrote it (the consumer reads the thread's published state
//   after taking the buffer, and the seal that queued it happened after the
//   thread published "at its safepoint");
// - every entry written is taken exactly once (per-thread sequence maps),
//   and the queue's count agrees;
// - gc_status changes only at safepoints: an interval ends logging or not
//   logging as it began; gt_gc_wlog_flush keeps gc_status and the executor,
//   and sets GT_SIGNAL_GC in the thread's own mailbox;
// - once wlog_on returns, every interval that begins logs, and once
//   wlog_off returns none does;
// - parked threads hold no buffer: 2,000 threads park while logging is on,
//   and none of their mailboxes has a log; the buffers ever allocated stay
//   few;
// - gt_select_ref's stores into its GC case array are logged (the runtime's
//   own barrier, gc::runtime_write), with the overwritten pointer.
#include "check.h"

#include "../src/gc/wlog.h"
#include "../src/internal.h"

#include <gt/hooks.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <pthread.h>
#include <vector>

namespace {

#if defined(__aarch64__) // under qemu
constexpr int kMutators = 6, kCycles = 12, kParkers = 500;
#else
constexpr int kMutators = 12, kCycles = 40, kParkers = 2000;
#endif
constexpr uint64_t kMaxSeq = 1 << 22; // per mutator

const GT_TYPE_WITH(0) blob_type = {
    GT_TYPE_V1(GT_TYPE_NOPTRS), 16, "Blob", 0, {}};

struct Mutator {
  std::atomic<uint64_t> state{0}; // interval << 1 | at-safepoint
  uint64_t seq = 0;               // entries written
  std::vector<uint8_t> seen;      // by the consumer, per sequence number
  long intervals = 0, logged_intervals = 0;
};
Mutator mutators[kMutators];

// 0: a transition is under way; 1: wlog_on has returned; 2: wlog_off has.
std::atomic<int> log_phase{2};
std::atomic<bool> stop{false};
std::atomic<int> running_mutators{0};
std::atomic<long> early{0}, future{0}, duplicates{0}, bad_entries{0}, taken{0},
    status_changed{0}, flush_switched{0}, flush_unsignalled{0},
    not_logging_after_on{0}, logging_after_off{0}, flushes_seen{0};
long parked_buffers = -1; // allocated while kParkers threads parked
gt_mutex_t mutex;
gt_chan_t *chan;

uint64_t rng_next(uint64_t &s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

gt_mailbox *mailbox() { return gt_self_mailbox(); }

// One interval's entries: n groups of 1..16.
void write_interval(uint32_t id, uint64_t k, uint64_t &rng) {
  Mutator &m = mutators[id];
  uint32_t status = mailbox()->gc_status;
  // Every 50th logged interval overflows a buffer (kLogEntries) whatever
  // was in it: a flush mid-interval.
  int groups = m.logged_intervals % 50 == 0
                   ? int(2 * gt::gc::kLogEntries / GT_WLOG_MAX_RESERVE)
                   : int(rng_next(rng) % 24) + 1;
  for (int g = 0; g < groups; ++g) {
    size_t n = size_t(rng_next(rng) % GT_WLOG_MAX_RESERVE) + 1;
    gt_mailbox *mb = mailbox();
    bool will_flush = mb->wlog_free < n;
    uint32_t exec = mb->executor_id;
    gt_wlog_entry *e = gt_hook_write_barrier_reserve(n);
    if (will_flush) {
      flushes_seen.fetch_add(1, std::memory_order_relaxed);
      if (mailbox()->executor_id != exec || gt_self_mailbox() != mb)
        flush_switched.fetch_add(1, std::memory_order_relaxed);
      if (!(__atomic_load_n(&mb->signals, __ATOMIC_RELAXED) & GT_SIGNAL_GC))
        flush_unsignalled.fetch_add(1, std::memory_order_relaxed);
    }
    for (size_t i = 0; i < n; ++i) {
      e[i].object = uintptr_t(id + 1) << 4;
      e[i].offset = m.seq++;
      e[i].old = k;
    }
    if (mailbox()->gc_status != status)
      status_changed.fetch_add(1, std::memory_order_relaxed);
  }
}

void safepoint(uint64_t &rng, bool &sent) {
  switch (rng_next(rng) % 8) {
  case 0:
  case 1:
  case 2: // a poll: its slow path runs when a signal is set
    gt_hook_safepoint_poll();
    break;
  case 3:
    gt_yield();
    break;
  case 4:
    gt_sleep_for(2000);
    break;
  case 5:
    gt_mutex_lock(&mutex);
    gt_yield();
    gt_mutex_unlock(&mutex);
    break;
  case 6:
    (void)gt_gc_alloc(reinterpret_cast<const gt_type *>(&blob_type), 16);
    break;
  default: { // each thread alternates, so the channel never starves all
    long v = 0;
    if (sent ^= true)
      CHECK(gt_chan_send(chan, &v) == GT_OK);
    else
      CHECK(gt_chan_recv(chan, &v) == GT_OK);
    break;
  }
  }
}

void mutator(void *arg) {
  uint32_t id = uint32_t(uintptr_t(arg));
  Mutator &m = mutators[id];
  uint64_t rng = 0x9e3779b97f4a7c15ull * (id + 1);
  bool sent = false;
  for (uint64_t k = 1; !stop.load(std::memory_order_acquire); ++k) {
    m.state.store(k << 1, std::memory_order_seq_cst);
    int ph = log_phase.load(std::memory_order_acquire);
    bool active = gt_hook_write_barrier_active();
    if (ph == 1 && !active)
      not_logging_after_on.fetch_add(1, std::memory_order_relaxed);
    if (ph == 2 && active)
      logging_after_off.fetch_add(1, std::memory_order_relaxed);
    if (active &&
        m.seq + 2 * gt::gc::kLogEntries * GT_WLOG_MAX_RESERVE < kMaxSeq) {
      write_interval(id, k, rng);
      ++m.logged_intervals;
    }
    ++m.intervals;
    if (gt_hook_write_barrier_active() != active)
      status_changed.fetch_add(1, std::memory_order_relaxed);
    m.state.store(k << 1 | 1, std::memory_order_seq_cst);
    safepoint(rng, sent);
  }
  running_mutators.fetch_sub(1, std::memory_order_acq_rel);
}

// The consumer: takes sealed buffers as replay will.
std::atomic<bool> consumer_quit{false};

void consume(gt::gc::LogBuffer *b) {
  for (uint32_t i = 0; i < b->count; ++i) {
    const gt_wlog_entry &e = b->e[i];
    uint64_t id = (e.object >> 4) - 1;
    if ((e.object & 15) || id >= uint64_t(kMutators) || e.offset >= kMaxSeq) {
      bad_entries.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    Mutator &m = mutators[id];
    uint64_t s = m.state.load(std::memory_order_seq_cst);
    uint64_t k = e.old;
    if (s >> 1 < k)
      future.fetch_add(1, std::memory_order_relaxed);
    else if (s >> 1 == k && !(s & 1))
      early.fetch_add(1, std::memory_order_relaxed); // before its safepoint
    if (m.seen[e.offset]++)
      duplicates.fetch_add(1, std::memory_order_relaxed);
    taken.fetch_add(1, std::memory_order_relaxed);
  }
  gt::gc::wlog_recycle(b);
}

void *consumer(void *) {
  while (!consumer_quit.load(std::memory_order_acquire)) {
    if (gt::gc::LogBuffer *b = gt::gc::wlog_sealed())
      consume(b);
    else
      usleep(20);
  }
  return nullptr;
}

void parker(void *arg) {
  auto *c = static_cast<gt_chan_t *>(arg);
  long v;
  CHECK(gt_chan_recv(c, &v) == GT_CLOSED);
}

// Threads parked while logging is on hold no buffer.
void check_parked_hold_nothing() {
  gt_chan_t *c = gt_chan_new(sizeof(long), 0);
  uint64_t before = gt::gc::wlog_stats().buffers;
  std::vector<gt_thread_t> hs(kParkers);
  for (int i = 0; i < kParkers; ++i)
    hs[i] = gt_spawn(parker, c, nullptr);
  for (int tries = 0;; ++tries) { // until every parker has parked
    int parked = 0;
    for (gt_thread_t h : hs)
      parked += gt::thread_from_handle(h)->status.load() == gt::Status::Parked;
    if (parked == kParkers)
      break;
    CHECK(tries < 100000);
    gt_sleep_for(100000);
  }
  for (gt_thread_t h : hs)
    CHECK(gt::thread_from_handle(h)->mb.wlog_state == 0);
  parked_buffers = long(gt::gc::wlog_stats().buffers - before);
  CHECK(parked_buffers <= 8); // executors' buffers, not one per thread
  gt_chan_close(c);
  for (gt_thread_t h : hs)
    CHECK(gt_join(h) == GT_OK);
  gt_chan_free(c);
}

// gt_select_ref stores its result into the GC case array on the thread's
// behalf, and logs those stores as compiled code would (gc::runtime_write).
void check_runtime_writes() {
  static const GT_TYPE_WITH(1)
      case_type = {GT_TYPE_V1(GT_TYPE_ARRAY),
                   sizeof(gt_select_ref_case),
                   "gt_select_ref_case",
                   1,
                   {offsetof(gt_select_ref_case, ref)}};
  const gt_type *blob = reinterpret_cast<const gt_type *>(&blob_type);
  static void GT_GC *sent, *before, *cases; // registered roots
  gt_gc_add_root(&sent);
  gt_gc_add_root(&before);
  gt_gc_add_root(&cases);
  sent = gt_gc_alloc(blob, 16);
  before = gt_gc_alloc(blob, 16);
  cases = gt_gc_alloc_array(reinterpret_cast<const gt_type *>(&case_type), 2);
  gt_chan_t *rc = gt_chan_new_ref(1);
  CHECK(gt_chan_send_ref(rc, sent) == GT_OK);
  gt::gc::wlog_on();
  auto *cs = static_cast<gt_select_ref_case GT_GC *>(cases);
  cs[0].chan = rc, cs[0].op = GT_SEND, cs[0].ref = nullptr;
  cs[1].chan = rc, cs[1].op = GT_RECV, cs[1].ref = before;
  // No safepoint from here to the last read: nothing moves meanwhile.
  uintptr_t obj = gt_gc_address(cs), old = gt_gc_address(before);
  CHECK(gt_select_ref(cs, 2, 1) == 1); // the channel is full: receives
  uintptr_t got = gt_gc_address(cs[1].ref), want = gt_gc_address(sent);
  gt::gc::wlog_off();
  CHECK(got == want);
  int refs = 0, closeds = 0, others = 0;
  while (gt::gc::LogBuffer *b = gt::gc::wlog_sealed()) {
    for (uint32_t i = 0; i < b->count; ++i) {
      const gt_wlog_entry &e = b->e[i];
      size_t at = sizeof(gt_select_ref_case);
      if (e.object == obj &&
          e.offset == at + offsetof(gt_select_ref_case, ref) && e.old == old)
        ++refs;
      else if (e.object == obj &&
               e.offset == at + offsetof(gt_select_ref_case, closed) &&
               e.old == 0)
        ++closeds;
      else
        ++others;
    }
    gt::gc::wlog_recycle(b);
  }
  std::printf("gc wlog seal: gt_select_ref logged %d ref, %d closed, %d "
              "other entries\n",
              refs, closeds, others);
  CHECK(refs == 1 && closeds == 1 && others == 0);
  gt_chan_free(rc);
  gt_gc_remove_root(&cases);
  gt_gc_remove_root(&before);
  gt_gc_remove_root(&sent);
}

void main_thread(void *) {
  for (Mutator &m : mutators)
    m.seen.assign(kMaxSeq, 0);
  chan = gt_chan_new(sizeof(long), 4);
  pthread_t cons;
  CHECK(pthread_create(&cons, nullptr, consumer, nullptr) == 0);
  // Before the mutators run, so that only the parkers could take buffers.
  gt::gc::wlog_on();
  check_parked_hold_nothing();
  gt::gc::wlog_off();
  running_mutators.store(kMutators);
  std::vector<gt_thread_t> hs;
  for (int i = 0; i < kMutators; ++i)
    hs.push_back(gt_spawn(mutator, (void *)(uintptr_t)i, nullptr));
  long rounds = 0;
  for (int c = 0; c < kCycles; ++c) {
    log_phase.store(0, std::memory_order_seq_cst);
    gt::gc::wlog_on();
    log_phase.store(1, std::memory_order_seq_cst);
    CHECK(gt_hook_write_barrier_active()); // our own log, lent in place
    for (int r = 0; r < 3; ++r) {
      gt_sleep_for(1000000);
      gt::gc::wlog_round();
      ++rounds;
    }
    log_phase.store(0, std::memory_order_seq_cst);
    gt::gc::wlog_off();
    log_phase.store(2, std::memory_order_seq_cst);
    CHECK(!gt_hook_write_barrier_active());
    gt_sleep_for(500000);
  }
  stop.store(true, std::memory_order_release);
  // Wake mutators blocked on the channel: closing makes sends fatal, so
  // feed and drain it instead until all have left.
  while (running_mutators.load(std::memory_order_acquire) > 0) {
    long v = 0, w = 0;
    gt_select_case cases[2] = {{chan, GT_SEND, &v, 0}, {chan, GT_RECV, &w, 0}};
    (void)gt_select(cases, 2, 0);
    gt_yield();
  }
  for (gt_thread_t h : hs)
    CHECK(gt_join(h) == GT_OK);
  // Everything is sealed and queued now (wlog_off returned, and no thread
  // logged since): drain it.
  consumer_quit.store(true, std::memory_order_release);
  pthread_join(cons, nullptr);
  while (gt::gc::LogBuffer *b = gt::gc::wlog_sealed())
    consume(b);

  long written = 0, intervals = 0, logged = 0, missing = 0;
  for (Mutator &m : mutators) {
    written += long(m.seq);
    intervals += m.intervals;
    logged += m.logged_intervals;
    for (uint64_t s = 0; s < m.seq; ++s)
      missing += !m.seen[s];
  }
  gt::gc::WlogStats st = gt::gc::wlog_stats();
  std::printf(
      "gc wlog seal: %d cycles, %ld rounds, %ld intervals (%ld "
      "logged), %ld entries written, %ld taken, %llu sealed in %llu "
      "buffers, %llu flushes (%ld seen), %llu buffers allocated (%ld while %d "
      "threads parked); %ld "
      "early, %ld future, %ld missing, %ld duplicates, %ld bad, %ld "
      "status changes, %ld flushes switched, %ld unsignalled, %ld "
      "unlogged after on, %ld logged after off\n",
      kCycles, rounds, intervals, logged, written, taken.load(),
      (unsigned long long)st.sealed_entries,
      (unsigned long long)st.sealed_buffers, (unsigned long long)st.flushes,
      flushes_seen.load(), (unsigned long long)st.buffers, parked_buffers,
      kParkers, early.load(), future.load(), missing, duplicates.load(),
      bad_entries.load(), status_changed.load(), flush_switched.load(),
      flush_unsignalled.load(), not_logging_after_on.load(),
      logging_after_off.load());
  CHECK(logged > kCycles);
  CHECK(flushes_seen.load() > 0);
  CHECK(written > 0 && taken.load() == written);
  CHECK(st.sealed_entries == uint64_t(written));
  CHECK(early.load() == 0 && future.load() == 0);
  CHECK(missing == 0 && duplicates.load() == 0 && bad_entries.load() == 0);
  CHECK(status_changed.load() == 0);
  CHECK(flush_switched.load() == 0 && flush_unsignalled.load() == 0);
  CHECK(not_logging_after_on.load() == 0 && logging_after_off.load() == 0);
  gt_chan_free(chan);
  check_runtime_writes();
  std::puts("gc wlog seal: OK");
}

} // namespace

int main() {
  // The entries here name no objects: GT_GC_LOG=1 would check them as if
  // they did (scripts/run-tests.py runs every test-gc* in that mode too).
  unsetenv("GT_GC_LOG");
  run(main_thread);
  return 0;
}
