// gc/large.cpp: the large-object space: objects whose payload exceeds
// GT_GC_LARGE_OBJECT bytes (gt/gc.h).
//
// Each large object has a mapping of its own (zero-filled by the kernel): a
// 32-byte record linking it into the list of large objects, then the usual
// header and the payload. Large objects never move. A collection marks a
// reachable one by forwarding it to itself (a CAS of its forwarding word
// from 0 to `payload | FORWARDED`, so the copier needs no second protocol),
// scans it once, and afterwards unmaps the unmarked ones and clears the
// marks (TILT keeps large objects outside the copied spaces likewise,
// gc_large.c).
#include "heap.h"

#include <algorithm>
#include <cstdlib>
#include <sys/mman.h>
#include <unistd.h>

namespace gt::gc {

namespace {
struct Large {
  Large *next;
  size_t bytes; // of the mapping
  uintptr_t payload;
  uintptr_t young; // allocated while frozen (large_young)
};
static_assert(sizeof(Large) == 32);

SpinLock lk; // guards the list
Large *list;
// large_freeze: the head of the list then; objects before it in the list
// (allocated since) are not swept. `frozen` with a null head: none existed.
Large *frozen_head;
bool frozen;
uintptr_t *index_; // sorted payloads (large_index)
size_t nindex, index_cap;

// The link that points at the record of the large object `payload`, or at
// the list's null end; lk held.
Large **find(uintptr_t payload) {
  Large **pl = &list;
  while (*pl && (*pl)->payload != payload)
    pl = &(*pl)->next;
  return pl;
}
} // namespace

uintptr_t large_alloc(size_t obj, size_t hdr) {
  size_t page = size_t(sysconf(_SC_PAGESIZE));
  size_t bytes = round_up(sizeof(Large) + obj, page);
  void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return 0;
  Large *l = static_cast<Large *>(p);
  l->bytes = bytes;
  l->payload = uintptr_t(p) + sizeof(Large) + hdr;
  lk.lock();
  l->young = frozen;
  l->next = list;
  list = l;
  lk.unlock();
  heap.large_bytes.fetch_add(bytes, std::memory_order_relaxed);
  heap.alloc_since.fetch_add(bytes, std::memory_order_relaxed);
  return l->payload;
}

void large_free(uintptr_t payload) {
  lk.lock();
  Large **pl = find(payload);
  Large *l = *pl;
  if (!l)
    fatal("gc: large_free(%#lx): not a large object", (unsigned long)payload);
  *pl = l->next;
  lk.unlock();
  heap.large_bytes.fetch_sub(l->bytes, std::memory_order_relaxed);
  munmap(l, l->bytes);
}

bool large_young(uintptr_t payload) {
  auto *l =
      reinterpret_cast<const Large *>(object_start(payload) - sizeof(Large));
  return __atomic_load_n(&l->young, __ATOMIC_RELAXED);
}

void large_freeze() {
  lk.lock();
  frozen = true;
  frozen_head = list;
  lk.unlock();
}

size_t large_sweep() {
  size_t kept = 0;
  lk.lock();
  Large **pl = &list;
  if (frozen) { // new objects are prepended: skip those since the freeze
    for (; *pl && *pl != frozen_head; pl = &(*pl)->next)
      (*pl)->young = 0;
    frozen = false;
  }
  while (*pl) {
    Large *l = *pl;
    std::atomic<uintptr_t> &fw = fwd_word(l->payload);
    if (fw.load(std::memory_order_relaxed) & GT_FWD_FORWARDED) {
      fw.store(0, std::memory_order_relaxed);
      kept += l->bytes;
      pl = &l->next;
      continue;
    }
    *pl = l->next;
    heap.large_bytes.fetch_sub(l->bytes, std::memory_order_relaxed);
    munmap(l, l->bytes);
  }
  lk.unlock();
  return kept;
}

void large_index() {
  lk.lock();
  nindex = 0;
  for (Large *l = list; l; l = l->next) {
    if (nindex == index_cap) {
      index_cap = index_cap ? 2 * index_cap : 256;
      index_ = static_cast<uintptr_t *>(
          std::realloc(index_, index_cap * sizeof *index_));
      if (!index_)
        fatal("gc: out of memory for the large-object index");
    }
    index_[nindex++] = l->payload;
  }
  lk.unlock();
  std::sort(index_, index_ + nindex);
}

bool large_exists(uintptr_t p) {
  lk.lock();
  bool found = *find(p);
  lk.unlock();
  return found;
}

size_t large_count() { return nindex; }
uintptr_t large_at(size_t i) { return index_[i]; }

bool large_contains(uintptr_t p) {
  return std::binary_search(index_, index_ + nindex, p);
}

} // namespace gt::gc
