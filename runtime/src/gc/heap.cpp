// gc/heap.cpp: the block heap: one reservation of address space cut into
// 256 KiB blocks, the pool of free blocks, and the heap's policy and limit.
//
// - The reservation is PROT_NONE address space twice the heap limit (a
//   copying collection needs a to-space as large as what it copies) plus
//   slack; blocks are handed out lowest first and made read-write in chunks,
//   so the used part of the heap is one mapping and the rest costs nothing.
//   An address is in the block heap iff `p - base < reserved`, and its
//   block's state is a byte in `state`.
// - The reservation asks for transparent huge pages (MADV_HUGEPAGE; off
//   with GT_GC_HUGEPAGES=0): the first touch of fresh heap memory then
//   costs one fault per 2 MiB instead of one per 4 KiB page (on the VMs we
//   measure on a fault costs 12-25 us: GCBench took 14,000 of them). Its
//   start is aligned to a huge page so that every 2 MiB of blocks can be one.
// - Blocks freed by a collection go back to the pool dirty. A block taken
//   for allocation (kAlloc) is zeroed first, in bulk, so inline allocation
//   never writes anything but headers and the collector never sees garbage;
//   a block taken for copying (kCopy) is filled by the copy. Freed blocks
//   beyond the next allocation budget are given back to the kernel
//   (MADV_DONTNEED), which also makes them zero; with huge pages only whole
//   huge pages are (a part would split its page).
// - Policy: a collection starts when the bytes handed out since the last one
//   (whole blocks, and large objects) exceed the budget, max(16 MiB, live) *
//   GT_GC_GROWTH / 100 (Go's GOGC rule, default 100, with a floor that
//   amortizes a collection's fixed costs over more allocation when little
//   is live), or when the next block would break the limit: 2 * small-object
//   blocks + large objects <= limit, the 2 for the to-space the next
//   collection needs. After a collection, a request that still breaks the
//   limit exhausts the heap.
#include "heap.h"

#include <cstdlib>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace gt::gc {

Heap heap;

static constexpr uint32_t kCommitChunk = 32; // blocks made read-write at once
static constexpr size_t kHugeBytes = size_t(2) << 20; // a huge page
static constexpr uint32_t kHugeBlocks = kHugeBytes >> kBlockShift;
static_assert(kCommitChunk % kHugeBlocks == 0);
static constexpr size_t kMinBudget = size_t(16) << 20; // at GT_GC_GROWTH=100
static bool huge = true;      // GT_GC_HUGEPAGES
static size_t min_budget;     // kMinBudget scaled by the growth
enum : uint8_t { kDirty = 1, kProtected = 2 };

// "64m", "1g", "123456": bytes, or 0 when malformed.
static size_t parse_size(const char *s) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  switch (*end | 0x20) {
  case 'k': v <<= 10, ++end; break;
  case 'm': v <<= 20, ++end; break;
  case 'g': v <<= 30, ++end; break;
  default: break;
  }
  if (*end == 'b' || *end == 'B')
    ++end;
  return *end || end == s ? 0 : size_t(v);
}

