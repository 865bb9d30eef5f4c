// gc/verify.cpp: GT_GC_VERIFY=1: after every collection (once from-space is
// freed, before the world restarts), check the whole heap and every root.
//
// 1. Walk every allocation-space block (exactly the to-space the copy just
//    filled, up to its recorded end) object by object: each header is
//    well-formed (an array marker with a zero reserved word, or none), its
//    descriptor valid (check_type) and of the right kind, the forwarding word
//    0, the object inside the block. Mark each payload start in a bitmap (one
//    bit per 16 bytes of the reservation). Check the large objects' headers
//    likewise.
// 2. Check every GC pointer field of those objects, every registered root
//    slot, every slot the runtime holds (runtime_roots.cpp) and every slot
//    the stack walker reports: null, or the payload start
//    of an object found in 1 (marked in the bitmap), or of a large object.
//    A pointer into a freed block is a pointer into from-space.
// 3. No green thread is running.
// Any violation is a fatal error naming the object or slot, the value and
// what is wrong. Freed blocks are inaccessible meanwhile (heap.cpp), so a
// stale pointer that a mutator follows later faults instead of reading
// garbage.
#include "heap.h"
#include "runtime_roots.h"
#include "stackscan.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <sys/mman.h>

namespace gt::gc {

namespace {
uint64_t *bits; // one per 16 bytes of the reservation
uint64_t collection;

size_t bit_of(uintptr_t p) { return (p - heap.base) >> 4; }
bool marked(uintptr_t p) { return bits[bit_of(p) >> 6] >> (bit_of(p) & 63) & 1; }
void mark(uintptr_t p) { bits[bit_of(p) >> 6] |= uint64_t(1) << (bit_of(p) & 63); }

[[noreturn]] void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fail(const char *fmt, ...) {
  char buf[384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fatal("gc verify after collection %llu: %s", (unsigned long long)collection,
        buf);
}

// What is wrong with a GC pointer, or null.
const char *problem(uintptr_t p) {
  if (!p)
    return nullptr;
  if (in_blocks(p)) {
    uint32_t b = block_of(p);
    BlockState s = block_state(b);
    if (s == kFree)
      return "points into a freed block (from-space)";
    if (s != kAlloc)
      return "points into a block in a copying state";
    if (p - block_addr(b) > heap.top[b])
      return "points beyond the objects of its block";
    if (!marked(p))
      return "is not the payload start of an object";
    return nullptr;
  }
  if (large_contains(p))
    return nullptr;
  return "is neither in the heap nor a large object";
}

// Checks the header of the object at `start` (within [start, limit)) and
// returns its payload.
uintptr_t check_header(uintptr_t start, uintptr_t limit) {
  uintptr_t *w = reinterpret_cast<uintptr_t *>(start);
  bool array = w[0] & 1;
  if (array && w[1] != 0)
    fail("array at %#lx: reserved header word is %#lx", (unsigned long)start,
         (unsigned long)w[1]);
  uintptr_t p = start + (array ? GT_GC_ARRAY_HEADER : GT_GC_HEADER);
  const gt_type *t = type_of(p);
  if (const char *why = check_type(t))
    fail("object at %#lx: descriptor %p: %s", (unsigned long)p,
         static_cast<const void *>(t), why);
  if (array != is_array_type(t))
    fail("object at %#lx ('%s'): %s header but %s descriptor",
         (unsigned long)p, type_name(t), array ? "an array" : "a plain",
         array ? "a plain" : "an array");
  if (uintptr_t f = fwd_word(p).load(std::memory_order_relaxed))
    fail("object at %#lx ('%s'): forwarding word %#lx after the collection",
         (unsigned long)p, type_name(t), (unsigned long)f);
  if (object_bytes(p) > limit - start)
    fail("object at %#lx ('%s', %zu bytes) overruns its block or mapping",
         (unsigned long)p, type_name(t), object_bytes(p));
  return p;
}

void check_fields(uintptr_t p) {
  const gt_type *t = type_of(p);
  size_t count = is_array_type(t) ? array_len(p) : 1;
  for (size_t i = 0; i < count; ++i)
    for (uint32_t k = 0; k < t->nptrs; ++k) {
      size_t off = i * t->size + t->ptr_offsets[k];
      uintptr_t v = *reinterpret_cast<uintptr_t *>(p + off);
      if (const char *why = problem(v))
        fail("object at %#lx ('%s') field +%zu holds %#lx, which %s",
             (unsigned long)p, type_name(t), off, (unsigned long)v, why);
    }
}

template <class F> void each_object(F f) {
  for (uint32_t b = 0; b < heap.nfresh; ++b) {
    if (block_state(b) != kAlloc)
      continue;
    uintptr_t a = block_addr(b), end = a + heap.top[b];
    for (uintptr_t x = a; x < end;) {
      uintptr_t p = check_header(x, end);
      x += object_bytes(p);
      f(p);
    }
  }
  for (size_t i = 0; i < large_count(); ++i) {
    uintptr_t p = large_at(i);
    f(check_header(object_start(p), object_start(p) + object_bytes(p)));
  }
}

struct CheckSlots final : RootVisitor {
  Thread *t = nullptr;
  void visit(void **slot) override {
    uintptr_t v = reinterpret_cast<uintptr_t>(*slot);
    if (const char *why = problem(v))
      fail("stack slot %p of green thread %llu holds %#lx, which %s",
           static_cast<void *>(slot), (unsigned long long)t->id,
           (unsigned long)v, why);
  }
};
} // namespace

void verify_heap(uint64_t n) {
  collection = n;
  if (!bits) {
    void *m = mmap(nullptr, heap.reserved / 128, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
      fatal("GT_GC_VERIFY: cannot map the object-start bitmap");
    bits = static_cast<uint64_t *>(m);
  }
  large_index();
  for (uint32_t b = 0; b < heap.nfresh; ++b)
    if (block_state(b) == kAlloc)
      std::memset(&bits[bit_of(block_addr(b)) >> 6], 0, kBlockBytes / 128);
  each_object([](uintptr_t p) {
    if (in_blocks(p))
      mark(p);
  });
  each_object(check_fields);

  void ***table = root_table();
  for (size_t i = 0; i < root_table_size(); ++i)
    if (table[i])
      if (const char *why = problem(reinterpret_cast<uintptr_t>(*table[i])))
        fail("root slot %p holds %p, which %s", static_cast<void *>(table[i]),
             *table[i], why);
  verify_runtime_roots(n, problem);
  CheckSlots v;
  for (uint32_t slot = 0;; ++slot) {
    Thread *t = thread_from_handle(gt_thread_t(slot) + 1);
    if (!t)
      break;
    Status s = t->status.load(std::memory_order_acquire);
    if (s == Status::Running)
      fail("green thread %llu is running", (unsigned long long)t->id);
    if (s == Status::Dead || !t->ctx)
      continue;
    v.t = t;
    scan_thread_stack(t, v);
  }
}

} // namespace gt::gc
