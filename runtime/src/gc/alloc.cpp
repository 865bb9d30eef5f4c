// gc/alloc.cpp: allocation: the C API, the slow path that inline
// allocation calls, and the executors' allocation blocks.
//
// - An executor owns one allocation block (a TLAB) at a time. The scheduler
//   hands its bump pointer and limit to the thread it resumes, through the
//   thread's mailbox (alloc_ptr, alloc_limit), and takes them back when the
//   thread switches out (sched.cpp: two loads and two stores each way), so a
//   million parked threads hold no blocks. The block's bounds live in the
//   executor's Local (tlab_start, tlab_end): with GT_GC_TORTURE the mailbox
//   shows an empty block (alloc_limit == alloc_ptr), so that every
//   allocation takes the slow path.
// - The slow path: check the request; objects over GT_GC_LARGE_OBJECT bytes
//   go to the large-object space; under torture, collect every Nth call;
//   if a collection is being asked for, stop for it first; bump in the
//   executor's block if it fits; else take a new zeroed block, after a
//   collection if the budget is spent or the block would break the limit
//   (heap.cpp). A request that breaks the limit right after a collection
//   exhausts the heap: a fatal error with the heap's figures. Under
//   GT_GC=concurrent a spent budget asks for a cycle and allocation goes on
//   until the limit (cycle_allows).
// - Every collection empties every executor's block: a thread that stopped
//   for one finds alloc_ptr == alloc_limit == 0 and refills.
#include "heap.h"
#include "newobj.h"
#include "wlog.h"

#include <cstring>

namespace gt::gc {

namespace {
// Under GT_GC=concurrent, an allocation over the budget asks for a cycle and
// goes on while the heap has room and the cycle's headroom (a second budget:
// what the mutators may allocate while a cycle runs) lasts; past either it
// waits (collect yields until the cycle is counted). This is the crude
// pacing of step 6 (design note, section 12): a mutator that outruns the
// cycle is held up until the flip. Whether it may go on.
bool cycle_allows(size_t small, size_t large) {
  return concurrent && cycle_request() && within_limit(small, large) &&
         !over_budget(heap.budget + small + large);
}

// Whether a collection has run since this slow path began (`seen`), so that
// a request still over the limit exhausts the heap. Under GT_GC=concurrent
// only a cycle that began after the limit was first missed counts: one that
// was marking already keeps everything allocated meanwhile.
bool collected_since(uint64_t seen, uint64_t &target, bool at_limit) {
  uint64_t n = collections.load(std::memory_order_acquire);
  if (!concurrent)
    return n != seen;
  if (at_limit && !target)
    target = cycle_target();
  return target ? n >= target : n != seen;
}

// No object is this large on any machine: a larger request is an error
// (an overflowed size), not an exhaustion.
constexpr size_t kMaxObject = size_t(1) << 47;

uintptr_t init_object(uintptr_t p, const gt_type *t, size_t len) {
  if (is_array_type(t)) {
    reinterpret_cast<uintptr_t *>(p)[0] = len << 3 | 1;
    p += GT_GC_ARRAY_HEADER - GT_GC_HEADER;
  }
  reinterpret_cast<uintptr_t *>(p)[0] = reinterpret_cast<uintptr_t>(t);
  // The publication barrier (gt/hooks.h, GT_GC_PUBLISH): the header before
  // any pointer to the object, for the concurrent collector.
  std::atomic_thread_fence(std::memory_order_release);
  return p + GT_GC_HEADER;
}

// The request's element count (arrays) after checking it; fatal if bad.
size_t check_request(const gt_type *t, size_t bytes) {
  if (const char *why = check_type(t))
    fatal("gt_gc_alloc: invalid type descriptor %p ('%s'): %s",
          static_cast<const void *>(t), t && !(uintptr_t(t) & 7) ? type_name(t) : "?",
          why);
  if (bytes > kMaxObject)
    fatal("gt_gc_alloc: impossible size: %zu bytes for a '%s'", bytes,
          type_name(t));
  if (!is_array_type(t)) {
    if (bytes != t->size)
      fatal("gt_gc_alloc: %zu bytes asked for a '%s', whose descriptor says "
            "%u bytes",
            bytes, type_name(t), t->size);
    return 0;
  }
  if (bytes % t->size)
    fatal("gt_gc_alloc: %zu bytes asked for an array of '%s', not a multiple "
          "of its element size %u",
          bytes, type_name(t), t->size);
  return bytes / t->size;
}

uintptr_t alloc_large(Thread *self, const gt_type *t, size_t bytes,
                      size_t len) {
  size_t hdr = header_bytes(t), obj = hdr + round_up(bytes, kAlign);
  uint64_t seen = collections.load(std::memory_order_acquire), target = 0;
  for (;;) {
    if (phase.load(std::memory_order_acquire) != kIdle) {
      collect(self); // one is being asked for: stop for it
      continue;
    }
    bool collected = collected_since(seen, target, !within_limit(0, obj));
    if (!collected && (over_budget(obj) || !within_limit(0, obj)) &&
        !cycle_allows(0, obj)) {
      collect(self);
      continue;
    }
    if (!within_limit(0, obj))
      exhausted(t, bytes);
    uintptr_t p = large_alloc(obj, hdr);
    if (!p)
      exhausted(t, bytes);
    count_large_alloc(obj);
    uintptr_t payload = init_object(p - hdr, t, len);
    newobj_large(current_executor()->id, payload); // during a session
    return payload;
  }
}

uintptr_t alloc_slow(const gt_type *t, size_t bytes) {
  Thread *self = self_or_die("gt_gc_alloc");
  size_t len = check_request(t, bytes);
  heap_ensure();
  wlog_safepoint(self); // a safepoint: seal the write log
  if (concurrent)
    cycle_assist();
  uint64_t seen = collections.load(std::memory_order_acquire);
  if (torture_every && torture_alloc()) {
    collect(self);
    seen = collections.load(std::memory_order_acquire);
  }
  if (bytes > GT_GC_LARGE_OBJECT)
    return alloc_large(self, t, bytes, len);
  size_t n = header_bytes(t) + round_up(bytes, kAlign);
  uint64_t target = 0;
  for (;;) {
    if (phase.load(std::memory_order_acquire) != kIdle) {
      collect(self); // one is being asked for: stop for it
      continue;
    }
    // Until the next switch, the block in our mailbox is this executor's.
    Executor *e = current_executor();
    Local &l = local(e);
    gt_mailbox &mb = self->mb;
    uintptr_t p = mb.alloc_ptr;
    if (p && l.tlab_end - p >= n) {
      mb.alloc_ptr = p + n;
      mb.alloc_limit = torture_every ? p + n : l.tlab_end;
      return init_object(p, t, len);
    }
    bool collected =
        collected_since(seen, target, !within_limit(kBlockBytes, 0));
    if (!collected &&
        (over_budget(kBlockBytes) || !within_limit(kBlockBytes, 0)) &&
        !cycle_allows(kBlockBytes, 0)) {
      collect(self);
      continue;
    }
    if (!within_limit(kBlockBytes, 0))
      exhausted(t, bytes);
    tlab_retire(e, l);
    uintptr_t b = block_take(kAlloc);
    if (!b)
      exhausted(t, bytes);
    // After wlog_safepoint, nothing allocated since: p is sealed and final.
    newobj_block(e->id, p, b);
    heap.alloc_since.fetch_add(kBlockBytes, std::memory_order_relaxed);
    l.tlab_start = b;
    l.tlab_end = b + kBlockBytes;
    mb.alloc_ptr = b;
    mb.alloc_limit = torture_every ? b : l.tlab_end;
  }
}
} // namespace

} // namespace gt::gc

