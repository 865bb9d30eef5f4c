/* swapstack.h: compiler-supported context switching from C and C++.
 *
 * The fork of LLVM adds the swapstack calling convention and llvm.newstack,
 * which no C frontend can spell. This header declares them as ordinary
 * functions; the fork's `lower-swapstack-builtins` pass (run by `opt` between
 * clang-19 and llc; cmake/SwapStack.cmake's swapstack_c_object() does it)
 * turns them into real context switches. Until that pass runs, a switch is an
 * opaque external call, so clang's optimisations stay correct.
 *
 *   ss_ctx_t    a suspended stack (its stack pointer); resuming consumes it.
 *   ss_new()    makes a context that starts `entry` on [lo, lo + size).
 *   ss_switchN  suspends the current stack, resumes `to` and hands it our new
 *               context and N machine words; returns, when someone resumes
 *               us, their context and the N words they passed.
 *   SS_ENTRY    marks an entry function: void f(ss_ctx_t from, uintptr_t...);
 *               it receives the first resumer's context and words, and must
 *               never return (returning traps with a message).
 *   ss_mailbox(), ss_set_mailbox()
 *               read and write the mailbox register (r14 on X86-64, x28 on
 *               AArch64), which code compiled by swapstack_c_object() keeps
 *               reserved: never allocated, never restored by a callee, never
 *               written by a switch. A scheduler sets it to the resumed
 *               thread's mailbox just before switching to it. Code that was
 *               not compiled reserved (plain C libraries) preserves it across
 *               calls but may hold its own value in it meanwhile, so a
 *               callback from such code cannot trust it.
 *   SS_SAFEPOINTS
 *               marks a function as preemptible: the fork's
 *               insert-safepoint-polls pass polls the mailbox's signal word
 *               at its entry and on its loop back-edges (strip-mining counted
 *               loops), calling the runtime's __safepoint_slow_path when a
 *               signal is pending. Such a function must run where the mailbox
 *               register holds a mailbox (on a green thread).
 *               GC-managed code (gt-cc without --gt-no-gc) polls in every
 *               function as if it were SS_SAFEPOINTS
 *               (insert-safepoint-polls<all>), so that a collection never
 *               waits forever for a thread spinning in a loop without calls.
 *   SS_NO_SAFEPOINTS
 *               keeps such a function from polling: for code that may run
 *               where the mailbox register holds no mailbox, such as a
 *               callback from code that does not keep the register reserved
 *               (a comparison function for libc's qsort), or a function run
 *               by a thread the program creates itself. (Static
 *               constructors and destructors and the runtime's hooks never
 *               poll; gt-cc links programs so that main, and what it calls
 *               outside gt_run, runs with a mailbox whose polls never fire.)
 *
 * Only the values live across a switch are saved, by the register
 * allocator: a switch costs a handful of instructions.
 *
 * Both sides of a switch must agree on N; nothing checks it. Up to 9 words
 * travel in registers (the context is the tenth).
 */
#ifndef SWAPSTACK_SWAPSTACK_H
#define SWAPSTACK_SWAPSTACK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define SS_NOEXCEPT noexcept
extern "C" {
#else
#define SS_NOEXCEPT
#endif

typedef struct ss_stack *ss_ctx_t;

typedef struct {
  ss_ctx_t from;
} ss_result0;
typedef struct {
  ss_ctx_t from;
  uintptr_t w0;
} ss_result1;
typedef struct {
  ss_ctx_t from;
  uintptr_t w0, w1;
} ss_result2;

/* Lowered by the fork's lower-swapstack-builtins pass; never defined. The
 * function type a call uses carries the number of words. */
void __swapstack_switch(void) SS_NOEXCEPT;
ss_ctx_t __swapstack_newstack(void *lo, size_t size, const void *entry)
    SS_NOEXCEPT;

uintptr_t __swapstack_get_mailbox(void) SS_NOEXCEPT;
void __swapstack_set_mailbox(uintptr_t mailbox) SS_NOEXCEPT;

#define SS_ENTRY __attribute__((annotate("swapstack_entry"), used))
#define SS_SAFEPOINTS __attribute__((annotate("safepoint_polls")))
#define SS_NO_SAFEPOINTS __attribute__((annotate("no_safepoint_polls")))

/* Always inlined and never polled: the runtime's poll reads the mailbox with
 * ss_mailbox(), so a poll in it would call itself (at -O0, where nothing
 * else inlines it). */
static inline __attribute__((always_inline)) SS_NO_SAFEPOINTS uintptr_t
ss_mailbox(void) {
  return __swapstack_get_mailbox();
}
static inline __attribute__((always_inline)) SS_NO_SAFEPOINTS void
ss_set_mailbox(uintptr_t mailbox) {
  __swapstack_set_mailbox(mailbox);
}

static inline ss_ctx_t ss_new(void *lo, size_t size, const void *entry) {
  return __swapstack_newstack(lo, size, entry);
}

static inline ss_ctx_t ss_switch0(ss_ctx_t to) {
  return ((ss_ctx_t(*)(ss_ctx_t) SS_NOEXCEPT)(void *)__swapstack_switch)(to);
}

static inline ss_result1 ss_switch1(ss_ctx_t to, uintptr_t w0) {
  return ((ss_result1(*)(ss_ctx_t, uintptr_t) SS_NOEXCEPT)(
      void *)__swapstack_switch)(to, w0);
}

static inline ss_result2 ss_switch2(ss_ctx_t to, uintptr_t w0, uintptr_t w1) {
  return ((ss_result2(*)(ss_ctx_t, uintptr_t, uintptr_t) SS_NOEXCEPT)(
      void *)__swapstack_switch)(to, w0, w1);
}

#ifdef __cplusplus
}
#endif

#endif /* SWAPSTACK_SWAPSTACK_H */
