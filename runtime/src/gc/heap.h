// gc/heap.h: the collector's internal interface: the block heap
// (heap.cpp), the large-object space (large.cpp), per-executor allocation
// and copying state, the stop of the world (world.cpp), statistics
// (stats.cpp), the phases of a collection (collect.cpp, copy.cpp,
// verify.cpp) and replication sessions (replica.cpp, gc/replica.h). Objects
// are gc/object.h's, shared gray work gc/work.h's. See docs/gc.md.
#pragma once

#include "../executor.h"
#include "object.h"

#include <gt/gc.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gt::gc {

// --- the block heap (heap.cpp)
//
// Small objects live in 256 KiB blocks carved from one reserved range of
// address space, so that an address's block, and the block's state, are one
// subtraction and one shift away.
constexpr unsigned kBlockShift = 18;
constexpr size_t kBlockBytes = size_t(1) << kBlockShift;

enum BlockState : uint8_t {
  kFree,  // in the pool (dirty unless never used or given back)
  kAlloc, // allocation space; the from-space of a collection
  kCopy,  // to-space of the running collection
  kFrom,  // a concurrent cycle's from-space, from its flip to its release
};

struct Heap {
  uintptr_t base = 0;  // of the reservation
  size_t reserved = 0; // bytes reserved
  uint32_t nblocks = 0;
  std::atomic<uint8_t> *state = nullptr; // per block
  uint32_t *top = nullptr;               // per kCopy block: bytes used
  uint8_t *dirty = nullptr;              // per block: to be zeroed
  SpinLock lk;                           // guards the pool below
  uint32_t nfresh = 0;                   // blocks ever used: [0, nfresh)
  uint32_t committed = 0;                // blocks mapped read-write
  uint32_t *free_blocks = nullptr;       // a stack of free block indices
  uint32_t nfree = 0;
  std::atomic<uint32_t> in_use{0}; // blocks not kFree
  std::atomic<size_t> large_bytes{0};
  // Policy (docs/gc.md "Heap policy"). alloc_since counts blocks handed out
  // for allocation and large objects since the last collection.
  size_t limit = 0;
  size_t budget = 0;
  size_t live = 0; // bytes the last collection left
  unsigned growth = 100;
  std::atomic<size_t> alloc_since{0};
  bool verify = false;  // GT_GC_VERIFY
  std::atomic<bool> ready{false};
};
extern Heap heap;

// The heap is set up at the first allocation or collection (heap_ensure),
// so that programs that never allocate pay nothing (its reservation is
// costly under qemu-user); the limit comes from the gt_config that the
// running gt_run was given (heap_configure).
void heap_configure(const gt_config *config);
inline void heap_ensure() {
  void heap_init();
  if (!heap.ready.load(std::memory_order_acquire))
    heap_init();
}
inline bool in_blocks(uintptr_t p) { return p - heap.base < heap.reserved; }
inline uint32_t block_of(uintptr_t p) {
  return uint32_t((p - heap.base) >> kBlockShift);
}
inline uintptr_t block_addr(uint32_t b) {
  return heap.base + (uintptr_t(b) << kBlockShift);
}
inline BlockState block_state(uint32_t b) {
  return BlockState(heap.state[b].load(std::memory_order_relaxed));
}
// A block for `s` (kAlloc: zeroed; kCopy: as found), or 0 when the
// reservation is used up.
uintptr_t block_take(BlockState s);
// After a collection: every block in state `from` (from-space: kAlloc after
// a stop-the-world copy, kFrom at a concurrent cycle's release) goes back to
// the pool, every kCopy block becomes allocation space. With `protect`,
// freed blocks are made inaccessible until reused.
void blocks_flip(bool protect, BlockState from);
// A concurrent cycle's flip (cycle.cpp): every kAlloc block becomes kFrom
// (from-space, kept until the release) and every kCopy block allocation
// space; one pass over the block states.
void blocks_retag();
// Every kCopy block goes back to the pool (an abandoned replication).
void blocks_free_copy();
size_t heap_bytes(); // blocks in use + large objects

// Whether handing out `small` more block bytes and `large` more large-object
// bytes keeps the heap within its limit, counting a to-space as large as the
// small-object space for the next collection.
bool within_limit(size_t small, size_t large);
// Whether the allocation since the last collection is over its budget.
bool over_budget(size_t more);
// After a collection that left `live` bytes.
void set_budget(size_t live);
[[noreturn]] void exhausted(const gt_type *t, size_t bytes);

