// chan.cpp: channels (buffered and unbuffered) and select, after Go's
// chan.go/select.go.
//
// A channel is a spin lock, a ring buffer of `capacity` elements, and queues
// of parked senders and receivers. An operation that can complete does so at
// once: a sender hands its element straight to a parked receiver (copying
// into the receiver's buffer) or into the ring; a receiver takes from the
// ring (refilling it from a parked sender) or straight from a parked sender.
// Otherwise the thread enqueues a Waiter and parks; the thread that completes
// the operation copies the element and claims the waiter.
//
// select locks all its channels in address order (so two selects never
// deadlock), polls its cases in a random order, and if none can proceed
// enqueues one waiter per case under one wait episode: the first counterpart
// to claim the episode fires that case, later ones lose the claim and drop
// the stale waiters. A single send or receive takes a shorter path with
// the same logic (chan_op).
//
// Misuse is fatal: sending on or closing a closed channel, freeing one that
// has waiters. Receiving from a closed, drained channel yields a zeroed
// element and GT_CLOSED.
//
// Ref channels (gt_chan_new_ref, gt/gc.h) carry GC pointers by value through
// the same code: an element is one 8-byte slot. The collector must see every
// slot that holds one while a collection runs (gc/runtime_roots.cpp), and a
// collection runs only while every green thread is at a switch, i.e. only
// while the owner of an operation is parked. So before it parks, a ref
// operation puts its element slots where the collector looks (the Thread
// record's gc_slots: elem_buf for send/recv, a malloc'd buffer for select,
// never the stack), starting as the value to send or null, and takes them
// back once it resumes; the buffered elements are found through the
// channel's registry entry. Ref and plain channels do not mix: the plain
// calls on a ref channel, the _ref calls on a plain one, and a select whose
// cases mix them are fatal.
#include "chan.h"
#include "executor.h"

