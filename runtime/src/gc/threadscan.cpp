// gc/threadscan.cpp: scanning suspended green threads' stacks while other
// threads run: the concurrent collector's stack scan (issue 14; the design
// is docs/notes/issue-14-concurrent-gc-design.md, section 6).
//
// A scan cycle visits every green thread's stack once, with a ThreadScanner
// that the collector supplies, without stopping the world: parked and
// runnable threads are scanned where they wait, by whoever claims them
// first; running threads are scanned when they switch out, or at their next
// poll (a handshake).
//
// 1. Per thread, `Thread::gc_word` = cycle << 2 | state. A word of an older
//    cycle means "not scanned in this one", so starting a cycle touches no
//    thread (a million parked threads cost nothing until they are scanned);
//    kClaimed: someone is scanning it; kScanned: done. Threads made during a
//    cycle are born scanned (thread_new): they hold nothing yet.
// 2. scan_begin(c) publishes the cycle and the scanner, sets `scan_on`, and
//    runs a full barrier on every thread of the process (process_barrier:
//    membarrier(2)) before any sweep starts.
// 3. The resume barrier (scan_resume, from schedule() before it takes the
//    thread's stack): the scheduler has stored the thread's status Running
//    and then, after a compiler barrier only, seen `scan_on`: the
//    asymmetric half of a Dekker pair whose other half is step 2's barrier
//    (a fence here would cost every resume a locked instruction, a quarter
//    of a yield); it claims the thread by CAS from an
//    older cycle, or waits while another claim holds it, and scans it itself
//    once its stack is in place (scan_resumed). So the scheduler never
//    resumes a thread whose stack is being scanned, and scans an unscanned
//    stack itself before resuming it (as Go's scheduler never runs a G in
//    a _Gscan state, and OCaml 5 darkens a continuation before resuming it).
// 4. Sweeps (scan_sweep, any thread but a green thread's own stack): over the
//    thread table; a thread whose status is Running is left to its
//    scheduler; any other is claimed by CAS, and its status read again:
//    Running means its scheduler stored it without seeing `scan_on` (after
//    step 2's barrier, either the scheduler sees `scan_on` and respects the
//    claim, or the sweep sees Running), so the claim is given back and the
//    thread left to the handshake. Otherwise it is suspended and cannot run until the claim is
//    released: its stack, and its saved copy (compaction), are stable. A
//    thread on a shared stack (share.cpp) is scanned only while the sweep
//    also holds the stack's `busy` flag, so that no eviction moves its bytes
//    meanwhile; if busy is held, the claim is given back and the thread
//    counted as remaining.
// 5. The handshake (scan_handshake): a running thread not scanned in the
//    cycle gets GT_SIGNAL_GC; at its next poll (gc_safepoint) it switches out
//    with kGCHandshake and its scheduler resumes it at once through the
//    resume barrier (step 3), which scans it.
// 6. A cycle is complete when a sweep finds no thread left (scan_sweep
//    returns 0): every thread that existed when it began has been scanned,
//    once. scan_end clears `scan_on`.
#include "heap.h"

#include <sched.h>

