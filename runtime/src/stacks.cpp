// stacks.cpp: green-thread stacks, pooled, each above a guard page, and the
// SIGSEGV handler that turns a guard-page hit into a report naming the
// thread.
//
// Stacks come in power-of-two size classes (8 KiB to 1 GiB of usable
// stack). A class carves stacks out of large reserved mappings
// (MAP_NORESERVE: only touched pages become resident) and each stack gets a
// one-page guard below it: a lightweight guard region (MADV_GUARD_INSTALL,
// Linux 6.13+), which costs no extra memory mapping, or, on older kernels,
// mprotect(PROT_NONE), which splits the mapping (two per stack, so
// vm.max_map_count limits how many stacks can exist). Freed stacks are kept:
// default-size ones in the executor's cache, the rest in per-class lists.
//
// What a new thread costs is mostly system calls and page faults, so both
// come in batches: default-size stacks are carved kCarveBatch at a time into
// the executor's cache, with one process_madvise(2) installing all their
// guards and one faulting in (MADV_POPULATE_WRITE) the top page each thread
// touches first; kernels or emulators without process_madvise on the calling
// process get one madvise per stack. (On this project's VM a page fault
// costs ~10 us, a populated page well under half of that.)
//
// Free stacks beyond the first kResidentFree of a class are *cold*: their
// pages are dropped by executors that are about to sleep (stack_scavenge, a
// batch at a time, merged into one system call), not by the threads that
// finish, so a mass exit of parked threads runs at full speed and returns
// its memory as soon as an executor is idle. Only when cold stacks exceed a
// quarter of physical memory does freeing drop pages itself.
//
// Overflow: every executor has an alternate signal stack; the handler checks
// whether the fault (or the stack pointer) lies below the running thread's
// stack, and if so writes "stack overflow in green thread N 'name'" with the
// stack bounds using only async-signal-safe calls, then aborts. Other faults
// go to the previous handler.
#include "executor.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <vector>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace gt {

