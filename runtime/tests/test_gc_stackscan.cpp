// The GC's stack walker (gc/stackmap.cpp, gc/stackwalk.cpp) over parked green
// threads whose frames are `gc "swapstack"` IR functions
// (test_gc_stackscan.ll).
//
// Green threads recurse 1..20 frames deep through gcs_frame, each frame
// holding three objects, a derived pointer into one of them and a vector of
// two derived pointers, and park on a channel. The "objects" are entries of an array A. The main thread waits
// until all are parked, scans every stack with a visitor that checks each
// slot it is given holds an A entry and rewrites it to the same entry of a
// second array B (as a copying collector moves an object), wakes them, and
// each frame then checks that its values are B entries now and that its
// derived pointer kept its offset from the moved base. The visits per stack
// must be exactly what its frames hold. Other threads run a generator
// (llvm.newstack + swapstackcc in IR) to its yield and park: the generator's
// suspended stack, whose top frame is the switch's statepoint (found from the
// resume address in its context), is scanned too.
//
// Phase 1: every thread on its own stack. Phase 2: threads spawned with
// GT_ATTR_COMPACT over a low compaction threshold, so that parked stacks are
// compacted (scanned in their saved copy, or in place with both copies
// updated when their pages are not dropped yet) or take turns on shared
// stacks (evicted ones scanned in their saved copy).
//
// Then, in child processes, the walker's fatal errors: a return address in
// libc (a thread parked from a qsort comparator), a thread parked while on a
// generator's stack (which the runtime does not know), and hand-made broken
// frame-pointer chains.
#include "check.h"

#include "../src/executor.h"
#include "../src/gc/stackmap.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>

#define GC __attribute__((address_space(1)))

namespace {

struct Obj {
  alignas(64) char bytes[64];
};
constexpr int kObjs = 4096;
Obj A[kObjs], B[kObjs];

constexpr long kThreads = 1000, kGenThreads = 100;
constexpr long kAll = kThreads + kGenThreads;
constexpr int kMaxDepth = 20;
constexpr size_t kGenStack = 64 * 1024;

int depth_of(long id) { return 1 + int(id % kMaxDepth); }
// The object held as z by the frame at `level` (levels depth + 1 and
// depth + 2 stand for the values the thread passes in as y and x).
int obj_index(long id, int level) {
  return int((id * 37 + level * 101) % kObjs);
}

struct State {
  std::atomic<long> gated{0}, parked{0};
  std::atomic<long> checked{0}, mismatches{0};
  gt_chan_t *gate = nullptr, *wake = nullptr;
  gt_waitgroup_t done{};
  bool moved = false; // set by main before waking: expect B entries
  gt::Thread *threads[kAll] = {};
  void *gen_ctx[kAll] = {};
  char *gen_mem[kAll] = {};
};
State *st;

uintptr_t addr(const Obj *base, int i) {
  return reinterpret_cast<uintptr_t>(&base[i]);
}

void expect(long id, int depth, const char *what, const void GC *got,
            uintptr_t want) {
  st->checked.fetch_add(1, std::memory_order_relaxed);
  uintptr_t g = (uintptr_t)got;
  if (g != want && st->mismatches.fetch_add(1) < 10)
    std::fprintf(stderr, "thread %ld frame %d: %s is %#lx, expected %#lx\n",
                 id, depth, what, (unsigned long)g, (unsigned long)want);
}

// Parks twice: at a gate until every thread has been spawned, then for the
// scan. In phase 2, the second park happens with all threads alive, above
// the compaction threshold, so private stacks are compacted then.
void park_here(long id) {
  st->threads[id] = gt::current_thread();
  st->gated.fetch_add(1);
  long v = 0;
  CHECK(gt_chan_recv(st->gate, &v) == GT_OK);
  st->parked.fetch_add(1);
  CHECK(gt_chan_recv(st->wake, &v) == GT_OK);
}

} // namespace

// --- called from the IR

extern "C" Obj GC *gcs_obj(int64_t id, int32_t level) {
  return (Obj GC *)&A[obj_index(id, level)];
}

extern "C" void gcs_park(int64_t id) { park_here(id); }

