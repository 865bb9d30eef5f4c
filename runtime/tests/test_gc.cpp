// The stop-the-world copying collector, end to end: many green threads build
// and mutate linked lists, binary trees, arrays of GC pointers, arrays of
// bytes, arrays of structs and large objects while collections run (forced
// by gt_gc_collect, by the allocation budget, and under GT_GC_TORTURE by
// the slow path), some of them parked meanwhile; after every collection each
// thread checks every value of its structures against a model kept outside
// the heap, and the statistics are checked for consistency.
//
// Descriptors are written by hand here (GT_TYPE_WITH); the compiler will
// emit them from the C types (gt_new(T)).
//
// Roots. This file is not compiled with stack maps yet, so a GC pointer in a
// C++ local is not a root: the collector does not see it and it is stale
// after any allocation (each may collect and move every object). So every GC
// pointer that must survive an allocation is kept in a registered root slot
// (gt_gc_add_root) or in a heap object reachable from one, and locals are
// re-read from there after each allocation. Between two allocations nothing
// moves: a collection needs every executor, ours included, and this thread
// stops only when it allocates, switches (yield, park) or polls (no polls
// here).
//
// Run by scripts/run-tests.py with 1 executor and with one per CPU, also
// with GT_GC_VERIFY=1 and with GT_GC_TORTURE; smaller under qemu.
#include "check.h"

#include <gt/gc.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

#if defined(__aarch64__)
constexpr int kListThreads = 6, kListRounds = 12, kTreeThreads = 4;
constexpr int kLongDepth = 8, kShortDepth = 6, kTreeRounds = 8;
constexpr int kArrayThreads = 4, kArrayRounds = 10;
constexpr long kGarbageBytes = 24L << 20;
#else
constexpr int kListThreads = 24, kListRounds = 40, kTreeThreads = 8;
constexpr int kLongDepth = 12, kShortDepth = 8, kTreeRounds = 24;
constexpr int kArrayThreads = 8, kArrayRounds = 30;
constexpr long kGarbageBytes = 160L << 20;
#endif

// --- types and their descriptors

struct Node {
  Node GT_GC *next;
  long value;
  long check; // ~value
};
using NodeRef = Node GT_GC *;
const GT_TYPE_WITH(1) node_type = {
    GT_TYPE_V1(0), sizeof(Node), "Node", 1, {offsetof(Node, next)}};

struct Tree {
  Tree GT_GC *left;
  long value;
  Tree GT_GC *right;
};
using TreeRef = Tree GT_GC *;
const GT_TYPE_WITH(2) tree_type = {
    GT_TYPE_V1(0), sizeof(Tree), "Tree", 2,
    {offsetof(Tree, left), offsetof(Tree, right)}};

// Garbage with no pointers.
struct Blob {
  long words[5];
};
const GT_TYPE_WITH(0) blob_type = {GT_TYPE_V1(GT_TYPE_NOPTRS), sizeof(Blob),
                                   "Blob", 0, {}};

// Arrays: of GC pointers, of bytes, of structs holding a pointer.
using Ref = void GT_GC *;
const GT_TYPE_WITH(1) ref_array = {GT_TYPE_V1(GT_TYPE_ARRAY), sizeof(Ref),
                                   "Ref[]", 1, {0}};
const GT_TYPE_WITH(0) byte_array = {
    GT_TYPE_V1(GT_TYPE_ARRAY | GT_TYPE_NOPTRS), 1, "byte[]", 0, {}};
struct Pair {
  long tag;
  Node GT_GC *node;
};
const GT_TYPE_WITH(1) pair_array = {GT_TYPE_V1(GT_TYPE_ARRAY), sizeof(Pair),
                                    "Pair[]", 1, {offsetof(Pair, node)}};

const gt_type *T(const void *desc) { return static_cast<const gt_type *>(desc); }

NodeRef new_node() { return gt_new_with(Node, T(&node_type)); }
TreeRef new_tree() { return gt_new_with(Tree, T(&tree_type)); }
Ref new_array(const void *type, size_t n) {
  return gt_gc_alloc_array(T(type), n);
}
void garbage(int n) {
  for (int i = 0; i < n; ++i)
    gt_new_with(Blob, T(&blob_type))->words[i % 5] = i;
}

