// Replication of objects allocated during a replication session
// (gc/newobj.cpp, issue 14 step 5), checked against a model kept outside
// the heap.
//
// 1. Cases, one worker, on the main green thread, twice: after replica_begin
//    and wlog_on, old objects are shaded and transferred; then the main
//    thread allocates N, writes its fields without entries (as compiled code
//    does for an object allocated in the same interval), publishes it into
//    an old object with a logged store, and a worker replays another
//    thread's (hand-made, sealed) entry that stores N elsewhere: N is
//    replicated and transferred *early*. The main thread, still in N's
//    interval, writes N again without entries (the checker sees the stale
//    replica), allocates a plain object, an array of structs and a large
//    pointer array pointing at old and new objects, and a large NOPTRS array,
//    and yields (a safepoint: the switch-out seals its executor's cursor).
//    newobj_drain then walks them: N is transferred again, the others shaded;
//    counts are compared exactly. The first time the walk skips the
//    re-transfer (newobj_drain's test-only argument), and replica_verify must
//    find exactly N's two stale words: the check that shows this test can
//    fail. The second time logged stores into the new objects follow, the
//    write log is turned off, its buffers replayed, and every replica must
//    equal the model. replica_abandon must leave every forwarding word of
//    old and new objects clear and the primaries as the model says.
// 2. Races: mutator green threads allocate new objects (plain, arrays of
//    structs, now and then a large pointer array) and initialize them without
//    entries right after allocating each one (before any other allocation,
//    call or poll: the only unlogged window the compiler would leave), with
//    pointers to old objects, to their own new objects and to other
//    mutators' new objects read from a shared board; they publish new
//    objects on the board and store them into old objects with logged stores
//    (so other threads' entries make workers replicate new objects early),
//    sometimes keep writing the newest object unlogged for a while (the window
//    in which an early replica goes stale), write older objects with logged
//    stores, yield and poll. Meanwhile OS threads acting as workers replay
//    sealed buffers (wlog_sealed), walk the regions (newobj_drain), transfer,
//    and run rounds (wlog_round). At the end (wlog_off, everything replayed,
//    walked and drained): replica_verify passes, the walk met exactly the
//    objects the mutators allocated, every new object has a transferred
//    replica, and every replica equals the model. ("Early" counts the new
//    objects the walk found transferred already, by a replay that reached
//    them first; only a few of those were copied before their allocator's
//    seal: with the re-transfer skipped, a run of the races showed a stale
//    word in one round of eight, so the cases above are what proves it.)
//
// Collections are held off during sessions (as in test_gc_replay, which
// this follows): the test checks that none ran, and allocates well within
// the collection budget (16 MiB after a collection) so that no allocation
// waits for the session's end. Run by scripts/run-tests.py with 1 executor
// and one per CPU, plain, with GT_GC_VERIFY=1 (the allocation's slow path
// on every allocation: a safepoint before each) and GT_GC_TORTURE=200;
// smaller under qemu.
#include "check.h"
#include "replica_model.h"

#include "../src/gc/replica.h"
#include "../src/gc/wlog.h"

#include <gt/gc.h>
#include <gt/hooks.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <pthread.h>
#include <sched.h>
#include <vector>

