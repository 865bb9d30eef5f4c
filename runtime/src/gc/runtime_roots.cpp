// gc/runtime_roots.cpp: the GC pointers the runtime itself holds, which the
// collector scans and rewrites as roots (as MMTk's scan_vm_specific_roots).
//
// Managed code cannot keep a GC pointer anywhere but in a GC object or a
// stack-mapped local (gc-prepare rejects address-taken GC locals), so the
// runtime's ref APIs (gt/gc.h) take and return GC pointers by value and keep
// them in exactly these places:
//
// 1. The buffers of ref channels (gt_chan_new_ref). Each ref channel is in
//    the registry below, an array under `reg_lk` (gt_chan_free removes a
//    channel by moving the last one into its place). Its buffered elements
//    [head, head + count) are roots; the other buffer slots are stale.
// 2. Thread records (internal.h, Thread::gc_*), for a thread that is parked
//    in a ref operation or has not started yet:
//    - gc_arg: gt_spawn_ref's argument. The thread's first frame reads it,
//      clears it and calls fn with it, with no safepoint in between.
//    - gc_slots[0, gc_nslots): the element slots of a parked ref operation:
//      the record's elem_buf for gt_chan_send_ref/gt_chan_recv_ref (the
//      value to send; or, for a receiver, null until a sender hands it a
//      value, which it then holds until the receiver resumes), or one slot
//      per case in the malloc'd buffer of a parked gt_select_ref. The
//      waiters in the channels' queues point at these slots, never into a
//      stack (stacks are compacted, CONTRIBUTING.md) or into the GC heap
//      (objects move), so no waiter needs fixing when objects move.
//    - gc_cases: a parked gt_select_ref's case array (a GC array), into
//      which it writes its result when it resumes.
//
// Why this is exact. A collection runs only while every green thread is at
// a switch (collect.cpp), and the runtime's own code has no safepoint other
// than its switches. A ref operation fills its slots (the value to send, or
// null) and publishes them in its Thread record before it parks, and
// withdraws them after it resumes, before it returns; a counterpart reads or
// writes a slot only under the channel's lock, while it runs, i.e. never
// during a collection. So at every collection each published slot holds
// null or a GC pointer that every collection since it was written has seen
// and rewritten. A slot may hold a value that is already dead (the value of
// a sender whose receiver took it), which then stays alive until its owner
// resumes; it is never stale.
//
// Parallel copying: workers claim chunks of the registry and of the thread
// table through atomic cursors, so each channel and each thread record, and
// hence each slot, is visited by exactly one worker. The registry stays
// locked from the prepare step to the flip (a thread outside the runtime's
// green threads that makes or frees a ref channel meanwhile waits).
// GT_GC_VERIFY checks the same slots after the copy.
#include "runtime_roots.h"

#include "../chan.h"

#include <atomic>
#include <cstdlib>

