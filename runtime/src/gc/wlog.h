// gc/wlog.h: the write log as the collector sees it (wlog.cpp, whose
// protocol this is): turning logging on and off for every thread, rounds
// that seal every executor's log, and the queue of sealed buffers that
// replay consumes. The scheduler's side (lending an executor's log to the
// thread it resumes) is declared in internal.h.
#pragma once

#include "../internal.h"

#include <gt/hooks.h>

#include <cstddef>
#include <cstdint>

namespace gt::gc {

// Entries per buffer (24 KiB): a buffer is handed over whole.
constexpr uint32_t kLogEntries = 1024;

// A buffer of entries. Once sealed (queued for replay) every entry in it
// belongs to an interval that has ended: its thread passed a safepoint.
struct LogBuffer {
  LogBuffer *next;
  uint32_t count;    // entries in e[]
  uint32_t executor; // whose log filled it
  gt_wlog_entry e[kLogEntries];
};

// Turns logging on for every thread: returns once every executor logs the
// writes of the thread it runs and of every thread it resumes from now on
// (a round, below). Called by a collector (a green thread or an OS thread),
// one at a time.
void wlog_on();
// Turns logging off: returns once no thread logs and every entry is sealed
// and queued.
void wlog_off();
// A round: returns once every executor has sealed and queued every entry
// logged before the call (each running thread at its next poll, which the
// round asks for; the log of an executor that runs no thread by whoever
// runs the round). Entries logged after the call may be queued too.
void wlog_round();
// wlog_off with the world stopped (the concurrent cycle's flip, cycle.cpp):
// no thread runs and every log has been taken back at a switch-out, so
// there is no round to run: every executor's log is sealed and queued here.
void wlog_off_stopped();
// Seals and queues every executor's log with the world stopped, logging
// left on (a flip that may abort, cycle.cpp).
void wlog_seal_stopped();
bool wlog_is_on();

// Sealed buffers queued for replay now (a hint, read without a lock).
size_t wlog_backlog();
// The next sealed buffer, oldest first is not promised (replay re-reads
// the locations, so order does not matter); null when none is queued.
LogBuffer *wlog_sealed();
// Puts a sealed buffer taken by wlog_sealed back in the queue (an assist
// that stops early: its entries are replayed again, which is harmless).
void wlog_requeue(LogBuffer *b);
// Gives a buffer that replay is done with back to the pool.
void wlog_recycle(LogBuffer *b);

struct WlogStats {
  uint64_t sealed_buffers, sealed_entries; // queued for replay, ever
  uint64_t flushes;                        // gt_gc_wlog_flush calls
  uint64_t rounds;
  uint64_t buffers; // allocated (malloc), ever
  uint64_t checked; // entries checked (GT_GC_LOG=1)
};
WlogStats wlog_stats();

// From a safepoint of the running thread t: its poll's slow path
// (gc_safepoint) and its allocation slow path. Seals its log, turns
// logging on or off for it in place, and acknowledges a pending round.
void wlog_safepoint(Thread *t);

// Takes the executor's log back from t, which is at a safepoint (a test
// about to log into a buffer of its own).
void wlog_release(Thread *t);

void wlog_run_start(uint32_t executors); // gc_run_start, reads GT_GC_LOG
void wlog_run_end();                     // gc_run_end: frees every buffer

} // namespace gt::gc
