/* gt/hooks.h: the runtime's half of the compiler-runtime boundary.
 *
 * The fork's passes know no runtime layout: no mailbox offsets, no signal
 * masks, no runtime function names. Where generated code must do something
 * the runtime defines (poll for a pending signal; later: allocate, log a
 * write), a pass inlines a *hook*, a small function with a documented name
 * that this header defines in every translation unit the fork's pipeline
 * compiles (gt-cc and swapstack_c_object() pass `-include gt/hooks.h`). This
 * follows upstream LLVM's PlaceSafepoints, whose poll is the body of
 * gc.safepoint_poll, and MMTk's VM boundary (src/vm/): the runtime owns the
 * fast paths, the compiler owns where they go.
 *
 *   gc.safepoint_poll   void(void). Inlined by insert-safepoint-polls at the
 *                       entry and loop back-edges of SS_SAFEPOINTS functions,
 *                       and of every function of GC-managed code but
 *                       SS_NO_SAFEPOINTS ones (insert-safepoint-polls<all>;
 *                       LangRef, "safepoint-polls"). Tests the running
 *                       thread's signal byte (gt/mailbox.h) and calls
 *                       __safepoint_slow_path, preserve_most so that the hot
 *                       code keeps its registers, when GT_SIGNAL_PREEMPT or
 *                       GT_SIGNAL_GC is pending.
 *   gc.alloc            void GT_GC *(const gt_type *type, size_t bytes).
 *   gc.alloc_array      void GT_GC *(const gt_type *type, size_t n).
 *                       Called by lower-gc-builtins where gt_new(T) and
 *                       gt_new_array(T, n) allocate, with the descriptor the
 *                       pass derives from T (the format is in gt/gc.h), and
 *                       inlined by inline-gc-allocs after gc-barriers (which
 *                       looks for stores into objects allocated since the
 *                       last safepoint): bump the mailbox's allocation
 *                       pointer against its limit, write the header (the
 *                       block is zeroed), or call the slow path, a safepoint
 *                       that may collect.
 *   gc.write_barrier_active   bool(void).
 *   gc.write_barrier_reserve  gt_wlog_entry *(size_t n).
 *   gc.write_barrier_entry    void(gt_wlog_entry *e, size_t i,
 *                                  void GT_GC *object, size_t offset,
 *                                  void GT_GC *old).
 *   gc.write_barrier_range_entry
 *                             void(gt_wlog_entry *e, size_t i,
 *                                  void GT_GC *object, size_t offset,
 *                                  size_t len).
 *                       The write barrier, inlined by gc-barriers for the
 *                       stores into GC memory (any type; atomics too;
 *                       memset, memcpy and memmove as ranges). The pass
 *                       logs the writes of a safepoint interval in groups,
 *                       each just before the first of its stores (below,
 *                       "The write log"): `active` tests gc_status (once per
 *                       group, or once for several groups with no safepoint
 *                       between them); only when it is true, `reserve` makes
 *                       room for n <= GT_WLOG_MAX_RESERVE entries (calling
 *                       gt_gc_wlog_flush if the log has fewer free ones) and
 *                       the entry hooks write entry i of the n: object and
 *                       offset of the write, and the GC pointer the store
 *                       will overwrite (loaded there; null for other values),
 *                       or the length of a range.
 *
 * Every call a barrier hook makes is a leaf: gc-barriers marks it
 * "gc-leaf-function", so it gets no statepoint and no stack map, and its
 * callee must never collect, switch threads or move objects (see
 * gt_gc_wlog_flush).
 *
 * A hook is `static` (each translation unit has its own, so nothing clashes
 * at link time) and `used` (clang emits it although nothing calls it before
 * the pass runs); the asm label gives it its documented IR name. The last
 * pass of the pipeline (strip-gc-hooks) deletes the hooks once inlined. Hooks read
 * the mailbox through ss_mailbox(), the reserved mailbox register, so they
 * are only valid in code compiled by the fork's pipeline.
 */
#ifndef GT_HOOKS_H
#define GT_HOOKS_H

#include <gt/gc.h>
#include <gt/mailbox.h>
#include <stdbool.h>
#include <swapstack/swapstack.h>

