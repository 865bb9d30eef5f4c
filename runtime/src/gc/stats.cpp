// gc/stats.cpp: what the collector counts (gt_gc_stats) and prints
// (GT_GC_TRACE=1): collections, bytes allocated and copied, the live size,
// and the pause log, a ring of the last GT_GC_PAUSE_LOG pauses (one per
// stop-the-world collection, three per concurrent cycle and one per flip it
// gave up).
//
// Bytes allocated are counted where they are cheap to count: an executor's
// allocation block when it is retired (Local::allocated, written by its
// executor, read here without a lock), large objects as they are mapped,
// and the executors of earlier gt_runs at the run's end. Everything else is
// written once per collection, by the collector alone, under stats_lk.
#include "heap.h"

#include <cstdlib>

namespace gt::gc {

bool trace;

namespace {
SpinLock stats_lk;
struct gt_gc_stats stats; // pauses[] is a ring indexed by pauses_recorded

void record_pause(uint64_t n, uint64_t start, uint64_t pause,
                  uint64_t kind) { // stats_lk held
  stats.pause_total_ns += pause;
  stats.flip_aborts += kind == GT_GC_PAUSE_FLIP_ABORTED; // with its pause
  if (pause > stats.pause_max_ns)
    stats.pause_max_ns = pause;
  stats.pauses[stats.pauses_recorded++ % GT_GC_PAUSE_LOG] =
      gt_gc_pause{start, pause, n, kind};
}
uint64_t allocated_before; // by executors of earlier gt_runs
std::atomic<uint64_t> large_allocated{0};
} // namespace

void stats_configure() {
  const char *t = getenv("GT_GC_TRACE");
  trace = t && *t && *t != '0';
}

void count_large_alloc(size_t bytes) {
  large_allocated.fetch_add(bytes, std::memory_order_relaxed);
}

void stats_collection(uint64_t n, uint64_t copied, uint64_t live,
                      uint64_t pause_start, uint64_t pause, uint64_t kind) {
  stats_lk.lock();
  stats.collections = n;
  stats.bytes_copied += copied;
  stats.live_bytes = live;
  record_pause(n, pause_start, pause, kind);
  stats_lk.unlock();
}

void stats_pause(uint64_t n, uint64_t start, uint64_t pause, uint64_t kind) {
  stats_lk.lock();
  record_pause(n, start, pause, kind);
  stats_lk.unlock();
}

void stats_cycle(uint64_t mark_ns, uint64_t replayed, uint64_t new_objects,
                 bool overran, uint64_t assists) {
  stats_lk.lock();
  ++stats.cycles;
  stats.assist_buffers += assists;
  stats.flip_overruns += overran;
  stats.mark_last_ns = mark_ns;
  stats.mark_total_ns += mark_ns;
  stats.replayed_entries += replayed;
  stats.new_objects += new_objects;
  stats_lk.unlock();
}

void stats_run_end(uint64_t allocated) {
  stats_lk.lock();
  allocated_before += allocated;
  stats_lk.unlock();
}

} // namespace gt::gc

using namespace gt;
using namespace gt::gc;

extern "C" void gt_gc_stats(struct gt_gc_stats *out) {
  uint64_t running = 0;
  if (locals) // approximate while threads allocate: retired blocks only
    for (uint32_t i = 0; i < sched.n; ++i)
      running += __atomic_load_n(&locals[i].allocated, __ATOMIC_RELAXED);
  stats_lk.lock();
  uint64_t n = stats.collections;
  out->collections = n;
  out->bytes_allocated = allocated_before + running +
                         large_allocated.load(std::memory_order_relaxed);
  out->bytes_copied = stats.bytes_copied;
  out->live_bytes = stats.live_bytes;
  out->pause_total_ns = stats.pause_total_ns;
  out->pause_max_ns = stats.pause_max_ns;
  uint64_t np = stats.pauses_recorded;
  out->npauses = uint32_t(np < GT_GC_PAUSE_LOG ? np : GT_GC_PAUSE_LOG);
  for (uint32_t i = 0; i < out->npauses; ++i) // oldest first
    out->pauses[i] = stats.pauses[(np - out->npauses + i) % GT_GC_PAUSE_LOG];
  out->pauses_recorded = np;
  out->cycles = stats.cycles;
  out->mark_last_ns = stats.mark_last_ns;
  out->mark_total_ns = stats.mark_total_ns;
  out->replayed_entries = stats.replayed_entries;
  out->new_objects = stats.new_objects;
  out->flip_aborts = stats.flip_aborts;
  out->flip_overruns = stats.flip_overruns;
  out->assist_buffers = stats.assist_buffers;
  stats_lk.unlock();
  out->heap_bytes = heap_bytes();
  out->heap_limit = heap.limit;
  out->large_bytes = heap.large_bytes.load(std::memory_order_relaxed);
}