namespace gt {
namespace gc {

namespace {
constexpr size_t kChanChunk = 32;
constexpr uint32_t kThreadChunk = 256;

// The registry of ref channels.
SpinLock reg_lk;
gt_chan **chans;
size_t nchans, chans_cap;

// The copy's cursors.
alignas(64) std::atomic<size_t> chan_cursor{0};
std::atomic<uint32_t> thread_cursor{0};
std::atomic<bool> threads_end{false};

template <class F> void each_chan_slot(gt_chan *c, F f) {
  for (size_t i = 0; i < c->count; ++i)
    f(reinterpret_cast<uintptr_t *>(chan_slot(c, i)), i);
}

// f(slot, what) for each slot of t's record that may hold a GC pointer.
template <class F> void each_thread_slot(Thread *t, F f) {
  f(&t->gc_arg, "gt_spawn_ref argument");
  f(&t->gc_cases, "gt_select_ref case array");
  for (size_t i = 0; i < t->gc_nslots; ++i)
    f(&t->gc_slots[i], "channel element slot");
}

void visit(RootVisitor &v, uintptr_t *slot) {
  if (*slot)
    v.visit(reinterpret_cast<void **>(slot));
}
} // namespace

void runtime_roots_prepare() {
  reg_lk.lock();
  chan_cursor.store(0, std::memory_order_relaxed);
  thread_cursor.store(0, std::memory_order_relaxed);
  threads_end.store(false, std::memory_order_relaxed);
}

void runtime_roots_finish() { reg_lk.unlock(); }

bool scan_runtime_roots(RootVisitor &v) {
  size_t c = chan_cursor.fetch_add(kChanChunk, std::memory_order_relaxed);
  if (c < nchans) {
    size_t end = c + kChanChunk < nchans ? c + kChanChunk : nchans;
    for (; c < end; ++c)
      each_chan_slot(chans[c], [&](uintptr_t *s, size_t) { visit(v, s); });
    return true;
  }
  if (threads_end.load(std::memory_order_relaxed))
    return false;
  uint32_t first =
      thread_cursor.fetch_add(kThreadChunk, std::memory_order_relaxed);
  for (uint32_t i = first; i < first + kThreadChunk; ++i) {
    Thread *t = thread_from_handle(gt_thread_t(i) + 1);
    if (!t) {
      threads_end.store(true, std::memory_order_relaxed);
      break;
    }
    // Not ctx: a thread spawned onto a shared stack has no context until it
    // first runs, but already holds its argument.
    if (t->status.load(std::memory_order_acquire) == Status::Dead)
      continue;
    each_thread_slot(t, [&](uintptr_t *s, const char *) { visit(v, s); });
  }
  return true;
}

void visit_chan_slots(RootVisitor &v) {
  for (size_t k = 0; k < nchans; ++k)
    each_chan_slot(chans[k], [&](uintptr_t *s, size_t) { visit(v, s); });
}

void visit_thread_slots(Thread *t, RootVisitor &v) {
  each_thread_slot(t, [&](uintptr_t *s, const char *) { visit(v, s); });
}

void verify_runtime_roots(uint64_t collection,
                          const char *(*problem)(uintptr_t)) {
  for (size_t k = 0; k < nchans; ++k)
    each_chan_slot(chans[k], [&](uintptr_t *s, size_t i) {
      if (const char *why = problem(*s))
        fatal("gc verify after collection %llu: element %zu of the buffer of "
              "ref channel %p (slot %p) holds %#lx, which %s",
              (unsigned long long)collection, i, static_cast<void *>(chans[k]),
              static_cast<void *>(s), (unsigned long)*s, why);
    });
  for (uint32_t i = 0;; ++i) {
    Thread *t = thread_from_handle(gt_thread_t(i) + 1);
    if (!t)
      break;
    if (t->status.load(std::memory_order_acquire) == Status::Dead)
      continue;
    each_thread_slot(t, [&](uintptr_t *s, const char *what) {
      if (const char *why = problem(*s))
        fatal("gc verify after collection %llu: the %s that the runtime holds "
              "for green thread %llu%s%s%s (at %p) is %#lx, which %s",
              (unsigned long long)collection, what, (unsigned long long)t->id,
              t->name[0] ? " ('" : "", t->name, t->name[0] ? "')" : "",
              static_cast<void *>(s), (unsigned long)*s, why);
    });
  }
}

} // namespace gc

bool gc_register_ref_chan(gt_chan *c) {
  gc::reg_lk.lock();
  if (gc::nchans == gc::chans_cap) {
    size_t cap = gc::chans_cap ? 2 * gc::chans_cap : 64;
    auto *a = static_cast<gt_chan **>(
        std::realloc(gc::chans, cap * sizeof *gc::chans));
    if (!a) {
      gc::reg_lk.unlock();
      return false;
    }
    gc::chans = a;
    gc::chans_cap = cap;
  }
  c->ref_index = gc::nchans;
  gc::chans[gc::nchans++] = c;
  gc::reg_lk.unlock();
  return true;
}

void gc_unregister_ref_chan(gt_chan *c) {
  gc::reg_lk.lock();
  size_t i = c->ref_index;
  if (i >= gc::nchans || gc::chans[i] != c) {
    gc::reg_lk.unlock();
    fatal("gt_chan_free: ref channel %p is not registered (freed twice?)",
          static_cast<void *>(c));
  }
  gt_chan *last = gc::chans[--gc::nchans];
  gc::chans[i] = last;
  last->ref_index = i;
  gc::reg_lk.unlock();
}

} // namespace gt
