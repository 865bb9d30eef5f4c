// The concurrent stack scan's claims (gc/threadscan.cpp): scan cycles run
// while green threads sleep, park on channels, yield, spin through polls and
// exit, some on stacks of their own, some compacted when they park, some
// taking turns on shared stacks (GT_ATTR_COMPACT over a low compaction
// threshold). Each cycle is driven by the main green thread, which sweeps,
// asks running threads for handshakes and yields (so that its own scheduler
// scans it), while an OS thread sweeps too; every scheduler runs the resume
// barrier. Odd cycles start with process_barrier's mprotect fallback.
//
// The scanner records, per thread, the cycle of its last scan and how often
// a cycle scanned it, marks the thread "being scanned" while it walks the
// stack to its entry frame (gc::scan_thread_stack: a stack that moved or ran
// meanwhile breaks the walk, which is fatal), and waits a little to widen
// the window. Every worker checks after each switch back that it is not
// being scanned. Per cycle: every worker alive through the whole cycle was
// scanned exactly once; no thread was scanned twice in a cycle; no thread
// ran while being scanned. The counts are printed and compared.
#include "check.h"

#include "../src/gc/heap.h"
#include "../src/gc/stackscan.h"
#include "../src/internal.h"

#include <atomic>
#include <cstdint>
#include <pthread.h>