// --- the large-object space (large.cpp)
//
// Objects with payloads over GT_GC_LARGE_OBJECT bytes get mappings of their
// own, never move, and are marked (forwarded to themselves) and swept.
// The payload of a new zeroed large object of `obj` bytes (header included)
// whose header is `hdr` bytes, or 0 when the mapping fails.
uintptr_t large_alloc(size_t obj, size_t hdr);
// Unmaps the large object whose payload is `payload` at once (a replica
// given up); the object must not be reachable.
void large_free(uintptr_t payload);
// Frees the unmarked large objects and clears the marks of the others;
// returns the bytes that stay. Serial, during a collection. After
// large_freeze, only the objects that existed then are swept (a concurrent
// cycle's flip: the objects allocated between it and the release are live
// and unmarked); the sweep ends the freeze.
size_t large_sweep();
void large_freeze();
// Whether the large object `payload` was allocated since large_freeze (and
// before the sweep that ends it): a concurrent cycle's flip window.
bool large_young(uintptr_t payload);
// The payloads of all large objects, sorted (rebuilt by large_index();
// valid until the next large_alloc or sweep). For GT_GC_VERIFY.
void large_index();
size_t large_count();
uintptr_t large_at(size_t i);
bool large_contains(uintptr_t payload);
// Whether `payload` is a large object's, without the index (a walk of the
// list, under its lock): for checks while mutators run.
bool large_exists(uintptr_t payload);

// --- registered roots (roots.cpp)
// The slot table: root_table_size() entries, each a registered slot or
// null. Stable while roots_lock() is held (the collector holds it during a
// collection).
void roots_lock();
void roots_unlock();
void ***root_table();
size_t root_table_size();
// Visits every registered slot, under the lock (a concurrent cycle's stops,
// which walk the table alone).
struct RootVisitor;
void visit_registered_roots(RootVisitor &v);

// --- per-executor state (collect.cpp; arrived and gone are world.cpp's)
// The part of an executor's allocation block that the scheduler does not
// hand over (Executor::tlab_ptr/tlab_limit are the part it does), and the
// executor's copying state during a collection.
struct alignas(64) Local {
  uintptr_t tlab_start = 0, tlab_end = 0; // the block alloc_ptr bumps in
  uint64_t allocated = 0; // object bytes in retired blocks (atomic access)
  // copy.cpp: the to-space block this executor copies into, and the part of
  // it not scanned yet [scan, cur).
  uintptr_t scan = 0, cur = 0, end = 0;
  uint64_t copied = 0;
  std::atomic<bool> arrived{false}; // at this collection's rendezvous
  std::atomic<bool> gone{false};    // left its scheduler loop (gt_run ends)
};
extern Local *locals; // sched.n of them, one per executor
Local &local(Executor *e);

// Retires e's allocation block (counting what was allocated in it): the
// bump pointer is in the mailbox of e's running thread, if any, else in e.
void tlab_retire(Executor *e, Local &l);
void count_large_alloc(size_t bytes); // for gt_gc_stats (stats.cpp)

// --- stopping the world (world.cpp; the protocol is there)
// Sets GT_SIGNAL_GC in the mailbox of x's running thread, if it has one and
// want(t): the thread takes its poll's slow path (gc_safepoint). Thread
// records are never unmapped: a thread that switched out since the load gets
// a stale bit, which its next poll ignores.
template <class Want> void signal_running(Executor &x, Want want) {
  if (Thread *t = x.running.load(std::memory_order_acquire))
    if (want(t))
      __atomic_fetch_or(&t->mb.signals, GT_SIGNAL_GC, __ATOMIC_RELEASE);
}
void world_reset();                 // gt_run's start
void world_signal(Executor *self);  // GT_SIGNAL_GC to the running threads
void world_wake();                  // wakes the executors waiting in world_*
// A scheduler arrives while `phase` is Stopping and waits for every
// executor; the leader runs prepare(workers) alone. Returns the number of
// executors that arrived, the collection's workers.
uint32_t world_stop(Executor *e, void (*prepare)(uint32_t workers));
// After an executor's share of the work: the last of the workers runs
// `finish` alone, which must set `phase` to Idle, and counts the stop; the
// others return once it is counted.
void world_finish(void (*finish)());
uint64_t world_stops(); // stops ended so far
// The concurrent cycle's stops (cycle.cpp: its flip and its release):
// moves `phase` from Idle to Stopping (the cycle holds collections off, so
// nobody else may) and signals the executors, which stop the world as for
// a collection and run the cycle's prepare and finish.
void world_executor_gone(Executor *e); // left its scheduler loop
void world_request_stop();
// When every executor has left its scheduler loop (gt_run ends) while a
// stop is asked for: the caller runs prepare and finish itself; whether it
// did.
bool world_stop_unattended(void (*prepare)(uint32_t workers), void (*finish)());

// --- statistics (stats.cpp)
extern bool trace; // GT_GC_TRACE
void stats_configure();
void stats_collection(uint64_t n, uint64_t copied, uint64_t live,
                      uint64_t pause_start, uint64_t pause, uint64_t kind);
