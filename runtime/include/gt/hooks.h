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
 *
 * A hook is `static` (each translation unit has its own, so nothing clashes
 * at link time) and `used` (clang emits it although nothing calls it before
 * the pass runs); the asm label gives it its documented IR name. Hooks read
 * the mailbox through ss_mailbox(), the reserved mailbox register, so they
 * are only valid in code compiled by the fork's pipeline.
 */
#ifndef GT_HOOKS_H
#define GT_HOOKS_H

#include <gt/mailbox.h>
#include <swapstack/swapstack.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The poll's slow path (runtime/src/preempt.cpp): yields, or stops for a
 * collection, and returns when the thread may go on. Weak, because every
 * translation unit carries the hooks: a program that never polls (or plays
 * the runtime itself, defining its own slow path) links without the
 * runtime. */
__attribute__((preserve_most, weak)) void __safepoint_slow_path(void)
    SS_NOEXCEPT;

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

#ifdef __cplusplus
}
#endif

#endif /* GT_HOOKS_H */