namespace {

namespace gc = gt::gc;

#if defined(__aarch64__)
constexpr int kMutators = 3, kWorkers = 2, kOps = 8000, kRounds = 3;
#else
constexpr int kMutators = 4, kWorkers = 2, kOps = 16000, kRounds = 8;
#endif
constexpr int kOwnOld = 24;      // old nodes per mutator
constexpr int kBoard = 8;        // board entries per mutator
constexpr size_t kBigLen = 1100; // a large Ref[] (8800 bytes)

using namespace replica_model;

// --- the model (replica_model.h)

Model *model;    // capacity for every object of a session
uintptr_t *addr; // addresses (fixed during a session)
size_t nobj;     // objects [0, nobj) are in use (old ones first)

// Allocates object i (a zeroed payload) and returns its address.
uintptr_t make(size_t i, Kind k, size_t len) {
  Ref r = alloc(k, len);
  model[i] = blank(k, len);
  addr[i] = reinterpret_cast<uintptr_t>(gt_gc_raw(r));
  return addr[i];
}

// A word store into object i's primary and the model, without an entry.
void poke(size_t i, size_t word, uint64_t v) {
  model[i].words[word] = v;
  store_word(addr[i], model[i], word, v, addr);
}
// The same store with its entry first (as gc-barriers emits it), into the
// executor's write log lent to the calling thread.
void logged_poke(size_t i, size_t word, uint64_t v) {
  CHECK(gt_hook_write_barrier_active());
  uint64_t old = is_ptr(model[i], word) && model[i].words[word]
                     ? addr[model[i].words[word] - 1]
                     : 0;
  *gt_hook_write_barrier_reserve(1) = gt_wlog_entry{addr[i], 8 * word, old};
  poke(i, word, v);
}

// Object i's replica equals the model (a NOPTRS large array: marked).
void check_replica(size_t i) {
  const Model &m = model[i];
  uintptr_t r = replica_of(addr[i]);
  CHECK(r != 0);
  if (r == addr[i]) { // marked, not replicated
    CHECK(m.kind == kBytes &&
          payload_bytes(m.kind, m.len) > GT_GC_LARGE_OBJECT);
    return;
  }
  CHECK(transferred(r));
  for (size_t w = 0; w < m.words.size(); ++w) {
    uint64_t v = m.words[w];
    if (!is_ptr(m, w))
      CHECK(heap_word(r, w) == v);
    else
      CHECK(heap_word(r, w) == (v ? replica_of(addr[v - 1]) : 0));
  }
}

// The primaries equal the model and carry no forwarding word.
void check_primaries() {
  for (size_t i = 0; i < nobj; ++i) {
    const Model &m = model[i];
    CHECK(gc::fwd_word(addr[i]).load() == 0);
    for (size_t w = 0; w < m.words.size(); ++w) {
      uint64_t v = m.words[w];
      CHECK(heap_word(addr[i], w) == (is_ptr(m, w) && v ? addr[v - 1] : v));
    }
  }
}

uint64_t collections() {
  struct gt_gc_stats s;
  gt_gc_stats(&s);
  return s.collections;
}

// Replays every sealed buffer of the write log; the entries replayed.
size_t replay_all(gc::Replicator &w) {
  size_t n = 0;
  while (gc::LogBuffer *b = gc::wlog_sealed()) {
    for (uint32_t j = 0; j < b->count; ++j)
      gc::replay(w, b->e[j]);
    n += b->count;
    gc::wlog_recycle(b);
  }
  return n;
}

// A function with safepoint polls.
SS_SAFEPOINTS __attribute__((noinline)) long spin(long n) {
  long x = 0;
  for (long i = 0; i < n; ++i)
    x = x * 31 + i;
  return x;
}

// --- 1. the cases

void cases(bool retransfer) {
  enum { O, P, S, N, M, Q, L, BB, kCount };
  model = new Model[kCount];
  addr = new uintptr_t[kCount]();
  Ref roots[3] = {};
  for (Ref &r : roots)
    gt_gc_add_root(&r);
  // Old objects: nodes O and P, a Ref[4] S (kept in roots; taken again
  // after the collection, which moves them).
  // Rooted at once: an allocation may collect (GT_GC_TORTURE).
  roots[O] = gt_gc_ref(make(O, kNode, 0));
  roots[P] = gt_gc_ref(make(P, kNode, 0));
  roots[S] = gt_gc_ref(make(S, kRefs, 4));
  gt_gc_collect();
  for (int i : {O, P, S})
    addr[i] = reinterpret_cast<uintptr_t>(gt_gc_raw(roots[i]));
  nobj = 3;
  poke(O, 1, 11);
  poke(P, 2, 22);
  poke(S, 0, O + 1);
  uint64_t before = collections();

  gc::replica_begin(1);
  gc::wlog_on(); // the main thread's executor opens its region here
  gc::Replicator &w = gc::replica_worker(0);
  for (int i : {O, P, S})
    gc::shade(w, addr[i]);
  gc::replica_drain(w);

  // N: allocated and written in one interval, without entries.
  nobj = kCount;
  make(N, kNode, 0);
  poke(N, 1, 1);
  poke(N, 2, 2);
  poke(N, 0, P + 1);
  logged_poke(O, 0, N + 1); // published (its entry is not sealed yet)
  // Another thread read O.left, stored N into P.right, passed a safepoint:
  // its entry is replayed, and N replicated and transferred early.
  poke(P, 4, N + 1);
  gc::replay(w, gt_wlog_entry{addr[P], 32, 0});
  gc::replica_drain(w);
  uintptr_t rn = replica_of(addr[N]);
  CHECK(rn && transferred(rn));
  // N's allocator, still in N's interval, writes it again (no entries).
  poke(N, 1, 100);
  poke(N, 4, S + 1);
  // N's two words, and O.left, whose entry is not sealed yet.
  CHECK(gc::replica_verify(false).bad_words == 3);
  // More new objects (an allocation may be a safepoint: no more unlogged
  // stores into N from here on): M, Q = Pair[3], L = a large Ref[], BB = a
  // large byte[], each initialized right after its allocation.
  make(M, kNode, 0);
  poke(M, 0, N + 1);
  poke(M, 3, 33);
  make(Q, kPairs, 3);
  for (size_t k = 0; k < 3; ++k) {
    poke(Q, 3 * k, 40 + k);
    poke(Q, 3 * k + 1, k == 0 ? M + 1 : k == 1 ? O + 1 : 0);
    poke(Q, 3 * k + 2, 50 + k);
  }
  make(L, kRefs, kBigLen);
  for (size_t k = 0; k < kBigLen; k += 3)
    poke(L, k, k % 2 ? Q + 1 : S + 1);
  make(BB, kBytes, 9000);
  poke(BB, 5, 0x5555);
  logged_poke(S, 1, M + 1); // an old object: logged
  gc::ReplicaCounts c0 = gc::replica_counts();
  CHECK(c0.new_objects == 0);
  gt_yield(); // a safepoint: the switch-out seals the cursor
  gc::newobj_drain(w, retransfer);
  gc::replica_drain(w);
  gc::wlog_round(); // queues the executor's current buffer
  size_t replayed = replay_all(w);
  gc::replica_drain(w);
  gc::ReplicaCounts c1 = gc::replica_counts();
  // N M Q L BB walked; M Q L BB replicated by the walk (BB marked); N early.
  CHECK(c1.new_objects == 5 && c1.new_replicated == 4 && c1.new_early == 1);
  CHECK(c1.retransfers == (retransfer ? 1u : 0u));
  CHECK(c1.large_replicas == 1 && c1.large_marked == 1);
  gc::ReplicaCheck v1 = gc::replica_verify(false);
  std::printf("gc newobj cases (re-transfer %s): %llu new objects walked, "
              "%llu replicated by the walk, %llu early, %llu re-transferred; "
              "replica check: %zu primaries, %zu bad words\n",
              retransfer ? "on" : "off (must fail the check)",
              (unsigned long long)c1.new_objects,
              (unsigned long long)c1.new_replicated,
              (unsigned long long)c1.new_early,
              (unsigned long long)c1.retransfers, v1.primaries, v1.bad_words);
  if (!retransfer) {
    CHECK(v1.bad_words == 2);     // N's a and right: the early replica is stale
    CHECK(heap_word(rn, 1) == 1); // the value it had when copied early
  } else {
    CHECK(v1.bad_words == 0);
    CHECK(heap_word(rn, 1) == 100 && heap_word(rn, 4) == replica_of(addr[S]));
    // Later intervals: logged stores into new objects, replayed.
    logged_poke(M, 2, 77);
    logged_poke(Q, 3 * 2 + 1, N + 1);
    logged_poke(L, kBigLen - 1, M + 1);
    logged_poke(N, 3, 99);
  }
  gc::wlog_off(); // every entry sealed and queued
  replayed += replay_all(w);
  gc::newobj_drain(w, retransfer); // nothing more was allocated
  gc::replica_finish(w);
  gc::ReplicaCounts c2 = gc::replica_counts();
  CHECK(c2.new_objects == 5);
  CHECK(replayed == (retransfer ? 6u : 2u));
  if (retransfer) {
    gc::ReplicaCheck v2 = gc::replica_verify(true);
    CHECK(v2.bad_words == 0 && v2.untransferred == 0);
    // O P S N M Q L replicated, BB marked.
    CHECK(v2.primaries == 8 && v2.marked == 1 && v2.transferred == 7);
    for (size_t i = 0; i < kCount; ++i)
      check_replica(i);
    std::printf("gc newobj cases: %zu replicas equal the model after %zu "
                "replayed entries (%llu replays)\n",
                size_t(kCount), replayed, (unsigned long long)c2.replays);
  }
  gc::replica_abandon();
  CHECK(collections() == before);
  check_primaries(); // forwarding words clear, contents as the model says
  gt_gc_collect();   // GT_GC_VERIFY checks the heap
  for (Ref &r : roots)
    gt_gc_remove_root(&r);
  delete[] model;
  delete[] addr;
}

// --- 2. races

size_t old_count, new_base[kMutators];         // object index ranges
constexpr size_t kBoardAt = 0;                 // object 0: the board, Ref[]
std::atomic<size_t> board[kMutators * kBoard]; // model: target index + 1
std::atomic<size_t> allocated[kMutators];
std::atomic<bool> mutators_done{false};
gt_waitgroup_t mutators_wg;
std::atomic<long> yields{0}, polls{0}, windows{0}, rounds_run{0};
size_t max_new; // per mutator

struct Mutator {
  int id;
  uint64_t rnd;
  size_t n = 0; // new objects allocated

