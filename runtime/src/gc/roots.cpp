// gc/roots.cpp: registered root slots (gt_gc_add_root, gt_gc_remove_root),
// as Boehm's GC_add_roots: a set of slot addresses in an open-addressing
// hash table (linear probing, deletion by backward shift), which the
// collector reads in parallel chunks while it holds the lock.
#include "heap.h"
#include "stackscan.h"

#include <cstdlib>

namespace gt::gc {

namespace {
SpinLock lk;
void ***table; // slots, or null
size_t cap, count;

size_t home(void **slot, size_t mask) {
  return size_t((uintptr_t(slot) >> 3) * 0x9e3779b97f4a7c15ull >> 20) & mask;
}

void insert(void ***t, size_t mask, void **slot) {
  size_t i = home(slot, mask);
  while (t[i] && t[i] != slot)
    i = (i + 1) & mask;
  t[i] = slot;
}

void grow() {
  size_t ncap = cap ? 2 * cap : 256;
  void ***nt = static_cast<void ***>(std::calloc(ncap, sizeof *nt));
  if (!nt)
    fatal("gt_gc_add_root: out of memory");
  for (size_t i = 0; i < cap; ++i)
    if (table[i])
      insert(nt, ncap - 1, table[i]);
  std::free(table);
  table = nt;
  cap = ncap;
}
} // namespace

void roots_lock() { lk.lock(); }
void roots_unlock() { lk.unlock(); }
void ***root_table() { return table; }
size_t root_table_size() { return cap; }

void visit_registered_roots(RootVisitor &v) {
  lk.lock();
  for (size_t i = 0; i < cap; ++i)
    if (table[i])
      v.visit(table[i]);
  lk.unlock();
}

} // namespace gt::gc

using namespace gt;
using namespace gt::gc;

extern "C" {

void gt_gc_add_root(void GT_GC **slot) {
  void **s = reinterpret_cast<void **>(reinterpret_cast<uintptr_t>(slot));
  if (!s)
    fatal("gt_gc_add_root: null slot");
  lk.lock();
  if (2 * (count + 1) > cap)
    grow();
  size_t mask = cap - 1, i = home(s, mask);
  while (table[i] && table[i] != s)
    i = (i + 1) & mask;
  if (!table[i]) {
    table[i] = s;
    ++count;
  }
  lk.unlock();
}

void gt_gc_remove_root(void GT_GC **slot) {
  void **s = reinterpret_cast<void **>(reinterpret_cast<uintptr_t>(slot));
  lk.lock();
  size_t mask = cap - 1, i = cap ? home(s, mask) : 0;
  while (cap && table[i] && table[i] != s)
    i = (i + 1) & mask;
  if (!cap || !table[i]) {
    lk.unlock();
    fatal("gt_gc_remove_root: slot %p is not a registered root",
          static_cast<void *>(s));
  }
  // Backward-shift deletion: move later entries of the probe run into the
  // hole when their home position allows.
  for (size_t j = i;;) {
    j = (j + 1) & mask;
    if (!table[j])
      break;
    size_t h = home(table[j], mask);
    if (((j - h) & mask) >= ((j - i) & mask)) {
      table[i] = table[j];
      i = j;
    }
  }
  table[i] = nullptr;
  --count;
  lk.unlock();
}

} // extern "C"
