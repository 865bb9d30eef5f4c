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
 *                       entry and loop back-edges of SS_SAFEPOINTS functions
 *                       (LangRef, "safepoint-polls"). Tests the running
 *                       thread's signal byte (gt/mailbox.h) and calls
 *                       __safepoint_slow_path, preserve_most so that the hot
 *                       code keeps its registers, when GT_SIGNAL_PREEMPT or
 *                       GT_SIGNAL_GC is pending.
 *   gc.alloc            void GT_GC *(const gt_type *type, size_t bytes).
 *   gc.alloc_array      void GT_GC *(const gt_type *type, size_t n).
 *                       Inlined by lower-gc-builtins where gt_new(T) and
 *                       gt_new_array(T, n) allocate, with the descriptor the
 *                       pass derives from T (the format is in gt/gc.h): bump
 *                       the mailbox's allocation pointer against its limit,
 *                       write the header (the block is zeroed), or call the
 *                       slow path, a safepoint that may collect.
 *   gc.write_barrier    void(void GT_GC *object, size_t offset,
 *                            void GT_GC *old).
 *   gc.write_barrier_range
 *                       void(void GT_GC *object, size_t offset, size_t len).
 *                       Inlined by gc-barriers after every store into GC
 *                       memory (any type; atomics too), respectively every
 *                       memset/memcpy/memmove into it: object and offset of
 *                       the write, and the GC pointer the store overwrote
 *                       (or null). While the thread's gc_status has
 *                       GT_GC_LOG_WRITES, append an entry to its write log
 *                       (below) and call gt_gc_wlog_flush when it is full;
 *                       otherwise nothing (a load and a branch never taken).
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
#include <swapstack/swapstack.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The poll's slow path (runtime/src/preempt.cpp): yields, or stops for a
 * collection, and returns when the thread may go on. The pipeline deletes
 * hooks nothing called (strip-gc-hooks), so only objects that poll or
 * allocate reference the slow paths. */
__attribute__((preserve_most)) void __safepoint_slow_path(void) SS_NOEXCEPT;

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
  return (void GT_GC *)(p + GT_GC_ARRAY_HEADER);
}

/* The write log. An entry is three words: the object's payload address
 * (bit 0 set: a range entry), the byte offset of the write, and the GC
 * pointer the write overwrote (null if none; a range entry's length). The
 * log fills from the mailbox's wlog_ptr, wlog_free entries at a time; the
 * concurrent collector (issue 14) consumes it, replaying every logged write
 * onto its copies. The stop-the-world collector needs no log, so logging is
 * off unless a test turns it on for its thread (gt_gc_wlog_start). */
typedef struct gt_wlog_entry {
  uintptr_t object;
  uintptr_t offset;
  uintptr_t old;
} gt_wlog_entry;
#define GT_WLOG_RANGE 1u
/* The log is full: hand it over (a safepoint). */
void gt_gc_wlog_flush(void) SS_NOEXCEPT;
/* Tests: log the current thread's writes into buf (n entries; each time it
 * fills, gt_gc_wlog_flush counts a flush and starts again at buf[0]). */
void gt_gc_wlog_start(gt_wlog_entry *buf, size_t n) SS_NOEXCEPT;
/* Stops logging; returns the entries in buf since the last flush, and the
 * flushes since gt_gc_wlog_start in *flushes (if not null). */
size_t gt_gc_wlog_stop(uint64_t *flushes) SS_NOEXCEPT;

static __attribute__((used)) void
gt_hook_write_barrier(void GT_GC *object, size_t offset,
                      void GT_GC *old) SS_NOEXCEPT __asm__("gc.write_barrier");
/* Both barriers: one entry, while the thread logs. */
static inline __attribute__((always_inline)) void
gt_wlog_append(uintptr_t object, size_t offset, uintptr_t third) SS_NOEXCEPT {
  gt_mailbox *mb = (gt_mailbox *)ss_mailbox();
  if (__builtin_expect(mb->gc_status & GT_GC_LOG_WRITES, 0)) {
    gt_wlog_entry *e = (gt_wlog_entry *)mb->wlog_ptr;
    e->object = object;
    e->offset = offset;
    e->old = third;
    mb->wlog_ptr = (uintptr_t)(e + 1);
    if (--mb->wlog_free == 0)
      gt_gc_wlog_flush();
  }
}

static __attribute__((used)) void
gt_hook_write_barrier(void GT_GC *object, size_t offset,
                      void GT_GC *old) SS_NOEXCEPT {
  gt_wlog_append((uintptr_t)object, offset, (uintptr_t)old);
}

static __attribute__((used)) void
gt_hook_write_barrier_range(void GT_GC *object, size_t offset,
                            size_t len) SS_NOEXCEPT
    __asm__("gc.write_barrier_range");
static __attribute__((used)) void
gt_hook_write_barrier_range(void GT_GC *object, size_t offset,
                            size_t len) SS_NOEXCEPT {
  gt_wlog_append((uintptr_t)object | GT_WLOG_RANGE, offset, len);
}

#ifdef __cplusplus
}
#endif

#endif /* GT_HOOKS_H */
