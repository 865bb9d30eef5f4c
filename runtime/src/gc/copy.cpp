// gc/copy.cpp: the parallel Cheney copy of a stop-the-world collection; one
// worker per executor (collect.cpp says when it runs).
//
// - Forwarding, copy then publish (the replication step of issue 14's
//   collector; the forwarding word is separate from the descriptor, so the
//   original stays intact): a worker that meets a from-space object reads
//   its forwarding word; FORWARDED: take the copy's address. 0: copy the
//   object behind its to-space bump pointer without claiming it (descriptor,
//   a zero forwarding word, payload; the small sizes inline), then CAS the
//   forwarding word from 0 to `copy | FORWARDED` (release). The winner bumps
//   its pointer past the copy; a loser, whose pointer has not moved, takes
//   the winner's copy and overwrites its own with the next one. One CAS per
//   object and no waiting (TILT's forward.h claims with BUSY first, then
//   copies, then stores: a second atomic step, and others spin on BUSY;
//   here BUSY is only replication's lock, replica.cpp). Exactly one copy of
//   each object is published, and whoever reads a forwarding word sees a
//   complete copy. A large object is marked by a CAS from 0 to
//   `itself | FORWARDED`; its winner makes it gray.
// - Gray objects are Cheney's: each worker copies into a block of its own
//   (bump allocation), and the copied-but-unscanned objects of that block
//   are [scan, cur). Scanning an object forwards its pointer fields, which
//   copies more objects behind `cur`.
// - Work sharing and termination are work.cpp's (gc/work.h): gray ranges
//   on a shared stack (the unscanned rest of a full block, a marked large
//   object, and surplus while some worker is idle), and the `busy` count
//   that tells the workers when no gray object is left anywhere.
// - Roots: each worker claims chunks of the registered root slots and of
//   the thread table through atomic cursors, and scans each suspended
//   thread's stack (gc/stackscan.h); it drains its gray objects after every
//   chunk.
#include "heap.h"
#include "runtime_roots.h"
#include "stackscan.h"
#include "work.h"

#include <cstring>