// A pause that ends no collection (a concurrent cycle's flip): part of
// collection n.
void stats_pause(uint64_t n, uint64_t start, uint64_t pause, uint64_t kind);
// A concurrent cycle's figures (cycle.cpp), after its stats_collection.
void stats_cycle(uint64_t mark_ns, uint64_t replayed, uint64_t new_objects,
                 bool overran, uint64_t assists);
void stats_run_end(uint64_t allocated); // by the executors of a gt_run

// --- scanning suspended stacks while threads run (threadscan.cpp; the
// protocol is there)
// Scans one thread's stack; the thread does not run, and its stack's bytes
// do not move, until scan() returns.
struct ThreadScanner {
  virtual void scan(Thread *t) = 0;

protected:
  ~ThreadScanner() = default;
};
// Starts a cycle with `s`; returns its number. (scan_on and the resume
// barrier are declared in internal.h, for the scheduler.) `world_stopped`:
// no executor runs its scheduler loop until the world restarts, which
// orders the start before every resume, so the process barrier is skipped.
uint64_t scan_begin(ThreadScanner *s, bool world_stopped);
// Claims and scans every suspended thread not scanned in this cycle; returns
// how many are left (running, or claimed by others). 0: the cycle's scan is
// complete.
size_t scan_sweep();
// Asks the running threads that are not scanned yet to switch out at their
// next poll (kGCHandshake), so that their schedulers scan them.
void scan_handshake(Executor *self);
// From a poll whose GT_SIGNAL_GC was set, when no collection stops the
// world: switches out for a scan if the thread is not scanned yet; whether
// it did.
bool scan_handshake_self();
void scan_end();

// --- collections (collect.cpp)
enum Phase : uint32_t { kIdle, kStopping, kPreparing, kCollecting, kFlipping };
extern std::atomic<uint64_t> collections;
// Asks for a collection (unless one is being asked for already); the
// caller, a green thread or a scheduler, then stops or joins it. False:
// collections are held off (hold_collections); nothing was asked for.
bool request(Executor *e);
// Asks for a collection and stops the calling green thread until it is
// over (or joins one that is being asked for); while collections are held
// off, yields instead.
void collect(Thread *self);
// GT_GC_TORTURE=N (torture.cpp; gc::torture_every, internal.h): read by
// gc_run_start; whether this allocation slow path is an Nth one.
void torture_configure();
bool torture_alloc();

// --- the concurrent collector (cycle.cpp; GT_GC=concurrent)
extern bool concurrent; // GT_GC=concurrent: the mode of this gt_run
// Asks the coordinator for a cycle unless one runs; never waits. Under a
// replication session's hold the coordinator ignores it.
bool cycle_request();
// The count `collections` must reach for a cycle that began after now.
uint64_t cycle_target();
// A scheduler joins the cycle's flip (gc_stop_executor).
void cycle_stop_executor(Executor *e);
// A mutator's safepoint (the poll's and the allocation's slow paths, after
// wlog_safepoint): while a cycle marks and the write log's backlog is long,
// the thread replays some of it itself (cycle.cpp, "Assists").
void cycle_assist();
// An executor about to sleep: a quantum of marking work (gc_idle_work).
bool cycle_idle(Executor *e);
void cycle_run_start(); // gc_run_start: starts the coordinator
void cycle_run_end();   // gc_run_end: stops it after its cycle, if any
// collect.cpp: a cycle may begin (no session holds collections off, none
// is asked for): from then until cycle_hold_end, sessions wait.
bool cycle_hold_begin();
void cycle_hold_end();
// The end of a collection's or a cycle's flip (collect.cpp), the world
// stopped and every root forwarded: the budget from the live bytes,
// from-space freed (blocks_flip), the heap verified under GT_GC_VERIFY,
// the root registries unlocked. The number the collection will have.
uint64_t release_from_space(size_t live);
// The same without the budget, for the concurrent cycle's release (its
// budget was set at its flip): from-space is the kFrom blocks.
uint64_t free_from_space(BlockState from);

// --- the parallel copy (copy.cpp)
void copy_prepare(uint32_t workers); // serial, before the copy
void copy_work(Local &l);            // every executor, in parallel
uint64_t copy_finish();              // serial, after: bytes copied

// --- replication (replica.cpp; its interface is gc/replica.h, its
// protocol is there)
// Replication sessions and collections exclude each other (collect.cpp).
// hold_collections: from a green thread; returns once no collection is
// being asked for or running (stopping for one meanwhile), after which none
// starts until release_collections().
void hold_collections(Thread *self);
void release_collections();

// --- GT_GC_VERIFY (verify.cpp): after the copy, before from-space is freed.
void verify_heap(uint64_t collection);

} // namespace gt::gc
