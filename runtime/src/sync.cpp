// sync.cpp: mutex, condition variable and wait group for green threads.
// Each is a spin lock over a WaitQueue (waitq.h); blocking parks the green
// thread, and wakers hand the resource over directly (a woken mutex waiter
// already owns the mutex), so there are no spurious wake-ups.
#include "executor.h"
#include "waitq.h"

namespace gt {
namespace {

struct Mutex {
  SpinLock lk;
  Thread *owner;
  WaitQueue q;
};
struct Cond {
  SpinLock lk;
  WaitQueue q;
};
// The count changes without the lock (many threads finishing at once would
// fight over it); the lock orders waiters against the change to zero: a
// waiter checks the count and queues itself under the lock, and whoever
// brings the count to zero takes the lock before waking the queue.
struct WaitGroup {
  SpinLock lk;
  std::atomic<int64_t> count;
  WaitQueue q;
};
static_assert(sizeof(Mutex) <= sizeof(gt_mutex_t));
static_assert(sizeof(Cond) <= sizeof(gt_cond_t));
static_assert(sizeof(WaitGroup) <= sizeof(gt_waitgroup_t));

Mutex *M(gt_mutex_t *m) { return reinterpret_cast<Mutex *>(m); }
Cond *C(gt_cond_t *c) { return reinterpret_cast<Cond *>(c); }
WaitGroup *W(gt_waitgroup_t *w) { return reinterpret_cast<WaitGroup *>(w); }

void mutex_unlock(Mutex *m, Thread *self, const char *api) {
  m->lk.lock();
  if (m->owner != self) {
    Thread *owner = m->owner;
    m->lk.unlock();
    if (owner)
      fatal("%s: mutex %p is held by thread %llu, not by the caller", api,
            (void *)m, (unsigned long long)owner->id);
    fatal("%s: mutex %p is not locked", api, (void *)m);
  }
  Waiter *w = m->q.wake_one(kWokenSignal);
  m->owner = w ? w->t : nullptr;
  Thread *next = m->owner;
  m->lk.unlock();
  if (next)
    ready(current_executor(), next);
}

} // namespace
} // namespace gt

using namespace gt;

extern "C" {

void gt_mutex_lock(gt_mutex_t *mu) {
  Thread *self = self_or_die("gt_mutex_lock");
  Mutex *m = M(mu);
  m->lk.lock();
  if (!m->owner) {
    m->owner = self;
    m->lk.unlock();
    return;
  }
  if (m->owner == self)
    fatal("gt_mutex_lock: mutex %p is already held by this thread (not "
          "recursive)",
          (void *)m);
  m->q.push(self->own_waiter(begin_wait(self, /*cancellable=*/false)));
  self->compactable = true;
  park_locked(self, &m->lk); // the unlocker made us the owner
}

int gt_mutex_trylock(gt_mutex_t *mu) {
  Thread *self = self_or_die("gt_mutex_trylock");
  Mutex *m = M(mu);
  m->lk.lock();
  bool ok = !m->owner;
  if (ok)
    m->owner = self;
  m->lk.unlock();
  return ok;
}

void gt_mutex_unlock(gt_mutex_t *m) {
  mutex_unlock(M(m), self_or_die("gt_mutex_unlock"), "gt_mutex_unlock");
}

int gt_cond_wait(gt_cond_t *cv, gt_mutex_t *mu) {
  Thread *self = self_or_die("gt_cond_wait");
  Cond *c = C(cv);
  if (M(mu)->owner != self)
    fatal("gt_cond_wait: mutex %p is not held by the caller", (void *)mu);
  if (cancel_pending(self))
    return GT_CANCELED;
  c->lk.lock();
  Waiter &w = *self->own_waiter(begin_wait(self));
  c->q.push(&w);
  mutex_unlock(M(mu), self, "gt_cond_wait");
  uint32_t why;
  if (cancel_pending(self) && cancel_own_wait(self)) {
    why = kWokenCanceled;
    c->q.remove(&w);
    c->lk.unlock();
  } else {
    self->compactable = true;
    why = park_locked(self, &c->lk);
    if (why == kWokenCanceled) {
      c->lk.lock();
      if (w.linked)
        c->q.remove(&w);
      c->lk.unlock();
    }
  }
  gt_mutex_lock(mu);
  return why == kWokenCanceled ? GT_CANCELED : GT_OK;
}

void gt_cond_signal(gt_cond_t *cv) {
  Cond *c = C(cv);
  c->lk.lock();
  Waiter *w = c->q.wake_one(kWokenSignal);
  Thread *t = w ? w->t : nullptr;
  c->lk.unlock();
  if (t)
    ready(current_executor(), t);
}

void gt_cond_broadcast(gt_cond_t *cv) {
  Cond *c = C(cv);
  WakeList woken;
  c->lk.lock();
  while (Waiter *w = c->q.wake_one(kWokenSignal))
    woken.add(w);
  c->lk.unlock();
  woken.ready_all(current_executor());
}

void gt_waitgroup_add(gt_waitgroup_t *wgp, int64_t delta) {
  WaitGroup *wg = W(wgp);
  int64_t count = wg->count.fetch_add(delta, std::memory_order_acq_rel) + delta;
  if (count < 0)
    fatal("gt_waitgroup_add: counter of wait group %p went negative (%lld)",
          (void *)wg, (long long)count);
  if (count > 0)
    return;
  WakeList woken;
  wg->lk.lock();
  if (wg->count.load(std::memory_order_acquire) == 0) // not raised again
    while (Waiter *w = wg->q.wake_one(kWokenSignal))
      woken.add(w);
  wg->lk.unlock();
  woken.ready_all(current_executor());
}

void gt_waitgroup_done(gt_waitgroup_t *wg) { gt_waitgroup_add(wg, -1); }

int gt_waitgroup_wait(gt_waitgroup_t *wgp) {
  Thread *self = self_or_die("gt_waitgroup_wait");
  WaitGroup *wg = W(wgp);
  if (cancel_pending(self))
    return GT_CANCELED;
  if (wg->count.load(std::memory_order_acquire) == 0)
    return GT_OK;
  wg->lk.lock();
  if (wg->count.load(std::memory_order_acquire) == 0) {
    wg->lk.unlock();
    return GT_OK;
  }
  Waiter &w = *self->own_waiter(begin_wait(self));
  if (cancel_pending(self) && cancel_own_wait(self)) {
    wg->lk.unlock();
    return GT_CANCELED;
  }
  wg->q.push(&w);
  self->compactable = true;
  if (park_locked(self, &wg->lk) != kWokenCanceled)
    return GT_OK;
  wg->lk.lock();
  if (w.linked)
    wg->q.remove(&w);
  wg->lk.unlock();
  return GT_CANCELED;
}

} // extern "C"