namespace {
constexpr unsigned kMinShift = 13, kMaxShift = 30;
constexpr unsigned kClasses = kMaxShift - kMinShift + 1;
constexpr size_t kRegion = 64u << 20; // bytes reserved at a time per class
// Default-size stacks are carved this many at a time, into the carving
// executor's cache: one system call installs their guards and one faults in
// their top pages.
constexpr uint32_t kCarveBatch = 32;
// Cold stacks are dropped this many at a time.
constexpr uint32_t kScavengeBatch = 64;

// Free stacks of a class: up to kResidentFree keep their pages (resident);
// beyond that they are *cold* until an idle executor drops their pages
// (stack_scavenge), after which they are *dropped*. Allocation prefers
// resident, then cold, then dropped stacks, then carves new ones.
constexpr size_t kResidentFree = 16384; // about 64 MiB of touched pages
struct Class {
  SpinLock lk;
  std::vector<char *> resident, cold, dropped; // lowest usable addresses
  char *cursor = nullptr, *end = nullptr;
};

Class classes[kClasses];
size_t page_size;
// Cold stacks (counted as one touched page each) beyond which a freeing
// executor drops pages itself instead of leaving it to an idle one: a
// quarter of physical memory.
size_t cold_max;
std::atomic<size_t> ncold{0};
std::atomic<bool> use_mprotect{false};

unsigned class_of(size_t size) {
  unsigned shift = kMinShift;
  while ((size_t(1) << shift) < size && shift < kMaxShift)
    ++shift;
  return shift - kMinShift;
}

size_t class_size(unsigned cls) { return size_t(1) << (cls + kMinShift); }

struct Range {
  char *lo, *hi;
};

// madvise(2) over n ranges: one process_madvise(2) on the calling process
// where the kernel accepts any advice there (Linux 6.13+), else one madvise
// per range. Returns false if some range failed.
std::atomic<bool> no_process_madvise{false};
// A pidfd of this process, opened on first use. A pidfd names a process,
// not "self": a child made by fork() must open its own.
std::atomic<int> self_pidfd{-1};
std::atomic<bool> atfork_registered{false};

int get_self_pidfd() {
  int fd = self_pidfd.load(std::memory_order_acquire);
  if (fd >= 0)
    return fd;
  if (!atfork_registered.exchange(true))
    pthread_atfork(nullptr, nullptr, [] {
      int inherited = self_pidfd.exchange(-1);
      if (inherited >= 0)
        close(inherited);
    });
  fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (fd < 0)
    return -1;
  int none = -1;
  if (!self_pidfd.compare_exchange_strong(none, fd)) {
    close(fd); // another thread won
    fd = none;
  }
  return fd;
}

bool advise_ranges(const Range *r, uint32_t n, int advice) {
  constexpr uint32_t kMaxIov = 128;
  if (n > 1 && n <= kMaxIov &&
      !no_process_madvise.load(std::memory_order_relaxed)) {
    int fd = get_self_pidfd();
    iovec iov[kMaxIov];
    size_t total = 0;
    for (uint32_t i = 0; i < n; ++i) {
      iov[i] = {r[i].lo, size_t(r[i].hi - r[i].lo)};
      total += iov[i].iov_len;
    }
    long done = fd < 0 ? -1
                       : syscall(SYS_process_madvise, fd, iov, (size_t)n,
                                 advice, 0u);
    if (done == (long)total)
      return true;
    if (done < 0 && (errno == ENOSYS || errno == EINVAL || errno == EPERM ||
                     errno == EBADF))
      no_process_madvise.store(true, std::memory_order_relaxed);
    // Partial or refused: finish range by range (every advice used here may
    // be repeated).
  }
  bool ok = true;
  for (uint32_t i = 0; i < n; ++i)
    ok &= madvise(r[i].lo, r[i].hi - r[i].lo, advice) == 0;
  return ok;
}

// Drops the pages of n ranges [lo, hi) with as few system calls as
// possible: neighbouring stacks (one guard page apart) are merged into one
// range (guard regions survive MADV_DONTNEED).
void drop_ranges(Range *r, uint32_t n) {
  std::sort(r, r + n, [](const Range &a, const Range &b) { return a.lo < b.lo; });
  uint32_t m = 0;
  for (uint32_t i = 0; i < n;) {
    uint32_t j = i + 1;
    while (j < n && r[j].lo - page_size <= r[j - 1].hi)
      ++j;
    r[m++] = {r[i].lo, r[j - 1].hi};
    i = j;
  }
  advise_ranges(r, m, MADV_DONTNEED);
}

// Whether touching `guard` faults. Checked once: an emulator (qemu-user) may
// accept MADV_GUARD_INSTALL and ignore it. A write(2) from a guard region
// fails with EFAULT instead of faulting.
bool guard_faults(char *guard) {
  static std::atomic<int> verdict{-1}; // racing checks agree
  if (verdict.load() < 0) {
    int fds[2];
    if (pipe(fds) != 0)
      return false;
    verdict = write(fds[1], guard, 1) < 0 && errno == EFAULT;
    close(fds[0]);
    close(fds[1]);
  }
  return verdict.load() == 1;
}

// Reserves up to n (at least one) new stacks of class cls: consecutive
// slots of a region; c.lk is held. arm() makes them usable.
uint32_t reserve(unsigned cls, Stack *out, uint32_t n) {
  size_t size = class_size(cls);
  size_t slot = size + page_size;
  Class &c = classes[cls];
  if (c.end - c.cursor < (ptrdiff_t)slot) {
    size_t bytes = slot > kRegion ? slot : kRegion / slot * slot;
    void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);
    if (p == MAP_FAILED)
      return 0;
    c.cursor = static_cast<char *>(p);
    c.end = c.cursor + bytes;
  }
  if (size_t(c.end - c.cursor) / slot < n)
    n = uint32_t(size_t(c.end - c.cursor) / slot);
  if (n > kCarveBatch)
    n = kCarveBatch;
  for (uint32_t i = 0; i < n; ++i)
    out[i] = Stack{c.cursor + i * slot + page_size, size, cls};
  c.cursor += n * slot;
  return n;
}