/* Code compiled by gt-cc with split stacks (its default on x86-64 and AArch64),
 * whose calls into code that does not check its stack move to a big segment
 * (gt/gt.h, GT_SPLIT_STACK_CHECKED), goes to its own section: a thread whose
 * entry function is there gets a small stack by default (GT_ATTR_SMALL_STACK,
 * runtime/src/segment.cpp). gt-cc defines __GT_SPLIT_STACK_CALLS__ when it
 * runs split-stack-calls. C++ exceptions may leave a moved call: __morestack
 * has a cleanup that puts the first segment back. */
#if defined(__GT_SPLIT_STACK_CALLS__)
#pragma clang section text = "gt_split_text"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The poll's slow path (runtime/src/preempt.cpp): yields, or stops for a
 * collection, and returns when the thread may go on. The pipeline deletes
 * hooks nothing called (strip-gc-hooks), so only objects that poll or
 * allocate reference the slow paths.
 * Both preserve_most slow paths are declared no_split_stack here, at their
 * first declaration: clang keeps "split-stack" on a no_split_stack definition
 * whose function was referenced before (the hooks below call them), and a
 * split-stack check would clobber registers that preserve_most callers keep
 * (r10; x9 and x10). The runtime's definitions are small wrappers that fit
 * in a small stack's slack and call checked code. */
__attribute__((preserve_most)) __attribute__((no_split_stack))
GT_SPLIT_STACK_CHECKED void
__safepoint_slow_path(void) SS_NOEXCEPT;

static __attribute__((used)) void gt_hook_safepoint_poll(void) SS_NOEXCEPT
    __asm__("gc.safepoint_poll");
static __attribute__((used)) void gt_hook_safepoint_poll(void) SS_NOEXCEPT {
  /* The signal bits a poll acts on fit in the low byte of the (little-endian)
   * signal word: one byte load, which X86-64 folds into `testb $3, 8(%r14)`. */
  const uint8_t *signals =
      (const uint8_t *)(ss_mailbox() + GT_MAILBOX_SIGNALS);
  if (__builtin_expect(__atomic_load_n(signals, __ATOMIC_RELAXED) &
                           (GT_SIGNAL_PREEMPT | GT_SIGNAL_GC),
                       0))
    __safepoint_slow_path();
}

/* gt_new(T): a zeroed object of type T in the GC heap, as a T GT_GC *.
 * gt_new_array(T, n): a zeroed array of n elements of T (T may itself be a
 * GC pointer type, or a byte), as a T GT_GC *; gt_gc_array_len() is n.
 * Code compiled by gt-cc only: lower-gc-builtins reads T from the type of the
 * (then deleted) local static whose address the macro passes. */
void GT_GC *__gt_new(const void *proto) SS_NOEXCEPT;
void GT_GC *__gt_new_array(const void *proto, size_t n) SS_NOEXCEPT;
#define gt_new(T)                                                              \
  ((T GT_GC *)__gt_new(({                                                      \
    static T __gt_proto;                                                       \
    &__gt_proto;                                                               \
  })))
#define gt_new_array(T, n)                                                     \
  ((T GT_GC *)__gt_new_array(                                                  \
      ({                                                                       \
        static T __gt_proto;                                                   \
        &__gt_proto;                                                           \
      }),                                                                      \
      (n)))

/* The publication barrier: a new object's header (and its block's zeroing)
 * must be visible to other threads before any pointer to it is. The
 * concurrent collector reads pointers that mutators store while it runs,
 * and follows them to the objects' headers (as Go's publicationBarrier after
 * mallocgc and HotSpot's StoreStore after an allocation). AArch64 may make
 * stores visible out of order: dmb ishst. x86-64 does not; there it only
 * keeps the compiler from moving the header's store after a later one. */
#if defined(__aarch64__)
#define GT_GC_PUBLISH() __asm__ __volatile__("dmb ishst" ::: "memory")
#else
#define GT_GC_PUBLISH() __asm__ __volatile__("" ::: "memory")
#endif

static __attribute__((used)) void GT_GC *
gt_hook_alloc(const gt_type *type, size_t bytes) SS_NOEXCEPT
    __asm__("gc.alloc");
