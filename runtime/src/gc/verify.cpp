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
//
// replica_verify (gc/replica.h) checks a replication session's replicas
// against their primaries while no worker and no mutator runs: for every
// primary a worker shaded, its forwarding word (forwarded, unlocked); a
// marked large NOPTRS object has no replica; an untransferred replica's
// back pointer; a transferred one's header and every payload word: a
// non-pointer word equals the primary's, a pointer word is the replica of
// the primary's word (which must be shaded, since transfer and replay shade
// every pointer they copy), or null, or a marked large NOPTRS object.
#include "heap.h"
#include "replica.h"
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
GT_NO_SPLIT_STACK void fail(const char *fmt, ...) {
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

namespace {
// The replica that a transferred replica's pointer word must hold for the
// primary's value v, or null with *why set when v has none.
uintptr_t expected_forward(uintptr_t v, const char **why) {
  *why = nullptr;
  if (!v)
    return 0;
  if (in_blocks(v) && block_state(block_of(v)) != kAlloc) {
    *why = "is not a from-space object";
    return 0;
  }
  if (!in_blocks(v) && !large_contains(v)) {
    *why = "is not in the GC heap";
    return 0;
  }
  uintptr_t f = fwd_word(v).load(std::memory_order_acquire);
  if (!(f & GT_FWD_FORWARDED)) {
    *why = "was never shaded";
    return 0;
  }
  return f & ~uintptr_t(GT_FWD_BITS);
}

struct ReplicaBad {
  bool fatal;
  size_t *count;
  GT_NO_SPLIT_STACK void operator()(uintptr_t p, size_t off, const char *fmt,
                                    ...) __attribute__((format(printf, 4, 5))) {
    ++*count;
    if (!fatal)
      return;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    gt::fatal("gc replica check: object %#lx ('%s') +%zu: %s", (unsigned long)p,
              type_name(type_of(p)), off, what);
  }
};
} // namespace

ReplicaCheck replica_verify(bool fatal) {
  large_index(); // with those allocated during the session (quiescent)
  ReplicaCheck c;
  ReplicaBad bad{fatal, &c.bad_words};
  for (uint32_t i = 0; i < replica_workers(); ++i) {
    const Replicator &w = replica_worker(i);
    for (size_t k = 0; k < w.nshaded; ++k) {
      uintptr_t p = w.shaded[k];
      ++c.primaries;
      uintptr_t f = fwd_word(p).load(std::memory_order_acquire);
      if (!(f & GT_FWD_FORWARDED) || (f & GT_FWD_BUSY)) {
        bad(p, size_t(0), "forwarding word %#lx: not forwarded, or locked",
            (unsigned long)f);
        continue;
      }
      uintptr_t r = f & ~uintptr_t(GT_FWD_BITS);
      const gt_type *t = type_of(p);
      if (r == p) {
        if (in_blocks(p) || !(t->version_flags & GT_TYPE_NOPTRS))
          bad(p, size_t(0), "forwarded to itself, not a large NOPTRS object");
        ++c.marked;
        continue;
      }
      uintptr_t back = fwd_word(r).load(std::memory_order_relaxed);
      if (back) {
        if (back != p)
          bad(p, size_t(0), "untransferred replica %#lx has back pointer %#lx",
              (unsigned long)r, (unsigned long)back);
        ++c.untransferred;
        continue;
      }
      ++c.transferred;
      if (desc_word(r) != desc_word(p) ||
          (is_array_type(t) && array_len(r) != array_len(p))) {
        bad(p, size_t(0), "replica %#lx's header differs from the primary's",
            (unsigned long)r);
        continue;
      }
      size_t bytes = payload_bytes(p);
      for (size_t off = 0; off < bytes; off += 8) {
        uintptr_t pv = *reinterpret_cast<const uintptr_t *>(p + off);
        uintptr_t rv = *reinterpret_cast<const uintptr_t *>(r + off);
        ++c.words;
        if (!is_ptr_field(t, off, bytes)) {
          if (rv != pv)
            bad(p, off, "replica %#lx holds %#lx, the primary %#lx",
                (unsigned long)r, (unsigned long)rv, (unsigned long)pv);
          continue;
        }
        ++c.pointer_words;
        const char *why;
        uintptr_t want = expected_forward(pv, &why);
        if (why)
          bad(p, off, "pointer field holds %#lx, which %s", (unsigned long)pv,
              why);
        else if (rv != want)
          bad(p, off,
              "replica %#lx's pointer field holds %#lx, the primary's %#lx "
              "forwards to %#lx",
              (unsigned long)r, (unsigned long)rv, (unsigned long)pv,
              (unsigned long)want);
      }
    }
  }
  return c;
}

} // namespace gt::gc
