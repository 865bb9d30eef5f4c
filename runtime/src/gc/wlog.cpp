// gc/wlog.cpp: the write log's buffers (gt/hooks.h, "The write log").
//
// Every store into GC memory in managed code is logged by the write barrier
// hooks while the thread's gc_status has GT_GC_LOG_WRITES: the compiler
// (gc-barriers) reserves room for a group of entries in the running thread's
// log (gc.write_barrier_reserve) and writes them. The log lives in the
// thread's mailbox (wlog_ptr, wlog_free; wlog_state points at the buffer's
// record below) so that it follows the thread from executor to executor. The
// stop-the-world collector does not need the log, so only tests turn it on
// (gt_gc_wlog_start); the concurrent collector (issue 14) will hand threads
// buffers when a collection starts and consume them at gt_gc_wlog_flush and
// at its handshakes.
//
// gt_gc_wlog_flush is not a safepoint (gt/hooks.h): generated code calls it
// in the middle of a safepoint interval, without a statepoint, holding GC
// pointers the stack maps do not describe, and then appends its group to the
// fresh buffer. So it must never collect, park, yield or switch, and
// must not touch gc_status: it only moves buffer pointers (and, with the
// concurrent collector, queues the full buffer for replay after the thread's
// next safepoint). It finds the thread with gt_self_mailbox, a
// thread-local read that takes no lock.
#include "../internal.h"

#include <gt/hooks.h>

#include <cstdlib>

namespace gt {
namespace {

struct WriteLog {
  gt_wlog_entry *base;
  size_t capacity;
  uint64_t flushes;
  uint64_t flushed; // entries handed over by the flushes
};

WriteLog *log_of(gt_mailbox *mb) {
  return reinterpret_cast<WriteLog *>(mb->wlog_state);
}

void rewind(gt_mailbox *mb, WriteLog *log) {
  mb->wlog_ptr = reinterpret_cast<uintptr_t>(log->base);
  mb->wlog_free = log->capacity;
}

} // namespace
} // namespace gt

using namespace gt;

extern "C" __attribute__((preserve_most)) void
gt_gc_wlog_flush(size_t need) noexcept {
  gt_mailbox *mb = gt_self_mailbox();
  WriteLog *log = log_of(mb);
  if (!log)
    fatal("gt_gc_wlog_flush: thread %llu ('%s') has no write log",
          (unsigned long long)self_or_die("gt_gc_wlog_flush")->id,
          self_or_die("gt_gc_wlog_flush")->name);
  if (need > log->capacity)
    fatal("gt_gc_wlog_flush: thread %llu ('%s'): the barrier needs %zu "
          "entries, the log holds %zu (gt_gc_wlog_start: at least "
          "GT_WLOG_MAX_RESERVE)",
          (unsigned long long)self_or_die("gt_gc_wlog_flush")->id,
          self_or_die("gt_gc_wlog_flush")->name, need, log->capacity);
  ++log->flushes;
  log->flushed += log->capacity - mb->wlog_free;
  rewind(mb, log);
}

extern "C" void gt_gc_wlog_start(gt_wlog_entry *buf, size_t n) noexcept {
  Thread *t = self_or_die("gt_gc_wlog_start");
  if (!buf || n == 0)
    fatal("gt_gc_wlog_start: thread %llu ('%s'): empty buffer",
          (unsigned long long)t->id, t->name);
  gt_mailbox *mb = &t->mb;
  WriteLog *log = log_of(mb);
  if (!log) {
    log = static_cast<WriteLog *>(std::malloc(sizeof(WriteLog)));
    if (!log)
      fatal("gt_gc_wlog_start: thread %llu ('%s'): out of memory",
            (unsigned long long)t->id, t->name);
    mb->wlog_state = reinterpret_cast<uintptr_t>(log);
  }
  *log = WriteLog{buf, n, 0, 0};
  rewind(mb, log);
  mb->gc_status |= GT_GC_LOG_WRITES;
}

extern "C" size_t gt_gc_wlog_stop(uint64_t *flushes) noexcept {
  Thread *t = self_or_die("gt_gc_wlog_stop");
  gt_mailbox *mb = &t->mb;
  WriteLog *log = log_of(mb);
  mb->gc_status &= ~uint32_t(GT_GC_LOG_WRITES);
  if (flushes)
    *flushes = log ? log->flushes : 0;
  if (!log)
    return 0;
  size_t n = log->capacity - mb->wlog_free;
  mb->wlog_state = 0;
  mb->wlog_ptr = mb->wlog_free = 0;
  std::free(log);
  return n;
}

extern "C" void gt_gc_wlog_stats(uint64_t *entries, uint64_t *flushes) noexcept {
  gt_mailbox *mb = &self_or_die("gt_gc_wlog_stats")->mb;
  const WriteLog *log = log_of(mb);
  if (entries)
    *entries = log ? log->flushed + (log->capacity - mb->wlog_free) : 0;
  if (flushes)
    *flushes = log ? log->flushes : 0;
}
