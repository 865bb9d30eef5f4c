// gc/work.cpp: gray work shared between a collector's workers, and its
// termination (gc/work.h). The stop-the-world copy (copy.cpp) and
// replication (replica.cpp) each scan gray objects behind their own bump
// pointers and share the surplus through one of these.
//
// 1. Work sharing. A gray range can be published on a shared stack of
//    ranges [begin, end) (objects are walked by their headers): the
//    unscanned rest of a block the worker leaves because it is full, a
//    large object it marked or replicated, and, while some worker is idle,
//    the unscanned part of its current block or range once it exceeds
//    kShare bytes (the worker checks want_share every 32 objects).
// 2. Termination: `busy` counts the workers that may hold gray objects; it
//    and the shared stack change only under the lock. A worker with no gray
//    objects of its own and an empty stack decrements it (idle()); an idle
//    worker increments it again in the same critical section in which it
//    pops a range. Only busy workers publish. So when a worker sees, under
//    the lock, an empty stack and busy == 0, no gray object exists anywhere
//    and none can appear: the work is complete, and `done` tells the idle
//    workers so.
// 3. Work that does not come from scanning gray objects (replaying a write
//    log, replicating new objects: the concurrent collector's late work)
//    may only be done by a busy worker, which must not call idle() while it
//    can still be given such work. Otherwise busy == 0 would not mean
//    "nothing left" (TILT's gc_semi_conc.c warns that counting late work
//    here can keep a collection from ever ending; issue 14's design note,
//    7.3, keeps it out and bounds it instead).
#include "work.h"

#include "heap.h"

#include <cstdlib>
#include <sched.h>

namespace gt::gc {

void WorkList::reset(uint32_t workers) {
  busy_ = workers;
  n_ = 0;
  hint_.store(0, std::memory_order_relaxed);
  idle_.store(0, std::memory_order_relaxed);
  done_.store(false, std::memory_order_relaxed);
}

void WorkList::publish(uintptr_t begin, uintptr_t end) {
  lk_.lock();
  if (n_ == cap_) {
    cap_ = cap_ ? 2 * cap_ : 1024;
    // A concurrent cycle's assists publish on green threads' stacks: libc
    // gets room of its own.
    stack_ = with_libc_room([&] {
      return static_cast<Range *>(std::realloc(stack_, cap_ * sizeof *stack_));
    });
    if (!stack_)
      fatal("gc: out of memory for the collector's work list");
  }
  stack_[n_++] = Range{begin, end};
  hint_.store(n_, std::memory_order_relaxed);
  lk_.unlock();
}

bool WorkList::pop(Range &r) {
  if (!hint_.load(std::memory_order_relaxed))
    return false;
  lk_.lock();
  bool got = n_ != 0;
  if (got)
    r = take();
  lk_.unlock();
  return got;
}

bool WorkList::idle(Range &r) {
  lk_.lock();
  if (n_) { // published after the worker looked: still busy
    r = take();
    lk_.unlock();
    return true;
  }
  if (--busy_ == 0)
    done_.store(true, std::memory_order_release);
  idle_.fetch_add(1, std::memory_order_relaxed);
  lk_.unlock();
  for (unsigned spins = 0; !done_.load(std::memory_order_acquire); ++spins) {
    if (hint_.load(std::memory_order_relaxed)) {
      lk_.lock();
      if (n_) {
        r = take();
        ++busy_;
        idle_.fetch_sub(1, std::memory_order_relaxed);
        lk_.unlock();
        return true;
      }
      lk_.unlock();
    }
    if (spins < 256)
      cpu_relax();
    else
      sched_yield();
  }
  return false;
}

void to_block_done(uintptr_t cur, uintptr_t end) {
  if (end) {
    uint32_t b = block_of(end - 1);
    heap.top[b] = uint32_t(cur - block_addr(b));
  }
}

void to_block_next(WorkList &work, uintptr_t &scan, uintptr_t &cur,
                   uintptr_t &end, const char *who) {
  to_block_done(cur, end);
  if (scan < cur)
    work.publish(scan, cur);
  uintptr_t a = block_take(kCopy);
  if (!a)
    fatal("%s: out of address space for the to-space (heap %zu bytes, "
          "limit %zu)",
          who, heap_bytes(), heap.limit);
  scan = cur = a;
  end = a + kBlockBytes;
}

} // namespace gt::gc
