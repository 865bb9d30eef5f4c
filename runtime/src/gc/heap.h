// gc/heap.h: the collector's internal interface: object layout helpers, the
// block heap (heap.cpp), the large-object space (large.cpp), per-executor
// allocation and copying state, and the phases of a collection
// (collect.cpp, copy.cpp, verify.cpp). See docs/gc.md.
#pragma once

#include "../executor.h"

#include <gt/gc.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gt::gc {

// --- object layout (gt/gc.h)

constexpr size_t kAlign = GT_GC_ALIGN;
inline size_t round_up(size_t n, size_t to) { return (n + to - 1) & ~(to - 1); }

inline uintptr_t &desc_word(uintptr_t payload) {
  return reinterpret_cast<uintptr_t *>(payload)[-2];
}
inline std::atomic<uintptr_t> &fwd_word(uintptr_t payload) {
  return *reinterpret_cast<std::atomic<uintptr_t> *>(payload - 8);
}
inline const gt_type *type_of(uintptr_t payload) {
  return reinterpret_cast<const gt_type *>(desc_word(payload));
}
inline bool is_array_type(const gt_type *t) {
  return t->version_flags & GT_TYPE_ARRAY;
}
inline size_t array_len(uintptr_t payload) {
  return reinterpret_cast<uintptr_t *>(payload)[-4] >> 3;
}
inline size_t header_bytes(const gt_type *t) {
  return is_array_type(t) ? GT_GC_ARRAY_HEADER : GT_GC_HEADER;
}
inline size_t payload_bytes(uintptr_t payload) {
  const gt_type *t = type_of(payload);
  return is_array_type(t) ? array_len(payload) * t->size : t->size;
}
// Bytes from the object's first header word to its rounded end.
inline size_t object_bytes(uintptr_t payload) {
  const gt_type *t = type_of(payload);
  return header_bytes(t) + round_up(payload_bytes(payload), kAlign);
}
inline uintptr_t object_start(uintptr_t payload) {
  return payload - header_bytes(type_of(payload));
}
// The payload of the object whose header starts at `start` (a heap walk).
inline uintptr_t payload_at(uintptr_t start) {
  return start + (*reinterpret_cast<uintptr_t *>(start) & 1 ? GT_GC_ARRAY_HEADER
                                                            : GT_GC_HEADER);
}
inline const char *type_name(const gt_type *t) {
  return t && t->name ? t->name : "?";
}

// A descriptor the collector can rely on (version 1, gt/gc.h); null when
// valid, else what is wrong with it.
const char *check_type(const gt_type *t);

// --- the block heap (heap.cpp)
//
// Small objects live in 256 KiB blocks carved from one reserved range of
// address space, so that an address's block, and the block's state, are one
// subtraction and one shift away.
constexpr unsigned kBlockShift = 18;
constexpr size_t kBlockBytes = size_t(1) << kBlockShift;

enum BlockState : uint8_t {
  kFree,  // in the pool (dirty unless never used or given back)
  kAlloc, // allocation space; the from-space of a collection
  kCopy,  // to-space of the running collection
};

struct Heap {
  uintptr_t base = 0;  // of the reservation
  size_t reserved = 0; // bytes reserved
  uint32_t nblocks = 0;
  std::atomic<uint8_t> *state = nullptr; // per block
  uint32_t *top = nullptr;               // per kCopy block: bytes used
  uint8_t *dirty = nullptr;              // per block: to be zeroed
  SpinLock lk;                           // guards the pool below
  uint32_t nfresh = 0;                   // blocks ever used: [0, nfresh)
  uint32_t committed = 0;                // blocks mapped read-write
  uint32_t *free_blocks = nullptr;       // a stack of free block indices
  uint32_t nfree = 0;
  std::atomic<uint32_t> in_use{0}; // blocks not kFree
  std::atomic<size_t> large_bytes{0};
  // Policy (docs/gc.md "Heap policy"). alloc_since counts blocks handed out
  // for allocation and large objects since the last collection.
  size_t limit = 0;
  size_t budget = 0;
  size_t live = 0; // bytes the last collection left
  unsigned growth = 100;
  std::atomic<size_t> alloc_since{0};
  bool verify = false;  // GT_GC_VERIFY
  std::atomic<bool> ready{false};
};
extern Heap heap;

