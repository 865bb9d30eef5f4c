// threads.cpp: the table of green-thread records behind gt_thread_t handles.
//
// Records live in chunks that are never freed, and a handle is (generation,
// slot). Freeing a record bumps its generation, so a handle that was joined
// or detached is recognised as stale instead of reaching a reused record.
//
// Free records and thread ids are handed out from per-executor caches that
// trade batches with the global pool, so that executors spawning and
// finishing threads in parallel do not fight over one lock or counter.
#include "executor.h"

#include <new>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace gt {

static constexpr uint32_t kChunkBits = 12, kChunk = 1u << kChunkBits;
static constexpr uint32_t kMaxChunks = 1u << 13; // 32M threads

static Thread *chunks[kMaxChunks];
alignas(64) static std::atomic<uint32_t> nslots{0}; // slots ever handed out
alignas(64) static SpinLock free_lk;
static Thread *free_list;
alignas(64) static std::atomic<uint64_t> next_id{1};
static constexpr uint32_t kIdBlock = 1024, kBatch = 32;

uint64_t thread_next_id(Executor *e) {
  if (!e)
    return next_id.fetch_add(1);
  if (e->next_id == e->end_id) {
    e->next_id = next_id.fetch_add(kIdBlock);
    e->end_id = e->next_id + kIdBlock;
  }
  return e->next_id++;
}

// A chunk of records, faulted in with one system call rather than a page
// fault per page as the constructors touch it.
static Thread *new_chunk() {
  size_t bytes = kChunk * sizeof(Thread);
  void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return nullptr;
  madvise(p, bytes, MADV_POPULATE_WRITE); // best effort
  Thread *chunk = static_cast<Thread *>(p);
  for (uint32_t i = 0; i < kChunk; ++i)
    new (&chunk[i]) Thread();
  return chunk;
}

// A never-used record; free_lk is held.
static Thread *new_slot() {
  uint32_t slot = nslots.load(std::memory_order_relaxed);
  if (slot == kChunk * kMaxChunks)
    fatal("gt_spawn: too many threads (%u)", slot);
  if (slot % kChunk == 0)
    chunks[slot >> kChunkBits] = new_chunk();
  if (!chunks[slot >> kChunkBits])
    fatal("gt_spawn: out of memory for thread records");
  Thread *t = &chunks[slot >> kChunkBits][slot % kChunk];
  t->slot = slot;
  t->gen = 1;
  nslots.store(slot + 1, std::memory_order_release);
  return t;
}

Thread *thread_new(Executor *e) {
  if (e && !e->free_threads) { // refill the cache with a batch
    free_lk.lock();
    for (uint32_t i = 0; i < kBatch; ++i) {
      Thread *t = free_list ? free_list : new_slot();
      if (t == free_list)
        free_list = t->next;
      t->next = e->free_threads;
      e->free_threads = t;
    }
    e->nfree_threads = kBatch;
    free_lk.unlock();
  }
  Thread *t;
  if (e) {
    t = e->free_threads;
    e->free_threads = t->next;
    --e->nfree_threads;
  } else {
    free_lk.lock();
    t = free_list ? free_list : new_slot();
    if (t == free_list)
      free_list = t->next;
    free_lk.unlock();
  }
  t->next = nullptr;
  t->join = kJoinable;
  t->exited = false;
  t->joiner = nullptr;
  t->shared = nullptr;
  t->saved = nullptr;
  t->park_word.store(0, std::memory_order_relaxed);
  // Nothing to scan yet: born scanned for a scan cycle that runs now.
  t->gc_word.store(gc::scan_born_word(), std::memory_order_relaxed);
  return t;
}

void thread_free(Executor *e, Thread *t) {
  t->lk.lock();
  ++t->gen;
  t->lk.unlock();
  if (e) {
    t->next = e->free_threads;
    e->free_threads = t;
    if (++e->nfree_threads < 2 * kBatch)
      return;
    // Give a batch back.
    Thread *first = e->free_threads, *last = first;
    for (uint32_t i = 1; i < kBatch; ++i)
      last = last->next;
    e->free_threads = last->next;
    e->nfree_threads -= kBatch;
    free_lk.lock();
    last->next = free_list;
    free_list = first;
    free_lk.unlock();
    return;
  }
  free_lk.lock();
  t->next = free_list;
  free_list = t;
  free_lk.unlock();
}

void thread_cache_drain(Executor *e) {
  while (Thread *t = e->free_threads) {
    e->free_threads = t->next;
    free_lk.lock();
    t->next = free_list;
    free_list = t;
    free_lk.unlock();
  }
  e->nfree_threads = 0;
}

Thread *thread_from_handle(gt_thread_t h) {
  uint32_t slot = uint32_t(h) - 1;
  if (uint32_t(h) == 0 || slot >= nslots.load(std::memory_order_acquire))
    return nullptr;
  return &chunks[slot >> kChunkBits][slot % kChunk];
}

} // namespace gt