template <class P> void add_root(P *slot) {
  gt_gc_add_root(reinterpret_cast<void GT_GC **>(slot));
}
template <class P> void remove_root(P *slot) {
  gt_gc_remove_root(reinterpret_cast<void GT_GC **>(slot));
}

uint64_t next_rand(uint64_t &s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

struct gt_gc_stats stats() {
  struct gt_gc_stats s;
  gt_gc_stats(&s);
  return s;
}

// Forces a collection and checks that one ran after the call; returns how
// many ran (others may have asked too).
uint64_t collect_now() {
  uint64_t before = stats().collections;
  gt_gc_collect();
  uint64_t ran = stats().collections - before;
  CHECK(ran > 0);
  return ran;
}

// --- lists: push, pop, modify, check against a vector (tail first)

NodeRef heads[kListThreads];
gt_chan_t *gate; // closed by main: list threads park on it mid-way
gt_waitgroup_t lists_parked;

void check_list(int id, const std::vector<long> &model) {
  size_t i = model.size();
  for (NodeRef n = heads[id]; n; n = n->next) {
    CHECK(i > 0);
    --i;
    CHECK(n->value == model[i]);
    CHECK(n->check == ~model[i]);
  }
  CHECK(i == 0);
}

void list_thread(void *arg) {
  int id = int(reinterpret_cast<intptr_t>(arg));
  uint64_t rng = 0x9e3779b97f4a7c15ull * (id + 1);
  std::vector<long> model; // model.back() is the head
  for (int round = 0; round < kListRounds; ++round) {
    int push = 50 + int(next_rand(rng) % 200);
    for (int k = 0; k < push; ++k) {
      NodeRef n = new_node(); // may move every object: read heads after
      long v = long(next_rand(rng) >> 1);
      n->value = v;
      n->check = ~v;
      n->next = heads[id];
      heads[id] = n;
      model.push_back(v);
      if (k % 16 == 0)
        garbage(8);
    }
    int pop = int(next_rand(rng) % (model.size() / 2 + 1));
    for (int k = 0; k < pop; ++k) {
      heads[id] = heads[id]->next;
      model.pop_back();
    }
    // Change a few values in place (no allocation while we hold n).
    for (int k = 0; k < 8 && !model.empty(); ++k) {
      size_t pos = next_rand(rng) % model.size(); // from the head
      NodeRef n = heads[id];
      for (size_t j = 0; j < pos; ++j)
        n = n->next;
      long v = long(next_rand(rng) >> 1);
      n->value = v;
      n->check = ~v;
      model[model.size() - 1 - pos] = v;
    }
    if (round % 8 == 3)
      collect_now();
    if (round == kListRounds / 2) { // park while others collect
      gt_waitgroup_done(&lists_parked);
      long ignored;
      CHECK(gt_chan_recv(gate, &ignored) == GT_CLOSED);
    }
    if (round % 4 == 1)
      gt_yield();
    check_list(id, model);
  }
  collect_now();
  check_list(id, model);
}

// --- trees: built bottom-up on a shadow stack (a GC array of pointers held
// in a root slot), a long-lived one and many short-lived ones

Ref shadows[kTreeThreads];
TreeRef long_trees[kTreeThreads];

long tree_value(int id, int depth, uint64_t path) {
  return long((path * 0x9e3779b97f4a7c15ull) ^ (uint64_t(id) << 40) ^
              uint64_t(depth));
}

TreeRef GT_GC *shadow(int id) { return (TreeRef GT_GC *)shadows[id]; }

// Pushes a tree of `depth` onto the shadow stack at sp; returns the new sp.
int make_tree(int id, int depth, uint64_t path, int sp) {
  if (depth > 0) {
    sp = make_tree(id, depth - 1, 2 * path, sp);
    sp = make_tree(id, depth - 1, 2 * path + 1, sp);
  }
  TreeRef t = new_tree();
  t->value = tree_value(id, depth, path);
  if (depth > 0) {
    t->left = shadow(id)[sp - 2];
    t->right = shadow(id)[sp - 1];
    sp -= 2;
  }
  shadow(id)[sp] = t;
  return sp + 1;
}

long check_tree(TreeRef t, int id, int depth, uint64_t path) {
  CHECK(t);
  CHECK(t->value == tree_value(id, depth, path));
  if (depth == 0) {
    CHECK(!t->left && !t->right);
    return 1;
  }
  return 1 + check_tree(t->left, id, depth - 1, 2 * path) +
         check_tree(t->right, id, depth - 1, 2 * path + 1);
}

void tree_thread(void *arg) {
  int id = int(reinterpret_cast<intptr_t>(arg));
  shadows[id] = new_array(&ref_array, 2 * kLongDepth + 4);
  CHECK(gt_gc_array_len(shadows[id]) == size_t(2 * kLongDepth + 4));
  CHECK(make_tree(id, kLongDepth, 1, 0) == 1);
  long_trees[id] = shadow(id)[0];
  shadow(id)[0] = nullptr;
  for (int round = 0; round < kTreeRounds; ++round) {
    CHECK(make_tree(id, kShortDepth, 1, 0) == 1);
    CHECK(check_tree(shadow(id)[0], id, kShortDepth, 1) ==
          (2L << kShortDepth) - 1);
    shadow(id)[0] = nullptr; // garbage now
    if (round % 6 == 5)
      collect_now();
    CHECK(check_tree(long_trees[id], id, kLongDepth, 1) ==
          (2L << kLongDepth) - 1);
  }
}

// --- arrays and large objects

Ref byte_arrays[kArrayThreads]; // a Ref[] of byte[] of various sizes
Ref pairs[kArrayThreads];       // a Pair[] whose nodes hold index values
Ref large_refs[kArrayThreads];  // a large Ref[] of Nodes
constexpr size_t kBytesSlots = 24, kPairs = 40;
// Over GT_GC_LARGE_OBJECT bytes: a large object.
constexpr size_t kLargeRefs = GT_GC_LARGE_OBJECT / sizeof(Ref) + 100;

size_t bytes_len(int id, size_t slot, int gen) {
  // Some over GT_GC_LARGE_OBJECT: large byte arrays.
  return slot % 6 == 5 ? GT_GC_LARGE_OBJECT + 1 + slot * 97 + gen
                       : slot * 37 + gen % 7 + id;
}
unsigned char byte_at(int id, size_t slot, int gen, size_t i) {
  return (unsigned char)(id * 31 + slot * 7 + gen * 13 + i);
}

void check_arrays(int id, const std::vector<int> &gens, int pair_gen) {
  Ref GT_GC *slots = (Ref GT_GC *)byte_arrays[id];
  CHECK(gt_gc_array_len(byte_arrays[id]) == kBytesSlots);
  CHECK(gt_gc_type_of(byte_arrays[id]) == T(&ref_array));
  for (size_t s = 0; s < kBytesSlots; ++s) {
    unsigned char GT_GC *b = (unsigned char GT_GC *)slots[s];
    CHECK(b);
    size_t n = bytes_len(id, s, gens[s]);
    CHECK(gt_gc_array_len(b) == n);
    CHECK(gt_gc_type_of(b) == T(&byte_array));
    for (size_t i = 0; i < n; ++i)
      CHECK(b[i] == byte_at(id, s, gens[s], i));
  }
  Pair GT_GC *p = (Pair GT_GC *)pairs[id];
  CHECK(gt_gc_array_len(pairs[id]) == kPairs);
  for (size_t i = 0; i < kPairs; ++i) {
    CHECK(p[i].tag == long(i) * 1000 + pair_gen);
    CHECK(p[i].node->value == long(i) + pair_gen);
    CHECK(p[i].node->check == ~(long(i) + pair_gen));
  }
  Ref GT_GC *l = (Ref GT_GC *)large_refs[id];
  CHECK(gt_gc_array_len(large_refs[id]) == kLargeRefs);
  for (size_t i = 0; i < kLargeRefs; ++i) {
    NodeRef n = (NodeRef)l[i];
    if (i % 3 == 0) {
      CHECK(!n);
      continue;
    }
    CHECK(n && n->value == long(i) * 7 && n->check == ~(long(i) * 7));
  }
}

void fill_bytes(int id, size_t s, int gen) {
  size_t n = bytes_len(id, s, gen);
  Ref b = new_array(&byte_array, n);
  unsigned char GT_GC *bytes = (unsigned char GT_GC *)b;
  for (size_t i = 0; i < n; ++i)
    CHECK(bytes[i] == 0); // zeroed
  for (size_t i = 0; i < n; ++i)
    bytes[i] = byte_at(id, s, gen, i);
  ((Ref GT_GC *)byte_arrays[id])[s] = b;
}

void fill_pairs(int id, int gen) {
  for (size_t i = 0; i < kPairs; ++i) {
    NodeRef n = new_node();
    n->value = long(i) + gen;
    n->check = ~n->value;
    Pair GT_GC *p = (Pair GT_GC *)pairs[id];
    p[i].node = n;
    p[i].tag = long(i) * 1000 + gen;
  }
}

void array_thread(void *arg) {
  int id = int(reinterpret_cast<intptr_t>(arg));
  uint64_t rng = 12345 + id;
  std::vector<int> gens(kBytesSlots, 0);
  byte_arrays[id] = new_array(&ref_array, kBytesSlots);
  for (size_t s = 0; s < kBytesSlots; ++s)
    fill_bytes(id, s, 0);
  pairs[id] = new_array(&pair_array, kPairs);
  fill_pairs(id, 0);
  large_refs[id] = new_array(&ref_array, kLargeRefs);
  for (size_t i = 0; i < kLargeRefs; ++i) {
    if (i % 3 == 0)
      continue;
    NodeRef n = new_node();
    n->value = long(i) * 7;
    n->check = ~n->value;
    ((Ref GT_GC *)large_refs[id])[i] = n;
  }
  int pair_gen = 0;
  for (int round = 0; round < kArrayRounds; ++round) {
    for (int k = 0; k < 4; ++k) {
      size_t s = next_rand(rng) % kBytesSlots;
      fill_bytes(id, s, ++gens[s]);
    }
    if (round % 3 == 0)
      fill_pairs(id, ++pair_gen);
    garbage(64);
    if (round % 5 == 2) {
      // A collection moves the small objects and leaves the large ones.
      uintptr_t large = reinterpret_cast<uintptr_t>(gt_gc_raw(large_refs[id]));
      uintptr_t small = reinterpret_cast<uintptr_t>(gt_gc_raw(pairs[id]));
      uint64_t ran = collect_now();
      CHECK(reinterpret_cast<uintptr_t>(gt_gc_raw(large_refs[id])) == large);
      // (After two, a copy may land where the original was.)
      if (ran == 1)
        CHECK(reinterpret_cast<uintptr_t>(gt_gc_raw(pairs[id])) != small);
    }
    check_arrays(id, gens, pair_gen);
  }
}

// --- garbage only: the budget triggers collections by itself

void garbage_thread(void *) {
  // Under GT_GC_TORTURE every allocation takes the slow path: less of it.
  long bytes = getenv("GT_GC_TORTURE") ? kGarbageBytes / 32 : kGarbageBytes;
  uint64_t before = stats().collections;
  garbage(int(bytes / long(GT_GC_HEADER + sizeof(Blob))));
  uint64_t after = stats().collections;
  // The budget is max(16 MiB, live bytes) (GT_GC_GROWTH=100), and the live
  // set stays under 12 MiB: a collection at least every 16 MiB and a block.
  CHECK(after - before >= uint64_t(bytes / (17L << 20)));
}

void check_stats(const struct gt_gc_stats &s) {
  CHECK(s.collections > 0);
  CHECK(s.bytes_allocated > s.bytes_copied / (s.collections + 1));
  // One pause per stop-the-world collection, three per concurrent cycle
  // (its snapshot, its flip, then its release, which counts the
  // collection) and one per flip it gave up; the first ones of a cycle (its
  // snapshot, at most 8 flips given up and its flip) may be logged before
  // it counts.
  CHECK(s.pauses_recorded >= s.collections + 2 * s.cycles + s.flip_aborts);
  CHECK(s.pauses_recorded <= s.collections + 2 * s.cycles + s.flip_aborts + 10);
  CHECK(s.flip_overruns <= s.cycles);
  CHECK(s.npauses == (s.pauses_recorded < GT_GC_PAUSE_LOG ? s.pauses_recorded
                                                          : GT_GC_PAUSE_LOG));
  uint64_t sum = 0;
  for (uint32_t i = 0; i < s.npauses; ++i) {
    const gt_gc_pause &p = s.pauses[i];
    CHECK(p.duration_ns <= s.pause_max_ns);
    if (p.kind == GT_GC_PAUSE_SNAPSHOT || p.kind == GT_GC_PAUSE_FLIP ||
        p.kind == GT_GC_PAUSE_FLIP_ABORTED) {
      CHECK(p.collection <= s.collections + 1);
      if (i + 1 < s.npauses) { // the cycle's next stop follows
        uint64_t next = s.pauses[i + 1].kind;
        CHECK(s.pauses[i + 1].collection == p.collection);
        if (p.kind == GT_GC_PAUSE_FLIP)
          CHECK(next == GT_GC_PAUSE_RELEASE);
        else // a flip, or one given up
          CHECK(next == GT_GC_PAUSE_FLIP || next == GT_GC_PAUSE_FLIP_ABORTED);
      }
    } else {
      CHECK(p.kind == GT_GC_PAUSE_COLLECTION || p.kind == GT_GC_PAUSE_RELEASE);
      CHECK(p.collection <= s.collections);
    }
    if (i) {
      CHECK(p.start_ns >= s.pauses[i - 1].start_ns);
      CHECK(p.collection >= s.pauses[i - 1].collection);
      CHECK(p.collection <= s.pauses[i - 1].collection + 1);
    }
    sum += p.duration_ns;
  }
  if (s.npauses) // the newest pause is of the last collection or the next
    CHECK(s.pauses[s.npauses - 1].collection >= s.collections);
  CHECK(sum <= s.pause_total_ns);
  CHECK(s.heap_bytes <= s.heap_limit);
  CHECK(s.large_bytes <= s.heap_bytes);
}

void main_thread(void *) {
  gate = gt_chan_new(sizeof(long), 0);
  for (auto &h : heads)
    add_root(&h);
  for (auto &s : shadows)
    add_root(&s);
  for (auto &t : long_trees)
    add_root(&t);
  for (int i = 0; i < kArrayThreads; ++i) {
    add_root(&byte_arrays[i]);
    add_root(&pairs[i]);
    add_root(&large_refs[i]);
  }
  add_root(&heads[0]); // a set: adding twice adds once
  gt_waitgroup_add(&lists_parked, kListThreads);
  std::vector<gt_thread_t> threads;
  for (int i = 0; i < kListThreads; ++i)
    threads.push_back(gt_spawn(list_thread, reinterpret_cast<void *>(intptr_t(i)), nullptr));
  for (int i = 0; i < kTreeThreads; ++i)
    threads.push_back(gt_spawn(tree_thread, reinterpret_cast<void *>(intptr_t(i)), nullptr));
  for (int i = 0; i < kArrayThreads; ++i)
    threads.push_back(gt_spawn(array_thread, reinterpret_cast<void *>(intptr_t(i)), nullptr));
  threads.push_back(gt_spawn(garbage_thread, nullptr, nullptr));
  // Collect while every list thread is parked on the gate.
  CHECK(gt_waitgroup_wait(&lists_parked) == GT_OK);
  collect_now();
  collect_now();
  gt_chan_close(gate);
  for (gt_thread_t t : threads)
    CHECK(gt_join(t) == GT_OK);
  struct gt_gc_stats s = stats();
  check_stats(s);
  // Everything but the roots' structures is garbage: drop them and collect.
  for (auto &h : heads)
    h = nullptr;
  for (auto &t : long_trees)
    t = nullptr;
  for (int i = 0; i < kTreeThreads; ++i)
    shadows[i] = nullptr;
  for (int i = 0; i < kArrayThreads; ++i)
    byte_arrays[i] = pairs[i] = large_refs[i] = nullptr;
  collect_now();
  struct gt_gc_stats e = stats();
  check_stats(e);
  CHECK(e.live_bytes == 0);
  CHECK(e.large_bytes == 0);
  for (auto &h : heads)
    remove_root(&h);
  for (auto &sh : shadows)
    remove_root(&sh);
  for (auto &t : long_trees)
    remove_root(&t);
  for (int i = 0; i < kArrayThreads; ++i) {
    remove_root(&byte_arrays[i]);
    remove_root(&pairs[i]);
    remove_root(&large_refs[i]);
  }
  gt_chan_free(gate);
  std::printf("gc: %llu collections on %u executors, %.1f MiB allocated, "
              "%.1f MiB copied, pauses: max %.2f ms, mean %.3f ms\n",
              (unsigned long long)s.collections, gt_executor_count(),
              s.bytes_allocated / 1048576.0, s.bytes_copied / 1048576.0,
              s.pause_max_ns / 1e6,
              s.pause_total_ns / 1e6 / double(s.collections));
}

} // namespace

int main() {
  run(main_thread);
  std::printf("ok\n");
  return 0;
}
