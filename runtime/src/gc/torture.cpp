// gc/torture.cpp: GT_GC_TORTURE=N at safepoint polls and at switches.
//
// Torture mode makes collections happen where the compiler's and the
// runtime's bookkeeping is most fragile, far more often than any budget
// would: every Nth allocation slow path (alloc.cpp asks torture_alloc), and
// - every Nth safepoint poll: while torture is on, the scheduler sets
//   GT_SIGNAL_GC in the mailbox of every thread it resumes and the poll's
//   slow path sets it again, so every poll of compiled code takes the slow
//   path (torture_poll), and every Nth of them collects with the thread
//   stopped at that poll;
// - every Nth switch of a green thread out to its scheduler (a park or a
//   yield): the scheduler asks for a collection right after the switch
//   (torture_switch), so that the thread is collected while it sits in the
//   very swapstack switch it just made, the state a parked thread spends its
//   life in.
// The counters are global (one sequence over all executors), as the
// allocation counter is, so a run's collections do not depend on how threads
// are spread over executors more than the interleaving already makes them.
#include "heap.h"

#include <cstdlib>

namespace gt {
namespace gc {

namespace {
std::atomic<uint64_t> allocs{0}, polls{0}, switches{0};

bool nth(std::atomic<uint64_t> &counter) {
  return (counter.fetch_add(1, std::memory_order_relaxed) + 1) %
             torture_every ==
         0;
}
} // namespace

void torture_configure() {
  const char *s = getenv("GT_GC_TORTURE");
  torture_every = s && *s ? strtoull(s, nullptr, 10) : 0;
}

bool torture_alloc() { return nth(allocs); }

} // namespace gc

using namespace gc;

void gc_torture_resume(Thread *t) {
  __atomic_fetch_or(&t->mb.signals, GT_SIGNAL_GC, __ATOMIC_RELAXED);
}

void gc_torture_poll(Thread *t) {
  // The heap exists once anything was allocated; before that there is
  // nothing to collect, and collect() must not set it up from a poll.
  if (heap.ready.load(std::memory_order_acquire) && nth(polls))
    collect(t); // the resume sets the bit again
  else
    gc_torture_resume(t);
}

void gc_torture_switch(Executor *e) {
  if (heap.ready.load(std::memory_order_acquire) && nth(switches))
    request(e);
}

} // namespace gt
