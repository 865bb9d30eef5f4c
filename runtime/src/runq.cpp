// runq.cpp: the local ring with runnext and the global queue (see runq.h).
#include "runq.h"

namespace gt {

void RunQueue::put(Thread *t, bool next, GlobalQueue &global) {
  if (next) {
    Thread *old = runnext_.load(std::memory_order_relaxed);
    while (!runnext_.compare_exchange_weak(old, t, std::memory_order_acq_rel))
      ;
    if (!old)
      return;
    t = old; // the displaced thread goes to the tail
  }
  for (;;) {
    uint32_t h = head_.load(std::memory_order_acquire);
    uint32_t tl = tail_.load(std::memory_order_relaxed);
    if (tl - h < kSize) {
      slots_[tl % kSize].store(t, std::memory_order_relaxed);
      tail_.store(tl + 1, std::memory_order_release);
      return;
    }
    if (put_slow(t, h, tl, global))
      return;
  }
}

// Moves the older half of a full ring plus `t` to the global queue.
bool RunQueue::put_slow(Thread *t, uint32_t h, uint32_t tl,
                        GlobalQueue &global) {
  constexpr uint32_t n = kSize / 2;
  if (tl - h != kSize)
    return false;
  Thread *batch[n + 1];
  for (uint32_t i = 0; i < n; ++i)
    batch[i] = slots_[(h + i) % kSize].load(std::memory_order_relaxed);
  if (!head_.compare_exchange_strong(h, h + n, std::memory_order_acq_rel))
    return false; // a thief made room
  batch[n] = t;
  for (uint32_t i = 0; i < n; ++i)
    batch[i]->next = batch[i + 1];
  t->next = nullptr;
  global.put_batch(batch[0], t, n + 1);
  return true;
}

Thread *RunQueue::get() {
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

uint32_t RunQueue::grab(Thread **batch, bool take_runnext) {
  for (;;) {
    uint32_t h = head_.load(std::memory_order_acquire);
    uint32_t tl = tail_.load(std::memory_order_acquire);
    uint32_t n = tl - h;
    n -= n / 2;
    if (n == 0) {
      if (!take_runnext)
        return 0;
      Thread *next = runnext_.load(std::memory_order_acquire);
      if (!next)
        return 0;
      // A thread just put in runnext is usually about to run on its owner
      // (a channel hand-off takes well under a microsecond); give the owner
      // that time, as Go does, instead of bouncing the thread between
      // executors.
      // Wait without touching the victim's cache lines, which its owner
      // writes on every spawn and wake-up.
      uint64_t until = now_ns() + 3000;
      while (now_ns() < until)
        cpu_relax();
      if (!runnext_.compare_exchange_strong(
                       next, nullptr, std::memory_order_acq_rel))
        return 0;
      batch[0] = next;
      return 1;
    }
    if (n > kSize / 2)
      continue; // inconsistent snapshot of head and tail
    for (uint32_t i = 0; i < n; ++i)
      batch[i] = slots_[(h + i) % kSize].load(std::memory_order_relaxed);
    if (head_.compare_exchange_strong(h, h + n, std::memory_order_acq_rel))
      return n;
  }
}

Thread *RunQueue::steal_from(RunQueue &victim, bool take_runnext) {
  Thread *batch[kSize / 2];
  uint32_t n = victim.grab(batch, take_runnext);
  if (n == 0)
    return nullptr;
  // Our ring is empty when we steal (only the owner fills it), so the rest
  // fits.
  uint32_t tl = tail_.load(std::memory_order_relaxed);
  for (uint32_t i = 1; i < n; ++i)
    slots_[(tl + i - 1) % kSize].store(batch[i], std::memory_order_relaxed);
  tail_.store(tl + n - 1, std::memory_order_release);
  return batch[0];
}

void GlobalQueue::put_batch(Thread *first, Thread *last, uint32_t n) {
  last->next = nullptr;
  lk_.lock();
  if (tail_)
    tail_->next = first;
  else
    head_ = first;
  tail_ = last;
  size_.fetch_add(n, std::memory_order_release);
  lk_.unlock();
}

Thread *GlobalQueue::get_batch(RunQueue &local, uint32_t max, uint32_t share,
                               GlobalQueue &self) {
  if (empty())
    return nullptr;
  lk_.lock();
  uint32_t size = size_.load(std::memory_order_relaxed);
  uint32_t n = size / share + 1;
  if (n > size)
    n = size;
  if (n > max)
    n = max;
  if (n == 0) {
    lk_.unlock();
    return nullptr;
  }
  Thread *first = head_;
  Thread *t = first;
  for (uint32_t i = 1; i < n; ++i)
    t = t->next;
  head_ = t->next;
  if (!head_)
    tail_ = nullptr;
  size_.fetch_sub(n, std::memory_order_release);
  lk_.unlock();
  Thread *rest = first->next;
  for (uint32_t i = 1; i < n; ++i) {
    Thread *following = rest->next;
    local.put(rest, false, self);
    rest = following;
  }
  return first;
}

} // namespace gt