namespace {

constexpr int kWorkers = 600, kCycles = 40, kMaxSlots = 1 << 16;

struct Record {
  std::atomic<uint64_t> cycle{0}; // of the last scan
  std::atomic<uint32_t> scanning{0};
  std::atomic<uint32_t> alive{0};
};
Record records[kMaxSlots];
std::atomic<uint64_t> current_cycle{0};
std::atomic<long> scans{0}, double_scans{0}, ran_while_scanned{0},
    missed{0}, slots_seen{0};
std::atomic<int> workers_left{kWorkers};
std::atomic<bool> stop_spinning{false};
gt_mutex_t locks[8];

uint32_t slot_of(gt_thread_t h) { return uint32_t(h & 0xffffffff) - 1; }

struct SlotCounter final : gt::gc::RootVisitor {
  void visit(void **) override {
    slots_seen.fetch_add(1, std::memory_order_relaxed);
  }
};

struct CountingScanner final : gt::gc::ThreadScanner {
  void scan(gt::Thread *t) override {
    Record &r = records[t->slot];
    r.scanning.store(1, std::memory_order_seq_cst);
    uint64_t c = current_cycle.load(std::memory_order_relaxed);
    if (r.cycle.exchange(c, std::memory_order_relaxed) == c)
      double_scans.fetch_add(1, std::memory_order_relaxed);
    SlotCounter v;
    gt::gc::scan_thread_stack(t, v);
    uint64_t until = gt_now_ns() + 2000;
    while (gt_now_ns() < until)
      gt::cpu_relax();
    scans.fetch_add(1, std::memory_order_relaxed);
    r.scanning.store(0, std::memory_order_seq_cst);
  }
};
CountingScanner scanner;

// After every switch back: nobody may be scanning this thread's stack.
void check_not_scanned(uint32_t slot) {
  if (records[slot].scanning.load(std::memory_order_seq_cst))
    ran_while_scanned.fetch_add(1, std::memory_order_relaxed);
}

// Spins through safepoint polls (this function gets them): a running thread
// reached only by a handshake.
SS_SAFEPOINTS __attribute__((noinline)) long spin(long n) {
  long x = 0;
  for (long i = 0; i < n && !stop_spinning.load(std::memory_order_relaxed);
       ++i)
    x = x * 31 + i;
  return x;
}

void worker(void *arg) {
  long id = (long)(intptr_t)arg;
  uint32_t slot = slot_of(gt_self());
  records[slot].alive.store(1, std::memory_order_release);
  int rounds = 20 + int(id % 40);
  for (int i = 0; i < rounds; ++i) {
    switch ((id + i) % 4) {
    case 0:
      gt_sleep_for(20000 + (id % 7) * 10000);
      break;
    case 1:
      gt_yield();
      break;
    case 2:
      spin(200000);
      gt_yield();
      break;
    default: // parks on a mutex whose holder sleeps
      gt_mutex_lock(&locks[id % 8]);
      gt_sleep_for(5000);
      gt_mutex_unlock(&locks[id % 8]);
      break;
    }
    check_not_scanned(slot);
  }
  records[slot].alive.store(0, std::memory_order_release);
  workers_left.fetch_sub(1, std::memory_order_acq_rel);
}

// The OS thread that sweeps while a cycle runs.
std::atomic<uint64_t> bg_cycle{0};
std::atomic<bool> bg_quit{false};
std::atomic<int> bg_busy{0};
std::atomic<long> bg_sweeps{0};

void *background(void *) {
  while (!bg_quit.load(std::memory_order_acquire)) {
    bg_busy.store(1, std::memory_order_seq_cst);
    if (bg_cycle.load(std::memory_order_seq_cst)) {
      gt::gc::scan_sweep();
      bg_sweeps.fetch_add(1, std::memory_order_relaxed);
    }
    bg_busy.store(0, std::memory_order_seq_cst);
    usleep(50);
  }
  return nullptr;
}

void main_thread(void *) {
  gt_attr compact{};
  compact.flags = GT_ATTR_COMPACT;
  for (long i = 0; i < kWorkers; ++i)
    gt_detach(gt_spawn(worker, (void *)(intptr_t)i, i % 3 ? &compact : nullptr));
  pthread_t bg;
  CHECK(pthread_create(&bg, nullptr, background, nullptr) == 0);
  gt::Executor *e = gt::current_executor();
  long cycles = 0, handshakes = 0;
  for (int k = 0; k < kCycles && workers_left.load() > 0; ++k) {
    static uint8_t alive_at_start[kMaxSlots];
    for (int s = 0; s < kMaxSlots; ++s)
      alive_at_start[s] = uint8_t(records[s].alive.load(std::memory_order_acquire));
    // Half the cycles start with the fallback of process_barrier (mprotect)
    // instead of membarrier(2).
    gt::process_barrier_fallback(k % 2 == 1);
    uint64_t c = uint64_t(k + 1); // scan_begin numbers cycles from 1
    current_cycle.store(c, std::memory_order_relaxed);
    CHECK(gt::gc::scan_begin(&scanner, false) == c);
    bg_cycle.store(c, std::memory_order_seq_cst);
    for (;;) {
      size_t left = gt::gc::scan_sweep();
      if (!left)
        break;
      gt::gc::scan_handshake(e);
      ++handshakes;
      gt_yield(); // our own scheduler scans us
    }
    bg_cycle.store(0, std::memory_order_seq_cst);
    while (bg_busy.load(std::memory_order_seq_cst))
      gt::cpu_relax();
    gt::gc::scan_end();
    ++cycles;
    for (int s = 0; s < kMaxSlots; ++s)
      if (alive_at_start[s] && records[s].alive.load(std::memory_order_acquire) &&
          records[s].cycle.load(std::memory_order_relaxed) != c)
        missed.fetch_add(1, std::memory_order_relaxed);
  }
  stop_spinning.store(true);
  while (workers_left.load() > 0)
    gt_sleep_for(1000000);
  bg_quit.store(true, std::memory_order_release);
  pthread_join(bg, nullptr);
  std::printf("gc claim: %ld cycles, %ld scans, %ld background sweeps, %ld "
              "slots seen, %ld handshake rounds; %ld missed, %ld double, %ld "
              "ran while scanned\n",
              cycles, scans.load(), bg_sweeps.load(), slots_seen.load(),
              handshakes, missed.load(), double_scans.load(),
              ran_while_scanned.load());
  CHECK(cycles >= 5);
  CHECK(scans.load() >= cycles);
  CHECK(missed.load() == 0);
  CHECK(double_scans.load() == 0);
  CHECK(ran_while_scanned.load() == 0);
  std::puts("gc claim: OK");
}

} // namespace

int main() {
  gt_config cfg{};
  cfg.executors = test_executors();
  cfg.compact_threshold = 64; // shared stacks and compaction from 64 threads
  CHECK(gt_run(&cfg, main_thread, nullptr) == 0);
  return 0;
}