namespace gt::gc {

namespace {
constexpr uint32_t kRootChunk = 64, kThreadChunk = 16;

WorkList work; // gray ranges and termination (work.cpp)
alignas(64) std::atomic<size_t> root_cursor{0};
std::atomic<uint32_t> thread_cursor{0};
std::atomic<bool> threads_end{false};

[[noreturn]] void bad_ref(const uintptr_t *slot, uintptr_t p, const char *why) {
  fatal("gc: the slot at %p holds %p, which %s (a stale or corrupt GC "
        "pointer)",
        static_cast<const void *>(slot), reinterpret_cast<void *>(p), why);
}

// A block of to-space for `l`, leaving its current one (work.h).
void next_copy_block(Local &l) {
  to_block_next(work, l.scan, l.cur, l.end, "gc");
}

// Copies `n` payload bytes (a multiple of 16): the usual small sizes inline.
inline void copy_payload(void *to, const void *from, size_t n) {
  switch (n) {
  case 0: return;
  case 16: __builtin_memcpy(to, from, 16); return;
  case 32: __builtin_memcpy(to, from, 32); return;
  case 48: __builtin_memcpy(to, from, 48); return;
  case 64: __builtin_memcpy(to, from, 64); return;
  default: std::memcpy(to, from, n); return;
  }
}

// Writes a copy of `o` at `to` with a zero forwarding word. The original's
// forwarding word is not read: other workers may be CASing it.
inline void copy_object(uintptr_t to, const Obj &o) {
  auto *d = reinterpret_cast<uintptr_t *>(to + (o.payload - o.start));
  auto *s = reinterpret_cast<const uintptr_t *>(o.payload);
  d[-2] = s[-2]; // descriptor
  d[-1] = 0;     // forwarding word
  if (o.payload - o.start == GT_GC_ARRAY_HEADER) {
    d[-4] = s[-4]; // length
    d[-3] = s[-3]; // reserved
  }
  copy_payload(d, s, o.end - o.payload);
}

// The replication step. Copies the from-space object `o` behind l.cur, then
// publishes the copy with one CAS of the original's forwarding word, 0 to
// `copy | FORWARDED` (release: whoever sees the word sees a complete copy).
// A worker that loses the race to another has not bumped l.cur yet, so its
// copy is simply overwritten later; it takes the winner's. Returns the
// forwarding word as it ends up.
uintptr_t replicate(Local &l, const Obj &o) {
  size_t n = o.end - o.start;
  if (size_t(l.end - l.cur) < n)
    next_copy_block(l);
  uintptr_t to = l.cur;
  copy_object(to, o);
  uintptr_t w = (to + (o.payload - o.start)) | GT_FWD_FORWARDED;
  std::atomic<uintptr_t> &fw = fwd_word(o.payload);
  uintptr_t seen = 0;
  if (!fw.compare_exchange_strong(seen, w, std::memory_order_release,
                                  std::memory_order_acquire))
    return seen; // lost: another worker's copy is the one
  l.cur = to + n;
  l.copied += n;
  return w;
}

// Marks the large object `p` (forwarded to itself); the worker whose CAS
// marks it scans it, through the shared stack.
void mark_large(const uintptr_t *slot, uintptr_t p) {
  if (heap.verify && !large_contains(p)) // GT_GC_VERIFY checks that first
    bad_ref(slot, p, "is neither in the heap nor a large object");
  std::atomic<uintptr_t> &fw = fwd_word(p);
  uintptr_t zero = 0;
  if (fw.load(std::memory_order_relaxed) == 0 &&
      fw.compare_exchange_strong(zero, p | GT_FWD_FORWARDED,
                                 std::memory_order_relaxed) &&
      !(type_of(p)->version_flags & GT_TYPE_NOPTRS)) {
    Obj o = obj_of(p);
    work.publish(o.start, o.end);
  }
}

// Points *slot at the to-space copy of its object, copying it first if no
// worker has.
void forward(Local &l, uintptr_t *slot) {
  uintptr_t p = *slot;
  if (!p)
    return;
  if (!in_blocks(p))
    return mark_large(slot, p);
  if (BlockState s = block_state(block_of(p)); s != kAlloc) {
    if (s == kCopy)
      return; // copied already (a slot reached twice)
    bad_ref(slot, p, "points into a free heap block");
  }
  uintptr_t w = fwd_word(p).load(std::memory_order_acquire);
  if (!(w & GT_FWD_FORWARDED))
    w = replicate(l, obj_of(p));
  *slot = w & ~uintptr_t(GT_FWD_BITS);
}

// Forwards the pointer fields of the gray object `o`.
void scan_object(Local &l, const Obj &o) {
  const gt_type *t = o.t;
  uint32_t nptrs = t->nptrs;
  if (!nptrs)
    return;
  const uint32_t *offs = t->ptr_offsets;
  uintptr_t elem = o.payload, stride = t->size;
  for (size_t i = 0; i < o.count; ++i, elem += stride)
    for (uint32_t k = 0; k < nptrs; ++k)
      forward(l, reinterpret_cast<uintptr_t *>(elem + offs[k]));
}

// Scans the objects in [x, end) (a published range), giving the rest away
// when others are idle.
void scan_range(Local &l, uintptr_t x, uintptr_t end) {
  gray_range(work, x, end, [&](const Obj &o) { scan_object(l, o); });
}

// Scans until the worker's own block has no gray objects and the shared
// stack is empty.
void drain(Local &l) {
  gray_drain(work, l.scan, l.cur, [&](const Obj &o) { scan_object(l, o); });
}

struct StackRoots final : RootVisitor {
  Local &l;
  explicit StackRoots(Local &l) : l(l) {}
  void visit(void **slot) override {
    forward(l, reinterpret_cast<uintptr_t *>(slot));
  }
};

void scan_roots(Local &l) {
  void ***table = root_table();
  size_t size = root_table_size();
  for (;;) {
    size_t i = root_cursor.fetch_add(kRootChunk, std::memory_order_relaxed);
    if (i >= size)
      break;
    size_t end = i + kRootChunk < size ? i + kRootChunk : size;
    for (; i < end; ++i)
      if (table[i])
        forward(l, reinterpret_cast<uintptr_t *>(table[i]));
    drain(l);
  }
  StackRoots v(l);
  while (scan_runtime_roots(v)) // gc/runtime_roots.h
    drain(l);
  while (!threads_end.load(std::memory_order_relaxed)) {
    uint32_t slot = thread_cursor.fetch_add(kThreadChunk,
                                            std::memory_order_relaxed);
    for (uint32_t i = slot; i < slot + kThreadChunk; ++i) {
      Thread *t = thread_from_handle(gt_thread_t(i) + 1);
      if (!t) {
        threads_end.store(true, std::memory_order_relaxed);
        break;
      }
      Status s = t->status.load(std::memory_order_acquire);
      if (s == Status::Dead || !t->ctx)
        continue;
      if (s == Status::Running)
        fatal("gc: green thread %llu is running during a collection",
              (unsigned long long)t->id);
      scan_thread_stack(t, v);
    }
    drain(l);
  }
}
} // namespace

void copy_prepare(uint32_t workers) {
  work.reset(workers);
  root_cursor.store(0, std::memory_order_relaxed);
  thread_cursor.store(0, std::memory_order_relaxed);
  threads_end.store(false, std::memory_order_relaxed);
  if (heap.verify)
    large_index();
}

void copy_work(Local &l) {
  scan_roots(l);
  for (Range r;;) {
    drain(l);
    if (!work.idle(r))
      return; // no gray object is left anywhere
    scan_range(l, r.begin, r.end);
  }
}

uint64_t copy_finish() {
  uint64_t copied = 0;
  for (uint32_t i = 0; i < sched.n; ++i) {
    Local &l = locals[i];
    to_block_done(l.cur, l.end);
    copied += l.copied;
    l.scan = l.cur = l.end = 0;
    l.copied = 0;
  }
  return copied;
}

} // namespace gt::gc