// Installs the guards of n reserved stacks with one system call and faults
// in the top page of each, which its thread touches first, with another
// (page faults are the dominant cost of a new thread, and on virtual
// machines a fault costs more than a populated page). No lock needed.
void arm(const Stack *s, uint32_t n) {
  Range guards[kCarveBatch], tops[kCarveBatch];
  for (uint32_t i = 0; i < n; ++i) {
    guards[i] = {s[i].lo - page_size, s[i].lo};
    tops[i] = {s[i].hi() - page_size, s[i].hi()};
  }
  if (!use_mprotect.load(std::memory_order_relaxed) &&
      (!advise_ranges(guards, n, MADV_GUARD_INSTALL) ||
       !guard_faults(guards[0].lo)))
    use_mprotect.store(true, std::memory_order_relaxed);
  if (use_mprotect.load(std::memory_order_relaxed))
    for (uint32_t i = 0; i < n; ++i)
      if (mprotect(guards[i].lo, page_size, PROT_NONE) != 0)
        fatal("cannot protect a stack guard page (%s): too many stacks for "
              "vm.max_map_count on a kernel without MADV_GUARD_INSTALL",
              strerror(errno));
  advise_ranges(tops, n, MADV_POPULATE_WRITE); // best effort
}

// Carves up to n new stacks of class cls, ready to use; c.lk is not held.
uint32_t carve(unsigned cls, Stack *out, uint32_t n) {
  Class &c = classes[cls];
  c.lk.lock();
  n = reserve(cls, out, n);
  c.lk.unlock();
  if (n)
    arm(out, n);
  return n;
}

// Default-size stacks prepared ahead by idle executors: carved, armed, and
// their top page touched once, which on a virtual machine with shadow page
// tables is what a new page costs most (the first access to a mapping exits
// to the hypervisor even when the page is populated). A spawning executor
// that runs out of stacks takes a batch from here and asks an idle executor
// (wake_if_idle) to prepare more, so a burst of spawns is spread over the
// executors instead of paying every first touch on the spawning one.
constexpr uint32_t kPrepared = 256, kPrepareBatch = 8;
struct Prepared {
  SpinLock lk;
  uint32_t n = 0;
  Stack s[kPrepared];
};
Prepared prepared;
std::atomic<bool> prepare_wanted{false};

uint32_t take_prepared(Stack *out, uint32_t max) {
  if (!prepared.n) // racy peek
    return 0;
  prepared.lk.lock();
  uint32_t n = 0;
  while (n < max && prepared.n)
    out[n++] = prepared.s[--prepared.n];
  prepared.lk.unlock();
  return n;
}

void want_prepared() {
  if (sched.n > 1 && !prepare_wanted.load(std::memory_order_relaxed)) {
    prepare_wanted.store(true, std::memory_order_relaxed);
    wake_if_idle();
  }
}

void init_sizes() {
  if (!page_size)
    page_size = sysconf(_SC_PAGESIZE);
  if (!cold_max)
    cold_max = size_t(sysconf(_SC_PHYS_PAGES)) / 4 + kScavengeBatch;
}

// Takes up to kScavengeBatch cold stacks of one class (the first that has
// any) into r; returns how many and their class.
uint32_t take_cold(Range *r, unsigned *cls_out) {
  for (unsigned cls = 0; cls < kClasses; ++cls) {
    Class &c = classes[cls];
    if (c.cold.empty())
      continue; // racy peek; a later call sees it
    c.lk.lock();
    uint32_t n = 0;
    while (n < kScavengeBatch && !c.cold.empty()) {
      char *lo = c.cold.back();
      c.cold.pop_back();
      r[n++] = {lo, lo + class_size(cls)};
    }
    c.lk.unlock();
    if (n) {
      ncold.fetch_sub(n, std::memory_order_relaxed);
      *cls_out = cls;
      return n;
    }
  }
  return 0;
}

void put_dropped(const Range *r, uint32_t n, unsigned cls) {
  Class &c = classes[cls];
  c.lk.lock();
  for (uint32_t i = 0; i < n; ++i)
    c.dropped.push_back(r[i].lo);
  c.lk.unlock();
}
} // namespace

unsigned stack_class_of(size_t size) { return class_of(size); }

void stack_set_default_size(size_t size) {
  init_sizes();
  read_mostly.stack_default_bytes =
      size_t(1) << (class_of(size ? size : 16384) + kMinShift);
}