extern "C" void gcs_check(int64_t id, int32_t depth, Obj GC *x, Obj GC *y,
                          Obj GC *z, char GC *d, char GC *y8, char GC *z16) {
  const Obj *base = st->moved ? B : A;
  uintptr_t want_x = addr(base, obj_index(id, depth + 2));
  uintptr_t want_y = addr(base, obj_index(id, depth + 1));
  uintptr_t want_z = addr(base, obj_index(id, depth));
  expect(id, depth, "x", x, want_x);
  expect(id, depth, "y", y, want_y);
  expect(id, depth, "z", z, want_z);
  expect(id, depth, "derived x+off", d, want_x + (depth & 1 ? 24 : 40));
  expect(id, depth, "vector element y+8", y8, want_y + 8);
  expect(id, depth, "vector element z+16", z16, want_z + 16);
}

extern "C" void gcs_gen_parked(int64_t id, void *gen) {
  st->gen_ctx[id] = gen;
  park_here(id);
}

extern "C" void gcs_gen_check(int64_t id, int32_t which, Obj GC *v,
                              char GC *d) {
  const Obj *base = st->moved ? B : A;
  if (which == 0) { // in the generator: its object and a pointer into it
    uintptr_t want = addr(base, obj_index(id, 0));
    expect(id, -1, "generator's object", v, want);
    expect(id, -1, "generator's derived", d, want + (id & 1 ? 24 : 40));
  } else { // the generator's caller, after the generator finished
    expect(id, -2, "caller's object", v, addr(base, obj_index(id, 1)));
  }
}

extern "C" void gcs_frame(int32_t depth, int64_t id, Obj GC *x, Obj GC *y);
extern "C" void gcs_gen_run(void *lo, int64_t size, Obj GC *o, Obj GC *p,
                            int64_t id);