namespace gt {
namespace gc {

namespace {
enum : uint64_t { kClaimed = 1, kScanned = 2, kStateMask = 3 };

std::atomic<uint64_t> cycle{0}; // the current (or last) scan cycle
ThreadScanner *scanner;

inline uint64_t word(uint64_t c, uint64_t state) { return c << 2 | state; }

// Claims t for cycle c: CAS from a word of an older cycle. `old` gets the
// word it replaced (for scan_unclaim), or the current one on failure.
bool claim_thread(Thread *t, uint64_t c, uint64_t &old) {
  old = t->gc_word.load(std::memory_order_acquire);
  while (old >> 2 != c)
    if (t->gc_word.compare_exchange_weak(old, word(c, kClaimed),
                                         std::memory_order_acq_rel,
                                         std::memory_order_acquire))
      return true;
  return false;
}

void publish_scanned(Thread *t, uint64_t c) {
  t->gc_word.store(word(c, kScanned), std::memory_order_release);
}
} // namespace

uint64_t scan_born_word() {
  // Acquire: a thread born in a cycle sees what was stored before it began
  // (gc::marking, read by gt_spawn_ref's transfer barrier).
  return word(cycle.load(std::memory_order_acquire), kScanned);
}

uint64_t scan_begin(ThreadScanner *s, bool world_stopped) {
  scanner = s;
  uint64_t c = cycle.load(std::memory_order_relaxed) + 1;
  cycle.store(c, std::memory_order_release);
  scan_on.store(true, std::memory_order_release);
  if (!world_stopped)
    process_barrier(); // step 2: before any sweep reads a status
  return c;
}

void scan_end() {
  scan_on.store(false, std::memory_order_release);
  scanner = nullptr;
}

ScanClaim scan_resume(Thread *t) {
  ScanClaim cl;
  cl.cycle = cycle.load(std::memory_order_acquire);
  for (unsigned spins = 0;; ++spins) {
    if (claim_thread(t, cl.cycle, cl.old)) {
      cl.held = true;
      return cl;
    }
    if ((cl.old & kStateMask) == kScanned)
      return cl;
    // A sweep holds it: a parked stack is a few hundred bytes to walk.
    spins < 64 ? cpu_relax() : (void)sched_yield();
  }
}

void scan_resumed(Thread *t, const ScanClaim &cl) {
  scanner->scan(t);
  publish_scanned(t, cl.cycle);
}

void scan_unclaim(Thread *t, const ScanClaim &cl) {
  t->gc_word.store(cl.old, std::memory_order_release);
}

bool scan_wanted(Thread *t) {
  return scan_on.load(std::memory_order_acquire) &&
         t->gc_word.load(std::memory_order_acquire) >> 2 !=
             cycle.load(std::memory_order_relaxed);
}

size_t scan_sweep() {
  uint64_t c = cycle.load(std::memory_order_acquire);
  size_t remaining = 0;
  for (uint32_t i = 0;; ++i) {
    Thread *t = thread_from_handle(gt_thread_t(i) + 1);
    if (!t)
      break;
    Status s = t->status.load(std::memory_order_acquire);
    if (s == Status::Dead)
      continue;
    ScanClaim cl{c, 0, false};
    if (s == Status::Running || !claim_thread(t, c, cl.old)) {
      uint64_t w = t->gc_word.load(std::memory_order_acquire);
      if (w != word(c, kScanned))
        ++remaining; // running, or claimed by someone else
      continue;
    }
    s = t->status.load(std::memory_order_acquire);
    if (s == Status::Running) { // its scheduler did not see scan_on
      scan_unclaim(t, cl);
      ++remaining;
      continue;
    }
    if (s == Status::Dead || !t->ctx) { // exited, or never ran
      if (s != Status::Dead)
        scanner->scan(t); // no stack yet, but its record's slots (gc_arg)
      publish_scanned(t, c);
      continue;
    }
    bool pinned = t->shared && share_pin(t);
    if (t->shared && !pinned) { // its stack is busy: running elsewhere
      scan_unclaim(t, cl);
      ++remaining;
      continue;
    }
    scanner->scan(t);
    if (pinned)
      share_unpin(t);
    publish_scanned(t, c);
  }
  return remaining;
}

void scan_handshake(Executor *self) {
  for (uint32_t i = 0; i < sched.n; ++i) {
    Executor &x = sched.execs[i];
    if (&x != self)
      signal_running(x, scan_wanted);
  }
}

bool scan_handshake_self() {
  Thread *self = current_thread();
  if (!self || !scan_wanted(self))
    return false;
  switch_out(current_executor(), kGCHandshake);
  return true;
}

} // namespace gc
} // namespace gt