bool stack_alloc(Executor *e, size_t size, Stack *out) {
  unsigned cls = class_of(size);
  if ((size_t(1) << (cls + kMinShift)) < size)
    return false; // larger than the largest class
  bool cached = e && cls == class_of(read_mostly.stack_default_bytes);
  if (cached && e->nstacks) {
    *out = e->stacks[--e->nstacks];
    return true;
  }
  Class &c = classes[cls];
  c.lk.lock();
  std::vector<char *> *from = !c.resident.empty() ? &c.resident
                              : !c.cold.empty()   ? &c.cold
                              : !c.dropped.empty() ? &c.dropped
                                                   : nullptr;
  if (from) {
    // Take one, and for the executor's cache up to half of it more in the
    // same critical section.
    uint32_t n = 0, want = cached ? Executor::kStackCache / 2 : 1;
    *out = Stack{from->back(), class_size(cls), cls};
    from->pop_back();
    ++n;
    while (n < want && !from->empty()) {
      e->stacks[e->nstacks++] = Stack{from->back(), class_size(cls), cls};
      from->pop_back();
      ++n;
    }
    c.lk.unlock();
    if (from == &c.cold)
      ncold.fetch_sub(n, std::memory_order_relaxed);
    return true;
  }
  if (!cached) {
    uint32_t n = reserve(cls, out, 1);
    c.lk.unlock();
    if (n)
      arm(out, 1);
    return n == 1;
  }
  c.lk.unlock();
  // The executor's cache is empty: refill it with a batch, prepared ahead
  // by an idle executor if possible, else carved here.
  static_assert(kCarveBatch <= Executor::kStackCache);
  Stack batch[kCarveBatch];
  uint32_t n = take_prepared(batch, kCarveBatch);
  if (!n)
    n = carve(cls, batch, kCarveBatch);
  // A burst: this executor needs a second batch (a program that spawns a
  // few threads never does).
  if (e->refills++ > 0 && prepared.n < kPrepared / 2)
    want_prepared();
  if (!n)
    return false;
  *out = batch[0];
  for (uint32_t i = n; i-- > 1;) // handed out in address order
    e->stacks[e->nstacks++] = batch[i];
  return true;
}

bool stack_prepare_wanted() {
  return prepare_wanted.load(std::memory_order_relaxed) ||
         small_prepare_wanted();
}

void stack_prepare() {
  if (small_prepare_wanted()) // first segments too (segment.cpp)
    small_prepare();
  if (!prepare_wanted.load(std::memory_order_relaxed))
    return;
  unsigned cls = class_of(read_mostly.stack_default_bytes);
  Stack batch[kPrepareBatch];
  uint32_t n = carve(cls, batch, kPrepareBatch);
  for (uint32_t i = 0; i < n; ++i)
    *reinterpret_cast<volatile char *>(batch[i].hi() - 64) = 0;
  uint32_t kept = 0;
  prepared.lk.lock();
  while (kept < n && prepared.n < kPrepared)
    prepared.s[prepared.n++] = batch[kept++];
  if (prepared.n == kPrepared || !n)
    prepare_wanted.store(false, std::memory_order_relaxed);
  prepared.lk.unlock();
  for (; kept < n; ++kept) // the pool filled up meanwhile
    stack_free(nullptr, batch[kept]);
}

// Puts n free stacks of class cls in its lists: resident while there are
// fewer than kResidentFree, else cold.
static void free_to_class(unsigned cls, const Stack *s, uint32_t n) {
  Class &c = classes[cls];
  uint32_t cold = 0;
  c.lk.lock();
  for (uint32_t i = 0; i < n; ++i) {
    if (c.resident.size() < kResidentFree) {
      c.resident.push_back(s[i].lo);
    } else {
      c.cold.push_back(s[i].lo);
      ++cold;
    }
  }
  c.lk.unlock();
  // Dropping pages is left to idle executors (stack_scavenge), off the path
  // of threads that finish, unless cold stacks pile up.
  if (cold && ncold.fetch_add(cold, std::memory_order_relaxed) + cold > cold_max)
    while (stack_scavenge() &&
           ncold.load(std::memory_order_relaxed) > cold_max)
      ;
}

