// segment.cpp: small-stack threads (GT_ATTR_SMALL_STACK): a thread that
// starts on a 1 KiB segment and moves to a full stack only for the calls that
// need one.
//
// Why: a parked thread with a stack of its own costs at least the page its
// first frame is written on (4 KiB, and on this project's VM a page fault
// costs as much as Go's whole spawn of a goroutine; README, issue 12). The
// park path of the runtime (spawn, a channel receive, the switch) needs
// about 350 bytes, so four such threads fit on one page.
//
// How (x86-64 and AArch64; docs/notes/issue-12-small-stacks.md): the code a
// thread runs is compiled with -fsplit-stack, so every function with a frame
// compares its stack pointer less its frame with the limit at %fs:0x70
// (glibc's tcbhead_t.__private_ss, the split-stack ABI of LLVM and GCC) or
// [TPIDR_EL0 + 8] (glibc's tcbhead_t.private, the fork's AArch64 prologue)
// and calls __morestack below it. While a small-stack thread runs on its first
// segment, the limit is the segment's bottom plus the slack (GT_SEG_SLACK,
// segment_resume in executor.h); everywhere else it
// is 0 (glibc's initial value), so checks never fire on other threads, on
// the executors' own stacks, or on OS threads the runtime does not know.
// __morestack (morestack_x86_64.S, morestack_aarch64.S) runs the function on
// a *big segment*: a
// default-size stack above a guard page, one of a few spares the executor
// keeps in thread-local storage, and gives it back when the function
// returns. On the big segment the limit is 0, so a thread has at most two
// segments; an overflow of the big one hits its guard page and is reported
// by name, as for any thread (stacks.cpp reads the bottom of the segment a
// thread is on from its mailbox's stack_limit, which __morestack keeps).
//
// The slack, below the limit, must hold what may run there without a check:
// LLVM's X86 prologue skips the subtraction for frames under 256 bytes
// (kSplitStackAvailable) and compares the stack pointer itself, so a
// function may use up to 256 bytes below the limit before its callee's check
// fires; then the call, __morestack's own two words, and leaf code without a
// frame (libc's memcpy and friends, red-zone users) need the rest.
//
// Calls into code that does not check (the C library, objects compiled
// without the flag): code compiled by gt-cc -fsplit-stack makes them through
// thunks whose check moves the call to a big segment (the fork's
// split-stack-calls), so a thread whose entry function is such code may call
// anything; it gets a small stack by default (small_stack_for: gt/hooks.h
// puts such code in section gt_split_text). Other code (the runtime itself,
// plain clang -fsplit-stack) must call such code only with the segment's
// slack or from a big segment (the contract of GT_ATTR_SMALL_STACK, gt/gt.h).
//
// GC-managed code runs on small stacks too: the collector's stack walker
// crosses from a thread's big segment to its first one at __morestack's
// frame (gc/stackwalk.cpp).
//
// Not yet (issue 12's note): signal handlers without SA_ONSTACK run on the
// interrupted thread's stack; on AArch64 a dynamic alloca in code compiled
// without split-stack-calls is rejected by the compiler (patch 0037).
#include "executor.h"
#include "segment_abi.h"

#include <cstdlib>
#include <cstring>
#include <elf.h>
#include <link.h>
#include <sys/mman.h>

// The executor's spare big segments (their tops) and the mailbox of the
// small-stack thread it runs; read and written by __morestack.
__thread GtSegState gt_seg;