#include <gt/gc.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace gt {
namespace {

constexpr size_t kMaxCases = 64;
// Whether a select may keep its waiters in its own frame (a dynamic alloca).
// AArch64's split-stack prologues (patch 0037) do not support dynamic
// allocas: there the waiters always live in the heap.
#if defined(__aarch64__) && defined(GT_SPLIT_STACK_RUNTIME)
#define GT_STACK_WAITERS 0
#else
#define GT_STACK_WAITERS 1
#endif

char *slot(gt_chan *c, size_t i) { return chan_slot(c, i); }

[[noreturn]] void wrong_kind(gt_chan *c, const char *api) {
  if (c->ref)
    fatal("%s: channel %p carries GC references (made by gt_chan_new_ref): "
          "use gt_chan_send_ref, gt_chan_recv_ref and gt_select_ref",
          api, (void *)c);
  fatal("%s: channel %p carries plain elements (made by gt_chan_new), not "
        "GC references",
        api, (void *)c);
}

struct LockSet {
  gt_chan **chans;
  size_t n;
  void lock() {
    for (size_t i = 0; i < n; ++i)
      chans[i]->lk.lock();
  }
  void unlock() {
    for (size_t i = n; i-- > 0;)
      chans[i]->lk.unlock();
  }
  static void unlock_fn(void *p) { static_cast<LockSet *>(p)->unlock(); }
};

[[noreturn]] void send_on_closed(gt_chan *c) {
  fatal("send on closed channel %p", (void *)c);
}

// Copies one element from src to dst, for a counterpart: on a ref channel
// the element is a GC pointer, moved from one thread to another, and the
// concurrent collector's barriers apply (internal.h, gc/cycle.cpp): a value
// read from a parked thread's record (`parked`) may be a from-space object
// that its thread's stack flip has not reached yet (ref_load gives its
// replica), and a moved value is recorded while a cycle marks.
void move(gt_chan *c, void *dst, const void *src, bool parked) {
  if (!c->ref) {
    std::memcpy(dst, src, c->elem_size);
    return;
  }
  // Relaxed atomics: a parked thread's slot is also read, and rewritten by
  // CAS, by the collector's scan and flip of that thread.
  uintptr_t v =
      __atomic_load_n(static_cast<const uintptr_t *>(src), __ATOMIC_RELAXED);
  if (parked)
    v = gc::ref_load(v);
  __atomic_store_n(static_cast<uintptr_t *>(dst), v, __ATOMIC_RELAXED);
  gc::transfer_barrier(v);
}

// Tries to complete case `k`; the channel is locked. Returns the waiter to
// ready (already claimed and unlinked) through `woken`.
bool try_case(gt_select_case &k, Waiter *&woken) {
  gt_chan *c = k.chan;
  if (k.op == GT_SEND) {
    if (c->closed)
      return false; // reported by the caller after unlocking
    if ((woken = c->recvq.wake_one(kWokenSignal))) {
      if (woken->elem)
        move(c, woken->elem, k.elem, false);
      return true;
    }
    if (c->count < c->capacity) {
      move(c, slot(c, c->count), k.elem, false);
      ++c->count;
      return true;
    }
    return false;
  }
  k.closed = 0;
  if (c->count > 0) {
    if (k.elem)
      move(c, k.elem, slot(c, 0), false);
    c->head = (c->head + 1) % c->capacity;
    --c->count;
    if ((woken = c->sendq.wake_one(kWokenSignal))) {
      move(c, slot(c, c->count), woken->elem, true);
      ++c->count;
    }
    return true;
  }
  if ((woken = c->sendq.wake_one(kWokenSignal))) {
    if (k.elem)
      move(c, k.elem, woken->elem, true);
    return true;
  }
  if (c->closed) {
    if (k.elem)
      std::memset(k.elem, 0, c->elem_size);
    k.closed = 1;
    return true;
  }
  return false;
}

uint64_t rand_next(Thread *t) {
  // xorshift64 seeded from the thread's id and wait episode.
  uint64_t x = t->id * 0x9e3779b97f4a7c15ull + t->park_gen + 1;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

// `refs`: gt_select_ref's, every case on a ref channel with its element
// (an 8-byte slot) in `elem`; see the top of the file.
int select_impl(gt_select_case *cases, size_t n, bool block, const char *api,
                bool refs) {
  Thread *self = self_or_die(api);
  if (n == 0 || n > kMaxCases)
    fatal("%s: %zu cases (1 to %zu supported)", api, n, kMaxCases);
  for (size_t i = 0; i < n; ++i) {
    if (!cases[i].chan || (cases[i].op != GT_SEND && cases[i].op != GT_RECV))
      fatal("%s: case %zu has %s", api, i,
            cases[i].chan ? "an invalid op" : "a null channel");
    if (cases[i].chan->ref != refs)
      wrong_kind(cases[i].chan, api);
  }
  if (cancel_pending(self))
    return GT_CANCELED;

  // Lock order: by address, each channel once. The waiters below live in
  // this frame, sized for n: a parked thread's stack stays small. These two
  // arrays have a fixed size, so that a small-stack thread (segment.cpp)
  // runs a select on a big segment, where its allocation of the waiters
  // never needs the split-stack slow path (__morestack_allocate_stack_space).
  LockSet locks;
  gt_chan *chans[kMaxCases];
  locks.chans = chans;
  locks.n = 0;
  for (size_t i = 0; i < n; ++i) {
    gt_chan *c = cases[i].chan;
    size_t j = locks.n;
    while (j > 0 && locks.chans[j - 1] > c)
      --j;
    if (j > 0 && locks.chans[j - 1] == c)
      continue;
    std::memmove(&locks.chans[j + 1], &locks.chans[j],
                 (locks.n - j) * sizeof(gt_chan *));
    locks.chans[j] = c;
    ++locks.n;
  }
  uint8_t order[kMaxCases];
  for (size_t i = 0; i < n; ++i)
    order[i] = i;
  uint64_t r = rand_next(self);
  for (size_t i = n; i > 1; --i) {
    size_t j = (r >> 16) % i;
    r = r * 6364136223846793005ull + 1442695040888963407ull;
    uint8_t tmp = order[i - 1];
    order[i - 1] = order[j];
    order[j] = tmp;
  }

  locks.lock();
  for (size_t p = 0; p < n; ++p) {
    gt_select_case &k = cases[order[p]];
    if (k.op == GT_SEND && k.chan->closed) {
      locks.unlock();
      send_on_closed(k.chan);
    }
    Waiter *woken = nullptr;
    if (try_case(k, woken)) {
      locks.unlock();
      if (woken)
        ready(current_executor(), woken->t);
      return order[p];
    }
  }
  if (!block) {
    locks.unlock();
    return GT_WOULDBLOCK;
  }

  // Counterparts touch the waiters and the elements while we are parked. A
  // thread on a shared stack (share.cpp) may have its stack reused by
  // others meanwhile: it keeps both in the heap. So does a ref select,
  // whose element slots the collector scans through the Thread record.
  bool heap = self->shared != nullptr || refs || !GT_STACK_WAITERS;
  size_t elems = 0;
  for (size_t i = 0; heap && i < n; ++i)
    elems += cases[i].elem ? cases[i].chan->elem_size : 0;
  void *mem = nullptr;
  if (heap && !(mem = std::malloc(n * sizeof(Waiter) + elems)))
    fatal("%s: out of memory", api);
#if GT_STACK_WAITERS
  auto *ws = static_cast<Waiter *>(
      heap ? mem : __builtin_alloca(n * sizeof(Waiter)));
#else
  auto *ws = static_cast<Waiter *>(mem);
#endif
  char *elem_buf = reinterpret_cast<char *>(ws + n);
  for (size_t i = 0; i < n; ++i)
    new (&ws[i]) Waiter();
  uint64_t gen = begin_wait(self);
  if (cancel_pending(self) && cancel_own_wait(self)) {
    locks.unlock();
    std::free(mem);
    return GT_CANCELED;
  }
  for (size_t i = 0; i < n; ++i) {
    ws[i].t = self;
    ws[i].gen = gen;
    ws[i].elem = cases[i].elem;
    if (heap && cases[i].elem) {
      ws[i].elem = elem_buf;
      if (cases[i].op == GT_SEND)
        std::memcpy(elem_buf, cases[i].elem, cases[i].chan->elem_size);
      else // null until a sender fills it (a ref select's slots are scanned)
        std::memset(elem_buf, 0, cases[i].chan->elem_size);
      elem_buf += cases[i].chan->elem_size;
    }
    ws[i].index = int32_t(i);
    (cases[i].op == GT_SEND ? cases[i].chan->sendq : cases[i].chan->recvq)
        .push(&ws[i]);
  }
  if (refs) { // one 8-byte slot per case, after the waiters
    self->gc_slots = reinterpret_cast<uintptr_t *>(ws + n);
    self->gc_nslots = n;
  }
  self->compactable = heap;
  Unlock u{LockSet::unlock_fn, &locks};
  uint32_t why = park(self, &u);
  self->gc_slots = nullptr; // no safepoint from here to the return
  self->gc_nslots = 0;

  locks.lock();
  for (size_t i = 0; i < n; ++i)
    if (ws[i].linked)
      (cases[i].op == GT_SEND ? cases[i].chan->sendq : cases[i].chan->recvq)
          .remove(&ws[i]);
  locks.unlock();
  if (why == kWokenCanceled) {
    std::free(mem);
    return GT_CANCELED;
  }
  int k = self->wake_index;
  if (heap && cases[k].op == GT_RECV && cases[k].elem)
    std::memcpy(cases[k].elem, ws[k].elem, cases[k].chan->elem_size);
  std::free(mem);
  cases[k].closed = why == kWokenClosed;
  if (why == kWokenClosed && cases[k].op == GT_SEND)
    send_on_closed(cases[k].chan);
  return k;
}

// A single send or receive: select_impl's logic for one case, with one lock
// and one waiter, and no re-locking after a normal wake-up (the waker has
// already unlinked the only waiter).
// `refs`: a _ref call (elem is an 8-byte slot); see the top of the file.
int chan_op(gt_chan *c, int op, void *elem, int *closed, const char *api,
            bool refs) {
  Thread *self = self_or_die(api);
  if (!c)
    fatal("%s: null channel", api);
  if (c->ref != refs)
    wrong_kind(c, api);
  if (cancel_pending(self))
    return GT_CANCELED;
  gt_select_case k{c, op, elem, 0};
  Waiter *woken = nullptr;
  c->lk.lock();
  if (op == GT_SEND && c->closed) {
    c->lk.unlock();
    send_on_closed(c);
  }
  if (try_case(k, woken)) {
    c->lk.unlock();
    if (woken)
      ready(current_executor(), woken->t);
    *closed = k.closed;
    return GT_OK;
  }
  Waiter &w = *self->own_waiter(begin_wait(self));
  w.index = 0;
  if (cancel_pending(self) && cancel_own_wait(self)) {
    c->lk.unlock();
    return GT_CANCELED;
  }
  // Small elements travel through the thread record, so that nothing on
  // this stack is touched while parked and the stack may be compacted; a
  // thread on a shared stack (share.cpp) puts larger ones in the heap.
  bool small = c->elem_size <= sizeof self->elem_buf;
  void *buf = small ? self->elem_buf : nullptr;
  if (elem && !small && self->shared && !(buf = std::malloc(c->elem_size))) {
    c->lk.unlock();
    fatal("%s: out of memory", api);
  }
  w.elem = elem && buf ? buf : elem;
  if (op == GT_SEND && elem && buf)
    std::memcpy(buf, elem, c->elem_size);
  if (refs) { // the element slot is a root while we are parked
    if (op == GT_RECV)
      std::memset(self->elem_buf, 0, sizeof(uintptr_t));
    self->gc_slots = reinterpret_cast<uintptr_t *>(self->elem_buf);
    self->gc_nslots = 1;
  }
  self->compactable = small || buf;
  (op == GT_SEND ? c->sendq : c->recvq).push(&w);
  uint32_t why = park_locked(self, &c->lk);
  self->gc_slots = nullptr; // no safepoint from here to the return
  self->gc_nslots = 0;
  void *heap = small ? nullptr : buf;
  if (__builtin_expect(heap != nullptr, 0) && why != kWokenCanceled &&
      !(why == kWokenClosed && op == GT_SEND) && op == GT_RECV)
    std::memcpy(elem, heap, c->elem_size);
  if (__builtin_expect(heap != nullptr, 0))
    std::free(heap);
  if (why == kWokenCanceled) {
    c->lk.lock();
    if (w.linked)
      (op == GT_SEND ? c->sendq : c->recvq).remove(&w);
    c->lk.unlock();
    return GT_CANCELED;
  }
  if (why == kWokenClosed && op == GT_SEND)
    send_on_closed(c);
  if (op == GT_RECV && elem && small)
    std::memcpy(elem, self->elem_buf, c->elem_size);
  *closed = why == kWokenClosed;
  return GT_OK;
}

} // namespace
} // namespace gt