void stack_free(Executor *e, const Stack &s) {
  if (e && s.cls == class_of(read_mostly.stack_default_bytes)) {
    if (e->nstacks == Executor::kStackCache) {
      // Full: give the older half back in one go (one lock, not one per
      // thread, when many threads finish on several executors at once).
      constexpr uint32_t half = Executor::kStackCache / 2;
      free_to_class(s.cls, e->stacks, half);
      std::copy(e->stacks + half, e->stacks + e->nstacks, e->stacks);
      e->nstacks -= half;
    }
    e->stacks[e->nstacks++] = s;
    return;
  }
  free_to_class(s.cls, &s, 1);
}

bool stack_scavenge() {
  Range r[2 * kScavengeBatch];
  unsigned cls = 0;
  uint32_t n = take_cold(r, &cls);
  if (!n)
    return false;
  Range merged[2 * kScavengeBatch];
  std::copy(r, r + n, merged);
  drop_ranges(merged, n);
  put_dropped(r, n, cls);
  return ncold.load(std::memory_order_relaxed) != 0;
}

// --- compaction of parked stacks
//
// A parked thread's stack usually holds a few hundred live bytes in one
// touched page. Once many threads are alive (gt_config.compact_threshold),
// the scheduler copies the live bytes [context, top) of a thread that parks
// aside and drops the stack's pages, before anyone can wake the thread (and
// while parked, nobody touches its stack: wait-queue entries and channel
// elements live in the thread record). Resuming copies the bytes back to the
// same addresses, so pointers into the stack stay valid.

//
// Dropping pages costs a system call and a TLB shootdown, so an executor
// collects compacted stacks and drops them in batches, merging neighbouring
// stacks into one madvise (guard regions survive MADV_DONTNEED). A thread
// resumed before its batch is dropped just keeps its pages (Thread's
// drop_state, a DropState, internal.h):
//   kDropKeep -> kDropPending (compacted) -> kDropDropping -> kDropKeep
//                `-> kDropKeep by the resumer, who then skips the copy.

void stack_compact(Executor *e, Thread *t) {
  char *sp = reinterpret_cast<char *>(t->ctx);
  size_t live = t->stack.hi() - sp;
  void *buf = std::malloc(live);
  if (!buf)
    return; // keep the stack as it is
  std::memcpy(buf, sp, live);
  t->saved = buf;
  t->saved_len = live;
  t->drop_state.store(kDropPending, std::memory_order_release);
  e->drop[e->ndrop++] = t;
  if (e->ndrop == Executor::kDropBatch)
    stack_drop_pending(e);
}

void stack_drop_pending(Executor *e) {
  Range r[Executor::kDropBatch];
  Thread *taken[Executor::kDropBatch];
  uint32_t n = 0, ntaken = 0;
  for (uint32_t i = 0; i < e->ndrop; ++i) {
    Thread *t = e->drop[i];
    uint8_t pending = kDropPending;
    // Fails when the thread was resumed meanwhile.
    if (t->drop_state.compare_exchange_strong(pending, kDropDropping,
                                              std::memory_order_acq_rel)) {
      taken[ntaken++] = t;
      r[n++] = {t->stack.lo, t->stack.hi()};
    }
  }
  e->ndrop = 0;
  drop_ranges(r, n);
  for (uint32_t i = 0; i < ntaken; ++i)
    taken[i]->drop_state.store(kDropKeep, std::memory_order_release);
}

// A dropped stack must still have no pages when its thread resumes: a page
// means another thread read or wrote an object on it while the thread was
// parked, which broke GT_ATTR_COMPACT's contract (it saw zeros, or its write
// is about to be overwritten).
static void check_untouched(Thread *t) {
  unsigned char vec[64];
  size_t pages = t->stack.size / page_size;
  for (size_t off = 0; off < pages; off += sizeof vec) {
    size_t n = std::min(pages - off, sizeof vec);
    if (mincore(t->stack.lo + off * page_size, n * page_size, vec) != 0)
      return;
    for (size_t i = 0; i < n; ++i)
      if (vec[i] & 1)
        fatal("the stack of green thread %llu%s%s%s was accessed by another "
              "thread while it was parked and compacted (address %p): objects "
              "shared with other threads must not live on the stack of a "
              "thread spawned with GT_ATTR_COMPACT",
              (unsigned long long)t->id, t->name[0] ? " '" : "", t->name,
              t->name[0] ? "'" : "",
              (void *)(t->stack.lo + (off + i) * page_size));
  }
}