  size_t own_old() { // one of its old nodes
    return 1 + size_t(id) * kOwnOld + next_rand(rnd) % kOwnOld;
  }
  size_t own_new() { // one of its new objects, or 0
    return n ? new_base[id] + next_rand(rnd) % n : 0;
  }
  size_t from_board() { // any mutator's published object + 1, or 0
    return board[next_rand(rnd) % (kMutators * kBoard)].load(
        std::memory_order_acquire);
  }
  uint64_t target(size_t self) { // a pointer for a field, index + 1
    switch (next_rand(rnd) % 5) {
    case 0:
      return 0;
    case 1:
      return own_old() + 1;
    case 2:
      return n ? own_new() + 1 : 0;
    case 3:
      return from_board();
    default:
      return self + 1;
    }
  }

  void publish(size_t i) {
    size_t k = size_t(id) * kBoard + next_rand(rnd) % kBoard;
    logged_poke(kBoardAt, k, i + 1);
    board[k].store(i + 1, std::memory_order_release);
  }

  // Allocates a new object and fills it without entries, at once.
  void allocate() {
    if (n == max_new)
      return;
    size_t i = new_base[id] + n;
    uint64_t r = next_rand(rnd);
    Kind k = r % 64 == 0 ? kRefs : r % 4 == 0 ? kPairs : kNode;
    size_t len = k == kRefs ? kBigLen : k == kPairs ? 1 + (r >> 8) % 6 : 0;
    make(i, k, len);
    ++n;
    allocated[id].store(n, std::memory_order_relaxed);
    Model &m = model[i];
    for (size_t w = 0; w < m.words.size(); ++w)
      if (k != kRefs || w % 16 == 0)
        poke(i, w, is_ptr(m, w) ? target(i) : next_rand(rnd));
    if (next_rand(rnd) % 2)
      publish(i); // logged, into the old board
    if (next_rand(rnd) % 4 == 0) {
      // Keep writing it without entries for a while (still its interval):
      // a replica made meanwhile from another thread's entry goes stale.
      for (int j = 0; j < 512; ++j) {
        if (m.kind == kRefs)
          poke(i, 0, target(i));
        else
          poke(i, m.kind == kNode ? 1 : 0, next_rand(rnd) | 1);
        cpu_relax_n(16);
      }
      poke(i, m.kind == kNode ? 4 : 1, target(i)); // a pointer word, last
      windows.fetch_add(1, std::memory_order_relaxed);
    }
  }
  static void cpu_relax_n(int k) {
    for (int j = 0; j < k; ++j)
      __asm__ volatile("" ::: "memory");
  }

