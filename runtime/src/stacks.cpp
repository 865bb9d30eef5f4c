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
// Overflow: every executor has an alternate signal stack; the handler checks
// whether the fault (or the stack pointer) lies below the running thread's
// stack, and if so writes "stack overflow in green thread N 'name'" with the
// stack bounds using only async-signal-safe calls, then aborts. Other faults
// go to the previous handler.
#include "executor.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

namespace gt {

namespace {
constexpr unsigned kMinShift = 13, kMaxShift = 30;
constexpr unsigned kClasses = kMaxShift - kMinShift + 1;
constexpr size_t kRegion = 64u << 20; // bytes reserved at a time per class

struct FreeStack {
  FreeStack *next;
};

struct Class {
  SpinLock lk;
  FreeStack *free = nullptr; // link kept at the top of each free stack
  char *cursor = nullptr, *end = nullptr;
};

Class classes[kClasses];
size_t page_size;
size_t default_size;
std::atomic<bool> use_mprotect{false};

unsigned class_of(size_t size) {
  unsigned shift = kMinShift;
  while ((size_t(1) << shift) < size && shift < kMaxShift)
    ++shift;
  return shift - kMinShift;
}

FreeStack *link_of(char *lo, size_t size) {
  return reinterpret_cast<FreeStack *>(lo + size - sizeof(FreeStack));
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

bool carve(unsigned cls, Stack *out) {
  size_t size = size_t(1) << (cls + kMinShift);
  size_t slot = size + page_size;
  Class &c = classes[cls];
  if (c.end - c.cursor < (ptrdiff_t)slot) {
    size_t bytes = slot > kRegion ? slot : kRegion / slot * slot;
    void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);
    if (p == MAP_FAILED)
      return false;
    c.cursor = static_cast<char *>(p);
    c.end = c.cursor + bytes;
  }
  char *guard = c.cursor;
  c.cursor += slot;
  if (!use_mprotect.load(std::memory_order_relaxed) &&
      (madvise(guard, page_size, MADV_GUARD_INSTALL) != 0 ||
       !guard_faults(guard)))
    use_mprotect.store(true, std::memory_order_relaxed);
  if (use_mprotect.load(std::memory_order_relaxed) &&
      mprotect(guard, page_size, PROT_NONE) != 0)
    fatal("cannot protect a stack guard page (%s): too many stacks for "
          "vm.max_map_count on a kernel without MADV_GUARD_INSTALL",
          strerror(errno));
  *out = Stack{guard + page_size, size, cls};
  return true;
}

void init_sizes() {
  if (!page_size)
    page_size = sysconf(_SC_PAGESIZE);
}
} // namespace

size_t stack_default_size() { return default_size; }

void stack_set_default_size(size_t size) {
  init_sizes();
  default_size = size_t(1) << (class_of(size ? size : 16384) + kMinShift);
}

bool stack_alloc(Executor *e, size_t size, Stack *out) {
  unsigned cls = class_of(size);
  if ((size_t(1) << (cls + kMinShift)) < size)
    return false; // larger than the largest class
  if (e && size <= default_size && cls == class_of(default_size) &&
      e->nstacks) {
    *out = e->stacks[--e->nstacks];
    return true;
  }
  Class &c = classes[cls];
  c.lk.lock();
  bool ok = true;
  if (FreeStack *f = c.free) {
    c.free = f->next;
    size_t bytes = size_t(1) << (cls + kMinShift);
    *out = Stack{reinterpret_cast<char *>(f + 1) - bytes, bytes, cls};
  } else {
    ok = carve(cls, out);
  }
  c.lk.unlock();
  return ok;
}

void stack_free(Executor *e, const Stack &s) {
  if (e && s.cls == class_of(default_size)) {
    if (e->nstacks < Executor::kStackCache) {
      e->stacks[e->nstacks++] = s;
      return;
    }
  }
  Class &c = classes[s.cls];
  FreeStack *f = link_of(s.lo, s.size);
  c.lk.lock();
  f->next = c.free;
  c.free = f;
  c.lk.unlock();
}

// --- overflow reporting

namespace {
struct sigaction old_segv, old_bus;
thread_local void *alt_stack;
constexpr size_t kAltStack = 64 * 1024;

void put(char *&p, const char *s) {
  while (*s)
    *p++ = *s++;
}
void put_num(char *&p, unsigned long long v, unsigned base) {
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

uintptr_t stack_pointer(void *uctx) {
  auto *uc = static_cast<ucontext_t *>(uctx);
#if defined(__x86_64__)
  return uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
  return uc->uc_mcontext.sp;
#else
  return 0;
#endif
}

void on_fault(int sig, siginfo_t *info, void *uctx) {
  Executor *e = current_executor();
  Thread *t = e ? e->current : nullptr;
  if (t && t->stack.lo) {
    uintptr_t lo = (uintptr_t)t->stack.lo, addr = (uintptr_t)info->si_addr;
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
      put_num(p, lo + t->stack.size, 16);
      put(p, ") of ");
      put_num(p, t->stack.size, 10);
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
