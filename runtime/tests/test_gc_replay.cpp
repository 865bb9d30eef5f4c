// Replication (gc/replica.cpp, issue 14 step 4): shade, transfer and replay
// of write-log entries against hand-made objects, checked against a model
// kept outside the heap.
//
// 1. Cases, one worker, on the main green thread: an overwritten pointer
//    that is the only reference left to its object (replay must shade it);
//    replay before transfer (skipped; the transfer reads the current value)
//    and after it; pointer stores; non-pointer stores of 16 bytes and
//    unaligned ones next to pointer fields (the window: a replay that
//    copied only the logged word leaves a stale replica, which the checker
//    is shown to catch first); an array of structs mixing both; range
//    entries (memcpy into bytes and into pointers, memset); a small NOPTRS
//    object; a large NOPTRS array (marked, never replicated) and large
//    pointer arrays (replicated into mappings of their own), before and
//    after their transfer. Counts are compared exactly.
// 2. Races: mutator green threads store into primaries (plain-width
//    relaxed atomic stores: pointers, words, 16-byte pairs, unaligned
//    sub-word stores, memcpy-like ranges into bytes and pointers), logging
//    each store as gc-barriers would (the entry first, {object, offset,
//    old} or a range) and sealing their logs every few stores (a release
//    store of the sealed count: their "safepoints"), yielding and polling
//    now and then; meanwhile OS threads acting as collector workers replay
//    sealed entries and transfer gray replicas. Each mutator owns the words
//    it writes (whole objects, or words of shared pointer arrays) so that
//    the model knows every final value; windows still copy other mutators'
//    words. At the end (no mutator running, every entry replayed, the
//    workers past replica_finish): replica_verify passes, every entry was
//    replayed once, and each replica reachable from the shaded roots equals
//    the model (pointer words: the replica of the model's target).
//    The odd rounds log through the runtime's own write log instead
//    (gc/wlog.cpp): wlog_on before the mutators start, entries through the
//    hooks into the executor's lent buffer, sealed at the mutators' real
//    safepoints (yields, polls, exit), flush rounds run by a worker while
//    the other replays, wlog_off at the end; the workers replay the
//    buffers wlog_sealed() hands out. (A round run from an OS thread while
//    the main green thread wanted its own once deadlocked: run_round's
//    rule 4 of wlog.cpp.)
// 3. A corrupt entry (an object outside the heap) is a fatal error.
//
// Collections. This file is not compiled with stack maps or barriers:
// objects are kept in registered root slots, and addresses are taken from
// them at the start of each session. A session holds stop-the-world
// collections off (hold_collections in collect.cpp): under GT_GC_TORTURE the
// polls, yields and parks inside a session would ask for one; they yield
// instead, and the test checks that no collection ran during any session.
// Nothing is allocated in the GC heap while a session is open (an
// allocation over budget would wait for the session's end). Each session
// ends with replica_abandon, which gives the heap back as it was; between
// sessions the test allocates garbage and collects (GT_GC_VERIFY checks the
// heap then), and checks the primaries against the model.
//
// Run by scripts/run-tests.py with 1 executor and one per CPU, plain, with
// GT_GC_VERIFY=1 and with GT_GC_TORTURE; smaller under qemu.
#include "check.h"
#include "replica_model.h"

#include "../src/gc/replica.h"
#include "../src/gc/wlog.h"

#include <gt/gc.h>
#include <gt/hooks.h>

#include <cstddef>
#include <cstdint>
#include <pthread.h>
#include <sched.h>
#include <vector>