  // A logged store into an object allocated earlier: one of its old nodes
  // (often a pointer read from the board: another thread's new object, maybe
  // still in its allocator's interval) or one of its new objects.
  void write() {
    size_t i = next_rand(rnd) % 2 || !n ? own_old() : own_new();
    Model &m = model[i];
    size_t w = next_rand(rnd) % m.words.size();
    if (is_ptr(m, w)) {
      uint64_t v = next_rand(rnd) % 2 ? from_board() : target(i);
      logged_poke(i, w, v);
    } else {
      logged_poke(i, w, next_rand(rnd));
    }
  }

  void safepoint() {
    uint64_t r = next_rand(rnd) % 16;
    if (r == 0) {
      gt_yield();
      yields.fetch_add(1, std::memory_order_relaxed);
    } else if (r == 1) {
      spin(50);
      polls.fetch_add(1, std::memory_order_relaxed);
    }
  }
};

void mutator(void *arg) {
  uint64_t a = uint64_t(reinterpret_cast<intptr_t>(arg)); // round << 8 | id
  Mutator m{int(a & 0xff), 0x9E3779B97F4A7C15ull * (a + 3)};
  for (int k = 0; k < kOps; ++k) {
    uint64_t r = next_rand(m.rnd) % 8;
    if (r < 3)
      m.allocate();
    else if (r < 6)
      m.write();
    else
      m.safepoint();
  }
  gt_waitgroup_done(&mutators_wg); // the exit's switch seals
}

std::vector<size_t> shaded_roots;

void *worker(void *arg) {
  uint32_t id = uint32_t(reinterpret_cast<intptr_t>(arg));
  gc::Replicator &w = gc::replica_worker(id);
  for (size_t j : shaded_roots)
    gc::shade(w, addr[j]);
  for (uint32_t idle = 0;;) {
    // done is set after wlog_off: every entry queued, every cursor sealed.
    bool done = mutators_done.load(std::memory_order_acquire);
    bool any = false;
    if (gc::LogBuffer *b = gc::wlog_sealed()) {
      for (uint32_t j = 0; j < b->count; ++j)
        gc::replay(w, b->e[j]);
      gc::wlog_recycle(b);
      any = true;
    }
    gc::newobj_drain(w);
    gc::replica_drain(w);
    if (!any && done)
      break;
    if (id == 0 && ++idle % 16 == 1 && !done) {
      gc::wlog_round(); // seals logs and cursors of running threads
      rounds_run.fetch_add(1, std::memory_order_relaxed);
    }
    if (!any)
      sched_yield();
  }
  gc::newobj_drain(w); // after done: the rest of every region
  gc::replica_finish(w);
  return nullptr;
}

void races() {
  max_new = size_t(kOps) / 2;
  old_count = 1 + size_t(kMutators) * kOwnOld;
  size_t cap = old_count + kMutators * max_new;
  uint64_t total_new = 0, early = 0, retransfers = 0, replicas = 0;
  uint64_t checked = 0, replays = 0, large_new = 0;
  for (int round = 0; round < kRounds; ++round) {
    model = new Model[cap];
    addr = new uintptr_t[cap]();
    std::vector<Ref> roots(old_count);
    for (Ref &r : roots)
      gt_gc_add_root(&r);
    roots[kBoardAt] = gt_gc_ref(make(kBoardAt, kRefs, kMutators * kBoard));
    for (size_t i = 1; i < old_count; ++i) // rooted at once (torture)
      roots[i] = gt_gc_ref(make(i, kNode, 0));
    gt_gc_collect();
    for (size_t i = 0; i < old_count; ++i)
      addr[i] = reinterpret_cast<uintptr_t>(gt_gc_raw(roots[i]));
    nobj = old_count;
    uint64_t seed = 777 + round;
    for (size_t i = 1; i < old_count; ++i)
      for (size_t w = 0; w < 5; ++w)
        poke(i, w,
             is_ptr(model[i], w) ? next_rand(seed) % old_count + 1
                                 : next_rand(seed));
    for (auto &b : board)
      b.store(0);
    for (int k = 0; k < kMutators; ++k) {
      new_base[k] = old_count + size_t(k) * max_new;
      allocated[k].store(0);
    }
    uint64_t before = collections();

    gc::replica_begin(kWorkers);
    gc::wlog_on(); // before any shading: every executor's region is open
    mutators_done.store(false);
    shaded_roots.clear();
    for (size_t j = size_t(round) % 4; j < old_count; j += 4)
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
    gc::wlog_off(); // every entry sealed and queued, every cursor sealed
    mutators_done.store(true, std::memory_order_release);
    for (int k = 0; k < kWorkers; ++k)
      pthread_join(th[k], nullptr);

    gc::ReplicaCheck c = gc::replica_verify(true);
    gc::ReplicaCounts cn = gc::replica_counts();
    CHECK(c.untransferred == 0 && c.bad_words == 0);
    size_t news = 0;
    for (int k = 0; k < kMutators; ++k) {
      size_t n = allocated[k].load();
      news += n;
      for (size_t i = new_base[k]; i < new_base[k] + n; ++i) {
        check_replica(i); // every new object replicated, equal to the model
        large_new += model[i].kind == kRefs;
      }
    }
    for (size_t i = 0; i < old_count; ++i)
      if (replica_of(addr[i]))
        check_replica(i), ++checked;
    checked += news;
    CHECK(cn.new_objects == news); // the walk met exactly these
    CHECK(cn.retransfers == cn.new_early);
    CHECK(cn.transfers == cn.replicas + cn.large_replicas);
    total_new += news;
    early += cn.new_early;
    retransfers += cn.retransfers;
    replicas += cn.replicas + cn.large_replicas;
    replays += cn.replays;
    gc::replica_abandon();
    CHECK(collections() == before);
    // Forwarding words clear, contents as the model says (new objects too).
    nobj = 0;
    for (size_t i = 0; i < old_count; ++i) {
      CHECK(gc::fwd_word(addr[i]).load() == 0);
      for (size_t w = 0; w < model[i].words.size(); ++w) {
        uint64_t v = model[i].words[w];
        CHECK(heap_word(addr[i], w) ==
              (is_ptr(model[i], w) && v ? addr[v - 1] : v));
      }
    }
    for (int k = 0; k < kMutators; ++k)
      for (size_t i = new_base[k]; i < new_base[k] + allocated[k].load(); ++i) {
        CHECK(gc::fwd_word(addr[i]).load() == 0);
        for (size_t w = 0; w < model[i].words.size(); ++w) {
          uint64_t v = model[i].words[w];
          CHECK(heap_word(addr[i], w) ==
                (is_ptr(model[i], w) && v ? addr[v - 1] : v));
        }
      }
    for (Ref &r : roots)
      gt_gc_remove_root(&r);
    gt_gc_collect(); // GT_GC_VERIFY checks the heap
    delete[] model;
    delete[] addr;
  }
  std::printf("gc newobj races: %d rounds, %d mutators x %d ops, %d workers: "
              "%llu new objects (%llu large) walked and replicated, %llu "
              "found transferred and re-transferred (%ld unlogged windows), "
              "%llu replicas, %llu replays, %ld yields, %ld polls, %ld "
              "rounds; %llu replicas equal the model\n",
              kRounds, kMutators, kOps, kWorkers, (unsigned long long)total_new,
              (unsigned long long)large_new, (unsigned long long)early,
              windows.load(), (unsigned long long)replicas,
              (unsigned long long)replays, yields.load(), polls.load(),
              rounds_run.load(), (unsigned long long)checked);
  CHECK(retransfers == early);
  CHECK(total_new > uint64_t(kRounds) * kMutators * kOps / 4);
}

void main_thread(void *) {
  cases(false);
  cases(true);
  races();
  std::puts("gc newobj: OK");
}

} // namespace

int main() {
  // The write log is turned on as a concurrent collection does; GT_GC_LOG=1
  // (run-tests.py's VERIFY mode) is the stop-the-world one's.
  unsetenv("GT_GC_LOG");
  setvbuf(stdout, nullptr, _IOLBF, 0); // lines before a failed CHECK
  run(main_thread);
  return 0;
}
