// gc/replica.cpp: replication, the heart of the concurrent collector
// (issue 14; docs/notes/issue-14-concurrent-gc-design.md, section 4.3).
// Mutators keep using the from-space *primaries* while collector workers
// build to-space *replicas*, and a log of the mutators' writes brings the
// replicas up to date (Nettles and O'Toole's replication; Cheng and
// Blelloch's parallel version as implemented in TILT's forward.c and
// gc_semi_conc.c, whose alloc-then-transfer with a per-object lock this
// follows; no code is taken from either).
//
// The forwarding word of a primary p (word -1, gt/gc.h) goes
// 0 -> r|FORWARDED (shaded) <-> r|FORWARDED|BUSY (locked by one worker).
// The word -1 of its replica r is p until r is transferred, then 0.
//
// 1. shade(p). Null, an object in to-space, or an already forwarded
//    object: nothing to do; the result is the replica (p|FORWARDED on a
//    large NOPTRS object: p). A small from-space object: write the
//    replica's header (descriptor, array length words) and its word -1 = p
//    (the back pointer: "not transferred") behind the worker's to-space bump
//    pointer, then publish it with ONE CAS of p's forwarding word from 0 to
//    r|FORWARDED (release: whoever reads the word sees the header). The
//    loser has not moved its bump pointer and reuses the space (copy.cpp's
//    trick; only a header was written). The replica is gray: it lies in
//    [scan, cur) of the winner's block. A large object: NOPTRS objects are
//    marked (CAS 0 -> p|FORWARDED, as the stop-the-world copy does); others
//    are replicated into a mapping of their own (a loser unmaps its one)
//    and published as a gray range. Shade never waits.
// 2. transfer(r), for each gray replica (workers walk gray ranges by
//    header, as copy.cpp does): p = r's word -1 (0: transferred already,
//    nothing to do); lock p (CAS r|FWD -> r|FWD|BUSY, acquire; spin while
//    another worker holds BUSY); copy every payload word of p into r: a
//    pointer field (by descriptor) gets shade() of p's current value, any
//    other word the raw value; r's word -1 = 0; unlock (release store of
//    r|FWD). A large object is transferred whole under one lock (step 10
//    of the design cuts it into segments with locks of their own).
// 3. replay(e), for a sealed write-log entry {object, offset, old}
//    (gt/hooks.h): the object must be a from-space or large object (else
//    the log is corrupt: fatal). shade(old) if it is a pointer (Yuasa: the
//    overwritten pointer may be the last heap reference to an object a
//    scanned stack holds; a range entry's third word is a length and is
//    never shaded); shade(object) (it was written, so it is live); lock it;
//    if its replica is transferred (word -1 == 0), copy the entry's window
//    of words from the primary's *current* contents, forwarding pointer
//    words; unlock. If it is not transferred yet: nothing, because transfer
//    will read the current value after taking the same lock, which
//    happens-after this replay's unlock, which happens-after the mutator's
//    store (sealing publishes it with a release, the replayer takes it with
//    an acquire). A marked large NOPTRS object has no replica to update.
// 4. The window of a word store: if the word at offset & ~7 is a pointer
//    field, that word; else the words from offset & ~7 up to
//    round_up(offset + 64, 8), clipped to the payload, because the entry
//    does not say how wide the store was (up to 32 bytes on our targets,
//    and unaligned ones straddle words). Copying more words than were
//    written is harmless: each gets the primary's current value (a later
//    write is logged again), a pointer word its forwarded current value. A
//    range entry (memcpy, memset) covers [offset, offset + length) word by
//    word, classified the same way. Arrays are classified by element.
// 5. Memory order. Mutators store into primaries with plain stores, racing
//    with transfers and replays: that is the algorithm (a racing write is
//    logged and replayed after its interval), so workers read primary words
//    with relaxed atomic loads. The lock CAS is acquire and the unlock a
//    release, so a replay and a transfer of one object are ordered and see
//    each other's replica words; the publishing CAS is a release and every
//    read of a forwarding word that may use the replica an acquire.
//    Nothing else is fenced (AArch64 included).
// 6. New objects (allocated during the session) are replicated by the
//    walk of newobj.cpp once their allocator's interval has ended
//    (replicate_new: shade, or transfer again if a replay reached one
//    early). Entries may name them, large ones included (check_logged
//    falls back to a walk of the large-object list).
// 7. Termination is gc/work.h's: a worker that replays entries is busy and
//    may call replica_finish only when it will be given no more; then no
//    gray replica is left anywhere when it returns.
//
// Sessions (gc/replica.h). Until the cycle (step 6) owns replicas, a
// session holds collections off (collect.cpp's hold_collections): a
// stop-the-world copy would take primaries' replicas for finished copies.
// replica_abandon ends a session without a flip: it clears the forwarding
// words of the primaries its workers shaded (each worker lists the ones it
// won, new objects included: the walk shades them through shade()),
// unmaps large replicas, gives the to-space blocks back and forgets the
// executors' regions (newobj_end), so the heap is as it was before the
// session.
#include "replica.h"
#include "newobj.h"
#include "work.h"