static __attribute__((used)) void GT_GC *
gt_hook_alloc(const gt_type *type, size_t bytes) SS_NOEXCEPT {
  gt_mailbox *mb = (gt_mailbox *)ss_mailbox();
  size_t need = GT_GC_HEADER + ((bytes + GT_GC_ALIGN - 1) &
                                ~(size_t)(GT_GC_ALIGN - 1));
  uintptr_t p = mb->alloc_ptr;
  if (__builtin_expect(bytes > GT_GC_LARGE_OBJECT ||
                           mb->alloc_limit - p < need,
                       0))
    return gt_gc_alloc_slow(type, bytes);
  mb->alloc_ptr = p + need;
  *(const gt_type **)p = type;
  GT_GC_PUBLISH();
  return (void GT_GC *)(p + GT_GC_HEADER);
}

static __attribute__((used)) void GT_GC *
gt_hook_alloc_array(const gt_type *type, size_t n) SS_NOEXCEPT
    __asm__("gc.alloc_array");
static __attribute__((used)) void GT_GC *
gt_hook_alloc_array(const gt_type *type, size_t n) SS_NOEXCEPT {
  gt_mailbox *mb = (gt_mailbox *)ss_mailbox();
  size_t elem = type->size; /* a constant once inlined */
  /* Large arrays, and counts whose size would overflow, go to the slow
   * path, which allocates the former and reports the latter. */
  if (__builtin_expect(n > GT_GC_LARGE_OBJECT / elem, 0))
    return gt_gc_alloc_array(type, n);
  size_t need = GT_GC_ARRAY_HEADER + ((n * elem + GT_GC_ALIGN - 1) &
                                      ~(size_t)(GT_GC_ALIGN - 1));
  uintptr_t p = mb->alloc_ptr;
  if (__builtin_expect(mb->alloc_limit - p < need, 0))
    return gt_gc_alloc_array(type, n);
  mb->alloc_ptr = p + need;
  ((uintptr_t *)p)[0] = (uintptr_t)n << 3 | 1;
  ((const gt_type **)p)[2] = type;
  GT_GC_PUBLISH();
  return (void GT_GC *)(p + GT_GC_ARRAY_HEADER);
}

/* The write log. An entry is three words: the object's payload address
 * (bit 0 set: a range entry), the byte offset of the write, and the GC
 * pointer the write overwrote (null if none; a range entry's length). The
 * log fills from the mailbox's wlog_ptr, wlog_free entries at a time; the
 * concurrent collector (issue 14) consumes it, replaying every logged
 * location onto its copies by re-reading the location's current value. The
 * stop-the-world collector needs no log, so logging is off unless a test
 * turns it on for its thread (gt_gc_wlog_start).
 *
 * What the compiler promises (gc-barriers; a safepoint interval is the code
 * a thread runs between two safepoints: polls' slow paths, allocations' slow
 * paths, calls that are not leaves, switches and returns):
 *  - every location written in an interval, except in objects allocated in
 *    the same interval (the collector cannot see them before the thread's
 *    next safepoint hands over their allocation block), has an entry in the
 *    log before the interval ends;
 *  - an entry's third word is the GC pointer that the first of the writes
 *    it stands for overwrote, so the pointer that the interval's first
 *    write to a location overwrote is always logged (a snapshot, as in
 *    Yuasa's barrier);
 *  - a location has one entry per interval where the compiler can see that
 *    the writes are in one basic block, or that the first dominates the
 *    others (the fork's GarbageCollection.rst, gc-barriers, says exactly
 *    when), else several;
 *  - an entry is appended before the writes it stands for (just before the
 *    first of them; a thread that does not log then pays one test of
 *    gc_status per group and nothing else), and before later writes to its
 *    location in the interval that the compiler could prove covered.
 * Hence what the collector must do: replay an entry, re-reading its
 * location, no earlier than the end of the interval it belongs to (the
 * thread's next safepoint), also when gt_gc_wlog_flush handed it over
 * before; and take the third words as the snapshot. */
typedef struct gt_wlog_entry {
  uintptr_t object;
  uintptr_t offset;
  uintptr_t old;
} gt_wlog_entry;
#define GT_WLOG_RANGE 1u
/* The most entries gc.write_barrier_reserve is asked for at once (the
 * compiler splits larger groups), so a buffer of that many always does. */
