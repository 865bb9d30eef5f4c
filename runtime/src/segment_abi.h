/* segment_abi.h: what __morestack (morestack_x86_64.S, morestack_aarch64.S)
 * and segment.cpp agree on. Included by both, so preprocessor definitions (and, for C++, the
 * symbols of the assembly).
 *
 * A big segment (a default-size stack from stacks.cpp, above its guard page)
 * keeps a header in its top bytes while a small-stack thread runs on it:
 *
 *   top - GT_SEG_LO      lowest usable byte of the segment (segment.cpp
 *                        writes it when the segment becomes a spare)
 *   top - GT_SEG_LIMIT   the split-stack limit (GT_SPLIT_STACK_LIMIT) to
 *                        restore
 *   top - GT_SEG_MBLIMIT the mailbox's stack_limit to restore
 *   top - GT_SEG_ARGS    bytes of stack arguments copied (r11 or x10 at
 *                        entry)
 *   top - GT_SEG_SCRATCH .. top - GT_SEG_HEADER: registers saved while the
 *                        arguments are copied
 *
 * The executor's segment state is one thread-local struct, gt_seg (so
 * __morestack reaches each field with one %fs-relative access, and the
 * scheduler with one address computation):
 *
 *   GT_SEG_STATE_SPARE    uintptr_t[GT_SEG_SPARES]: the tops of the spare big
 *                         segments, [0, nspare) in use
 *   GT_SEG_STATE_NSPARE   uint32_t: how many
 *   GT_SEG_STATE_MAILBOX  the mailbox of the small-stack thread the executor
 *                         runs (the mailbox register cannot be trusted there:
 *                         code compiled without the register reserved may run
 *                         on a green thread)
 */
#ifndef GT_SEGMENT_ABI_H
#define GT_SEGMENT_ABI_H

#define GT_SEG_LO 8
#define GT_SEG_LIMIT 16
#define GT_SEG_MBLIMIT 24
#define GT_SEG_ARGS 32
#define GT_SEG_SCRATCH 32 /* rsp after the switch: up to four words below */
#define GT_SEG_HEADER 64  /* arguments are copied below this */
#define GT_SEG_SPARES 4
#define GT_SEG_STATE_SPARE 0
#define GT_SEG_STATE_NSPARE 32
#define GT_SEG_STATE_MAILBOX 40

/* A first segment's size, and the slack below the limit (segment.cpp). */
#define GT_SEG_SMALL 1024
#define GT_SEG_SLACK 512

/* The stack __morestack reports its fatal errors on. */
#define GT_SEG_REPORT_STACK 16384

/* Where split-stack prologues read the stack limit, from the thread pointer:
 * glibc's tcbhead_t.__private_ss on x86-64 (%fs:0x70, LLVM's and GCC's ABI),
 * tcbhead_t.private on AArch64 ([TPIDR_EL0 + 8], the fork's
 * AArch64FrameLowering::adjustForSegmentedStacks). */
#if defined(__aarch64__)
#define GT_SPLIT_STACK_LIMIT 8
#else
#define GT_SPLIT_STACK_LIMIT 0x70
#endif

/* The frame __morestack leaves on the first segment, which the GC's stack
 * walker crosses to (gc/stackwalk.cpp): GT_SEG_RA_SLOT is the word of it,
 * counted from its frame pointer, that holds the moved function's return
 * address, and GT_SEG_FRAME the bytes from its frame pointer to the caller's
 * stack pointer. x86-64: {rbp, R} and the return address above; AArch64: the
 * frame record {x29, x30} the moved function's prologue stored. */
#if defined(__aarch64__)
#define GT_SEG_RA_SLOT 1
#define GT_SEG_FRAME 16
#else
#define GT_SEG_RA_SLOT 2
#define GT_SEG_FRAME 24
#endif

/* gt/mailbox.h's GT_MAILBOX_STACK_LIMIT (that header is C, not assembly);
 * segment.cpp checks that they agree. */
#define GT_SEG_MAILBOX_STACK_LIMIT 48

#ifdef __cplusplus
#include <cstddef>
#include <cstdint>

struct gt_mailbox;
struct GtSegState {
  uintptr_t spare[GT_SEG_SPARES];
  uint32_t nspare;
  gt_mailbox *mailbox;
};
static_assert(offsetof(GtSegState, spare) == GT_SEG_STATE_SPARE);
static_assert(offsetof(GtSegState, nspare) == GT_SEG_STATE_NSPARE);
static_assert(offsetof(GtSegState, mailbox) == GT_SEG_STATE_MAILBOX);
extern "C" __thread GtSegState gt_seg;

/* The return address of __morestack's call of a moved function's body: the
 * GC's stack walker crosses from the big segment to the first one there
 * (gc/stackwalk.cpp). */
extern "C" const char gt_morestack_ret[];
#endif

#endif