namespace gt {

static_assert(GT_SEG_MAILBOX_STACK_LIMIT == GT_MAILBOX_STACK_LIMIT);

namespace {
constexpr size_t kSmall = GT_SEG_SMALL; // bytes of a first segment
constexpr size_t kRegion = 1 << 20;
constexpr uint32_t kCarve = 64; // first segments carved at a time

// Free first segments: the executors' caches and a global list.
struct Pool {
  SpinLock lk;
  char *cursor = nullptr, *end = nullptr;
  char **free = nullptr; // a stack of free segments
  size_t nfree = 0, cap = 0;
};
Pool pool;

// Called with pool.lk held: up to n new segments from the current region
// (a new region if it is used up).
uint32_t pool_carve(char **out, uint32_t n) {
  uint32_t k = 0;
  while (k < n) {
    if (pool.cursor == pool.end) {
      void *p = mmap(nullptr, kRegion, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (p == MAP_FAILED)
        break;
      pool.cursor = static_cast<char *>(p);
      pool.end = pool.cursor + kRegion;
    }
    out[k++] = pool.cursor;
    pool.cursor += kSmall;
  }
  return k;
}

// First segments prepared ahead: while an executor spawns small-stack threads
// in a burst, an idle one carves segments and touches their pages (on this
// VM a page's first touch costs as much as the rest of a spawn; stacks.cpp
// does the same for default stacks), up to kPreparedMax free segments.
constexpr size_t kPreparedMax = 4096;
std::atomic<bool> prepare_wanted{false};

// Called with pool.lk held: n free segments into out, prepared or freed
// ones first, then *carved ones carved now (the last *carved of the result;
// their canaries are not written yet).
uint32_t pool_take(char **out, uint32_t n, uint32_t *carved) {
  uint32_t k = 0;
  while (k < n && pool.nfree)
    out[k++] = pool.free[--pool.nfree];
  *carved = k < n ? pool_carve(out + k, n - k) : 0;
  return k + *carved;
}

void pool_put(char *const *segs, uint32_t n) {
  pool.lk.lock();
  if (pool.nfree + n > pool.cap) {
    size_t cap = pool.cap ? pool.cap * 2 : 4096;
    while (cap < pool.nfree + n)
      cap *= 2;
    auto *grown =
        static_cast<char **>(std::realloc(pool.free, cap * sizeof(char *)));
    if (!grown)
      fatal("cannot grow the list of free small stacks: out of memory");
    pool.free = grown;
    pool.cap = cap;
  }
  for (uint32_t i = 0; i < n; ++i)
    pool.free[pool.nfree++] = segs[i];
  pool.lk.unlock();
}

uintptr_t top_of(const Stack &s) { return (uintptr_t)s.hi(); }

// Gives a big segment (by its top, whose header has its bottom) back to the
// stacks pool.
void segment_release(Executor *e, uintptr_t top) {
  stack_free(e, big_segment_at(reinterpret_cast<char *>(
                    reinterpret_cast<uintptr_t *>(top)[-GT_SEG_LO / 8])));
}

} // namespace

#if defined(GT_SPLIT_STACK_RUNTIME)
// Whether the program's calls into shared libraries are bound at load time.
// A lazily bound call runs the dynamic linker's resolver on the caller's
// stack the first time, and that saves the whole register state there (1 KiB
// and more with AVX): on a first segment it overruns the slack (seen as
// zeros below the stack). The runtime's users are linked with -z now
// (runtime/CMakeLists.txt, gt-cc); any other program gets full stacks.
static bool bound_now() {
  const char *env = std::getenv("LD_BIND_NOW");
  if (env && *env)
    return true;
  bool now = true; // a static program has nothing to bind
  dl_iterate_phdr(
      [](dl_phdr_info *info, size_t, void *out) {
        // The first object is the program itself.
        for (unsigned i = 0; i < info->dlpi_phnum; ++i) {
          if (info->dlpi_phdr[i].p_type != PT_DYNAMIC)
            continue;
          auto *d = reinterpret_cast<const ElfW(Dyn) *>(
              info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
          bool flags_now = false;
          for (; d->d_tag != DT_NULL; ++d)
            if ((d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_BIND_NOW)) ||
                (d->d_tag == DT_FLAGS_1 && (d->d_un.d_val & DF_1_NOW)) ||
                d->d_tag == DT_BIND_NOW)
              flags_now = true;
          *static_cast<bool *>(out) = flags_now;
        }
        return 1;
      },
      &now);
  return now;
}
#endif

#if defined(GT_SPLIT_STACK_RUNTIME)
// Code compiled by gt-cc -fsplit-stack: gt/hooks.h places it in this section
// (#pragma clang section), and its calls into code that does not check its
// stack move to a big segment (the fork's split-stack-calls). The linker
// defines the bounds when the section exists.
extern "C" const char __start_gt_split_text[] __attribute__((weak));
extern "C" const char __stop_gt_split_text[] __attribute__((weak));

static bool in_split_text(const void *fn) {
  auto *p = static_cast<const char *>(fn);
  return __start_gt_split_text && p >= __start_gt_split_text &&
         p < __stop_gt_split_text;
}

// Whether small stacks may be given at all: the program is bound at load
// time (bound_now) and GT_SMALL_STACKS is not 0. GC-managed code may run on
// them: the collector's stack walker crosses from a big segment to the first
// one (gc/stackwalk.cpp).
static bool small_stacks_usable() {
  static const bool usable = [] {
    const char *v = std::getenv("GT_SMALL_STACKS");
    if (v && *v && std::strcmp(v, "0") && std::strcmp(v, "1"))
      fatal("GT_SMALL_STACKS='%s': expected 0 or 1", v);
    return !(v && !std::strcmp(v, "0")) && bound_now();
  }();
  return usable;
}

// Whether fn begins with a split-stack check.
#if defined(__aarch64__)
static bool split_stack_checked(const void *fn) {
  // The fork's check (AArch64FrameLowering::adjustForSegmentedStacks), after
  // a bti c: mrs x9, TPIDR_EL0 first, then ldr x9, [x9, #8] among the next
  // instructions (the scheduler may put the frame's subtraction between).
  const uint32_t *p = static_cast<const uint32_t *>(fn);
  constexpr uint32_t kBtiC = 0xd503245f, kMrsX9Tpidr = 0xd53bd049,
                     kLdrX9X9_8 = 0xf9400529;
  if (p[0] == kBtiC)
    ++p;
  if (p[0] != kMrsX9Tpidr)
    return false;
  for (int i = 1; i <= 3; ++i)
    if (p[i] == kLdrX9X9_8)
      return true;
  return false;
}
#else
static bool split_stack_checked(const void *fn) {
  // The checks LLVM and GCC emit first (after an endbr64 under
  // -fcf-protection): cmp %fs:0x70,%rsp; or lea -N(%rsp),%r10/%r11 (8- or
  // 32-bit N) and cmp %fs:0x70 with that register.
  const unsigned char *p = static_cast<const unsigned char *>(fn);
  static const unsigned char endbr64[] = {0xf3, 0x0f, 0x1e, 0xfa};
  if (!std::memcmp(p, endbr64, 4))
    p += 4;
  static const unsigned char cmp_rsp[] = {0x64, 0x48, 0x3b, 0x24, 0x25,
                                          0x70, 0x00, 0x00, 0x00};
  if (!std::memcmp(p, cmp_rsp, sizeof cmp_rsp))
    return true;
  if (p[0] != 0x4c || p[1] != 0x8d || p[3] != 0x24)
    return false;
  // ModRM: mod 1 (8-bit N) or 2 (32-bit N), reg r10 or r11 (with REX.R),
  // rm 4 (an SIB byte follows: base rsp).
  unsigned mod = p[2] >> 6, reg = (p[2] >> 3) & 7;
  if ((p[2] & 7) != 4 || (mod != 1 && mod != 2) || (reg != 2 && reg != 3))
    return false;
  size_t len = mod == 1 ? 5 : 8;
  const unsigned char cmp_reg[] = {
      0x64, 0x4c, 0x3b, (unsigned char)(reg << 3 | 4), 0x25, 0x70,
      0x00, 0x00, 0x00};
  return !std::memcmp(p + len, cmp_reg, sizeof cmp_reg);
}
#endif
#endif

// Whether a thread whose entry is fn, spawned with flags, gets a small stack.
static bool small_stack_decide(const void *fn, unsigned flags) {
  // GT_SPLIT_STACK_RUNTIME: the runtime itself checks (runtime/CMakeLists.txt;
  // without it __morestack is not even ours).
#if defined(GT_SPLIT_STACK_RUNTIME)
  if (flags & GT_ATTR_FULL_STACK)
    return false;
  if (!in_split_text(fn) && !(flags & GT_ATTR_SMALL_STACK))
    return false;
  // Asked for: remember the last entry function that qualified rather than
  // read its prologue every time.
  alignas(64) static std::atomic<const void *> last_asked{nullptr};
  if (fn == last_asked.load(std::memory_order_relaxed))
    return true;
  if (!small_stacks_usable() || !split_stack_checked(fn))
    return false;
  if (flags & GT_ATTR_SMALL_STACK)
    last_asked.store(fn, std::memory_order_relaxed);
  return true;
#else
  (void)fn, (void)flags;
  return false;
#endif
}

bool small_stack_for_slow(const void *fn, unsigned flags) {
  bool small = small_stack_decide(fn, flags);
  // The answers for default spawns are small_stack_for's inline caches.
  if (!(flags & (GT_ATTR_SMALL_STACK | GT_ATTR_FULL_STACK)))
    (small ? read_mostly.small_stack_default_entry
           : read_mostly.full_stack_default_entry)
        .store(fn, std::memory_order_relaxed);
  return small;
}

bool small_prepare_wanted() {
  return prepare_wanted.load(std::memory_order_relaxed);
}

void small_prepare() {
  char *segs[kCarve];
  pool.lk.lock();
  uint32_t n = pool_carve(segs, kCarve);
  pool.lk.unlock();
  for (uint32_t i = 0; i < n; ++i) // touches every page
    *reinterpret_cast<uintptr_t *>(segs[i]) = canary_of(segs[i]);
  pool_put(segs, n);
  if (!n || pool.nfree >= kPreparedMax) // racy read: a hint
    prepare_wanted.store(false, std::memory_order_relaxed);
}

// Every free first segment holds its canary: written when it was carved
// (small_prepare, small_stack_alloc), checked each time its thread switched
// back (small_stack_check), last when the thread exited, and nothing writes a
// free segment. So a segment is not written when it is taken again: its
// thread's first write below the top frames would otherwise be that cold
// line (3.7% of skynet's profile).
bool small_stack_alloc(Executor *e, Stack *out) {
  if (!e->nsmall) {
    uint32_t carved;
    pool.lk.lock();
    e->nsmall = pool_take(e->small, kCarve, &carved);
    pool.lk.unlock();
    for (uint32_t i = e->nsmall - carved; i < e->nsmall; ++i)
      *reinterpret_cast<uintptr_t *>(e->small[i]) = canary_of(e->small[i]);
    // A burst: have an idle executor prepare more (small_prepare).
    if (carved && sched.n > 1) {
      prepare_wanted.store(true, std::memory_order_relaxed);
      wake_if_idle();
    }
    if (!e->nsmall)
      return false;
  }
  *out = Stack{e->small[--e->nsmall], kSmall, kSmallClass};
  return true;
}

// The report of an overrun of t's first segment (t is null outside green
// threads).
#define GT_SEG_STR(x) GT_SEG_STR2(x)
#define GT_SEG_STR2(x) #x
[[noreturn]] GT_NO_SPLIT_STACK static void overrun(const Thread *t,
                                                   const char *detail) {
  fatal("stack overflow in green thread %llu '%s': its small stack "
        "(GT_ATTR_SMALL_STACK, %zu bytes at %p) was overrun, by code without "
        "split-stack checks%s",
        t ? (unsigned long long)t->id : 0ull, t ? t->name : "?", kSmall,
        t ? static_cast<void *>(t->stack.lo) : nullptr, detail);
}

void small_stack_overrun(const Thread *t) {
  overrun(t, " that needed more than " GT_SEG_STR(
                 GT_SEG_SLACK) " bytes; "
                               "neighbouring stacks may be damaged");
}

void small_stack_free(Executor *e, const Stack &s) {
  if (e && e->nsmall < Executor::kSmallCache) {
    e->small[e->nsmall++] = s.lo;
    return;
  }
  char *one = s.lo;
  if (!e) {
    pool_put(&one, 1);
    return;
  }
  // Full: half the cache to the pool, keeping the most recently used.
  uint32_t half = Executor::kSmallCache / 2;
  pool_put(e->small, half);
  memmove(e->small, e->small + half, (e->nsmall - half) * sizeof(char *));
  e->nsmall -= half;
  e->small[e->nsmall++] = one;
}

// The spares between kSegSparesMin and kSegSparesMax again (a thread
// brought one back from another executor, or took one with it).
void segment_spares_refill(Executor *e, Thread *t) {
  GtSegState &seg = *e->seg;
  while (seg.nspare < kSegSparesMin) {
    Stack s;
    if (!stack_alloc(e, stack_default_size(), &s))
      fatal("green thread %llu: cannot allocate a %zu-byte stack segment: "
            "out of memory",
            (unsigned long long)t->id, stack_default_size());
    uintptr_t top = top_of(s);
    reinterpret_cast<uintptr_t *>(top)[-GT_SEG_LO / 8] = (uintptr_t)s.lo;
    seg.spare[seg.nspare++] = top;
  }
  while (seg.nspare > kSegSparesMax)
    segment_release(e, seg.spare[--seg.nspare]);
}

void small_thread_exited(Executor *e, Thread *t) {
  // Exited from a big segment (gt_exit deep in a call): that one too.
  if (!on_first_segment(t))
    stack_free(e, running_segment(t));
  small_stack_free(e, t->stack);
}

void segment_executor_init(Executor *e) { e->seg = &gt_seg; }

void segment_executor_fini(Executor *e) {
  GtSegState &seg = gt_seg;
  while (seg.nspare)
    segment_release(e, seg.spare[--seg.nspare]);
  seg.mailbox = nullptr;
  if (e && e->nsmall) {
    pool_put(e->small, e->nsmall);
    e->nsmall = 0;
  }
}

} // namespace gt

// LLVM's split-stack code calls this for a dynamic allocation (alloca, a
// variable-length array) that does not fit above the limit, for memory that
// lives until the function returns. Only a small-stack thread's first segment
// has a limit; the runtime allocates dynamically only in frames too big for
// it. Defining it also keeps libgcc's split-stack runtime out of the link.
extern "C" GT_NO_SPLIT_STACK void *
__morestack_allocate_stack_space(size_t size) {
  gt::fatal("a dynamic stack allocation of %zu bytes does not fit a small "
            "stack (GT_ATTR_SMALL_STACK): allocate it in the heap, or give "
            "the function a fixed-size array",
            size);
}
// For shared libraries (morestack_shim_x86_64.S; gt-cc exports gt_*).
extern "C" __attribute__((alias("__morestack_allocate_stack_space"))) void *
gt_morestack_allocate_stack_space(size_t size);

// __morestack's fatal errors, on a stack of its own with the limit cleared.
extern "C" [[noreturn]] GT_NO_SPLIT_STACK void gt_seg_none() {
  gt::fatal("__morestack: no spare stack segment (the split-stack limit at "
            "%%fs:0x70 or [TPIDR_EL0 + 8] was set by something other than the "
            "runtime?)");
}

extern "C" [[noreturn]] GT_NO_SPLIT_STACK void gt_seg_full() {
  gt::fatal("__morestack: no room for a returning stack segment among the "
            "executor's spares");
}

extern "C" [[noreturn]] GT_NO_SPLIT_STACK void gt_seg_overrun() {
  gt::overrun(gt::current_thread(), "");
}