#define GT_WLOG_MAX_RESERVE 16
/* The log has fewer than `need` free entries (need <= GT_WLOG_MAX_RESERVE):
 * hand the filled part of the buffer to the collector and install one with at
 * least `need` free entries. NOT a safepoint: it never collects, never
 * switches threads, never moves objects and leaves gc_status alone; the
 * compiler calls it without a statepoint ("gc-leaf-function"), with the
 * group's GC pointers in registers, and goes on with the same interval
 * after it returns. (Were it a safepoint, an interval's writes would be
 * split between two intervals with one set of entries, and the pointers
 * would need relocating.) preserve_most, as the poll's slow path: the code
 * around it keeps its values in registers. */
__attribute__((preserve_most)) __attribute__((no_split_stack))
GT_SPLIT_STACK_CHECKED void
gt_gc_wlog_flush(size_t need) SS_NOEXCEPT;
/* Tests: log the current thread's writes into buf (n entries; each time the
 * compiler needs more room than is left, gt_gc_wlog_flush counts a flush and
 * starts again at buf[0]; n >= GT_WLOG_MAX_RESERVE always suffices). */
void gt_gc_wlog_start(gt_wlog_entry *buf, size_t n) SS_NOEXCEPT;
/* Stops logging; returns the entries in buf since the last flush, and the
 * flushes since gt_gc_wlog_start in *flushes (if not null). */
size_t gt_gc_wlog_stop(uint64_t *flushes) SS_NOEXCEPT;
/* Tests and benchmarks: the entries logged since gt_gc_wlog_start (those
 * flushed included) and the flushes, while the log is on. */
void gt_gc_wlog_stats(uint64_t *entries, uint64_t *flushes) SS_NOEXCEPT;

static __attribute__((used)) bool gt_hook_write_barrier_active(void) SS_NOEXCEPT
    __asm__("gc.write_barrier_active");
static __attribute__((used)) bool
gt_hook_write_barrier_active(void) SS_NOEXCEPT {
  const gt_mailbox *mb = (const gt_mailbox *)ss_mailbox();
  return __builtin_expect(mb->gc_status & GT_GC_LOG_WRITES, 0);
}

static __attribute__((used)) gt_wlog_entry *
gt_hook_write_barrier_reserve(size_t n) SS_NOEXCEPT
    __asm__("gc.write_barrier_reserve");
static __attribute__((used)) gt_wlog_entry *
gt_hook_write_barrier_reserve(size_t n) SS_NOEXCEPT {
  gt_mailbox *mb = (gt_mailbox *)ss_mailbox();
  if (__builtin_expect(mb->wlog_free < n, 0))
    gt_gc_wlog_flush(n);
  gt_wlog_entry *e = (gt_wlog_entry *)mb->wlog_ptr;
  mb->wlog_ptr = (uintptr_t)(e + n);
  mb->wlog_free -= n;
  return e;
}

static __attribute__((used)) void
gt_hook_write_barrier_entry(gt_wlog_entry *e, size_t i, void GT_GC *object,
                            size_t offset, void GT_GC *old) SS_NOEXCEPT
    __asm__("gc.write_barrier_entry");
static __attribute__((used)) void
gt_hook_write_barrier_entry(gt_wlog_entry *e, size_t i, void GT_GC *object,
                            size_t offset, void GT_GC *old) SS_NOEXCEPT {
  e[i].object = (uintptr_t)object;
  e[i].offset = offset;
  e[i].old = (uintptr_t)old;
}

static __attribute__((used)) void
gt_hook_write_barrier_range_entry(gt_wlog_entry *e, size_t i,
                                  void GT_GC *object, size_t offset,
                                  size_t len) SS_NOEXCEPT
    __asm__("gc.write_barrier_range_entry");
static __attribute__((used)) void
gt_hook_write_barrier_range_entry(gt_wlog_entry *e, size_t i,
                                  void GT_GC *object, size_t offset,
                                  size_t len) SS_NOEXCEPT {
  e[i].object = (uintptr_t)object | GT_WLOG_RANGE;
  e[i].offset = offset;
  e[i].old = len;
}

#ifdef __cplusplus
}
#endif

#endif /* GT_HOOKS_H */
