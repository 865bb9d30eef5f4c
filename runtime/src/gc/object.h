// gc/object.h: heap objects as the collector sees them (the layout is
// gt/gc.h's): header words, descriptors, sizes, and one object read from its
// header for walks and copies. Shared by the copy, the verifier and the
// allocator.
#pragma once

#include <gt/gc.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gt::gc {

constexpr size_t kAlign = GT_GC_ALIGN;
inline size_t round_up(size_t n, size_t to) { return (n + to - 1) & ~(to - 1); }

inline uintptr_t &desc_word(uintptr_t payload) {
  return reinterpret_cast<uintptr_t *>(payload)[-2];
}
inline std::atomic<uintptr_t> &fwd_word(uintptr_t payload) {
  return *reinterpret_cast<std::atomic<uintptr_t> *>(payload - 8);
}
inline const gt_type *type_of(uintptr_t payload) {
  return reinterpret_cast<const gt_type *>(desc_word(payload));
}
inline bool is_array_type(const gt_type *t) {
  return t->version_flags & GT_TYPE_ARRAY;
}
inline size_t array_len(uintptr_t payload) {
  return reinterpret_cast<uintptr_t *>(payload)[-4] >> 3;
}
inline size_t header_bytes(const gt_type *t) {
  return is_array_type(t) ? GT_GC_ARRAY_HEADER : GT_GC_HEADER;
}
inline size_t payload_bytes(uintptr_t payload) {
  const gt_type *t = type_of(payload);
  return is_array_type(t) ? array_len(payload) * t->size : t->size;
}
// Bytes from the object's first header word to its rounded end.
inline size_t object_bytes(uintptr_t payload) {
  const gt_type *t = type_of(payload);
  return header_bytes(t) + round_up(payload_bytes(payload), kAlign);
}
inline uintptr_t object_start(uintptr_t payload) {
  return payload - header_bytes(type_of(payload));
}
// The payload of the object whose header starts at `start` (a heap walk).
inline uintptr_t payload_at(uintptr_t start) {
  return start + (*reinterpret_cast<uintptr_t *>(start) & 1 ? GT_GC_ARRAY_HEADER
                                                            : GT_GC_HEADER);
}
inline const char *type_name(const gt_type *t) {
  return t && t->name ? t->name : "?";
}

// Whether the 8-aligned word at byte offset `off` of a payload of `bytes`
// bytes and type `t` is a GC pointer field: by element for arrays; words
// past the elements (padding) are not. A binary search of ptr_offsets.
inline bool is_ptr_field(const gt_type *t, size_t off, size_t bytes) {
  uint32_t n = t->nptrs;
  if (!n || off >= bytes)
    return false;
  size_t within = is_array_type(t) ? off % t->size : off;
  const uint32_t *lo = t->ptr_offsets, *hi = lo + n;
  while (lo < hi) {
    const uint32_t *mid = lo + (hi - lo) / 2;
    if (*mid < within)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo != t->ptr_offsets + n && *lo == within;
}

// A descriptor the collector can rely on (version 1, gt/gc.h); null when
// valid, else what is wrong with it.
const char *check_type(const gt_type *t);

// One object as a walk or a copy sees it, from one read of its header.
struct Obj {
  uintptr_t start;   // its first header word
  uintptr_t payload; // what GC pointers point to
  uintptr_t end;     // its rounded end: the next object's start
  const gt_type *t;
  size_t count; // elements (1 for a plain object)
};

inline Obj obj(uintptr_t start, uintptr_t payload, const gt_type *t,
               size_t count, size_t bytes) {
  return Obj{start, payload, payload + round_up(bytes, kAlign), t, count};
}

// The object whose header starts at `x` (a walk of to-space).
inline Obj obj_at(uintptr_t x) {
  uintptr_t w0 = *reinterpret_cast<const uintptr_t *>(x);
  if (!(w0 & 1)) { // a plain object: w0 is its descriptor
    auto *t = reinterpret_cast<const gt_type *>(w0);
    return obj(x, x + GT_GC_HEADER, t, 1, t->size);
  }
  uintptr_t p = x + GT_GC_ARRAY_HEADER;
  const gt_type *t = type_of(p);
  return obj(x, p, t, w0 >> 3, (w0 >> 3) * t->size);
}

// The object whose payload is `p`.
inline Obj obj_of(uintptr_t p) {
  const gt_type *t = type_of(p);
  if (!is_array_type(t))
    return obj(p - GT_GC_HEADER, p, t, 1, t->size);
  size_t len = array_len(p);
  return obj(p - GT_GC_ARRAY_HEADER, p, t, len, len * t->size);
}

} // namespace gt::gc
