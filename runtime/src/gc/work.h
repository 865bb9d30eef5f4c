// gc/work.h: the gray work that a collector's workers share, and the test
// that tells them it is all done (work.cpp has the protocol). Used by the
// stop-the-world copy (copy.cpp) and by replication (replica.cpp).
#pragma once

#include "../internal.h"
#include "object.h"

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gt::gc {

// A gray range: the objects whose headers start in [begin, end), walked by
// their headers (gc/object.h, obj_at).
struct Range {
  uintptr_t begin, end;
};

// One piece of parallel gray work: a shared stack of ranges and the count
// of busy workers. A worker is busy from reset() until idle() returns false;
// only busy workers may publish.
class WorkList {
public:
  // Serial, before the workers start: an empty stack, `workers` busy.
  void reset(uint32_t workers);
  // A busy worker gives the gray range [begin, end) away.
  void publish(uintptr_t begin, uintptr_t end);
  // A busy worker takes a published range; false when there is none (one
  // relaxed load when the stack looks empty).
  bool pop(Range &r);
  // Whether a worker holding `gray` bytes of gray objects should publish
  // them (they are worth it and someone is idle).
  bool want_share(size_t gray) const {
    return gray >= kShare && idle_.load(std::memory_order_relaxed);
  }
  // A busy worker that has no gray objects of its own and found the stack
  // empty: waits, idle, for a published range (true: r is the range, the
  // worker busy again) or for the end of the work (false: no gray object is
  // left anywhere and none can appear; the worker is done).
  bool idle(Range &r);

  static constexpr size_t kShare = 16 << 10; // share a gray range above this

private:
  alignas(64) SpinLock lk_; // guards stack_, n_, cap_ and busy_
  Range *stack_ = nullptr;
  size_t n_ = 0, cap_ = 0;
  uint32_t busy_ = 0; // workers that may hold gray objects
  alignas(64) std::atomic<size_t> hint_{0}; // n_, read without the lock
  std::atomic<uint32_t> idle_{0};
  std::atomic<bool> done_{false};

  Range take() { // lk_ held, n_ > 0
    Range r = stack_[--n_];
    hint_.store(n_, std::memory_order_relaxed);
    return r;
  }
};

// Visits the gray objects whose headers start in [x, end) (a published
// range) with each(obj), giving the rest away when others are idle.
template <class Each>
void gray_range(WorkList &work, uintptr_t x, uintptr_t end, Each each) {
  for (uint32_t k = 1; x < end; ++k) {
    Obj o = obj_at(x);
    x = o.end;
    each(o);
    if (k % 32 == 0 && x < end && work.want_share(end - x)) {
      work.publish(x, end);
      return;
    }
  }
}

// Visits gray objects with each(obj) until the worker's own, [scan, cur) of
// its to-space block, and the shared stack are empty. each may copy more
// objects behind cur, or move scan and cur to a new block (to_block_next).
template <class Each>
void gray_drain(WorkList &work, uintptr_t &scan, uintptr_t &cur, Each each) {
  for (;;) {
    for (uint32_t k = 1; scan < cur; ++k) {
      Obj o = obj_at(scan);
      scan = o.end;
      each(o);
      if (k % 32 == 0 && work.want_share(cur - scan)) {
        work.publish(scan, cur);
        scan = cur;
      }
    }
    Range r;
    if (!work.pop(r))
      return;
    gray_range(work, r.begin, r.end, each);
  }
}

// A worker's to-space cursor: its current to-space block ends at `end`, and
// the objects in [scan, cur) are gray (copied or replicated, not scanned or
// transferred yet). to_block_next moves it to a fresh to-space block,
// recording the old block's end of objects and publishing its gray part on
// `work` (`who` names the collector if the address space is used up);
// to_block_done records the end of objects of the worker's last block.
void to_block_next(WorkList &work, uintptr_t &scan, uintptr_t &cur,
                   uintptr_t &end, const char *who);
void to_block_done(uintptr_t cur, uintptr_t end);

} // namespace gt::gc