void stack_restore(Thread *t) {
  uint8_t pending = kDropPending;
  if (!t->drop_state.compare_exchange_strong(pending, kDropKeep,
                                             std::memory_order_acq_rel)) {
    // Dropped, or being dropped right now.
    while (t->drop_state.load(std::memory_order_acquire) != kDropKeep)
      cpu_relax();
    check_untouched(t);
    std::memcpy(t->stack.hi() - t->saved_len, t->saved, t->saved_len);
  }
  std::free(t->saved);
  t->saved = nullptr;
}

// --- overflow reporting

namespace {
struct sigaction old_segv, old_bus;
thread_local void *alt_stack;
constexpr size_t kAltStack = 64 * 1024;

GT_NO_SPLIT_STACK void put(char *&p, const char *s) {
  while (*s)
    *p++ = *s++;
}
GT_NO_SPLIT_STACK void put_num(char *&p, unsigned long long v, unsigned base) {
  char tmp[24];
  int n = 0;
  do
    tmp[n++] = "0123456789abcdef"[v % base];
  while (v /= base);
  if (base == 16)
    put(p, "0x");
  while (n)
    *p++ = tmp[--n];
}

GT_NO_SPLIT_STACK uintptr_t stack_pointer(void *uctx) {
  auto *uc = static_cast<ucontext_t *>(uctx);
#if defined(__x86_64__)
  return uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
  return uc->uc_mcontext.sp;
#else
  return 0;
#endif
}

// Unchecked (segment.cpp): it runs on the alternate signal stack while the
// split-stack limit may be a small-stack thread's.
GT_NO_SPLIT_STACK void on_fault(int sig, siginfo_t *info, void *uctx) {
  Executor *e = current_executor();
  Thread *t = e ? e->current : nullptr;
  if (t && t->stack.lo) {
    // A small-stack thread may run on a big segment (segment.cpp): the
    // mailbox has the bottom of the one it is on.
    Stack on = running_segment(t);
    uintptr_t lo = (uintptr_t)on.lo;
    size_t size = on.size;
    uintptr_t addr = (uintptr_t)info->si_addr;
    uintptr_t sp = stack_pointer(uctx);
    bool in_guard = addr < lo && addr >= lo - page_size;
    bool sp_below = sp < lo && sp + (1u << 20) >= lo;
    if (in_guard || sp_below) {
      char buf[400], *p = buf;
      put(p, "gt: fatal: stack overflow in green thread ");
      put_num(p, t->id, 10);
      if (t->name[0]) {
        put(p, " '");
        put(p, t->name);
        put(p, "'");
      }
      put(p, ": fault at ");
      put_num(p, addr, 16);
      put(p, ", stack [");
      put_num(p, lo, 16);
      put(p, ", ");
      put_num(p, lo + size, 16);
      put(p, ") of ");
      put_num(p, size, 10);
      put(p, " bytes; spawn it with a larger gt_attr.stack_size\n");
      ssize_t ignored = write(2, buf, p - buf);
      (void)ignored;
      signal(SIGABRT, SIG_DFL);
      abort();
    }
  }
  // Not ours: fall back to the previous disposition; the fault repeats.
  sigaction(sig, sig == SIGSEGV ? &old_segv : &old_bus, nullptr);
}
} // namespace

void stacks_install_overflow_handler() {
  static bool done;
  if (done)
    return;
  done = true;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);
}

void stacks_executor_init() {
  alt_stack = ::operator new(kAltStack);
  stack_t ss{};
  ss.ss_sp = alt_stack;
  ss.ss_size = kAltStack;
  sigaltstack(&ss, nullptr);
}

void stacks_executor_fini() {
  stack_t ss{};
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, nullptr);
  ::operator delete(alt_stack);
  alt_stack = nullptr;
}

} // namespace gt