using namespace gt;

extern "C" {

gt_chan_t *gt_chan_new(size_t elem_size, size_t capacity) {
  auto *c = static_cast<gt_chan *>(std::calloc(1, sizeof(gt_chan)));
  if (!c)
    return nullptr;
  c->elem_size = elem_size;
  c->capacity = capacity;
  if (capacity && elem_size) {
    c->buf = static_cast<char *>(std::malloc(capacity * elem_size));
    if (!c->buf) {
      std::free(c);
      return nullptr;
    }
  }
  return c;
}

gt_chan_t *gt_chan_new_ref(size_t capacity) {
  gt_chan *c = gt_chan_new(sizeof(uintptr_t), capacity);
  if (!c)
    return nullptr;
  c->ref = true;
  if (!gc_register_ref_chan(c)) {
    std::free(c->buf);
    std::free(c);
    return nullptr;
  }
  return c;
}

void gt_chan_free(gt_chan_t *c) {
  if (!c)
    return;
  c->lk.lock();
  bool busy = !c->sendq.empty() || !c->recvq.empty();
  c->lk.unlock();
  if (busy)
    fatal("gt_chan_free: channel %p still has waiting threads", (void *)c);
  if (c->ref)
    gc_unregister_ref_chan(c);
  std::free(c->buf);
  std::free(c);
}

int gt_chan_send(gt_chan_t *c, const void *elem) {
  int closed;
  return chan_op(c, GT_SEND, const_cast<void *>(elem), &closed, "gt_chan_send",
                 false);
}

int gt_chan_recv(gt_chan_t *c, void *elem) {
  int closed = 0;
  int r = chan_op(c, GT_RECV, elem, &closed, "gt_chan_recv", false);
  return r == GT_OK && closed ? GT_CLOSED : r;
}

// The reference travels as an integer through the runtime, whose frames have
// no stack maps: between the caller's statepoint and the park (or the
// return) there is no safepoint, and after a park only the Thread record's
// slot is read.
int gt_chan_send_ref(gt_chan_t *c, void GT_GC *ref) {
  uintptr_t v = reinterpret_cast<uintptr_t>(ref);
  int closed;
  return chan_op(c, GT_SEND, &v, &closed, "gt_chan_send_ref", true);
}

void GT_GC *gt_chan_recv_ref(gt_chan_t *c, int *status) {
  uintptr_t v = 0;
  int closed = 0;
  int r = chan_op(c, GT_RECV, &v, &closed, "gt_chan_recv_ref", true);
  if (r == GT_OK && closed)
    r = GT_CLOSED;
  if (status)
    *status = r;
  return r == GT_OK ? reinterpret_cast<void GT_GC *>(v) : nullptr;
}

void gt_chan_close(gt_chan_t *c) {
  self_or_die("gt_chan_close");
  WakeList woken;
  c->lk.lock();
  if (c->closed) {
    c->lk.unlock();
    fatal("gt_chan_close: channel %p is already closed", (void *)c);
  }
  c->closed = true;
  while (Waiter *w = c->recvq.wake_one(kWokenClosed)) {
    if (w->elem)
      std::memset(w->elem, 0, c->elem_size);
    woken.add(w);
  }
  while (Waiter *w = c->sendq.wake_one(kWokenClosed))
    woken.add(w);
  c->lk.unlock();
  woken.ready_all(current_executor());
}

int gt_select(gt_select_case *cases, size_t n, int block) {
  return select_impl(cases, n, block != 0, "gt_select", false);
}

// The cases live in the GC heap (C cannot keep GC pointers in a stack
// array). They are copied into a plain gt_select_case array whose elements
// are 8-byte slots in this frame; while the select is parked, the case array
// is a root in the Thread record (it may move) and the slots live in
// select_impl's buffer (gc_slots). The result is written into the array as
// it is after the park.
int gt_select_ref(gt_select_ref_case GT_GC *cases, size_t n, int block) {
  const char *api = "gt_select_ref";
  Thread *self = self_or_die(api);
  if (!cases)
    fatal("%s: null case array", api);
  if (n == 0 || n > kMaxCases)
    fatal("%s: %zu cases (1 to %zu supported)", api, n, kMaxCases);
  const gt_type *t = gt_gc_type_of(cases);
  if (!(t->version_flags & GT_TYPE_ARRAY) ||
      t->size != sizeof(gt_select_ref_case) || t->nptrs != 1 ||
      t->ptr_offsets[0] != offsetof(gt_select_ref_case, ref))
    fatal("%s: the cases are not an array of gt_select_ref_case (type '%s'); "
          "allocate them with gt_new_array(gt_select_ref_case, n)",
          api, t->name ? t->name : "?");
  if (gt_gc_array_len(cases) < n)
    fatal("%s: %zu cases, but the array holds %zu", api, n,
          gt_gc_array_len(cases));
#if GT_STACK_WAITERS
  auto *ks = static_cast<gt_select_case *>(
      __builtin_alloca(n * sizeof(gt_select_case)));
#else
  gt_select_case ks[kMaxCases];
#endif
  uintptr_t vals[kMaxCases]; // fixed: see select_impl's lock set
  for (size_t i = 0; i < n; ++i) {
    ks[i].chan = cases[i].chan;
    ks[i].op = cases[i].op;
    ks[i].closed = 0;
    vals[i] =
        ks[i].op == GT_SEND ? reinterpret_cast<uintptr_t>(cases[i].ref) : 0;
    ks[i].elem = &vals[i];
  }
  self->gc_cases = reinterpret_cast<uintptr_t>(cases);
  int k = select_impl(ks, n, block != 0, api, true);
  cases = reinterpret_cast<gt_select_ref_case GT_GC *>(self->gc_cases);
  self->gc_cases = 0;
  if (k >= 0) {
    // The runtime has no write barrier: log the stores as compiled code
    // would (gc/wlog.cpp), so that a collection replicating the array sees
    // them.
    uintptr_t obj = reinterpret_cast<uintptr_t>(cases);
    size_t at = size_t(k) * sizeof(gt_select_ref_case);
    if (ks[k].op == GT_RECV) {
      gc::runtime_write(obj, at + offsetof(gt_select_ref_case, ref),
                        reinterpret_cast<uintptr_t>(cases[k].ref));
      cases[k].ref = reinterpret_cast<void GT_GC *>(vals[k]);
    }
    gc::runtime_write(obj, at + offsetof(gt_select_ref_case, closed), 0);
    cases[k].closed = ks[k].closed;
  }
  return k;
}

} // extern "C"
