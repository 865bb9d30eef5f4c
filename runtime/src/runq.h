// runq.h: an executor's local run queue, after Go's per-P queue.
//
// A fixed ring of 256 threads with free-running 32-bit head and tail
// counters, plus a `runnext` slot in front. Only the owner pushes (tail,
// runnext); the owner pops and thieves steal from the head with a CAS, so the
// ring is FIFO and runnext gives a just-woken thread the next turn (it shares
// the caches of the thread that woke it). On overflow half the ring moves to
// the global queue in one batch. Thieves take half of a victim's ring.
//
// The global queue keeps its threads in blocks of pointers, not linked
// through the threads' records: a million threads woken at once (a channel
// closed under a million receivers) pass through it, and a list through
// their records made every batch taken a chain of cache misses on records
// long evicted (half the time of waking them all).
//
// Slots are relaxed atomics: a thief may read a slot the owner is about to
// reuse; its CAS on head then fails and the value is discarded.
#pragma once

#include "internal.h"

namespace gt {

class GlobalQueue;

class RunQueue {
public:
  static constexpr uint32_t kSize = 256;

  // Owner only. `next`: put in the runnext slot (the old occupant goes to
  // the tail).
  void put(Thread *t, bool next, GlobalQueue &global);
  // Owner only: the scheduler, on its executor's own stack, where nothing is
  // split-stack checked (see switch_out). Inline: once per switch.
  GT_NO_SPLIT_STACK Thread *get() {
    Thread *next = runnext_.load(std::memory_order_relaxed);
    if (next && runnext_.compare_exchange_strong(next, nullptr,
                                                 std::memory_order_acq_rel))
      return next;
    for (;;) {
      uint32_t h = head_.load(std::memory_order_acquire);
      uint32_t tl = tail_.load(std::memory_order_relaxed);
      if (h == tl)
        return nullptr;
      Thread *t = slots_[h % kSize].load(std::memory_order_relaxed);
      if (head_.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel))
        return t;
    }
  }
  // Thief: moves about half of `victim`'s threads into this (empty-ish)
  // queue and returns one of them, or nullptr.
  Thread *steal_from(RunQueue &victim, bool take_runnext);
  bool empty() const {
    return head_.load(std::memory_order_acquire) ==
               tail_.load(std::memory_order_acquire) &&
           !runnext_.load(std::memory_order_acquire);
  }
  uint32_t size() const {
    return tail_.load(std::memory_order_acquire) -
           head_.load(std::memory_order_acquire);
  }
  // Owner only, a hint: the thread i places behind the ring's head, or
  // nullptr (a thief may take it meanwhile).
  Thread *peek(uint32_t i) const {
    uint32_t h = head_.load(std::memory_order_relaxed);
    uint32_t tl = tail_.load(std::memory_order_relaxed);
    return i < tl - h ? slots_[(h + i) % kSize].load(std::memory_order_relaxed)
                      : nullptr;
  }

private:
  bool put_slow(Thread *t, uint32_t h, uint32_t tail, GlobalQueue &global);
  uint32_t grab(Thread **batch, bool take_runnext);

  alignas(64) std::atomic<uint32_t> head_{0};
  alignas(64) std::atomic<uint32_t> tail_{0};
  std::atomic<Thread *> runnext_{nullptr};
  std::atomic<Thread *> slots_[kSize] = {};
};

// The global queue: a spin-locked FIFO of blocks of thread pointers, fed
// by overflowing local queues and yields, drained in batches. Emptied blocks
// are kept for reuse; new ones are carved from mappings of their own
// (put_batch runs on green threads' stacks, where malloc's depth does not
// fit a small stack's slack; mmap is a system call).
class GlobalQueue {
public:
  static constexpr uint32_t kMaxBatch = 128; // get_batch's `max`, at most

  void put_batch(Thread *const *ts, uint32_t n);
  void put(Thread *t) { put_batch(&t, 1); }
  // Takes up to `max` threads: returns one, puts the rest in `local`.
  Thread *get_batch(RunQueue &local, uint32_t max, uint32_t share,
                    GlobalQueue &self);
  bool empty() const { return size_.load(std::memory_order_acquire) == 0; }

private:
  struct Block {
    static constexpr uint32_t kItems = 509; // the block is 4 KiB
    Block *next;
    uint32_t head, tail; // items[head, tail) are queued
    Thread *items[kItems];
  };
  Block *new_block(); // lk_ held

  SpinLock lk_;
  Block *head_ = nullptr, *tail_ = nullptr;
  Block *free_ = nullptr;
  std::atomic<uint32_t> size_{0};
};

} // namespace gt
