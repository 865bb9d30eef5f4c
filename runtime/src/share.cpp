// share.cpp: shared stacks for threads spawned with GT_ATTR_COMPACT once
// many threads are alive.
//
// Why: a parked thread on a stack of its own keeps at least one touched page
// (4 KiB), and making and touching a page per thread is what a spawn costs
// most (on this project's VM, whose hypervisor keeps shadow page tables, the
// first access to a new page costs ~10 us). A thread whose stack nobody else
// touches while it is not running (GT_ATTR_COMPACT's contract) needs its
// frames at their addresses only while it runs, so such threads can take
// turns on a few stacks that stay resident, as libco's "copy stacks" and
// Go's early segmented-stack experiments did.
//
// Design:
// 1. A pool of kPerExecutor default-size stacks per executor, made on first
//    use. A thread spawned with GT_ATTR_COMPACT (default stack size) while
//    more than gt_config.compact_threshold threads are alive gets one of
//    them, round robin, for life: its frames always live at the same
//    addresses, so pointers into its own stack stay valid.
// 2. At most one thread *occupies* a shared stack: its bytes are in place.
//    The scheduler runs a thread only while holding its stack's `busy` flag
//    (share_acquire before the switch, share_release after the switch back),
//    so at most one thread runs on a stack.
// 3. share_acquire of a thread that does not occupy its stack *evicts* the
//    occupant, which is not running (busy is ours): its live bytes [ctx, top)
//    are copied into a malloc'd buffer of that size (its `saved`), then the
//    thread's own saved bytes are copied back, or, on its first run, its
//    first frame is made (ss_new is deferred until then: at spawn the stack
//    belongs to someone else). Eviction is lazy: a thread that resumes before
//    another needed its stack copies nothing.
// 4. If busy is held (another thread runs on the stack on another executor),
//    share_acquire fails and the scheduler puts the thread on the global
//    queue to retry; the runner switches out at its next block, yield, exit
//    or preemption.
// 5. Nothing of the runtime's lives on a parked shared-stack thread's stack:
//    wait-queue entries are in the Thread record (chan_op, sync, join,
//    sleep), and channel operations on elements larger than the record's
//    buffer and select keep their waiters and elements in the heap for such
//    threads (see chan.cpp), so every park is evictable and no thread waits
//    for a stack that a parked thread holds.
// What it costs: a parked thread is its record plus its live bytes (a few
// hundred), and the contract of GT_ATTR_COMPACT can no longer be checked:
// another thread writing to a parked thread's stack writes to whichever
// thread occupies it (the private compacted stacks of threads spawned below
// the threshold are still checked, stacks.cpp).
#include "executor.h"

#include <cstdlib>
#include <cstring>

namespace gt {

namespace {
constexpr uint32_t kPerExecutor = 64;

struct SharedStack {
  alignas(64) std::atomic<uint32_t> busy{0};
  Thread *occupant = nullptr; // guarded by busy
  Stack stack;
};

SharedStack *pool;
uint32_t npool;
SpinLock pool_lk;
std::atomic<uint32_t> next_stack{0};

SharedStack *make_pool() {
  pool_lk.lock();
  if (!pool) {
    uint32_t n = kPerExecutor * sched.n;
    auto *p = new SharedStack[n];
    for (uint32_t i = 0; i < n; ++i)
      if (!stack_alloc(nullptr, stack_default_size(), &p[i].stack))
        fatal("gt_spawn: cannot allocate shared stacks: out of memory");
    npool = n;
    __atomic_store_n(&pool, p, __ATOMIC_RELEASE);
  }
  pool_lk.unlock();
  return pool;
}

// The occupant's live bytes go to the heap; o is not running (we hold busy).
void evict(Thread *o) {
  char *sp = reinterpret_cast<char *>(o->ctx);
  size_t live = o->stack.hi() - sp;
  void *buf = std::malloc(live);
  if (!buf)
    fatal("cannot save the stack of parked thread %llu: out of memory",
          (unsigned long long)o->id);
  std::memcpy(buf, sp, live);
  o->saved = buf;
  o->saved_len = live;
}
} // namespace

bool share_assign(Thread *t) {
  SharedStack *p = __atomic_load_n(&pool, __ATOMIC_ACQUIRE);
  if (!p)
    p = make_pool();
  SharedStack *s =
      &p[next_stack.fetch_add(1, std::memory_order_relaxed) % npool];
  t->shared = s;
  t->stack = s->stack;
  t->ctx = nullptr; // made on the first run (share_acquire)
  return true;
}

bool share_acquire(Thread *t, const void *entry) {
  auto *s = static_cast<SharedStack *>(t->shared);
  uint32_t free = 0;
  if (!s->busy.compare_exchange_strong(free, 1, std::memory_order_acquire,
                                       std::memory_order_relaxed))
    return false;
  if (s->occupant != t) {
    if (s->occupant)
      evict(s->occupant);
    s->occupant = t;
    if (!t->ctx) {
      t->ctx = ss_new(s->stack.lo, s->stack.size, entry);
    } else {
      std::memcpy(s->stack.hi() - t->saved_len, t->saved, t->saved_len);
      std::free(t->saved);
      t->saved = nullptr;
    }
  }
  return true;
}

bool share_pin(Thread *t) {
  auto *s = static_cast<SharedStack *>(t->shared);
  uint32_t free = 0;
  return s->busy.compare_exchange_strong(free, 1, std::memory_order_acquire,
                                         std::memory_order_relaxed);
}

void share_unpin(Thread *t) {
  static_cast<SharedStack *>(t->shared)->busy.store(0,
                                                    std::memory_order_release);
}

void share_release(Thread *t, bool exited) {
  auto *s = static_cast<SharedStack *>(t->shared);
  if (exited) {
    s->occupant = nullptr; // nothing to keep
    t->shared = nullptr;
    t->stack = Stack{};
  }
  s->busy.store(0, std::memory_order_release);
}

void share_fini() {
  for (uint32_t i = 0; i < npool; ++i)
    stack_free(nullptr, pool[i].stack);
  delete[] pool;
  pool = nullptr;
  npool = 0;
}

} // namespace gt
