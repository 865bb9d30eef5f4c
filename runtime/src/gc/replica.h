// gc/replica.h: replication for the concurrent collector (issue 14): shade,
// transfer and replay (replica.cpp, whose opening comment is the protocol),
// and the replica coherence check (verify.cpp).
//
// A *session* is the lifetime of replicas until the cycle of step 6 (design
// note section 12) owns them: replica_begin opens one (collections are held
// off from then on), workers shade, transfer and replay, and
// replica_abandon ends it, giving everything back. Objects allocated during
// a session are replicated after their allocator's next safepoint
// (newobj.cpp, step 5): workers call newobj_drain. The rule for callers:
// replica_begin, then wlog_on, and only then shade; wlog_off before the
// final newobj_drain (newobj.cpp, point 4).
#pragma once

#include "heap.h"

#include <cstddef>
#include <cstdint>

struct gt_wlog_entry; // gt/hooks.h

namespace gt::gc {

struct ReplicaCounts {
  uint64_t replicas = 0;       // small objects replicated (a shade CAS won)
  uint64_t large_replicas = 0; // large objects with pointers replicated
  uint64_t large_marked = 0;   // large NOPTRS objects marked
  uint64_t large_marked_bytes = 0; // ... their objects' bytes
  uint64_t lost = 0;           // shade CASes lost to another worker
  uint64_t bytes = 0;          // of replicas, headers included
  uint64_t large_bytes = 0;    // ... of them in large replicas
  uint64_t transfers = 0;      // replicas transferred
  uint64_t replays = 0;        // write-log entries replayed
  uint64_t replay_copied = 0;  // ... onto transferred replicas
  uint64_t replay_skipped = 0; // ... whose replica was not transferred yet
  uint64_t replay_words = 0;   // words copied by replays
  uint64_t lock_waits = 0;     // an object's lock found held
  // New objects (newobj.cpp): walked once sealed; of them, replicated by
  // the walk's shade; found transferred already (a replay of another
  // thread's entry reached them first, maybe before their allocator's
  // seal: the walk cannot tell); and transferred again.
  uint64_t new_objects = 0, new_replicated = 0, new_early = 0;
  uint64_t retransfers = 0;
};

// One worker of a session: its to-space block, whose replicas in
// [scan, cur) are gray, the primaries it shaded, and its counts. Used by
// one thread at a time.
struct Replicator {
  uintptr_t scan = 0, cur = 0, end = 0;
  uintptr_t *shaded = nullptr; // primaries whose forwarding word it set
  size_t nshaded = 0, shaded_cap = 0;
  uintptr_t *large = nullptr; // ... the large ones among them, again
  size_t nlarge = 0, large_cap = 0;
  ReplicaCounts n;
};

// Opens a session for `workers` workers (Replicators 0..workers-1), from a
// green thread: waits for a running collection to end, then holds
// collections off until replica_abandon.
void replica_begin(uint32_t workers);
// Opens a session for the concurrent cycle (cycle.cpp), which excludes
// collections and other sessions itself; from any thread. Replicators
// workers..workers+assists-1 are for assists: each used by one thread at a
// time, holding no gray replica between its calls (replica_assist_drain),
// so not counted by the termination of replica_finish.
void replica_open(uint32_t workers, uint32_t assists = 0);
uint32_t replica_workers();
Replicator &replica_worker(uint32_t i);

// The object p's replica, making one if p has none (gray, not transferred):
// p itself for null, a marked large NOPTRS object, or an object in to-space.
uintptr_t shade(Replicator &w, uintptr_t p);
// Fills the replica r (word -1: its primary) from its primary under the
// primary's lock, forwarding and shading its pointer fields; nothing if r
// was transferred already.
void transfer(Replicator &w, uintptr_t r);
// Replays one write-log entry (gt/hooks.h), which must be sealed: the
// interval it belongs to has ended (its thread passed a safepoint after
// the writes). Fatal for an entry that names no object of the GC heap.
void replay(Replicator &w, const gt_wlog_entry &e);
// Transfers w's gray replicas and those published by others until there
// are none now (others may publish more later).
void replica_drain(Replicator &w);
// Walks the sealed, not yet walked part of every executor's cycle region
// (newobj.cpp) and replicates each new object there with replicate_new.
// `retransfer` false skips the re-transfer (tests only: it shows that a
// replica made early goes stale).
void newobj_drain(Replicator &w, bool retransfer = true);
// newobj_drain for an assist: stops once `budget` bytes of small objects
// were walked, in all; whether it replicated anything.
bool newobj_drain_some(Replicator &w, size_t budget);
// One new object p whose allocator's interval has ended: shades it; if its
// replica is transferred already, transfers it again under its lock (all its
// words from the primary's current contents), unless !retransfer.
void replicate_new(Replicator &w, uintptr_t p, bool retransfer);
// An assist's end: transfers at most `max` of w's own gray replicas, then
// gives the rest to the counted workers (published), so that w holds none.
void replica_assist_drain(Replicator &w, unsigned max);
// An assist takes one gray range that others published and transfers at
// most `max` objects of it, publishing the rest (a range that is one large
// object of more than kAssistLarge bytes goes back: the coordinator's);
// whether it transferred anything.
constexpr size_t kAssistLarge = 64 << 10;
bool replica_assist_steal(Replicator &w, unsigned max);
// The flip, the world stopped: the assists' Replicators (from `first` on)
// hold no gray replica; their last blocks' ends are recorded.
void replica_assists_done(uint32_t first);
// replica_drain, given up at `deadline` (now_ns): then the rest of w's
// gray is published and the result is false.
bool replica_drain_until(Replicator &w, uint64_t deadline);
// Drains until no gray replica is left anywhere (gc/work.h's termination):
// every worker calls it once, when it will be given no more entries to
// replay or objects to shade.
void replica_finish(Replicator &w);
// The counts of every worker, summed.
ReplicaCounts replica_counts();

// Ends the session without a flip (tests, and a cycle that aborts): every
// primary shaded in it loses its forwarding word, replicas are freed (large
// ones unmapped, to-space blocks back in the pool), collections may start
// again. No worker may be running.
void replica_abandon();

// The concurrent cycle's flip (cycle.cpp, the world stopped, every gray
// replica transferred): each large replica's forwarding word names itself,
// as a marked NOPTRS object's does, so that between the flip and the
// release a large object whose word is forwarded is a replica, a marked
// object or an original (whose word names its replica), and one whose word
// is clear was allocated since the flip (or missed). replica_commit keeps
// them so.
void replica_flip();

// Ends the session with a flip (cycle.cpp, the world stopped, every gray
// replica transferred, every root rewritten): large objects that were
// replicated are unmarked and their replicas marked, so that large_sweep
// frees the originals and keeps the replicas; the shaded lists and the
// executors' regions are dropped. The caller then sweeps the large objects
// and flips the blocks (blocks_flip: from-space freed, the replicas'
// blocks become allocation space).
void replica_commit();
// Frees what replica_commit left (its lists), after the world restarts.
void replica_free_lists();

// The coherence of every replica of the session with its primary (no
// worker and no mutator may be running): a transferred replica's header
// equals its primary's, each non-pointer word equals the primary's, each
// pointer word the replica of the object the primary's word points to; an
// untransferred replica's word -1 is its primary. With `fatal`, the first
// violation is a fatal error naming the object, its type and the offset;
// without, violations are counted (tests that show a stale replica).
// verify.cpp.
struct ReplicaCheck {
  size_t primaries = 0, transferred = 0, untransferred = 0, marked = 0;
  size_t words = 0, pointer_words = 0, bad_words = 0;
};
ReplicaCheck replica_verify(bool fatal);

} // namespace gt::gc
