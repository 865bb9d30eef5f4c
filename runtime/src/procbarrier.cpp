// procbarrier.cpp: a full memory barrier on every thread of the process, for
// asymmetric synchronization: a hot path that would otherwise need a fence
// (a store, then a load of a flag that is rarely set) keeps plain accesses
// and only a compiler barrier, and whoever sets the flag, rarely, pays for
// process_barrier() instead. After it returns, every thread has executed a
// full barrier since the call began, so either a hot path's load saw the
// flag, or its earlier store is visible to the caller's later loads.
// HotSpot does the same (os::FlushProcessWriteBuffers), and so do .NET and
// liburcu's "membarrier" flavour.
//
// Linux's membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) does it with an IPI
// to the CPUs that run the process's threads; the process registers once.
// Where it is unavailable (old kernels, qemu-user), changing the protection
// of a written page does it: the kernel must shoot down that page's TLB
// entries on every CPU that may hold them, which interrupts them (HotSpot's
// fallback).
#include "internal.h"

#include <atomic>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gt {

namespace {
enum : int { kUnknown, kMembarrier, kMprotect };
std::atomic<int> method{kUnknown};
SpinLock page_lk;
volatile int *page;

int choose() {
  int m = kMprotect;
  if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0,
              0) == 0)
    m = kMembarrier;
  int expected = kUnknown;
  method.compare_exchange_strong(expected, m, std::memory_order_acq_rel);
  return method.load(std::memory_order_acquire);
}
} // namespace

void process_barrier_fallback(bool on) {
  if (on)
    method.store(kMprotect, std::memory_order_release);
  else
    method.store(kUnknown, std::memory_order_release); // choose again
}

void process_barrier() {
  int m = method.load(std::memory_order_acquire);
  if (m == kUnknown)
    m = choose();
  if (m == kMembarrier &&
      syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
    return;
  page_lk.lock();
  if (!page) {
    void *p = mmap(nullptr, size_t(getpagesize()), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      fatal("process_barrier: cannot map a page");
    page = static_cast<volatile int *>(p);
  }
  if (mprotect(const_cast<int *>(page), size_t(getpagesize()),
               PROT_READ | PROT_WRITE) != 0)
    fatal("process_barrier: mprotect failed");
  *page = 1; // present and dirty: the downgrade must shoot it down everywhere
  if (mprotect(const_cast<int *>(page), size_t(getpagesize()), PROT_NONE) != 0)
    fatal("process_barrier: mprotect failed");
  page_lk.unlock();
}

} // namespace gt
