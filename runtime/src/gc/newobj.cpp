// gc/newobj.cpp: replicating the objects allocated during a replication
// session (issue 14 step 5; docs/notes/issue-14-concurrent-gc-design.md,
// section 5).
//
// New objects live in from-space like the others and are replicated, never
// allocated twice. The compiler elides the write barrier of a store into
// an object allocated in the same safepoint interval, so such stores are
// never logged: a replica of a new object is good only if it is made, or
// made again, after its allocator's interval ended. Hence:
//
// 1. The cycle region. Each executor records where it allocated since its
//    region opened: spans of its allocation blocks, [begin, sealed), and a
//    list of the large objects it allocated. The region opens at the
//    executor's first *seal point* after the session began (below) at the
//    cursor it has there; every block it takes afterwards (the allocation
//    slow path, newobj_block) starts a new span, the old one closed at its
//    final cursor.
// 2. Seal points are the places where the executor knows the interval of
//    the thread allocating in its block has ended, the same places that seal
//    or lend its write log (wlog.cpp, which calls newobj_seal under the
//    log's lock): the poll's slow path and the allocation slow path
//    (wlog_safepoint: both are safepoints, where compiled code ends an
//    interval), a switch-out (the scheduler took the block back after
//    ss_switch2: the thread's interval ended at the switch), a lend at a
//    resume (between two threads: no interval is open; the cursor is the
//    executor's own), and wlog_release (a thread at a call). A block change
//    (newobj_block) is a seal point too: it comes after the allocation slow
//    path's wlog_safepoint, with nothing allocated in between. At each seal
//    point the span's `sealed` cursor becomes the allocation cursor and the
//    large list's `large_sealed` its length, both published with a release
//    store (and under the region's lock, which newobj_end needs); workers
//    read them with acquire loads, so the headers and contents written
//    before the seal are visible to them.
// 3. Workers (newobj_drain) walk each executor's [walked, sealed) by headers
//    (gc/object.h's obj_at) and the sealed part of its large list, one walker
//    per executor at a time, and give each object to replica.cpp's
//    replicate_new: no replica yet -> shade it (it is gray and the normal
//    drain transfers it, reading its current contents); replicated and
//    transferred already -> a replay of another thread's entry reached it
//    before its allocator's interval ended (design note, section 12, "Why
//    new objects need re-transfer"): transfer it again under its lock;
//    replicated but not transferred -> nothing (its transfer will read the
//    current contents, after our lock and unlock of it, which order the
//    allocator's writes before that transfer). Every later write to the
//    object is in a later interval, so it is logged and replayed.
// 4. Which objects are new (the rule this session model implements). An
//    object allocated before its executor's region opened is old: it is
//    traced and transferred normally, and its unlogged stores are harmless
//    only if no replica of it existed before its interval ended. So the
//    session must not shade anything until every executor has passed a seal
//    point since the session began: replica_begin, then wlog_on (a round:
//    each executor acknowledges at a lend, at its running thread's poll, or,
//    running nothing, by the round itself, and then its next resume is a
//    lend), then shading. This is the design's "objects allocated between a
//    cycle's start and an executor's acknowledgement are old": no replica
//    exists before every executor acknowledged. Regions record allocation
//    while the executor's log is lent; when logging is turned off the last
//    seal is at the take-back (wlog_off must come before the final drain).
//
// Cost: every object allocated during a session is copied once; an early
// replica costs a second copy.
#include "newobj.h"

#include "heap.h"
#include "replica.h"

#include <cstdlib>