namespace {

namespace gc = gt::gc;

#if defined(__aarch64__)
constexpr int kMutators = 3, kWorkers = 2, kOps = 10000, kRounds = 3;
constexpr int kNodes = 64, kArrays = 16;
#else
constexpr int kMutators = 4, kWorkers = 2, kOps = 40000, kRounds = 8;
constexpr int kNodes = 160, kArrays = 32;
#endif

using namespace replica_model;

// --- the model (replica_model.h)

std::vector<Model> model;
Ref *roots;      // registered root slots, one per object
uintptr_t *addr; // the objects' addresses during a session

// Allocates object i of kind k (may collect: addresses are re-read after).
void make(size_t i, Kind k, size_t len, int owner) {
  roots[i] = alloc(k, len);
  model[i] = blank(k, len, owner);
}

uintptr_t address(size_t i) {
  return reinterpret_cast<uintptr_t>(gt_gc_raw(roots[i]));
}
void take_addresses() {
  for (size_t i = 0; i < model.size(); ++i)
    addr[i] = address(i);
}

// A word store into object i's primary and the model (no entry).
void poke(size_t i, size_t word, uint64_t v) {
  model[i].words[word] = v;
  store_word(addr[i], model[i], word, v, addr);
}
// Bytes [off, off + n) of object i (a NOPTRS one, or non-pointer words).
void poke_bytes(size_t i, size_t off, const uint8_t *src, size_t n) {
  auto *mb = reinterpret_cast<uint8_t *>(model[i].words.data());
  for (size_t k = 0; k < n; ++k) {
    mb[off + k] = src[k];
    __atomic_store_n(reinterpret_cast<uint8_t *>(addr[i] + off + k), src[k],
                     __ATOMIC_RELAXED);
  }
}

// Checks every primary against the model.
void check_primaries() {
  for (size_t i = 0; i < model.size(); ++i) {
    const Model &m = model[i];
    uintptr_t p = address(i);
    CHECK(gc::fwd_word(p).load() == 0);
    for (size_t w = 0; w < m.words.size(); ++w) {
      uint64_t v = m.words[w];
      uint64_t want = is_ptr(m, w) ? (v ? address(v - 1) : 0) : v;
      CHECK(heap_word(p, w) == want);
    }
  }
}

// Checks the replica of every object reachable in the model from `from`
// (shaded roots): shaded, transferred and equal to the model. Returns how
// many replicas it checked.
size_t check_replicas(const std::vector<size_t> &from) {
  std::vector<char> seen(model.size());
  std::vector<size_t> todo(from);
  size_t checked = 0;
  while (!todo.empty()) {
    size_t i = todo.back();
    todo.pop_back();
    if (seen[i])
      continue;
    seen[i] = 1;
    const Model &m = model[i];
    uintptr_t r = replica_of(addr[i]);
    CHECK(r != 0);
    if (m.kind == kBigBytes || r == addr[i]) {
      CHECK(m.kind == kBigBytes && r == addr[i]); // marked, not replicated
      continue;
    }
    CHECK(transferred(r));
    ++checked;
    for (size_t w = 0; w < m.words.size(); ++w) {
      uint64_t v = m.words[w];
      if (!is_ptr(m, w)) {
        CHECK(heap_word(r, w) == v);
        continue;
      }
      if (!v) {
        CHECK(heap_word(r, w) == 0);
        continue;
      }
      CHECK(heap_word(r, w) == replica_of(addr[v - 1]));
      todo.push_back(v - 1);
    }
  }
  return checked;
}

uint64_t collections() {
  struct gt_gc_stats s;
  gt_gc_stats(&s);
  return s.collections;
}

void garbage(int n) {
  for (int i = 0; i < n; ++i)
    gt_gc_alloc(T(&leaf_type), sizeof(Leaf));
}

// A function with safepoint polls: under GT_GC_TORTURE some of them ask
// for a collection (which a session holds off).
SS_SAFEPOINTS __attribute__((noinline)) long spin(long n) {
  long x = 0;
  for (long i = 0; i < n; ++i)
    x = x * 31 + i;
  return x;
}

gt_wlog_entry entry(size_t i, size_t off, uintptr_t old) {
  return gt_wlog_entry{addr[i], off, old};
}
gt_wlog_entry range(size_t i, size_t off, size_t len) {
  return gt_wlog_entry{addr[i] | GT_WLOG_RANGE, off, len};
}

// --- 1. the cases

void cases() {
  // Objects: A, B, C, D nodes; X only reachable through A.left; a leaf; a
  // Ref[10]; a Pair[8]; a byte[300]; a large byte[20000]; large Ref[3000]s
  // BR (shaded early) and BR2 (replayed before its transfer).
  enum { A, B, C, D, X, L, R, P, Y, BB, BR, BR2, kCount };
  model.assign(kCount, Model{});
  roots = new Ref[kCount]();
  addr = new uintptr_t[kCount]();
  for (int i = 0; i < kCount; ++i)
    gt_gc_add_root(&roots[i]);
  for (int i : {A, B, C, D, X})
    make(i, kNode, 0, 0);
  make(L, kLeaf, 0, 0);
  make(R, kRefs, 10, 0);
  make(P, kPairs, 8, 0);
  make(Y, kBytes, 300, 0);
  make(BB, kBigBytes, 20000, 0);
  make(BR, kBigRefs, 3000, 0);
  make(BR2, kBigRefs, 3000, 0);
  take_addresses();
  for (int i : {A, B, C, D, X})
    for (size_t w : {1, 2, 3})
      poke(i, w, 1000 * i + w);
  poke(A, 0, X + 1);
  poke(A, 4, B + 1);
  poke(B, 0, C + 1);
  poke(X, 4, D + 1);
  for (size_t k = 0; k < 10; ++k)
    poke(R, k, k % 3 ? C + 1 : 0);
  for (size_t k = 0; k < 8; ++k) {
    poke(P, 3 * k, 10 + k);
    poke(P, 3 * k + 1, k % 2 ? D + 1 : L + 1);
    poke(P, 3 * k + 2, 20 + k);
  }
  for (size_t k = 0; k < 3000; k += 7) {
    poke(BR, k, k % 2 ? A + 1 : P + 1);
    poke(BR2, k, D + 1);
  }
  gt_gc_remove_root(&roots[X]); // only A.left holds it now
  gt_gc_collect();
  uint64_t before = collections();

  gc::replica_begin(1);
  take_addresses();
  addr[X] = heap_word(addr[A], 0); // roots[X] is stale: X moved
  gc::Replicator &w = gc::replica_worker(0);

  // The only reference left: a thread whose stack is scanned (black) loads
  // A.left (X) and clears it; the entry's old value is X. Replay must shade
  // X, else nothing would (A's transfer reads the null).
  poke(A, 0, 0);
  gc::replay(w, entry(A, 0, addr[X]));
  CHECK(replica_of(addr[X]) != 0);
  // Before transfer: A was shaded by that replay, not transferred, so
  // replaying skips it; the next store is read by the transfer.
  uintptr_t ra = replica_of(addr[A]);
  CHECK(ra && !transferred(ra));
  poke(A, 1, 11);
  gc::replay(w, entry(A, 8, 0));
  CHECK(gc::replica_counts().replay_skipped == 2);
  CHECK(gc::replica_counts().replay_copied == 0);
  poke(A, 1, 12); // logged; its entry is replayed after the transfer
  // The large pointer array BR2 before its transfer.
  poke(BR2, 2999, C + 1);
  gc::replay(w, entry(BR2, 2999 * 8, addr[D]));
  CHECK(!transferred(replica_of(addr[BR2])));
  // Roots: shade the rest, drain (transfers everything gray).
  std::vector<size_t> shaded_roots;
  for (int i : {A, B, C, D, L, R, P, Y, BB, BR, BR2}) {
    gc::shade(w, addr[i]);
    shaded_roots.push_back(size_t(i));
  }
  gc::replica_drain(w);
  CHECK(heap_word(ra, 1) == 12 && heap_word(ra, 0) == 0);
  CHECK(transferred(replica_of(addr[X])) && transferred(replica_of(addr[BR2])));
  CHECK(heap_word(replica_of(addr[BR2]), 2999) == replica_of(addr[C]));
  gc::replay(w, entry(A, 8, 0));
  CHECK(gc::replica_verify(false).bad_words == 0);

  // After transfer, the window: a 16-byte store at A+8 (a and b) is one
  // entry. The replica is stale until replayed, and the checker sees it.
  poke(A, 1, 31);
  poke(A, 2, 32);
  CHECK(gc::replica_verify(false).bad_words == 2);
  gc::replay(w, entry(A, 8, 0));
  CHECK(heap_word(ra, 1) == 31 && heap_word(ra, 2) == 32);
  // An unaligned 4-byte store at A+20 (b's upper half) and one of 8 bytes at
  // A+20 (b's upper half, c's lower half): the entry's offset is unaligned.
  const uint8_t four[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  poke_bytes(A, 20, four, 4);
  gc::replay(w, entry(A, 20, 0));
  poke_bytes(A, 20, four, 8);
  gc::replay(w, entry(A, 20, 0));
  CHECK(heap_word(ra, 2) == model[A].words[2] &&
        heap_word(ra, 3) == model[A].words[3]);
  // Pointer store: A.right = D, the old value B.
  poke(A, 4, D + 1);
  gc::replay(w, entry(A, 32, addr[B]));
  CHECK(heap_word(ra, 4) == replica_of(addr[D]));
  // The stack's X stored into B.right (old null): the replay forwards it.
  poke(B, 4, X + 1);
  gc::replay(w, entry(B, 32, 0));
  // Pair[]: a 16-byte store of P[2].x and P[3].tag, one entry at P[2].x;
  // the window crosses P[3].ref, a pointer (harmless: forwarded).
  poke(P, 3 * 2 + 2, 77);
  poke(P, 3 * 3, 78);
  gc::replay(w, entry(P, 2 * sizeof(Pair) + 16, 0));
  CHECK(heap_word(replica_of(addr[P]), 9) == 78);
  // A pointer store into the Pair[] (P[5].ref = A, old D).
  poke(P, 3 * 5 + 1, A + 1);
  gc::replay(w, entry(P, 5 * sizeof(Pair) + 8, addr[D]));
  // Ranges: memcpy into the bytes (unaligned), memset of Ref[] words
  // (the overwritten pointers are lost: the known gap until step 11; C is a
  // root here), memcpy of pointers into the Ref[] and into BR.
  uint8_t bytes[100];
  for (int k = 0; k < 100; ++k)
    bytes[k] = uint8_t(k * 7 + 1);
  poke_bytes(Y, 5, bytes, 100);
  gc::replay(w, range(Y, 5, 100));
  for (size_t k = 1; k < 4; ++k)
    poke(R, k, 0);
  gc::replay(w, range(R, 8, 24));
  for (size_t k = 5; k < 9; ++k)
    poke(R, k, k % 2 ? A + 1 : L + 1);
  gc::replay(w, range(R, 40, 32));
  for (size_t k = 100; k < 116; ++k)
    poke(BR, k, B + 1);
  gc::replay(w, range(BR, 800, 128));
  // The NOPTRS leaf, and the large NOPTRS array (marked, no replica).
  poke(L, 2, 55);
  gc::replay(w, entry(L, 16, 0));
  poke_bytes(BB, 1001, bytes, 10);
  gc::replay(w, entry(BB, 1001, 0));
  CHECK(replica_of(addr[BB]) == addr[BB]);
  // A pointer store into BR after its transfer.
  poke(BR, 2999, X + 1);
  gc::replay(w, entry(BR, 2999 * 8, 0));

  gc::replica_finish(w);
  gc::ReplicaCheck c = gc::replica_verify(true);
  gc::ReplicaCounts n = gc::replica_counts();
  shaded_roots.push_back(X); // the black stack's reference
  size_t checked = check_replicas(shaded_roots);
  std::printf(
      "gc replay cases: %zu primaries (%zu transferred, %zu "
      "untransferred, %zu marked), %zu words (%zu pointers) "
      "coherent; %llu replays (%llu copied, %llu skipped, %llu "
      "words), %llu replicas, %llu large, %llu transfers; %zu "
      "replicas equal the model\n",
      c.primaries, c.transferred, c.untransferred, c.marked, c.words,
      c.pointer_words, (unsigned long long)n.replays,
      (unsigned long long)n.replay_copied, (unsigned long long)n.replay_skipped,
      (unsigned long long)n.replay_words, (unsigned long long)n.replicas,
      (unsigned long long)n.large_replicas, (unsigned long long)n.transfers,
      checked);
  // A B C D X L R P Y: 9 small replicas; BR, BR2 large; BB marked.
  CHECK(n.replicas == 9 && n.large_replicas == 2 && n.large_marked == 1);
  CHECK(n.transfers == 11 && c.transferred == 11 && c.untransferred == 0);
  CHECK(c.marked == 1 && c.primaries == 12 && c.bad_words == 0);
  CHECK(n.replays == 18 && n.replay_skipped == 3 && n.replay_copied == 14);
  CHECK(checked == 11);
  gc::replica_abandon();
  CHECK(collections() == before);
  for (int i = 0; i < kCount; ++i)
    CHECK(gc::fwd_word(addr[i]).load() == 0);

  // The heap is as it was: collect and compare (X is B.right's now).
  roots[X] = gt_gc_ref(addr[X]);
  gt_gc_add_root(&roots[X]);
  garbage(2000);
  gt_gc_collect();
  check_primaries();
  for (int i = 0; i < kCount; ++i)
    gt_gc_remove_root(&roots[i]);
  delete[] roots;
  delete[] addr;
}

// --- 2. races

struct Log {
  gt_wlog_entry *e;
  size_t n = 0;                  // written (mutator only)
  std::atomic<size_t> sealed{0}; // replayable
  std::atomic<size_t> taken{0};  // claimed by workers
};
Log logs[kMutators];
// Odd rounds log through the runtime's write log (gc/wlog.cpp: the
// executor's buffer lent to the mutator, sealed at its real safepoints,
// queued) and the workers replay what wlog_sealed() hands them; even rounds
// use the per-mutator logs above, sealed by hand.
std::atomic<bool> via_wlog{false};
std::atomic<long> wlog_buffers{0}, wlog_rounds{0};
std::atomic<bool> mutators_done{false};
gt_waitgroup_t mutators_wg;
std::atomic<long> yields{0}, polls{0};

struct Mutator {
  int id;
  uint64_t rnd;
  size_t since_seal = 0, interval = 1;

  void log(const gt_wlog_entry &x) {
    logs[id].e[logs[id].n++] = x; // the record of what was logged
    if (via_wlog.load(std::memory_order_relaxed)) {
      CHECK(gt_hook_write_barrier_active());
      *gt_hook_write_barrier_reserve(1) = x;
    }
  }
  void maybe_seal() {
    if (++since_seal < interval)
      return;
    if (!via_wlog.load(std::memory_order_relaxed)) // else: at safepoints
      logs[id].sealed.store(logs[id].n, std::memory_order_release);
    since_seal = 0;
    interval = 1 + next_rand(rnd) % 8;
    if (next_rand(rnd) % 64 == 0) {
      gt_yield();
      yields.fetch_add(1, std::memory_order_relaxed);
    }
    if (next_rand(rnd) % 64 == 0) {
      spin(50);
      polls.fetch_add(1, std::memory_order_relaxed);
    }
  }
  size_t target() { // an object index + 1, or 0 (null)
    uint64_t r = next_rand(rnd) % (model.size() + 4);
    return r < model.size() ? size_t(r) + 1 : 0;
  }
  bool owns(size_t i, size_t word) const {
    const Model &m = model[i];
    if (m.owner >= 0)
      return m.owner == id;
    if (m.kind == kBigRefs) // by region
      return word * kMutators / m.words.size() == size_t(id);
    return (i + word) % kMutators == size_t(id);
  }

  void pointer_store(size_t i, size_t w) {
    uint64_t old = model[i].words[w];
    size_t v = target();
    log(entry(i, 8 * w, old ? addr[old - 1] : 0));
    poke(i, w, v);
  }
  void op() {
    size_t i, w;
    do { // a word of its own
      i = next_rand(rnd) % model.size();
      w = next_rand(rnd) % model[i].words.size();
    } while (!owns(i, w));
    Model &m = model[i];
    size_t nw = m.words.size();
    uint64_t r = next_rand(rnd);
    switch (m.kind) {
    case kNode:
    case kLeaf:
    case kPairs:
      if (is_ptr(m, w))
        return pointer_store(i, w);
      if (r % 3 == 0 && w + 1 < nw && !is_ptr(m, w + 1)) { // 16 bytes
        log(entry(i, 8 * w, 0));
        poke(i, w, r);
        poke(i, w + 1, ~r);
      } else if (r % 3 == 1) { // unaligned, within the word
        uint8_t b[4] = {uint8_t(r >> 8), uint8_t(r >> 16), uint8_t(r >> 24),
                        uint8_t(r >> 32)};
        size_t off = 8 * w + 1 + (r >> 40) % 4;
        log(entry(i, off, 0));
        poke_bytes(i, off, b, 3);
      } else {
        log(entry(i, 8 * w, 0));
        poke(i, w, r);
      }
      return;
    case kRefs:
      return pointer_store(i, w);
    case kBigRefs:
      if (r % 4 == 0) { // memcpy of pointers within the own region
        size_t k = 1 + (r >> 8) % 8;
        for (size_t j = 0; j < k; ++j)
          if (w + j >= nw || !owns(i, w + j))
            return;
        log(range(i, 8 * w, 8 * k));
        for (size_t j = 0; j < k; ++j)
          poke(i, w + j, target());
        return;
      }
      return pointer_store(i, w);
    default: { // bytes: single stores of up to 16 bytes, or ranges
      uint8_t b[200];
      size_t bytes = m.len, off = (r >> 8) % bytes;
      bool is_range = r % 2;
      size_t len = 1 + (r >> 32) % (is_range ? 200 : 16);
      if (len > bytes - off)
        len = bytes - off;
      if (m.kind == kBigBytes) { // by region
        size_t region = bytes / kMutators;
        off = id * region + off % (region - 16);
        if (len > 16)
          len = 16;
      }
      for (size_t j = 0; j < len; ++j)
        b[j] = uint8_t(r >> (j % 8 * 8)) ^ uint8_t(j);
      log(is_range ? range(i, off, len) : entry(i, off, 0));
      poke_bytes(i, off, b, len);
      return;
    }
    }
  }
};

void mutator(void *arg) {
  uint64_t a = uint64_t(reinterpret_cast<intptr_t>(arg)); // round << 8 | id
  Mutator m{int(a & 0xff), 0x9E3779B97F4A7C15ull * (a + 7)};
  for (int k = 0; k < kOps; ++k) {
    m.op();
    m.maybe_seal();
  }
  if (!via_wlog.load(std::memory_order_relaxed))
    logs[m.id].sealed.store(logs[m.id].n, std::memory_order_release);
  gt_waitgroup_done(&mutators_wg); // via_wlog: the exit's switch seals
}

// Claims up to 16 sealed entries of some log and replays them; whether it
// found any.
bool replay_some(gc::Replicator &w, uint32_t seed) {
  for (int k = 0; k < kMutators; ++k) {
    Log &l = logs[(seed + k) % kMutators];
    size_t t = l.taken.load(std::memory_order_relaxed);
    size_t s = l.sealed.load(std::memory_order_acquire);
    while (t < s) {
      size_t to = t + 16 < s ? t + 16 : s;
      if (l.taken.compare_exchange_weak(t, to, std::memory_order_relaxed)) {
        for (size_t j = t; j < to; ++j)
          gc::replay(w, l.e[j]);
        return true;
      }
    }
  }
  return false;
}

std::vector<size_t> shaded_roots;

// Replays one sealed buffer of the runtime's write log; whether there was
// one.
bool replay_wlog(gc::Replicator &w) {
  gc::LogBuffer *b = gc::wlog_sealed();
  if (!b)
    return false;
  for (uint32_t j = 0; j < b->count; ++j)
    gc::replay(w, b->e[j]);
  gc::wlog_recycle(b);
  wlog_buffers.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void *worker(void *arg) {
  uint32_t id = uint32_t(reinterpret_cast<intptr_t>(arg));
  gc::Replicator &w = gc::replica_worker(id);
  for (size_t j : shaded_roots) // every worker: their shade CASes race
    gc::shade(w, addr[j]);
  bool wlog = via_wlog.load(std::memory_order_relaxed);
  for (uint32_t round = 0, idle = 0;; ++round) {
    // via_wlog: done is set after wlog_off, which queues every entry.
    bool done = mutators_done.load(std::memory_order_acquire);
    bool any = wlog ? replay_wlog(w) : replay_some(w, id + round);
    gc::replica_drain(w);
    if (wlog) {
      if (!any && done)
        break; // the queue is empty and nothing more will be queued
      // Now and then a round, so that entries in executors' current
      // buffers are queued before they fill (as the collector will), while
      // the other worker replays.
      if (id == 0 && ++idle % 16 == 1 && !done) {
        gc::wlog_round();
        wlog_rounds.fetch_add(1, std::memory_order_relaxed);
      }
      if (!any)
        sched_yield();
      continue;
    }
    if (!any && done) {
      bool left = false;
      for (Log &l : logs)
        left |= l.taken.load() < l.sealed.load(std::memory_order_acquire);
      if (!left)
        break;
    }
    if (!any)
      sched_yield();
  }
  gc::replica_finish(w);
  return nullptr;
}

void races() {
  // Objects: nodes and leaves owned by one mutator each, Ref[16]s written
  // word by word by all, Pair[8]s and byte[256]s owned by one, a large
  // Ref[2048] and a large byte[20000] cut into regions.
  size_t n = size_t(kNodes) + 3 * kArrays + 2;
  model.assign(n, Model{});
  roots = new Ref[n]();
  addr = new uintptr_t[n]();
  for (size_t i = 0; i < n; ++i)
    gt_gc_add_root(&roots[i]);
  size_t i = 0;
  for (int k = 0; k < kNodes; ++k, ++i)
    make(i, k % 5 == 4 ? kLeaf : kNode, 0, k % kMutators);
  for (int k = 0; k < kArrays; ++k, ++i)
    make(i, kRefs, 16, -1);
  for (int k = 0; k < kArrays; ++k, ++i)
    make(i, kPairs, 8, k % kMutators);
  for (int k = 0; k < kArrays; ++k, ++i)
    make(i, kBytes, 256, k % kMutators);
  make(i++, kBigRefs, 2048, -1);
  make(i++, kBigBytes, 20000, -1);
  take_addresses();
  // A sparse random graph: most objects are reached first through a
  // mutator's write (and its replay), not from the roots.
  uint64_t seed = 12345;
  for (size_t j = 0; j < n; ++j)
    for (size_t w = 0; w < model[j].words.size(); ++w)
      poke(j, w,
           is_ptr(model[j], w)
               ? (next_rand(seed) % 8 ? 0 : next_rand(seed) % n + 1)
               : next_rand(seed));
  for (Log &l : logs)
    l.e = new gt_wlog_entry[kOps];
  uint64_t replays = 0, entries = 0, lock_waits = 0, copied = 0, skipped = 0;
  uint64_t replicas = 0, checked = 0, lost = 0;
  for (int round = 0; round < kRounds; ++round) {
    garbage(3000); // collections move everything between rounds
    gt_gc_collect();
    check_primaries();
    uint64_t before = collections();
    gc::replica_begin(kWorkers);
    take_addresses();
    for (Log &l : logs) {
      l.n = 0;
      l.sealed.store(0);
      l.taken.store(0);
    }
    mutators_done.store(false);
    bool wlog = round % 2 == 1;
    via_wlog.store(wlog);
    if (wlog)
      gc::wlog_on();
    // Roots: an eighth of the objects, shaded by the workers as they start.
    shaded_roots.clear();
    for (size_t j = size_t(round); j < n; j += 8)
      shaded_roots.push_back(j);
    pthread_t th[kWorkers];
    for (int k = 0; k < kWorkers; ++k)
      CHECK(pthread_create(&th[k], nullptr, worker,
                           reinterpret_cast<void *>(intptr_t(k))) == 0);
    gt_waitgroup_add(&mutators_wg, kMutators);
    for (int k = 0; k < kMutators; ++k)
      gt_detach(gt_spawn(mutator,
                         reinterpret_cast<void *>(intptr_t(round << 8 | k)),
                         nullptr));
    gt_waitgroup_wait(&mutators_wg);
    if (wlog)
      gc::wlog_off(); // every entry sealed and queued
    mutators_done.store(true, std::memory_order_release);
    for (int k = 0; k < kWorkers; ++k)
      pthread_join(th[k], nullptr);
    // Quiescent: every entry replayed, nothing gray.
    gc::ReplicaCheck c = gc::replica_verify(true);
    gc::ReplicaCounts cn = gc::replica_counts();
    size_t logged = 0;
    for (Log &l : logs)
      logged += l.n;
    CHECK(cn.replays == logged);
    CHECK(c.untransferred == 0 && c.bad_words == 0);
    CHECK(cn.transfers == cn.replicas + cn.large_replicas);
    // Every object a mutator wrote was shaded by the replay.
    for (Log &l : logs)
      for (size_t j = 0; j < l.n; ++j)
        CHECK(replica_of(l.e[j].object & ~uintptr_t(GT_WLOG_RANGE)) != 0);
    checked += check_replicas(shaded_roots);
    entries += logged;
    replays += cn.replays;
    copied += cn.replay_copied;
    skipped += cn.replay_skipped;
    lock_waits += cn.lock_waits;
    replicas += cn.replicas + cn.large_replicas;
    lost += cn.lost;
    gc::replica_abandon();
    CHECK(collections() == before);
  }
  garbage(3000);
  gt_gc_collect();
  check_primaries();
  std::printf("gc replay races: %d rounds, %d mutators x %d ops, %d workers: "
              "%llu entries, %llu replayed (%llu copied, %llu skipped), "
              "%llu replicas (%llu shade races lost), %llu lock waits, %ld "
              "yields, %ld polls; %llu replicas equal the model\n",
              kRounds, kMutators, kOps, kWorkers, (unsigned long long)entries,
              (unsigned long long)replays, (unsigned long long)copied,
              (unsigned long long)skipped, (unsigned long long)replicas,
              (unsigned long long)lost, (unsigned long long)lock_waits,
              yields.load(), polls.load(), (unsigned long long)checked);
  std::printf("gc replay races: the odd rounds through the write log: %ld "
              "sealed buffers replayed, %ld rounds by a worker\n",
              wlog_buffers.load(), wlog_rounds.load());
  CHECK(kRounds < 2 || (wlog_buffers.load() > 0 && wlog_rounds.load() > 0));
  CHECK(replays == entries &&
        entries > uint64_t(kRounds) * kMutators * kOps * 9 / 10);
  CHECK(copied > 0 && skipped > 0);
  for (Log &l : logs)
    delete[] l.e;
  for (size_t j = 0; j < n; ++j)
    gt_gc_remove_root(&roots[j]);
  delete[] roots;
  delete[] addr;
}

// --- 3. a corrupt entry

void corrupt(void *) {
  alignas(16) static long outside[4];
  gc::replica_begin(1);
  gc::replay(gc::replica_worker(0),
             gt_wlog_entry{reinterpret_cast<uintptr_t>(&outside[2]), 0, 0});
}

void main_thread(void *) {
  cases();
  races();
  std::puts("gc replay: OK");
}

} // namespace

int main() {
  // The odd rounds turn the write log on as a concurrent collection does;
  // GT_GC_LOG=1 (run-tests.py's VERIFY mode) is the stop-the-world one's.
  unsetenv("GT_GC_LOG");
  expect_fatal("an entry outside the heap", corrupt,
               "is not in the GC heap (neither in its blocks nor a large "
               "object): a corrupt write log");
  run(main_thread);
  return 0;
}
