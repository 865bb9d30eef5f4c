/* gt/gt.h: the green-thread runtime's C ABI.
 *
 * gt_run() turns the calling OS thread and N-1 more into executors and runs
 * `main_fn` as the first green thread; it returns when main_fn returns (green
 * threads still alive then are abandoned, as in Go). Every other call is made
 * from a green thread. Blocking calls park the green thread, never the
 * executor. Misuse (joining twice, unlocking a mutex not held, sending on a
 * closed channel, ...) stops the process with a message naming the thread.
 *
 * Objects (gt_mutex_t, gt_cond_t, gt_waitgroup_t) are valid when zeroed.
 */
#ifndef GT_GT_H
#define GT_GT_H

#include <gt/mailbox.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Split stacks (runtime/src/segment.cpp, GT_ATTR_SMALL_STACK): the runtime is
 * compiled with -fsplit-stack (x86-64, AArch64), so its functions check their
 * stack (or, where they cannot, are made to fit in a first segment's slack),
 * and a small-stack thread may call them near its segment's limit. Code
 * compiled by gt-cc with split stacks (its default on x86-64 and AArch64) calls
 * every function declared between GT_SPLIT_STACK_CHECKED_BEGIN and _END, or
 * marked GT_SPLIT_STACK_CHECKED, directly; a call of any other function that
 * does not check its stack (the C library, code compiled without -fsplit-stack)
 * moves to a big segment (the split-stack-calls pass of the fork, LangRef
 * "split-stack-checked"). */
#if defined(__clang__)
#define GT_SPLIT_STACK_CHECKED __attribute__((annotate("split_stack_checked")))
/* _Pragma takes one string literal: */
/* clang-format off */
#define GT_SPLIT_STACK_CHECKED_BEGIN _Pragma("clang attribute push(__attribute__((annotate(\"split_stack_checked\"))), apply_to = function)")
/* clang-format on */
#define GT_SPLIT_STACK_CHECKED_END _Pragma("clang attribute pop")
#else
#define GT_SPLIT_STACK_CHECKED
#define GT_SPLIT_STACK_CHECKED_BEGIN
#define GT_SPLIT_STACK_CHECKED_END
#endif

GT_SPLIT_STACK_CHECKED_BEGIN

/* Results of blocking calls. */
enum {
  GT_OK = 0,
  GT_CLOSED = 1,       /* gt_chan_recv: the channel is closed and empty */
  GT_WOULDBLOCK = -1,  /* gt_select without blocking: no case was ready */
  GT_CANCELED = -2,    /* the thread was cancelled (gt_cancel) */
};

typedef struct gt_config {
  unsigned executors;        /* 0: one per CPU */
  size_t default_stack_size; /* 0: 16 KiB (rounded up to pages) */
  /* Above this many live threads (0: 65536), threads spawned with
   * GT_ATTR_COMPACT (and the default stack size) take turns on a few shared
   * stacks: a parked one has the live part of its stack copied aside when
   * another needs the stack, and back, to the same addresses, when it
   * resumes; it then costs its record and a few hundred bytes instead of a
   * page. Such threads spawned below the threshold keep their own stack,
   * whose pages are returned to the kernel when they park above it. */
  size_t compact_threshold;
  /* A green thread that runs this long (0: 10 ms) without switching is asked
   * to yield at its next safepoint poll (see gt_preempt); UINT64_MAX: never.
   * Only code compiled with polls (GC-managed code, which gt-cc polls in
   * every function, and SS_SAFEPOINTS functions; swapstack/swapstack.h)
   * can be preempted; other code runs until it blocks or yields. */
  uint64_t time_slice_ns;
  /* The garbage-collected heap's limit in bytes (gt/gc.h; 0: GT_GC_MAX_HEAP
   * or physical memory). The gt_run during which the heap is set up (the
   * first allocation or collection of the process) decides. */
  size_t gc_max_heap;
} gt_config;

enum {
  /* The thread's stack may be compacted or shared while it is parked (see
   * gt_config.compact_threshold). Contract: while the thread is parked, no
   * other thread touches objects on its stack (share heap or static objects
   * instead). A violation on an own, compacted stack is detected when the
   * thread resumes and stops the process with a message naming the thread;
   * on a shared stack it is not detected (the access reaches the thread
   * that occupies the stack). */
  GT_ATTR_COMPACT = 1u << 0,
  /* The thread starts on a 1 KiB stack segment and runs a function that
   * needs more on a full stack of the default size, above a guard page,
   * moving back when it returns; frames never move. A thread parked on its
   * first segment costs its record and 1 KiB. x86-64 and AArch64 (elsewhere
   * the flag is ignored), only for an entry function compiled with
   * -fsplit-stack (the runtime is), in a program linked with -z now, and not
   * with GT_SMALL_STACKS=0; otherwise the thread gets a full stack.
   * GC-managed code may run on small stacks (the collector's stack walker
   * crosses from a big segment to the first), and so may C++ exceptions
   * (one leaving a moved call puts the first segment back).
   * Default: a thread whose entry function was compiled by gt-cc or gt-c++
   * (which compile with -fsplit-stack by default) gets a small
   * stack without the flag: such code calls code that does not check its
   * stack (the C library, objects compiled without the flag) on a big
   * segment (split-stack-calls).
   * Contract for other code (plain `clang -fsplit-stack`): code compiled
   * without -fsplit-stack that the thread calls on its first segment uses
   * under 400 bytes of stack, or is called from a function that moved (one
   * with a frame over 512 bytes). An overrun is detected, on a best-effort
   * basis, when the thread next switches, and stops the process naming the
   * thread. See runtime/src/segment.cpp. */
  GT_ATTR_SMALL_STACK = 1u << 1,
  /* A full stack even where a small one would be the default: for a thread
   * that calls code without the check in a hot loop (each such call moves to
   * a big segment and back). */
  GT_ATTR_FULL_STACK = 1u << 2,
};

typedef struct gt_attr {
  size_t stack_size; /* 0: the configured default */
  const char *name;  /* copied; up to 23 characters are kept */
  unsigned flags;    /* GT_ATTR_* */
} gt_attr;

/* A handle; 0 is never a valid handle. A handle dies at join or detach. */
typedef uint64_t gt_thread_t;

int gt_run(const gt_config *config, void (*main_fn)(void *), void *arg);

gt_thread_t gt_spawn(void (*fn)(void *), void *arg, const gt_attr *attr);
int gt_join(gt_thread_t t); /* GT_OK, or GT_CANCELED (t stays joinable) */
void gt_detach(gt_thread_t t);
void gt_yield(void);
__attribute__((noreturn)) void gt_exit(void); /* no unwinding */
gt_thread_t gt_self(void);
uint64_t gt_self_id(void); /* unique in the process, never reused */
gt_mailbox *gt_self_mailbox(void);
unsigned gt_executor_count(void);
void gt_set_name(const char *name);
/* Asks thread t to yield at its next safepoint poll (GT_SIGNAL_PREEMPT in its
 * mailbox); callable from any OS thread. A thread that is not running yields
 * once at its next poll. */
void gt_preempt(gt_thread_t t);

/* Time: CLOCK_MONOTONIC nanoseconds. GT_OK, or GT_CANCELED. */
uint64_t gt_now_ns(void);
int gt_sleep_for(uint64_t ns);
int gt_sleep_until(uint64_t deadline_ns);

/* Cancellation: sets GT_SIGNAL_CANCEL in the thread's mailbox and wakes it if
 * it waits in a cancellable call (join, sleep, cond wait, wait-group wait,
 * channel operations, select), which then returns GT_CANCELED, as does every
 * later cancellable call. Mutex lock is not cancellable. */
void gt_cancel(gt_thread_t t);
int gt_cancel_requested(void);

typedef struct gt_mutex_t {
  uint64_t opaque[4];
} gt_mutex_t;
void gt_mutex_lock(gt_mutex_t *m);
int gt_mutex_trylock(gt_mutex_t *m); /* 1 when acquired */
void gt_mutex_unlock(gt_mutex_t *m);

typedef struct gt_cond_t {
  uint64_t opaque[3];
} gt_cond_t;
int gt_cond_wait(gt_cond_t *c, gt_mutex_t *m); /* m is held again on return */
void gt_cond_signal(gt_cond_t *c);
void gt_cond_broadcast(gt_cond_t *c);

typedef struct gt_waitgroup_t {
  uint64_t opaque[4];
} gt_waitgroup_t;
void gt_waitgroup_add(gt_waitgroup_t *wg, int64_t delta);
void gt_waitgroup_done(gt_waitgroup_t *wg);
int gt_waitgroup_wait(gt_waitgroup_t *wg);

/* Channels carry fixed-size elements; capacity 0 is unbuffered. A GC
 * pointer must not travel in a plain channel's element (the collector does
 * not see it there): gt/gc.h's ref channels carry GC pointers. */
typedef struct gt_chan gt_chan_t;
gt_chan_t *gt_chan_new(size_t elem_size, size_t capacity);
void gt_chan_free(gt_chan_t *c); /* must have no waiters */
int gt_chan_send(gt_chan_t *c, const void *elem); /* GT_OK / GT_CANCELED */
int gt_chan_recv(gt_chan_t *c, void *elem); /* GT_OK / GT_CLOSED / GT_CANCELED */
void gt_chan_close(gt_chan_t *c);

enum { GT_SEND = 1, GT_RECV = 2 };
typedef struct gt_select_case {
  gt_chan_t *chan;
  int op;     /* GT_SEND or GT_RECV */
  void *elem; /* element to send, or buffer to receive into */
  int closed; /* out, for GT_RECV: 1 when the case fired on a closed channel */
} gt_select_case;
/* Waits until one case can proceed, performs it and returns its index; with
 * block == 0 returns GT_WOULDBLOCK instead of waiting. GT_CANCELED when
 * cancelled. Ready cases are chosen in a random order. */
int gt_select(gt_select_case *cases, size_t n, int block);

GT_SPLIT_STACK_CHECKED_END

#ifdef __cplusplus
}
#endif

#endif /* GT_GT_H */
