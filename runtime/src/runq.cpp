// runq.cpp: the local ring with runnext and the global queue (see runq.h).
#include "runq.h"

#include <sys/mman.h>

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
  global.put_batch(batch, n + 1);
  return true;
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

GlobalQueue::Block *GlobalQueue::new_block() {
  if (Block *b = free_) {
    free_ = b->next;
    return b;
  }
  // A run of blocks per mapping. The queue never gives memory back: it
  // keeps as many blocks as it ever held at once (a block per 509 threads).
  constexpr size_t kRun = 64;
  void *p = mmap(nullptr, kRun * sizeof(Block), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    fatal("the global run queue: out of memory");
  Block *run = static_cast<Block *>(p);
  for (size_t i = 1; i < kRun; ++i) {
    run[i].next = free_;
    free_ = &run[i];
  }
  return &run[0];
}

void GlobalQueue::put_batch(Thread *const *ts, uint32_t n) {
  lk_.lock();
  for (uint32_t i = 0; i < n; ++i) {
    if (!tail_ || tail_->tail == Block::kItems) {
      Block *b = new_block();
      b->next = nullptr;
      b->head = b->tail = 0;
      (tail_ ? tail_->next : head_) = b;
      tail_ = b;
    }
    tail_->items[tail_->tail++] = ts[i];
  }
  size_.fetch_add(n, std::memory_order_release);
  lk_.unlock();
}

Thread *GlobalQueue::get_batch(RunQueue &local, uint32_t max, uint32_t share,
                               GlobalQueue &self) {
  if (empty())
    return nullptr;
  Thread *got[kMaxBatch];
  lk_.lock();
  uint32_t size = size_.load(std::memory_order_relaxed);
  uint32_t n = size / share + 1;
  if (n > size)
    n = size;
  if (n > max)
    n = max;
  if (n > kMaxBatch)
    n = kMaxBatch;
  for (uint32_t i = 0; i < n;) {
    Block *b = head_;
    while (i < n && b->head < b->tail)
      got[i++] = b->items[b->head++];
    if (b->head == b->tail) { // emptied: kept for reuse
      head_ = b->next;
      if (!head_)
        tail_ = nullptr;
      b->next = free_;
      free_ = b;
    }
  }
  size_.fetch_sub(n, std::memory_order_release);
  lk_.unlock();
  if (n == 0)
    return nullptr;
  for (uint32_t i = 1; i < n; ++i)
    local.put(got[i], false, self);
  return got[0];
}

} // namespace gt