#include <gt/hooks.h>

#include <algorithm>
#include <cstdlib>
#include <sched.h>

namespace gt::gc {

namespace {
Replicator *workers;
uint32_t nworkers;
WorkList work; // gray ranges and termination (work.cpp)

uintptr_t *words_of(uintptr_t payload) {
  return reinterpret_cast<uintptr_t *>(payload);
}
uintptr_t load_word(uintptr_t a) { // a primary's word, racing with mutators
  return __atomic_load_n(reinterpret_cast<uintptr_t *>(a), __ATOMIC_RELAXED);
}
std::atomic<uintptr_t> &back_word(uintptr_t r) { return fwd_word(r); }

[[noreturn]] void bad_ref(uintptr_t p, const char *why) {
  fatal("gc replication: %#lx %s (a stale or corrupt GC pointer)",
        (unsigned long)p, why);
}

// replica_commit's shaded lists, linked through their first words, until
// replica_free_lists.
uintptr_t *dead_lists;

void push(uintptr_t *&list, size_t &n, size_t &cap, uintptr_t p) {
  if (n == cap) {
    cap = cap ? 2 * cap : 1024;
    // An assist runs on a green thread's stack: libc gets room of its own.
    list = with_libc_room([&] {
      return static_cast<uintptr_t *>(std::realloc(list, cap * sizeof *list));
    });
    if (!list)
      fatal("gc replication: out of memory for the list of shaded objects");
  }
  list[n++] = p;
}

void note_shaded(Replicator &w, uintptr_t p) {
  push(w.shaded, w.nshaded, w.shaded_cap, p);
}

// Large objects are listed twice: the flip and the commit visit only them
// (a pass over every shaded object would cost the pauses O(live objects)).
void note_shaded_large(Replicator &w, uintptr_t p) {
  note_shaded(w, p);
  push(w.large, w.nlarge, w.large_cap, p);
}

// A to-space block for w, leaving its current one (work.h).
void next_block(Replicator &w) {
  to_block_next(work, w.scan, w.cur, w.end, "gc replication");
}

// Writes the header of p's replica at `d` (its payload): descriptor, array
// length words, and the back pointer.
void write_header(uintptr_t d, uintptr_t p, bool array) {
  uintptr_t *dw = words_of(d), *sw = words_of(p);
  if (array) {
    dw[-4] = sw[-4];
    dw[-3] = 0;
  }
  dw[-2] = sw[-2];
  back_word(d).store(p, std::memory_order_relaxed);
}

// Step 1 for a large object (not in the blocks).
uintptr_t shade_large(Replicator &w, uintptr_t p) {
  if (heap.verify && !large_contains(p) && !large_exists(p))
    bad_ref(p, "is neither in the heap nor a large object");
  std::atomic<uintptr_t> &fw = fwd_word(p);
  uintptr_t seen = fw.load(std::memory_order_acquire);
  if (seen & GT_FWD_FORWARDED)
    return seen & ~uintptr_t(GT_FWD_BITS);
  const gt_type *t = type_of(p);
  if (t->version_flags & GT_TYPE_NOPTRS) {
    if (fw.compare_exchange_strong(seen, p | GT_FWD_FORWARDED,
                                   std::memory_order_relaxed)) {
      note_shaded_large(w, p);
      ++w.n.large_marked;
      w.n.large_marked_bytes += object_bytes(p);
    }
    return p;
  }
  Obj o = obj_of(p);
  size_t hdr = o.payload - o.start, bytes = o.end - o.start;
  uintptr_t r = large_alloc(bytes, hdr);
  if (!r)
    fatal("gc replication: cannot map a replica of %zu bytes for a large "
          "'%s'",
          bytes, type_name(t));
  write_header(r, p, hdr == GT_GC_ARRAY_HEADER);
  if (!fw.compare_exchange_strong(seen, r | GT_FWD_FORWARDED,
                                  std::memory_order_release,
                                  std::memory_order_acquire)) {
    large_free(r);
    ++w.n.lost;
    return seen & ~uintptr_t(GT_FWD_BITS);
  }
  note_shaded_large(w, p);
  ++w.n.large_replicas;
  w.n.bytes += bytes;
  w.n.large_bytes += bytes;
  work.publish(r - hdr, r - hdr + bytes);
  return r;
}

// Locks the shaded primary p; returns its replica.
uintptr_t lock(Replicator &w, uintptr_t p) {
  std::atomic<uintptr_t> &fw = fwd_word(p);
  uintptr_t v = fw.load(std::memory_order_relaxed);
  bool waited = false;
  for (unsigned spins = 0;; ++spins) {
    if (!(v & GT_FWD_FORWARDED))
      fatal("gc replication: locking %#lx ('%s'), which has no replica",
            (unsigned long)p, type_name(type_of(p)));
    if (!(v & GT_FWD_BUSY)) {
      if (fw.compare_exchange_weak(v, v | GT_FWD_BUSY,
                                   std::memory_order_acquire,
                                   std::memory_order_relaxed))
        return v & ~uintptr_t(GT_FWD_BITS);
      continue;
    }
    if (!waited) {
      waited = true;
      ++w.n.lock_waits;
    }
    if (spins < 256)
      cpu_relax();
    else
      sched_yield(); // the holder may be descheduled (qemu, 2 CPUs)
    v = fw.load(std::memory_order_relaxed);
  }
}

void unlock(uintptr_t p, uintptr_t r) {
  fwd_word(p).store(r | GT_FWD_FORWARDED, std::memory_order_release);
}

// Copies the words [lo, hi) (byte offsets, 8-aligned) of p's payload into
// r's, forwarding pointer fields. p's lock is held.
void copy_window(Replicator &w, uintptr_t p, uintptr_t r, const gt_type *t,
                 size_t bytes, size_t lo, size_t hi) {
  uintptr_t *rw = words_of(r);
  for (size_t off = lo; off < hi; off += 8) {
    uintptr_t v = load_word(p + off);
    rw[off / 8] = is_ptr_field(t, off, bytes) ? shade(w, v) : v;
  }
}

// Transfers the objects in [x, end) (a gray range), giving the rest away
// when others are idle.
void transfer_range(Replicator &w, uintptr_t x, uintptr_t end) {
  gray_range(work, x, end, [&](const Obj &o) { transfer(w, o.payload); });
}

// The object of a write-log entry, checked: a from-space or large object.
void check_logged(uintptr_t p, const gt_wlog_entry &e, const char *what) {
  const char *why = nullptr;
  if (p & (kAlign - 1))
    why = "is not an object's payload (misaligned)";
  else if (in_blocks(p)) {
    BlockState s = block_state(block_of(p));
    if (s != kAlloc)
      why = s == kFree ? "points into a free heap block"
                       : "points into to-space (a replica)";
  } else if (!large_contains(p) && !large_exists(p)) // new ones: a walk
    why = "is not in the GC heap (neither in its blocks nor a large object)";
  if (why)
    fatal("gc replay: a write-log entry {%#lx, %zu, %#lx}: its %s %#lx %s: "
          "a corrupt write log",
          (unsigned long)e.object, size_t(e.offset), (unsigned long)e.old, what,
          (unsigned long)p, why);
}
} // namespace

void replica_begin(uint32_t n) {
  Thread *self = self_or_die("replica_begin");
  if (n == 0)
    fatal("replica_begin: a session needs at least one worker");
  heap_ensure();
  hold_collections(self); // also waits for a concurrent cycle's session
  if (workers)
    fatal("replica_begin: a replication session is open already");
  replica_open(n);
}

void replica_open(uint32_t n, uint32_t assists) {
  large_index(); // the large objects that entries may name
  workers = new Replicator[n + assists];
  nworkers = n + assists;
  work.reset(n);  // assists hold no gray between calls: not counted
  newobj_begin(); // executors record what they allocate (newobj.cpp)
}

uint32_t replica_workers() { return nworkers; }
Replicator &replica_worker(uint32_t i) { return workers[i]; }

uintptr_t shade(Replicator &w, uintptr_t p) {
  if (!p)
    return 0;
  if (!in_blocks(p))
    return shade_large(w, p);
  if (BlockState s = block_state(block_of(p)); s != kAlloc) {
    if (s == kCopy)
      return p; // a replica already
    bad_ref(p, "points into a free heap block");
  }
  std::atomic<uintptr_t> &fw = fwd_word(p);
  uintptr_t seen = fw.load(std::memory_order_acquire);
  if (seen & GT_FWD_FORWARDED)
    return seen & ~uintptr_t(GT_FWD_BITS);
  Obj o = obj_of(p);
  if (o.t->nptrs && o.t->size % 8)
    fatal("gc replication: '%s' has pointer fields but a size of %u bytes, "
          "not a multiple of 8",
          type_name(o.t), o.t->size);
  size_t n = o.end - o.start, hdr = o.payload - o.start;
  if (size_t(w.end - w.cur) < n)
    next_block(w);
  uintptr_t r = w.cur + hdr;
  write_header(r, p, hdr == GT_GC_ARRAY_HEADER);
  if (!fw.compare_exchange_strong(seen, r | GT_FWD_FORWARDED,
                                  std::memory_order_release,
                                  std::memory_order_acquire)) {
    ++w.n.lost; // the space is reused by the next replica
    return seen & ~uintptr_t(GT_FWD_BITS);
  }
  w.cur += n;
  note_shaded(w, p);
  ++w.n.replicas;
  w.n.bytes += n;
  return r;
}

namespace {
// Copies every payload word of p into r, forwarding and shading pointer
// fields. p's lock is held.
void copy_all(Replicator &w, uintptr_t p, uintptr_t r) {
  const gt_type *t = type_of(p);
  size_t bytes = payload_bytes(p);
  size_t words = round_up(bytes, kAlign) / 8; // with the padding
  uintptr_t *rw = words_of(r);
  size_t i = 0;
  if (uint32_t nptrs = t->nptrs) { // pointer fields by element
    size_t stride = t->size / 8, count = bytes / t->size;
    const uint32_t *offs = t->ptr_offsets;
    for (size_t e = 0, base = 0; e < count; ++e, base += stride)
      for (uint32_t k = 0; k < nptrs; ++k) {
        size_t f = base + offs[k] / 8;
        for (; i < f; ++i)
          rw[i] = load_word(p + 8 * i);
        rw[f] = shade(w, load_word(p + 8 * f));
        i = f + 1;
      }
  }
  for (; i < words; ++i)
    rw[i] = load_word(p + 8 * i);
}
} // namespace

void transfer(Replicator &w, uintptr_t r) {
  uintptr_t p = back_word(r).load(std::memory_order_relaxed);
  if (!p)
    return; // transferred already
  if (lock(w, p) != r)
    fatal("gc replication: replica %#lx's primary %#lx forwards elsewhere",
          (unsigned long)r, (unsigned long)p);
  if (back_word(r).load(std::memory_order_relaxed)) {
    copy_all(w, p, r);
    back_word(r).store(0, std::memory_order_relaxed);
    ++w.n.transfers;
  }
  unlock(p, r);
}

void replicate_new(Replicator &w, uintptr_t p, bool retransfer) {
  ++w.n.new_objects;
  uint64_t made = w.n.replicas + w.n.large_replicas + w.n.large_marked;
  uintptr_t r = shade(w, p);
  if (w.n.replicas + w.n.large_replicas + w.n.large_marked != made)
    ++w.n.new_replicated;
  if (r == p)
    return; // a marked large NOPTRS object: no replica
  // Locking orders the allocator's writes (before the seal that the caller
  // acquired) before whoever transfers r after our unlock.
  lock(w, p);
  if (!back_word(r).load(std::memory_order_relaxed)) {
    ++w.n.new_early; // transferred before its allocator's interval ended
    if (retransfer) {
      copy_all(w, p, r);
      ++w.n.retransfers;
    }
  }
  unlock(p, r);
}

void replay(Replicator &w, const gt_wlog_entry &e) {
  bool range = e.object & GT_WLOG_RANGE;
  uintptr_t p = e.object & ~uintptr_t(GT_WLOG_RANGE);
  check_logged(p, e, "object");
  const gt_type *t = type_of(p);
  size_t bytes = payload_bytes(p), off = e.offset, lo = off & ~size_t(7), hi;
  size_t payload_words = round_up(bytes, 8);
  if (range) {
    size_t len = e.old; // a length, never a pointer
    if (off > bytes || len > bytes - off)
      fatal("gc replay: a range entry {%#lx, %zu, %zu} beyond the %zu bytes "
            "of its '%s': a corrupt write log",
            (unsigned long)e.object, off, len, bytes, type_name(t));
    hi = round_up(off + len, 8);
  } else {
    if (off >= bytes)
      fatal("gc replay: an entry {%#lx, %zu, %#lx} beyond the %zu bytes of "
            "its '%s': a corrupt write log",
            (unsigned long)e.object, off, (unsigned long)e.old, bytes,
            type_name(t));
    if (e.old)
      check_logged(e.old, e, "overwritten pointer");
    hi = is_ptr_field(t, lo, bytes)
             ? lo + 8
             : std::min(round_up(off + 64, 8), payload_words);
    shade(w, e.old); // Yuasa: the snapshot's reference survives
  }
  ++w.n.replays;
  uintptr_t r = shade(w, p);
  if (r == p)
    return; // a marked large NOPTRS object: no replica
  lock(w, p);
  if (back_word(r).load(std::memory_order_relaxed)) {
    ++w.n.replay_skipped; // its transfer will read the current words
  } else {
    copy_window(w, p, r, t, bytes, lo, hi);
    ++w.n.replay_copied;
    w.n.replay_words += (hi - lo) / 8;
  }
  unlock(p, r);
}

namespace {
// Transfers the gray objects in [x, end) until stop() says so before one;
// whether it got to the end. [x, end) is a published range, or w's own
// [scan, cur), which a transfer may move to a new block (to_block_next):
// hence the references.
template <class Stop>
bool transfer_until(Replicator &w, uintptr_t &x, uintptr_t &end, Stop &&stop) {
  while (x < end) {
    if (stop())
      return false;
    Obj o = obj_at(x);
    x = o.end;
    transfer(w, o.payload);
  }
  return true;
}

// Gives w's own gray replicas to the counted workers.
void publish_own(Replicator &w) {
  if (w.scan < w.cur) {
    work.publish(w.scan, w.cur);
    w.scan = w.cur;
  }
}

// An assist's bound: `max` objects, checking every 32nd for a requested
// stop (which is not held up by us).
auto assist_bound(unsigned max) {
  return [max, k = 0u]() mutable {
    ++k;
    return k > max || (k % 32 == 0 && gc_requested());
  };
}
} // namespace

void replica_assist_drain(Replicator &w, unsigned max) {
  transfer_until(w, w.scan, w.cur, assist_bound(max));
  publish_own(w);
}

bool replica_assist_steal(Replicator &w, unsigned max) {
  Range r;
  if (!work.pop(r))
    return false;
  if (!in_blocks(r.begin) && r.end - r.begin > kAssistLarge) {
    work.publish(r.begin, r.end); // one large object: not in a quantum
    return false;
  }
  if (!transfer_until(w, r.begin, r.end, assist_bound(max)))
    work.publish(r.begin, r.end); // the rest
  return true;
}

void replica_assists_done(uint32_t first) {
  for (uint32_t i = first; i < nworkers; ++i) {
    Replicator &w = workers[i];
    if (w.scan != w.cur)
      fatal("gc replication: assist worker %u holds gray replicas at the "
            "flip",
            i);
    to_block_done(w.cur, w.end);
  }
}

void replica_drain(Replicator &w) {
  gray_drain(work, w.scan, w.cur,
             [&](const Obj &o) { transfer(w, o.payload); });
}

bool replica_drain_until(Replicator &w, uint64_t deadline) {
  // One count over own gray and popped ranges: every 32nd object looks at
  // the clock, however small the ranges.
  auto late = [deadline, k = 0u]() mutable {
    return ++k % 32 == 0 && now_ns() > deadline;
  };
  for (Range r;;) {
    if (!transfer_until(w, w.scan, w.cur, late))
      break;
    if (!work.pop(r))
      return true;
    if (!transfer_until(w, r.begin, r.end, late)) {
      work.publish(r.begin, r.end); // the rest
      break;
    }
  }
  publish_own(w);
  return false;
}

void replica_finish(Replicator &w) {
  for (Range r;;) {
    replica_drain(w);
    if (!work.idle(r))
      break; // no gray replica is left anywhere
    transfer_range(w, r.begin, r.end);
  }
  to_block_done(w.cur, w.end);
}

ReplicaCounts replica_counts() {
  ReplicaCounts s;
  for (uint32_t i = 0; i < nworkers; ++i) {
    const ReplicaCounts &c = workers[i].n;
    s.replicas += c.replicas;
    s.large_replicas += c.large_replicas;
    s.large_marked += c.large_marked;
    s.large_marked_bytes += c.large_marked_bytes;
    s.lost += c.lost;
    s.bytes += c.bytes;
    s.large_bytes += c.large_bytes;
    s.transfers += c.transfers;
    s.replays += c.replays;
    s.replay_copied += c.replay_copied;
    s.replay_skipped += c.replay_skipped;
    s.replay_words += c.replay_words;
    s.lock_waits += c.lock_waits;
    s.new_objects += c.new_objects;
    s.new_replicated += c.new_replicated;
    s.new_early += c.new_early;
    s.retransfers += c.retransfers;
  }
  return s;
}

void replica_flip() {
  for (uint32_t i = 0; i < nworkers; ++i) {
    Replicator &w = workers[i];
    for (size_t k = 0; k < w.nlarge; ++k) {
      uintptr_t p = w.large[k];
      uintptr_t r =
          fwd_word(p).load(std::memory_order_relaxed) & ~uintptr_t(GT_FWD_BITS);
      if (r != p)
        fwd_word(r).store(r | GT_FWD_FORWARDED, std::memory_order_relaxed);
    }
  }
}

void replica_free_lists() {
  while (uintptr_t *list = dead_lists) {
    dead_lists = reinterpret_cast<uintptr_t *>(list[0]);
    std::free(list);
  }
}

void replica_commit() {
  if (!workers)
    fatal("replica_commit: no replication session is open");
  for (uint32_t i = 0; i < nworkers; ++i) {
    Replicator &w = workers[i];
    for (size_t k = 0; k < w.nlarge; ++k) { // small ones go with their blocks
      uintptr_t p = w.large[k];
      std::atomic<uintptr_t> &fw = fwd_word(p);
      uintptr_t r =
          fw.load(std::memory_order_relaxed) & ~uintptr_t(GT_FWD_BITS);
      if (r == p)
        continue; // a marked NOPTRS object: kept, large_sweep unmarks it
      // The replica stays (marked for large_sweep), the original goes.
      fw.store(0, std::memory_order_relaxed);
      fwd_word(r).store(r | GT_FWD_FORWARDED, std::memory_order_relaxed);
    }
    // Freed by replica_free_lists, outside the pause: a list of millions of
    // objects is tens of MiB, whose unmapping would lengthen it.
    for (uintptr_t *list : {w.shaded, w.large})
      if (list) {
        list[0] = reinterpret_cast<uintptr_t>(dead_lists);
        dead_lists = list;
      }
  }
  newobj_end();
  delete[] workers;
  workers = nullptr;
  nworkers = 0;
}

void replica_abandon() {
  if (!workers)
    fatal("replica_abandon: no replication session is open");
  for (uint32_t i = 0; i < nworkers; ++i) {
    Replicator &w = workers[i];
    for (size_t k = 0; k < w.nshaded; ++k) {
      uintptr_t p = w.shaded[k];
      std::atomic<uintptr_t> &fw = fwd_word(p);
      uintptr_t r =
          fw.load(std::memory_order_relaxed) & ~uintptr_t(GT_FWD_BITS);
      if (!in_blocks(p) && r != p)
        large_free(r);
      fw.store(0, std::memory_order_relaxed);
    }
    std::free(w.shaded);
    std::free(w.large);
  }
  newobj_end();
  blocks_free_copy();
  delete[] workers;
  workers = nullptr;
  nworkers = 0;
  release_collections();
}

} // namespace gt::gc