namespace gt::gc {

namespace {
// A part of one allocation block: objects were allocated in [begin, sealed)
// and may be in [sealed, limit) once sealed again.
struct Span {
  uintptr_t begin, limit;
  uintptr_t sealed; // atomic access: release by the executor, acquire after
};

struct alignas(64) Region {
  // Guards everything up to `walk`: the executor appends and seals, workers
  // read, newobj_end resets.
  SpinLock lk;
  bool open = false;
  Span *spans = nullptr;
  size_t nspans = 0, span_cap = 0;
  uintptr_t *large = nullptr;
  size_t nlarge = 0, large_cap = 0;
  size_t large_sealed = 0; // atomic access, as Span::sealed
  // One walker at a time (newobj_drain), holding `walk`: its progress.
  SpinLock walk;
  size_t at = 0;        // the span being walked
  uintptr_t walked = 0; // in it
  size_t large_walked = 0;
};

Region *regions;
uint32_t nregions;
std::atomic<bool> active{false};

template <class T> void grow(T *&a, size_t &cap, uint32_t e, const char *what) {
  cap = cap ? 2 * cap : 16;
  a = with_libc_room(
      [&] { return static_cast<T *>(std::realloc(a, cap * sizeof(T))); });
  if (!a)
    fatal("gc newobj: out of memory for executor %u's list of %s", e, what);
}

void seal_span(uint32_t e, Span &s, uintptr_t cursor) {
  if (cursor < s.begin || cursor > s.limit)
    fatal("gc newobj: executor %u's allocation cursor %#lx is outside the "
          "block [%#lx, %#lx) its region records (a block taken without "
          "newobj_block)",
          e, (unsigned long)cursor, (unsigned long)s.begin,
          (unsigned long)s.limit);
  __atomic_store_n(&s.sealed, cursor, __ATOMIC_RELEASE);
}

void add_span(Region &g, uint32_t e, uintptr_t begin, uintptr_t limit) {
  if (g.nspans == g.span_cap)
    grow(g.spans, g.span_cap, e, "allocation spans");
  g.spans[g.nspans++] = Span{begin, limit, begin};
}

void reset(Region &g) {
  std::free(g.spans);
  std::free(g.large);
  g.open = false;
  g.spans = nullptr;
  g.large = nullptr;
  g.nspans = g.span_cap = g.nlarge = g.large_cap = g.large_sealed = 0;
  g.at = g.walked = g.large_walked = 0;
}

// Walks g's sealed objects not walked yet, until `budget` bytes of small
// objects have been walked, counting them down; g.walk held.
void walk(Replicator &w, Region &g, bool retransfer, size_t &budget) {
  for (;;) {
    g.lk.lock();
    if (g.at >= g.nspans) {
      g.lk.unlock();
      break;
    }
    Span s = g.spans[g.at];
    s.sealed = __atomic_load_n(&g.spans[g.at].sealed, __ATOMIC_ACQUIRE);
    bool last = g.at + 1 == g.nspans; // if not, s.sealed is final
    g.lk.unlock();
    if (g.walked < s.begin)
      g.walked = s.begin;
    while (g.walked < s.sealed) {
      if (!budget)
        return;
      Obj o = obj_at(g.walked);
      size_t n = o.end - g.walked;
      budget -= n < budget ? n : budget;
      g.walked = o.end;
      replicate_new(w, o.payload, retransfer);
    }
    if (last)
      break;
    ++g.at;
    g.walked = 0;
  }
  for (;;) {
    g.lk.lock();
    size_t n = __atomic_load_n(&g.large_sealed, __ATOMIC_ACQUIRE);
    uintptr_t p = g.large_walked < n ? g.large[g.large_walked] : 0;
    g.lk.unlock();
    if (!p)
      break;
    ++g.large_walked;
    replicate_new(w, p, retransfer);
  }
}

// Walks every region that no other worker walks, until `budget` bytes
// (newobj_drain: no budget).
void walk_regions(Replicator &w, bool retransfer, size_t budget) {
  for (uint32_t i = 0; i < nregions && budget; ++i) {
    Region &g = regions[i];
    if (!g.walk.try_lock())
      continue; // another worker walks it
    walk(w, g, retransfer, budget);
    g.walk.unlock();
  }
}
} // namespace

void newobj_seal(uint32_t e, uintptr_t cursor) {
  if (!active.load(std::memory_order_acquire))
    return;
  Region &g = regions[e];
  g.lk.lock();
  if (active.load(std::memory_order_relaxed)) {
    if (!g.open) {
      g.open = true;
      if (cursor) // in the block of e's Local (e's own OS thread)
        add_span(g, e, cursor, locals[e].tlab_end);
    } else if (cursor) {
      if (!g.nspans)
        fatal("gc newobj: executor %u allocates at %#lx, but its region "
              "records no block (a block taken without newobj_block)",
              e, (unsigned long)cursor);
      seal_span(e, g.spans[g.nspans - 1], cursor);
    }
    __atomic_store_n(&g.large_sealed, g.nlarge, __ATOMIC_RELEASE);
  }
  g.lk.unlock();
}

void newobj_block(uint32_t e, uintptr_t old_cursor, uintptr_t block) {
  if (!active.load(std::memory_order_acquire))
    return;
  Region &g = regions[e];
  g.lk.lock();
  if (active.load(std::memory_order_relaxed) && g.open) {
    if (g.nspans && old_cursor) // closed at its final cursor
      seal_span(e, g.spans[g.nspans - 1], old_cursor);
    __atomic_store_n(&g.large_sealed, g.nlarge, __ATOMIC_RELEASE);
    add_span(g, e, block, block + kBlockBytes);
  }
  g.lk.unlock();
}

void newobj_large(uint32_t e, uintptr_t payload) {
  if (!active.load(std::memory_order_acquire))
    return;
  Region &g = regions[e];
  g.lk.lock();
  if (active.load(std::memory_order_relaxed) && g.open) {
    if (g.nlarge == g.large_cap)
      grow(g.large, g.large_cap, e, "large objects");
    g.large[g.nlarge++] = payload; // sealed at its next seal point
  }
  g.lk.unlock();
}

void newobj_drain(Replicator &w, bool retransfer) {
  walk_regions(w, retransfer, SIZE_MAX);
}

bool newobj_drain_some(Replicator &w, size_t budget) {
  uint64_t made = w.n.new_objects;
  walk_regions(w, true, budget);
  return w.n.new_objects != made;
}

void newobj_begin() {
  for (uint32_t i = 0; i < nregions; ++i) {
    regions[i].lk.lock();
    reset(regions[i]);
    regions[i].lk.unlock();
  }
  active.store(true, std::memory_order_release);
}

void newobj_end() {
  active.store(false, std::memory_order_release);
  for (uint32_t i = 0; i < nregions; ++i) {
    regions[i].lk.lock();
    reset(regions[i]);
    regions[i].lk.unlock();
  }
}

void newobj_run_start(uint32_t executors) {
  nregions = executors;
  regions = new Region[executors];
  active.store(false, std::memory_order_relaxed);
}

void newobj_run_end() {
  newobj_end();
  delete[] regions;
  regions = nullptr;
  nregions = 0;
}

} // namespace gt::gc
