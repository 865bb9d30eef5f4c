// morestack_aarch64.S: __morestack for small-stack threads on AArch64
// (segment.cpp; the x86-64 one is morestack_x86_64.S, which explains the
// design).
//
// A function compiled with -fsplit-stack ("split-stack" in IR) begins by
// comparing its stack pointer, less its frame, with the limit at
// [TPIDR_EL0 + 8]; below it, it stores a frame record of its caller's x29
// and x30 under its stack pointer and calls __morestack (the fork's
// AArch64FrameLowering::adjustForSegmentedStacks) with
//   x9 = bytes of frame it needs, x10 = bytes of its stack arguments,
//   x30 = R, the address of `ldp x29, x30, [sp], #16; ret` (its body, or a
//   branch to it, is at R + 8),
//   sp = the frame record, the stack arguments above it,
//   x0-x8 and v0-v7 live, x9-x17 free.
// The runtime sets the limit only while a small-stack thread runs on its
// first segment, so this moves the function onto a big segment (a spare of
// the executor's), copies its stack arguments there and calls its body;
// when the body returns, it restores the limit, gives the segment back and
// returns to R, which returns to the caller.
//
// x29 stays on the first segment, at the frame record the function stored:
// the CFA (x29 + 16) and the frame chain lead from the body's frames to the
// function's caller, so debuggers, unwinders and the GC's stack walker
// (gc/stackwalk.cpp, at the return address gt_morestack_ret) step from the
// body to the caller. Below the record __morestack keeps R and the big
// segment's top.
#include "segment_abi.h"

// x13 = &gt_seg, the executor's segment state (local-exec TLS: the runtime
// is linked into executables).
.macro seg_state
        mrs     x13, tpidr_el0
        add     x13, x13, #:tprel_hi12:gt_seg, lsl #12
        add     x13, x13, #:tprel_lo12_nc:gt_seg
.endm

