/* gt/mailbox.h: the per-green-thread mailbox, a stable C layout.
 *
 * Managed code (compiled through the fork's pipeline, cmake/SwapStack.cmake)
 * finds the running thread's mailbox in the mailbox register (r14 on X86-64,
 * x28 on AArch64; ss_mailbox() in swapstack/swapstack.h, llvm.read_register
 * of "mailbox" in IR), which the scheduler sets before resuming a thread;
 * other code calls gt_self_mailbox(). Both read its fields at fixed offsets,
 * so the offsets below are part of the ABI between the compiler and the
 * runtime: never reorder, only append.
 *
 * Generated code may cache any field between safepoints. The runtime rewrites
 * fields only while the thread is suspended (every switch is a safepoint), or
 * sets bits in `signals`, which the thread polls at safepoints.
 */
#ifndef GT_MAILBOX_H
#define GT_MAILBOX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bits of gt_mailbox.gc_status. */
enum {
  GT_GC_LOG_WRITES = 1u << 0, /* the write barrier logs (gt/hooks.h) */
};

/* Bits of gt_mailbox.signals. */
enum {
  GT_SIGNAL_PREEMPT = 1u << 0, /* yield at the next safepoint */
  GT_SIGNAL_GC = 1u << 1,      /* GC handshake requested */
  GT_SIGNAL_CANCEL = 1u << 2,  /* gt_cancel() was called for this thread */
};

typedef struct gt_mailbox {
  uint32_t executor_id; /* executor running (or last running) the thread */
  uint32_t gc_status;   /* GC phase the thread has acknowledged */
  uint64_t signals;     /* GT_SIGNAL_* bits; set atomically by others */
  uintptr_t alloc_ptr;  /* bump pointer of the current allocation block */
  uintptr_t alloc_limit;
  uintptr_t wlog_ptr;   /* next free write-log entry */
  uintptr_t wlog_free;  /* free write-log entries */
  uintptr_t stack_limit; /* lowest usable stack address (above the guard) */
  uintptr_t wlog_state;  /* the runtime's: the write log's buffer (gc/wlog.cpp) */
} gt_mailbox;

#define GT_MAILBOX_EXECUTOR_ID 0
#define GT_MAILBOX_GC_STATUS 4
#define GT_MAILBOX_SIGNALS 8
#define GT_MAILBOX_ALLOC_PTR 16
#define GT_MAILBOX_ALLOC_LIMIT 24
#define GT_MAILBOX_WLOG_PTR 32
#define GT_MAILBOX_WLOG_FREE 40
#define GT_MAILBOX_STACK_LIMIT 48
#define GT_MAILBOX_SIZE 64

#ifdef __cplusplus
#define GT_STATIC_ASSERT static_assert
#else
#define GT_STATIC_ASSERT _Static_assert
#endif
GT_STATIC_ASSERT(offsetof(gt_mailbox, executor_id) == GT_MAILBOX_EXECUTOR_ID, "");
GT_STATIC_ASSERT(offsetof(gt_mailbox, gc_status) == GT_MAILBOX_GC_STATUS, "");
GT_STATIC_ASSERT(offsetof(gt_mailbox, signals) == GT_MAILBOX_SIGNALS, "");
GT_STATIC_ASSERT(offsetof(gt_mailbox, alloc_ptr) == GT_MAILBOX_ALLOC_PTR, "");
GT_STATIC_ASSERT(offsetof(gt_mailbox, alloc_limit) == GT_MAILBOX_ALLOC_LIMIT, "");
GT_STATIC_ASSERT(offsetof(gt_mailbox, wlog_ptr) == GT_MAILBOX_WLOG_PTR, "");
GT_STATIC_ASSERT(offsetof(gt_mailbox, wlog_free) == GT_MAILBOX_WLOG_FREE, "");
GT_STATIC_ASSERT(offsetof(gt_mailbox, stack_limit) == GT_MAILBOX_STACK_LIMIT, "");
GT_STATIC_ASSERT(sizeof(gt_mailbox) == GT_MAILBOX_SIZE, "");

#ifdef __cplusplus
}
#endif

#endif /* GT_MAILBOX_H */
