// threads.cpp: the table of green-thread records behind gt_thread_t handles.
//
// Records live in chunks that are never freed, and a handle is (generation,
// slot). Freeing a record bumps its generation, so a handle that was joined
// or detached is recognised as stale instead of reaching a reused record.
#include "internal.h"

#include <new>

namespace gt {

static constexpr uint32_t kChunkBits = 12, kChunk = 1u << kChunkBits;
static constexpr uint32_t kMaxChunks = 1u << 13; // 32M threads

static Thread *chunks[kMaxChunks];
static std::atomic<uint32_t> nslots{0}; // slots ever handed out
static SpinLock free_lk;
static Thread *free_list;
static std::atomic<uint64_t> next_id{1};

uint64_t thread_next_id() { return next_id.fetch_add(1); }

Thread *thread_new() {
  free_lk.lock();
  Thread *t = free_list;
  if (t) {
    free_list = t->next;
    free_lk.unlock();
  } else {
    uint32_t slot = nslots.load(std::memory_order_relaxed);
    if (slot == kChunk * kMaxChunks)
      fatal("gt_spawn: too many threads (%u)", slot);
    if (slot % kChunk == 0)
      chunks[slot >> kChunkBits] = new (std::nothrow) Thread[kChunk];
    if (!chunks[slot >> kChunkBits])
      fatal("gt_spawn: out of memory for thread records");
    t = &chunks[slot >> kChunkBits][slot % kChunk];
    t->slot = slot;
    t->gen = 1;
    nslots.store(slot + 1, std::memory_order_release);
    free_lk.unlock();
  }
  t->next = nullptr;
  t->join = kJoinable;
  t->exited = false;
  t->joiner = nullptr;
  t->park_word.store(0, std::memory_order_relaxed);
  return t;
}

void thread_free(Thread *t) {
  t->lk.lock();
  ++t->gen;
  t->lk.unlock();
  free_lk.lock();
  t->next = free_list;
  free_list = t;
  free_lk.unlock();
}

Thread *thread_from_handle(gt_thread_t h) {
  uint32_t slot = uint32_t(h) - 1;
  if (uint32_t(h) == 0 || slot >= nslots.load(std::memory_order_acquire))
    return nullptr;
  return &chunks[slot >> kChunkBits][slot % kChunk];
}

} // namespace gt