// Back to the first segment's limits, and the big segment back among the
// spares (sp is still on it: nothing takes a spare but __morestack, which
// runs only on a first segment). Clobbers x11-x17.
.macro leave_segment
        ldr     x15, [x29, #-8]
        ldur    x12, [x15, #-GT_SEG_LIMIT]
        mrs     x11, tpidr_el0
        str     x12, [x11, #GT_SPLIT_STACK_LIMIT]
        seg_state
        ldr     x16, [x13, #GT_SEG_STATE_MAILBOX]
        ldur    x17, [x15, #-GT_SEG_MBLIMIT]
        str     x17, [x16, #GT_SEG_MAILBOX_STACK_LIMIT]
        ldr     w14, [x13, #GT_SEG_STATE_NSPARE]
        cmp     w14, #GT_SEG_SPARES
        b.hs    .Lfull
        str     x15, [x13, w14, uxtw #3]
        add     w14, w14, #1
        str     w14, [x13, #GT_SEG_STATE_NSPARE]
.endm

        .text
        .globl  __morestack
        .hidden __morestack
        // The name a program built by gt-cc exports it under, for its shared
        // libraries (morestack_shim_aarch64.S).
        .globl  gt_morestack
        .type   gt_morestack, %function
        .set    gt_morestack, __morestack
        .type   __morestack, %function
        .p2align 4
__morestack:
        .cfi_startproc
        .cfi_personality 0x9b, DW.ref.__gcc_personality_v0
        .cfi_lsda 0x1b, .Lmorestack_lsda
        mov     x29, sp
        .cfi_def_cfa w29, 16
        .cfi_offset w30, -8
        .cfi_offset w29, -16
        // Only a check on the first segment moves (see morestack_x86_64.S):
        // elsewhere the body runs in place; below the segment's bottom,
        // unchecked code has already overrun it.
        mrs     x11, tpidr_el0
        ldr     x12, [x11, #GT_SPLIT_STACK_LIMIT]
        sub     x13, x12, #GT_SEG_SLACK
        mov     x14, sp
        cmp     x14, x13
        b.lo    .Loverrun
        add     x13, x13, #GT_SEG_SMALL
        cmp     x14, x13
        b.hs    .Lelsewhere
        // Take a spare big segment (segment_resume keeps one for us): x15 =
        // its top.
        seg_state
        ldr     w14, [x13, #GT_SEG_STATE_NSPARE]
        cbz     w14, .Lnone
        sub     w14, w14, #1
        str     w14, [x13, #GT_SEG_STATE_NSPARE]
        ldr     x15, [x13, w14, uxtw #3]
        // [x29 - 16]: R, [x29 - 8]: the segment's top.
        stp     x30, x15, [sp, #-16]!
        stur    x12, [x15, #-GT_SEG_LIMIT]
        stur    x10, [x15, #-GT_SEG_ARGS]
        str     xzr, [x11, #GT_SPLIT_STACK_LIMIT]
        // The mailbox's stack_limit to the big segment's bottom.
        ldr     x16, [x13, #GT_SEG_STATE_MAILBOX]
        ldr     x17, [x16, #GT_SEG_MAILBOX_STACK_LIMIT]
        stur    x17, [x15, #-GT_SEG_MBLIMIT]
        ldur    x17, [x15, #-GT_SEG_LO]
        str     x17, [x16, #GT_SEG_MAILBOX_STACK_LIMIT]
        // The body's stack pointer: below the header, room for the stack
        // arguments, 16-byte aligned.
        sub     x16, x15, #GT_SEG_HEADER
        add     x17, x10, #15
        and     x17, x17, #~15
        sub     x16, x16, x17
        cbz     x10, .Lcall                     // most calls have none
        add     x13, x29, #16
        mov     x14, #0
1:      ldr     x17, [x13, x14]
        str     x17, [x16, x14]
        add     x14, x14, #8
        cmp     x14, x10
        b.lo    1b
.Lcall:
        mov     sp, x16
        ldur    x16, [x29, #-16]
        add     x16, x16, #8
.Lbody_call:
        blr     x16
        // The body's return address: the GC's stack walker (gc/stackwalk.cpp)
        // steps from the body's frame to the caller's, on the first segment.
        .globl  gt_morestack_ret
        .hidden gt_morestack_ret
gt_morestack_ret:
        // The body returned: x0-x7 and v0-v7 hold its result.
        leave_segment
        ldur    x30, [x29, #-16]
        mov     sp, x29
        ret
.Lelsewhere:
        add     x16, x30, #8
        ldp     x29, x30, [sp], #16
        br      x16
.Lunwind:
        // An exception (or a forced unwind) left the body: leave the segment
        // as a return does, then the unwinder goes on from here, still on the
        // big segment, to the caller. x0: the exception object.
        leave_segment
        bl      _Unwind_Resume
        brk     #1
.Lfull:
        // Cannot happen: segment_resume leaves room for the one segment a
        // thread can bring from another executor.
        adrp    x16, gt_seg_full
        add     x16, x16, :lo12:gt_seg_full
        b       .Lreport
.Loverrun:
        adrp    x16, gt_seg_overrun
        add     x16, x16, :lo12:gt_seg_overrun
        b       .Lreport
.Lnone:
        // No spare: segment_resume did not run (a split-stack limit set by
        // someone else?).
        adrp    x16, gt_seg_none
        add     x16, x16, :lo12:gt_seg_none
.Lreport:
        // A fatal error. What is left of the first segment cannot hold the
        // report: clear the limit and report from a stack of our own.
        mrs     x11, tpidr_el0
        str     xzr, [x11, #GT_SPLIT_STACK_LIMIT]
        adrp    x17, gt_seg_report_stack
        add     x17, x17, :lo12:gt_seg_report_stack
        add     x17, x17, #GT_SEG_REPORT_STACK
        mov     sp, x17
        blr     x16
        brk     #1
        .cfi_endproc
        .size   __morestack, .-__morestack

#include "morestack_eh.inc"

        // The stack of .Lreport (one fatal error ends the process).
        .local  gt_seg_report_stack
        .comm   gt_seg_report_stack, GT_SEG_REPORT_STACK, 16

        .section .note.GNU-stack,"",%progbits