static void *map_or_die(size_t bytes, int prot, const char *what) {
  void *p = mmap(nullptr, bytes, prot,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    fatal("gc: cannot reserve %zu bytes of address space for %s", bytes, what);
  return p;
}

static size_t config_limit;
static SpinLock init_lk;

void heap_configure(const gt_config *config) {
  config_limit = config ? config->gc_max_heap : 0;
}

void heap_init() {
  init_lk.lock();
  if (heap.ready.load(std::memory_order_relaxed)) {
    init_lk.unlock();
    return;
  }
  size_t limit = config_limit;
  if (const char *s = getenv("GT_GC_MAX_HEAP"); !limit && s && *s)
    if (!(limit = parse_size(s)))
      fatal("GT_GC_MAX_HEAP=%s: expected a byte count, optionally with k, m "
            "or g", s);
  if (!limit)
    limit = size_t(sysconf(_SC_PHYS_PAGES)) * size_t(sysconf(_SC_PAGESIZE));
  if (limit < 4 * kBlockBytes)
    limit = 4 * kBlockBytes;
  heap.limit = limit;
  if (const char *s = getenv("GT_GC_GROWTH"); s && *s)
    heap.growth = unsigned(atoi(s)) ? unsigned(atoi(s)) : 100;
  if (const char *s = getenv("GT_GC_VERIFY"); s && *s && *s != '0')
    heap.verify = true;
  if (const char *s = getenv("GT_GC_HUGEPAGES"); s && *s == '0')
    huge = false;
  min_budget = kMinBudget / 100 * heap.growth;
  heap.budget = min_budget;

  // Address space: twice the limit (from- and to-space) plus room for each
  // executor's partly used copy and allocation blocks.
  size_t reserved = round_up(2 * limit + (size_t(256) << 20), kHugeBytes);
  void *p = map_or_die(reserved + kHugeBytes, PROT_NONE, "the heap");
  heap.base = round_up(uintptr_t(p), kHugeBytes);
  heap.reserved = reserved;
  if (huge)
    madvise(reinterpret_cast<void *>(heap.base), reserved, MADV_HUGEPAGE);
  heap.nblocks = uint32_t(reserved >> kBlockShift);
  size_t n = heap.nblocks;
  char *meta = static_cast<char *>(
      map_or_die(n * (1 + 1 + 4 + 4), PROT_READ | PROT_WRITE, "heap metadata"));
  heap.state = reinterpret_cast<std::atomic<uint8_t> *>(meta);
  heap.dirty = reinterpret_cast<uint8_t *>(meta + n);
  heap.top = reinterpret_cast<uint32_t *>(meta + 2 * n);
  heap.free_blocks = reinterpret_cast<uint32_t *>(meta + 6 * n);
  heap.ready.store(true, std::memory_order_release);
  init_lk.unlock();
}

uintptr_t block_take(BlockState s) {
  heap.lk.lock();
  uint32_t b;
  if (heap.nfree) {
    b = heap.free_blocks[--heap.nfree];
  } else if (heap.nfresh < heap.nblocks) {
    b = heap.nfresh++;
    if (b >= heap.committed) {
      uint32_t n = heap.nblocks - b < kCommitChunk ? heap.nblocks - b
                                                   : kCommitChunk;
      if (mprotect(reinterpret_cast<void *>(block_addr(b)),
                   size_t(n) << kBlockShift, PROT_READ | PROT_WRITE))
        fatal("gc: cannot map %u heap blocks: out of memory", n);
      heap.committed = b + n;
    }
  } else {
    heap.lk.unlock();
    return 0;
  }
  uint8_t flags = heap.dirty[b];
  heap.dirty[b] = 0;
  heap.state[b].store(s, std::memory_order_relaxed);
  heap.top[b] = 0;
  heap.in_use.fetch_add(1, std::memory_order_relaxed);
  heap.lk.unlock();
  uintptr_t a = block_addr(b);
  if ((flags & kProtected) &&
      mprotect(reinterpret_cast<void *>(a), kBlockBytes, PROT_READ | PROT_WRITE))
    fatal("gc: cannot unprotect a heap block: out of memory");
  if (s == kAlloc && (flags & kDirty))
    std::memset(reinterpret_cast<void *>(a), 0, kBlockBytes);
  return a;
}

// Applies `fn(first, end)` to the runs [first, end) of consecutive blocks in
// list[0..n) (which is sorted).
template <class F> static void for_runs(const uint32_t *list, uint32_t n, F fn) {
  for (uint32_t i = 0; i < n;) {
    uint32_t j = i + 1;
    while (j < n && list[j] == list[j - 1] + 1)
      ++j;
    fn(list[i], list[j - 1] + 1);
    i = j;
  }
}

void blocks_flip(bool protect, BlockState from) {
  heap.lk.lock();
  // Freed blocks are pushed in ascending order after the free ones already
  // there; the lowest, beyond what the next cycle needs, are given back (the
  // pool pops from the top, so the blocks whose pages stay are reused
  // first).
  uint32_t first = heap.nfree, freed = 0;
  for (uint32_t b = 0; b < heap.nfresh; ++b) {
    BlockState s = block_state(b);
    if (s == from) {
      heap.state[b].store(kFree, std::memory_order_relaxed);
      heap.dirty[b] = kDirty;
      heap.free_blocks[heap.nfree++] = b;
      ++freed;
    } else if (s == kCopy) {
      heap.state[b].store(kAlloc, std::memory_order_relaxed);
    }
  }
  heap.in_use.fetch_sub(freed, std::memory_order_relaxed);
  // Kept: what the next budget's allocation and the next to-space need.
  uint32_t keep = uint32_t((heap.budget + heap.live) >> kBlockShift) +
                  2 * sched.n;
  uint32_t release = freed > keep ? freed - keep : 0;
  uint32_t *list = heap.free_blocks + first;
  for_runs(list, release, [](uint32_t b, uint32_t e) {
    if (huge) { // whole huge pages only: a part would split its page
      b = (b + kHugeBlocks - 1) / kHugeBlocks * kHugeBlocks;
      e = e / kHugeBlocks * kHugeBlocks;
    }
    if (b >= e)
      return;
    madvise(reinterpret_cast<void *>(block_addr(b)),
            size_t(e - b) << kBlockShift, MADV_DONTNEED);
    for (; b < e; ++b)
      heap.dirty[b] = 0;
  });
  if (protect) {
    for_runs(list, freed, [](uint32_t b, uint32_t e) {
      mprotect(reinterpret_cast<void *>(block_addr(b)),
               size_t(e - b) << kBlockShift, PROT_NONE);
    });
    for (uint32_t i = 0; i < freed; ++i)
      heap.dirty[list[i]] |= kProtected;
  }
  heap.lk.unlock();
}

void blocks_retag() {
  heap.lk.lock();
  for (uint32_t b = 0; b < heap.nfresh; ++b) {
    BlockState s = block_state(b);
    if (s == kAlloc || s == kCopy)
      heap.state[b].store(s == kAlloc ? kFrom : kAlloc,
                          std::memory_order_relaxed);
  }
  heap.lk.unlock();
}

void blocks_free_copy() {
  heap.lk.lock();
  uint32_t freed = 0;
  for (uint32_t b = 0; b < heap.nfresh; ++b)
    if (block_state(b) == kCopy) {
      heap.state[b].store(kFree, std::memory_order_relaxed);
      heap.dirty[b] = kDirty;
      heap.free_blocks[heap.nfree++] = b;
      ++freed;
    }
  heap.in_use.fetch_sub(freed, std::memory_order_relaxed);
  heap.lk.unlock();
}

size_t heap_bytes() {
  return size_t(heap.in_use.load(std::memory_order_relaxed)) * kBlockBytes +
         heap.large_bytes.load(std::memory_order_relaxed);
}

bool within_limit(size_t small, size_t large) {
  size_t blocks = size_t(heap.in_use.load(std::memory_order_relaxed)) *
                  kBlockBytes;
  return 2 * (blocks + small) +
             heap.large_bytes.load(std::memory_order_relaxed) + large <=
         heap.limit;
}

bool over_budget(size_t more) {
  return heap.alloc_since.load(std::memory_order_relaxed) + more > heap.budget;
}

void set_budget(size_t live) {
  heap.live = live;
  size_t b = live / 100 * heap.growth;
  heap.budget = b > min_budget ? b : min_budget;
  heap.alloc_since.store(0, std::memory_order_relaxed);
}

void exhausted(const gt_type *t, size_t bytes) {
  fatal("gc: heap exhausted: cannot allocate %zu bytes for a '%s' (type %p): "
        "%zu bytes live after the last collection, heap %zu bytes (%zu in "
        "large objects), limit %zu bytes (GT_GC_MAX_HEAP; copying needs a "
        "to-space as large as the small objects)",
        bytes, type_name(t), static_cast<const void *>(t), heap.live, heap_bytes(),
        heap.large_bytes.load(std::memory_order_relaxed), heap.limit);
}

const char *check_type(const gt_type *t) {
  if (!t)
    return "null descriptor";
  if (uintptr_t(t) & 7)
    return "descriptor address not 8-aligned";
  if (t->version_flags >> 24 != GT_TYPE_VERSION)
    return "unknown descriptor version";
  uint32_t flags = t->version_flags & 0xffffff;
  if (flags & ~uint32_t(GT_TYPE_ARRAY | GT_TYPE_NOPTRS))
    return "unknown descriptor flags";
  if ((flags & GT_TYPE_ARRAY) && t->size == 0)
    return "array element size 0";
  if (bool(flags & GT_TYPE_NOPTRS) != (t->nptrs == 0))
    return "GT_TYPE_NOPTRS disagrees with nptrs";
  if (t->nptrs > t->size / 8)
    return "more pointer fields than fit in its size";
  for (uint32_t i = 0; i < t->nptrs; ++i) {
    uint32_t off = t->ptr_offsets[i];
    if (off % 8 || off > t->size - 8)
      return "a pointer offset not 8-aligned or beyond its size";
    if (i && off <= t->ptr_offsets[i - 1])
      return "pointer offsets not ascending";
  }
  return nullptr;
}

} // namespace gt::gc
