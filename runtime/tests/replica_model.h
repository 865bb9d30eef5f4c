// replica_model.h: what the replication tests (test_gc_replay.cpp,
// test_gc_newobj.cpp) share: their object types, the model they keep of
// every object's payload words, and reads of primaries and replicas.
//
// The model: a pointer word holds the index of its target + 1 (0: null),
// any other word its raw value.
#pragma once

#include "../src/gc/object.h"

#include <gt/gc.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace replica_model {

// --- types

struct Node {
  Node GT_GC *left;
  long a, b, c;
  Node GT_GC *right;
};
inline const GT_TYPE_WITH(2) node_type = {
    GT_TYPE_V1(0),
    sizeof(Node),
    "Node",
    2,
    {offsetof(Node, left), offsetof(Node, right)}};
struct Leaf {
  long w[3];
};
inline const GT_TYPE_WITH(0) leaf_type = {
    GT_TYPE_V1(GT_TYPE_NOPTRS), sizeof(Leaf), "Leaf", 0, {}};
using Ref = void GT_GC *;
inline const GT_TYPE_WITH(1) ref_array = {
    GT_TYPE_V1(GT_TYPE_ARRAY), sizeof(Ref), "Ref[]", 1, {0}};
struct Pair {
  long tag;
  void GT_GC *ref;
  long x;
};
inline const GT_TYPE_WITH(1) pair_array = {GT_TYPE_V1(GT_TYPE_ARRAY),
                                           sizeof(Pair),
                                           "Pair[]",
                                           1,
                                           {offsetof(Pair, ref)}};
inline const GT_TYPE_WITH(0) byte_array = {
    GT_TYPE_V1(GT_TYPE_ARRAY | GT_TYPE_NOPTRS), 1, "byte[]", 0, {}};

inline const gt_type *T(const void *desc) {
  return static_cast<const gt_type *>(desc);
}

// --- the model

// kBigRefs and kBigBytes: arrays over GT_GC_LARGE_OBJECT that a test keeps
// apart (test_gc_replay.cpp); kRefs and kBytes may be large too.
enum Kind { kNode, kLeaf, kRefs, kPairs, kBytes, kBigRefs, kBigBytes };
struct Model {
  Kind kind;
  size_t len; // elements (arrays)
  std::vector<uint64_t> words;
  int owner = -1; // the mutator writing it (-1: none, or by word)
};

inline uint64_t next_rand(uint64_t &s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

inline bool is_ptr(const Model &m, size_t word) {
  switch (m.kind) {
  case kNode:
    return word == 0 || word == 4;
  case kRefs:
  case kBigRefs:
    return true;
  case kPairs:
    return word % 3 == 1;
  default:
    return false;
  }
}

inline size_t payload_bytes(Kind k, size_t len) {
  switch (k) {
  case kNode:
    return sizeof(Node);
  case kLeaf:
    return sizeof(Leaf);
  case kRefs:
  case kBigRefs:
    return len * 8;
  case kPairs:
    return len * sizeof(Pair);
  default:
    return len;
  }
}

// A new object of kind k with `len` elements (arrays), zeroed.
inline Ref alloc(Kind k, size_t len) {
  switch (k) {
  case kNode:
    return gt_gc_alloc(T(&node_type), sizeof(Node));
  case kLeaf:
    return gt_gc_alloc(T(&leaf_type), sizeof(Leaf));
  case kRefs:
  case kBigRefs:
    return gt_gc_alloc_array(T(&ref_array), len);
  case kPairs:
    return gt_gc_alloc_array(T(&pair_array), len);
  default:
    return gt_gc_alloc_array(T(&byte_array), len);
  }
}

// Its model: every word 0.
inline Model blank(Kind k, size_t len, int owner = -1) {
  return Model{k, len, std::vector<uint64_t>((payload_bytes(k, len) + 7) / 8),
               owner};
}

inline uint64_t heap_word(uintptr_t a, size_t word) {
  return __atomic_load_n(reinterpret_cast<uint64_t *>(a + 8 * word),
                         __ATOMIC_RELAXED);
}
// Stores model word `v` into word `word` of the primary at `a` (no entry);
// addr maps model indices to addresses.
inline void store_word(uintptr_t a, const Model &m, size_t word, uint64_t v,
                       const uintptr_t *addr) {
  uint64_t heap = is_ptr(m, word) ? (v ? addr[v - 1] : 0) : v;
  __atomic_store_n(reinterpret_cast<uint64_t *>(a + 8 * word), heap,
                   __ATOMIC_RELAXED);
}

// The forwarding word's address part: the replica (or the object itself
// when marked), 0 when unshaded.
inline uintptr_t replica_of(uintptr_t p) {
  uintptr_t f = gt::gc::fwd_word(p).load(std::memory_order_acquire);
  return f & GT_FWD_FORWARDED ? f & ~uintptr_t(GT_FWD_BITS) : 0;
}
inline bool transferred(uintptr_t r) {
  return gt::gc::fwd_word(r).load(std::memory_order_relaxed) == 0;
}

} // namespace replica_model