// The heap is set up at the first allocation or collection (heap_ensure),
// so that programs that never allocate pay nothing (its reservation is
// costly under qemu-user); the limit comes from the gt_config that the
// running gt_run was given (heap_configure).
void heap_configure(const gt_config *config);
inline void heap_ensure() {
  void heap_init();
  if (!heap.ready.load(std::memory_order_acquire))
    heap_init();
}
inline bool in_blocks(uintptr_t p) { return p - heap.base < heap.reserved; }
inline uint32_t block_of(uintptr_t p) {
  return uint32_t((p - heap.base) >> kBlockShift);
}
inline uintptr_t block_addr(uint32_t b) {
  return heap.base + (uintptr_t(b) << kBlockShift);
}
inline BlockState block_state(uint32_t b) {
  return BlockState(heap.state[b].load(std::memory_order_relaxed));
}
// A block for `s` (kAlloc: zeroed; kCopy: as found), or 0 when the
// reservation is used up.
uintptr_t block_take(BlockState s);
// After a collection: every kAlloc block (from-space) goes back to the pool,
// every kCopy block becomes allocation space. With `protect`, freed blocks
// are made inaccessible until reused.
void blocks_flip(bool protect);
size_t heap_bytes(); // blocks in use + large objects

// Whether handing out `small` more block bytes and `large` more large-object
// bytes keeps the heap within its limit, counting a to-space as large as the
// small-object space for the next collection.
bool within_limit(size_t small, size_t large);
// Whether the allocation since the last collection is over its budget.
bool over_budget(size_t more);
// After a collection that left `live` bytes.
void set_budget(size_t live);
[[noreturn]] void exhausted(const gt_type *t, size_t bytes);

// --- the large-object space (large.cpp)
//
// Objects with payloads over GT_GC_LARGE_OBJECT bytes get mappings of their
// own, never move, and are marked (forwarded to themselves) and swept.
// The payload of a new zeroed large object of `obj` bytes (header included)
// whose header is `hdr` bytes, or 0 when the mapping fails.
uintptr_t large_alloc(size_t obj, size_t hdr);
// Frees the unmarked large objects and clears the marks of the others;
// returns the bytes that stay. Serial, during a collection.
size_t large_sweep();
// The payloads of all large objects, sorted (rebuilt by large_index();
// valid until the next large_alloc or sweep). For GT_GC_VERIFY.
void large_index();
size_t large_count();
uintptr_t large_at(size_t i);
bool large_contains(uintptr_t payload);

// --- registered roots (roots.cpp)
// The slot table: root_table_size() entries, each a registered slot or
// null. Stable while roots_lock() is held (the collector holds it during a
// collection).
void roots_lock();
void roots_unlock();
void ***root_table();
size_t root_table_size();

// --- per-executor state (collect.cpp)
// The part of an executor's allocation block that the scheduler does not
// hand over (Executor::tlab_ptr/tlab_limit are the part it does), and the
// executor's copying state during a collection.
struct alignas(64) Local {
  uintptr_t tlab_start = 0, tlab_end = 0; // the block alloc_ptr bumps in
  uint64_t allocated = 0; // object bytes in retired blocks (atomic access)
  // copy.cpp: the to-space block this executor copies into, and the part of
  // it not scanned yet [scan, cur).
  uintptr_t scan = 0, cur = 0, end = 0;
  uint64_t copied = 0;
  std::atomic<bool> arrived{false}; // at this collection's rendezvous
  std::atomic<bool> gone{false};    // left its scheduler loop (gt_run ends)
};
extern Local *locals; // sched.n of them, one per executor
Local &local(Executor *e);

// Retires e's allocation block (counting what was allocated in it): the
// bump pointer is in the mailbox of e's running thread, if any, else in e.
void tlab_retire(Executor *e, Local &l);
void count_large_alloc(size_t bytes); // for gt_gc_stats

// --- collections (collect.cpp)
enum Phase : uint32_t { kIdle, kStopping, kPreparing, kCollecting, kFlipping };
extern std::atomic<uint32_t> phase;
extern std::atomic<uint64_t> collections;
// Asks for a collection (unless one is being asked for already); the
// caller, a green thread or a scheduler, then stops or joins it.
void request(Executor *e);
// Asks for a collection and stops the calling green thread until it is
// over (or joins one that is being asked for).
void collect(Thread *self);
// GT_GC_TORTURE=N (torture.cpp; gc::torture_every, internal.h): read by
// gc_run_start; whether this allocation slow path is an Nth one.
void torture_configure();
bool torture_alloc();

// --- the parallel copy (copy.cpp)
void copy_prepare(uint32_t workers); // serial, before the copy
void copy_work(Local &l);            // every executor, in parallel
uint64_t copy_finish();              // serial, after: bytes copied

// --- GT_GC_VERIFY (verify.cpp): after the copy, before from-space is freed.
void verify_heap(uint64_t collection);

} // namespace gt::gc