using namespace gt;
using namespace gt::gc;

extern "C" {

void GT_GC *gt_gc_alloc_slow(const gt_type *t, size_t bytes) {
  return (void GT_GC *)alloc_slow(t, bytes);
}

void GT_GC *gt_gc_alloc(const gt_type *t, size_t bytes) {
  // The inline sequence of gt/gc.h, for plain objects; everything else
  // (arrays, large objects, a full block, errors) takes the slow path.
  Thread *self = current_thread();
  if (self && t && !(t->version_flags & GT_TYPE_ARRAY) && bytes == t->size &&
      bytes <= GT_GC_LARGE_OBJECT && !heap.verify) {
    size_t n = GT_GC_HEADER + round_up(bytes, kAlign);
    uintptr_t p = self->mb.alloc_ptr;
    if (self->mb.alloc_limit - p >= n) {
      self->mb.alloc_ptr = p + n;
      reinterpret_cast<uintptr_t *>(p)[0] = reinterpret_cast<uintptr_t>(t);
      std::atomic_thread_fence(std::memory_order_release); // init_object's
      return (void GT_GC *)(p + GT_GC_HEADER);
    }
  }
  return (void GT_GC *)alloc_slow(t, bytes);
}

uintptr_t gt_gc_address(const void GT_GC *p) {
  return reinterpret_cast<uintptr_t>(p);
}

void GT_GC *gt_gc_alloc_array(const gt_type *t, size_t n) {
  self_or_die("gt_gc_alloc_array");
  if (const char *why = check_type(t))
    fatal("gt_gc_alloc_array: invalid type descriptor %p: %s",
          static_cast<const void *>(t), why);
  if (!is_array_type(t))
    fatal("gt_gc_alloc_array: '%s' is not an array descriptor "
          "(GT_TYPE_ARRAY)",
          type_name(t));
  if (n > kMaxObject / t->size)
    fatal("gt_gc_alloc_array: impossible size: %zu elements of '%s' (%u "
          "bytes each)",
          n, type_name(t), t->size);
  return gt_gc_alloc(t, n * t->size);
}

} // extern "C"