namespace {

void worker(void *p) {
  long id = (long)(intptr_t)p;
  int depth = depth_of(id);
  gcs_frame(depth, id, gcs_obj(id, depth + 2), gcs_obj(id, depth + 1));
  gt_waitgroup_done(&st->done);
}

void gen_worker(void *p) {
  long id = (long)(intptr_t)p;
  char *mem = static_cast<char *>(std::aligned_alloc(16, kGenStack));
  CHECK(mem);
  st->gen_mem[id] = mem;
  gcs_gen_run(mem, kGenStack, gcs_obj(id, 0), gcs_obj(id, 1), id);
  std::free(mem);
  gt_waitgroup_done(&st->done);
}

// Moves every object it is shown from A to B, counting.
struct MoveVisitor final : gt::gc::RootVisitor {
  long visits = 0, bad = 0;
  void visit(void **slot) override {
    ++visits;
    uintptr_t p = reinterpret_cast<uintptr_t>(*slot);
    uintptr_t a = addr(A, 0);
    if (p < a || p >= addr(A, kObjs) || (p - a) % sizeof(Obj)) {
      if (++bad <= 10)
        std::fprintf(stderr, "visited slot %p holds %#lx, not an A entry\n",
                     static_cast<void *>(slot), (unsigned long)p);
      return;
    }
    *slot = &B[(p - a) / sizeof(Obj)];
  }
};

struct Phase {
  const char *name;
  bool compact;
};

void run_phase(void *arg) {
  const Phase &ph = *static_cast<const Phase *>(arg);
  st->gate = gt_chan_new(sizeof(long), 0);
  st->wake = gt_chan_new(sizeof(long), 0);
  gt_waitgroup_add(&st->done, kAll);
  gt_attr attr{0, nullptr, ph.compact ? GT_ATTR_COMPACT : 0u};
  for (long id = 0; id < kAll; ++id)
    gt_detach(gt_spawn(id < kThreads ? worker : gen_worker,
                       (void *)(intptr_t)id, &attr));
  while (st->gated.load() < kAll)
    gt_yield();
  for (long i = 0; i < kAll; ++i) {
    long x = i;
    CHECK(gt_chan_send(st->gate, &x) == GT_OK);
  }
  while (st->parked.load() < kAll)
    gt_yield();
  for (long id = 0; id < kAll; ++id)
    while (st->threads[id]->status.load(std::memory_order_acquire) !=
           gt::Status::Parked)
      gt_yield();

  long frames = 0, expected = 0, visits = 0, bad = 0, wrong_counts = 0;
  long in_place = 0, compacted_kept = 0, compacted = 0, shared_in = 0,
       shared_out = 0, gen_visits = 0;
  MoveVisitor v;
  uint64_t scan_ns = 0;
  for (long id = 0; id < kAll; ++id) {
    gt::Thread *t = st->threads[id];
    if (t->shared)
      ++(t->saved ? shared_out : shared_in);
    else if (!t->saved)
      ++in_place;
    else
      ++(t->drop_state.load() == 1 ? compacted_kept : compacted);
    // A frame's base slots: x, y, z and the two elements of the vector.
    long want = id < kThreads ? 5 * depth_of(id) : 1;
    frames += id < kThreads ? depth_of(id) : 1;
    v.visits = 0;
    uint64_t t0 = gt::now_ns();
    gt::gc::scan_thread_stack(t, v);
    scan_ns += gt::now_ns() - t0;
    if (v.visits != want && ++wrong_counts <= 10)
      std::fprintf(stderr, "thread %ld: %ld slots visited, expected %ld\n",
                   id, v.visits, want);
    expected += want;
    visits += v.visits;
    if (id >= kThreads) { // the suspended generator
      auto *ctx = static_cast<uintptr_t *>(st->gen_ctx[id]);
      const gt::gc::FrameMap *m = gt::gc::stackmap_find(ctx[0]);
      CHECK(m && m->nbases == 1 && m->nderived == 1);
      char *hi = st->gen_mem[id] + kGenStack;
      v.visits = 0;
      gt::gc::scan_stack(ctx, hi, nullptr, v, {nullptr, "a generator"});
      if (v.visits != 1 && ++wrong_counts <= 10)
        std::fprintf(stderr, "generator %ld: %ld slots visited, expected 1\n",
                     id, v.visits);
      expected += 1;
      gen_visits += v.visits;
      ++frames;
    }
  }
  bad = v.bad;
  st->moved = true;
  for (long i = 0; i < kAll; ++i) {
    long x = i;
    CHECK(gt_chan_send(st->wake, &x) == GT_OK);
  }
  CHECK(gt_waitgroup_wait(&st->done) == GT_OK);
  long want_checked = 6 * (frames - 2 * kGenThreads) + 3 * kGenThreads;
  std::printf("%s: %ld stacks of green threads (in place %ld, compacted %ld "
              "+ %ld with pages kept, shared %ld resident + %ld evicted) and "
              "%ld generator stacks, %ld frames: %ld slots visited "
              "(%ld in generators), expected %ld; %ld not A entries; %ld "
              "stacks with a wrong count; after resuming, %ld values checked "
              "(expected %ld), %ld mismatches\n",
              ph.name, kAll, in_place, compacted, compacted_kept, shared_in,
              shared_out, kGenThreads, frames, visits + gen_visits,
              gen_visits, expected, bad, wrong_counts, st->checked.load(),
              want_checked, st->mismatches.load());
  std::printf("%s: scanning a green thread's stack took %.0f ns on average "
              "(%.0f ns per frame of gcs_frame or gcs_gen_run, runtime frames "
              "included)\n",
              ph.name, double(scan_ns) / kAll,
              double(scan_ns) / (frames - kGenThreads));
  CHECK(bad == 0 && wrong_counts == 0 && visits + gen_visits == expected);
  CHECK(st->mismatches.load() == 0 && st->checked.load() == want_checked);
  gt_chan_close(st->gate);
  gt_chan_close(st->wake);
}

void run_phases() {
  gt::gc::StackMapStats s = gt::gc::stackmap_stats();
  std::printf("stack maps: %zu objects, %zu functions, %zu records, %zu "
              "slots\n",
              s.objects, s.functions, s.records, s.slots);
  CHECK(s.objects >= 1 && s.functions >= 3 && s.records >= 11);

  static Phase own{"own stacks", false}, comp{"compacted/shared", true};
  st = new State;
  gt_config cfg{test_executors(), 0, 0};
  gt_run(&cfg, run_phase, &own);
  delete st;

  st = new State;
  cfg.compact_threshold = 200;
  gt_run(&cfg, run_phase, &comp);
  CHECK(true);
  delete st;
}

// --- fatal errors

gt_chan_t *qsort_chan;
std::atomic<gt::Thread *> qsort_thread;

int parking_compare(const void *a, const void *b) {
  if (!qsort_thread.load()) { // park once, from inside libc's qsort
    qsort_thread.store(gt::current_thread());
    long v;
    gt_chan_recv(qsort_chan, &v);
  }
  return *(const int *)a - *(const int *)b;
}

void sorter(void *) {
  int v[] = {3, 1, 2};
  qsort(v, 3, sizeof v[0], parking_compare);
}

void scan_qsort_parked(void *) {
  qsort_chan = gt_chan_new(sizeof(long), 0);
  gt_attr attr{0, "sorter", 0};
  gt_detach(gt_spawn(sorter, nullptr, &attr));
  gt::Thread *t;
  while (!(t = qsort_thread.load()) ||
         t->status.load(std::memory_order_acquire) != gt::Status::Parked)
    gt_yield();
  MoveVisitor v;
  gt::gc::scan_thread_stack(t, v);
}

// A thread that parks while running on a stack of its own making (a
// generator's): the runtime knows only the thread's stack.
std::atomic<gt::Thread *> gen_parker;

extern "C" SS_ENTRY void parking_generator(ss_ctx_t, uintptr_t, uintptr_t) {
  gen_parker.store(gt::current_thread());
  long v;
  gt_chan_recv(qsort_chan, &v); // never woken: the scan below is fatal
  std::abort();
}

void park_on_generator(void *) {
  char *mem = static_cast<char *>(std::aligned_alloc(16, kGenStack));
  ss_switch2(ss_new(mem, kGenStack, (const void *)parking_generator), 0, 0);
}

void scan_parked_on_generator(void *) {
  qsort_chan = gt_chan_new(sizeof(long), 0);
  gt_attr attr{0, "on-generator", 0};
  gt_detach(gt_spawn(park_on_generator, nullptr, &attr));
  gt::Thread *t;
  while (!(t = gen_parker.load()) ||
         t->status.load(std::memory_order_acquire) != gt::Status::Parked)
    gt_yield();
  MoveVisitor v;
  gt::gc::scan_thread_stack(t, v);
}

// A hand-made suspended stack: ctx = {pc, fp} at its bottom.
alignas(16) uintptr_t fake[64];

void scan_fake(uintptr_t pc, uintptr_t fp, uintptr_t w4, uintptr_t w5) {
  static gt::Thread t;
  t.id = 77;
  std::snprintf(t.name, sizeof t.name, "fake");
  t.stack.lo = reinterpret_cast<char *>(fake);
  t.stack.size = sizeof fake;
  t.ctx = reinterpret_cast<ss_ctx_t>(fake);
  t.status.store(gt::Status::Parked);
  fake[0] = pc;
  fake[1] = fp;
  fake[4] = w4;
  fake[5] = w5;
  MoveVisitor v;
  gt::gc::scan_thread_stack(&t, v);
}

void fatal_errors() {
  // Code of the runtime: fork-compiled, without a record.
  uintptr_t runtime_pc = reinterpret_cast<uintptr_t>(&gt_yield) + 1;
  uintptr_t libc_pc = reinterpret_cast<uintptr_t>(&qsort) + 4;
  uintptr_t f4 = reinterpret_cast<uintptr_t>(&fake[4]);
  uintptr_t top = reinterpret_cast<uintptr_t>(fake + 64);
  expect_death(
      "frame pointer outside the stack",
      [&] { scan_fake(runtime_pc, top + 4096, 0, 0); },
      "cannot scan green thread 77 ('fake'): the frame pointer");
  expect_death(
      "frame pointers not increasing",
      [&] { scan_fake(runtime_pc, f4, f4 - 16, runtime_pc); },
      "not above its own");
  expect_death(
      "chain ends below the entry frame",
      [&] { scan_fake(runtime_pc, f4, 0, 0); }, "not at its entry frame");
  expect_death(
      "return address in libc",
      [&] { scan_fake(libc_pc, f4, 0, 0); },
      "has no stack map and is not in fork-compiled code");
  expect_fatal("a green thread parked from a qsort comparator",
               scan_qsort_parked, "has no stack map and is not in fork-");
  expect_fatal("a green thread parked on a generator's stack",
               scan_parked_on_generator, "is outside its stack");
}

} // namespace

int main() {
  run_phases();
  fatal_errors();
  std::printf("ok\n");
  return 0;
}
