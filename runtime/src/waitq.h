// waitq.h: FIFO queues of waiting threads, the building block of every
// blocking primitive. A Waiter lives in the waiting thread's Thread record
// (Thread::wait), or, for a select's several cases, on its stack (which then
// may not be compacted) or in malloc'd memory (a thread on a shared stack,
// a gt_select_ref), and is linked under the primitive's spin lock. A waker pops waiters until it wins the claim of one (waiters of
// cancelled waits or of already-fired selects lose, and are just unlinked),
// then, after releasing the lock, readies the thread.
//
// Rule: never call ready() while holding the lock the woken thread parked
// with; ready() waits for the thread to be Parked, which needs that lock.
#pragma once

#include "internal.h"

namespace gt {

struct WaitQueue {
  Waiter *head, *tail; // zero-initialised by the owning object

  bool empty() const { return !head; }
  void push(Waiter *w) {
    w->prev = tail;
    w->next = nullptr;
    if (tail)
      tail->next = w;
    else
      head = w;
    tail = w;
    w->linked = true;
  }
  void remove(Waiter *w) {
    (w->prev ? w->prev->next : head) = w->next;
    (w->next ? w->next->prev : tail) = w->prev;
    w->linked = false;
  }
  // Unlinks waiters until one is claimed with `why`; returns it or nullptr.
  Waiter *wake_one(WakeReason why) {
    while (Waiter *w = head) {
      remove(w);
      if (claim(w->t, w->gen, why, w->index))
        return w;
    }
    return nullptr;
  }
};
static_assert(sizeof(WaitQueue) == 16);

// A chain of claimed waiters to ready once the lock is dropped.
struct WakeList {
  Waiter *first = nullptr;
  void add(Waiter *w) {
    w->next = first;
    first = w;
  }
  // Readies every thread; wakes an idle executor (a full fence and a look
  // at the idle counters) once per 64 threads rather than for each, as a
  // channel close or a broadcast may ready a million.
  void ready_all(Executor *e) {
    uint32_t n = 0;
    for (Waiter *w = first; w; ++n) {
      Waiter *next = w->next; // w dies once its thread runs
      ready(e, w->t, n % 64 == 0);
      w = next;
    }
    if (n > 1)
      wake_if_idle();
  }
};

} // namespace gt
