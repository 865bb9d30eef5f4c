// chan.h: a channel's layout, shared by chan.cpp (the operations) and
// gc/runtime_roots.cpp (which scans the buffers of ref channels).
#pragma once

#include "waitq.h"

struct gt_chan {
  gt::SpinLock lk;
  bool closed;
  // Made by gt_chan_new_ref: the elements are GC pointers (elem_size 8), the
  // buffered ones [head, head + count) are roots, and the channel is in the
  // collector's registry at index ref_index (gc/runtime_roots.cpp).
  bool ref;
  size_t ref_index;
  size_t elem_size, capacity, count, head;
  char *buf;
  gt::WaitQueue sendq, recvq;
};

namespace gt {
// The address of the i-th buffered element (i < capacity).
inline char *chan_slot(gt_chan *c, size_t i) {
  return c->buf + ((c->head + i) % c->capacity) * c->elem_size;
}
} // namespace gt
