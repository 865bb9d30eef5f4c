// morestack_x86_64.S: __morestack for small-stack threads (segment.cpp).
//
// A function compiled with -fsplit-stack ("split-stack" in IR) begins by
// comparing its stack pointer, less its frame, with the limit at %fs:0x70;
// below it, it calls __morestack (LLVM's X86FrameLowering::
// adjustForSegmentedStacks, the ABI GCC's prologues use too) with
//   r10 = bytes of frame it needs, r11 = bytes of its stack arguments,
//   [rsp] = R, the address of a `ret` after that call (its body is at R+1),
//   [rsp+8] = its caller's return address, [rsp+16 ...] = stack arguments,
//   every argument register live.
// The runtime sets the limit only while a small-stack thread runs on its
// first segment, so this moves the function onto a big segment (a spare of
// the executor's, a full stack above a guard page), copies its stack
// arguments there and calls its body; when the body returns, it restores the
// limit, gives the segment back and returns to R, whose `ret` returns to the
// caller. On the big segment the limit is 0: nothing calls here again until
// the thread is back on its first segment, so a thread has at most two
// segments and no frame ever moves.
//
// The frame pointer of this function stays on the first segment, so that the
// CFA (rbp + 16) and the frame chain lead from the body's frames back to the
// caller: debuggers and unwinders walk through it. Its frame record is
// {caller's rbp, R}, and the caller's return address is the word above it
// (rbp + 16): the GC's stack walker, at the return address gt_morestack_ret,
// takes that one (gc/stackwalk.cpp).
#include "segment_abi.h"

// Back to the first segment's limits, and the big segment back among the
// spares (rsp is still on it: nothing takes a spare but __morestack, which
// runs only on a first segment). Clobbers r10 and r11.
.macro leave_segment
        movq    -8(%rbp), %r10
        movq    -GT_SEG_LIMIT(%r10), %r11
        movq    %r11, %fs:GT_SPLIT_STACK_LIMIT
        pushq   %rcx
        movq    %fs:gt_seg@tpoff+GT_SEG_STATE_MAILBOX, %r11
        movq    -GT_SEG_MBLIMIT(%r10), %rcx
        movq    %rcx, GT_SEG_MAILBOX_STACK_LIMIT(%r11)
        movl    %fs:gt_seg@tpoff+GT_SEG_STATE_NSPARE, %ecx
        cmpl    $GT_SEG_SPARES, %ecx
        jae     .Lfull
        movq    %r10, %fs:gt_seg@tpoff+GT_SEG_STATE_SPARE(,%rcx,8)
        incl    %ecx
        movl    %ecx, %fs:gt_seg@tpoff+GT_SEG_STATE_NSPARE
        popq    %rcx
.endm

        .text
        .globl  __morestack
        .hidden __morestack
        // The name a program built by gt-cc exports it under, for its shared
        // libraries (morestack_shim_x86_64.S).
        .globl  gt_morestack
        .type   gt_morestack,@function
        .set    gt_morestack, __morestack
        .type   __morestack,@function
        .p2align 4
__morestack:
        .cfi_startproc
        .cfi_personality 0x9b, DW.ref.__gcc_personality_v0
        .cfi_lsda 0x1b, .Lmorestack_lsda
        pushq   %rbp
        .cfi_def_cfa_offset 16
        .cfi_offset %rbp, -16
        movq    %rsp, %rbp
        .cfi_def_cfa_register %rbp
        // Only a check on the first segment moves. The limit is set while a
        // small thread runs there; code on another stack meanwhile (a
        // split-stack signal handler on the alternate stack) runs in place,
        // as it would with no limit. Below the segment's bottom, unchecked
        // code has already overrun it.
        movq    %fs:GT_SPLIT_STACK_LIMIT, %r10
        subq    $GT_SEG_SLACK, %r10
        cmpq    %r10, %rsp
        jb      .Loverrun
        addq    $GT_SEG_SMALL, %r10
        cmpq    %r10, %rsp
        jae     .Lelsewhere
        // Take a spare big segment (segment_resume keeps one for us).
        movl    %fs:gt_seg@tpoff+GT_SEG_STATE_NSPARE, %r10d
        testl   %r10d, %r10d
        jz      .Lnone
        decl    %r10d
        movl    %r10d, %fs:gt_seg@tpoff+GT_SEG_STATE_NSPARE
        movq    %fs:gt_seg@tpoff+GT_SEG_STATE_SPARE(,%r10,8), %r10
        pushq   %r10                            // [rbp-8]: the segment's top
        movq    %r11, -GT_SEG_ARGS(%r10)
        movq    %fs:GT_SPLIT_STACK_LIMIT, %r11
        movq    %r11, -GT_SEG_LIMIT(%r10)
        movq    $0, %fs:GT_SPLIT_STACK_LIMIT
        // Onto the big segment (its header's scratch words), and the
        // mailbox's stack_limit to the segment's bottom.
        leaq    -GT_SEG_SCRATCH(%r10), %rsp
        pushq   %rax
        movq    %fs:gt_seg@tpoff+GT_SEG_STATE_MAILBOX, %r11
        movq    GT_SEG_MAILBOX_STACK_LIMIT(%r11), %rax
        movq    %rax, -GT_SEG_MBLIMIT(%r10)
        movq    -GT_SEG_LO(%r10), %rax
        movq    %rax, GT_SEG_MAILBOX_STACK_LIMIT(%r11)
        popq    %rax
        // The body's stack pointer: below the header, room for the stack
        // arguments, 16-byte aligned as at a call.
        leaq    -GT_SEG_HEADER(%r10), %r11
        subq    -GT_SEG_ARGS(%r10), %r11
        andq    $-16, %r11
        cmpq    $0, -GT_SEG_ARGS(%r10)
        je      .Lcall                          // most calls have none
        // Copy the stack arguments with three registers freed (the scratch
        // words are above the copy).
        pushq   %rdi
        pushq   %rsi
        pushq   %rcx
        movq    -GT_SEG_ARGS(%r10), %rcx
        leaq    24(%rbp), %rsi
        movq    %r11, %rdi
        rep movsb                               // DF is clear at a call
        popq    %rcx
        popq    %rsi
        popq    %rdi
.Lcall:
        movq    %r11, %rsp
        movq    8(%rbp), %r10
        incq    %r10
.Lbody_call:
        callq   *%r10
        // The body's return address: the GC's stack walker (gc/stackwalk.cpp)
        // steps from the body's frame to this one's, on the first segment.
        .globl  gt_morestack_ret
        .hidden gt_morestack_ret
gt_morestack_ret:
        // The body returned: rax, rdx, xmm0 and xmm1 hold its result.
        leave_segment
        .cfi_remember_state
        movq    %rbp, %rsp
        popq    %rbp
        .cfi_restore %rbp
        .cfi_def_cfa %rsp, 8
        ret
        .cfi_restore_state
.Lelsewhere:
        .cfi_remember_state
        popq    %rbp
        .cfi_restore %rbp
        .cfi_def_cfa %rsp, 8
        addq    $1, (%rsp)
        ret
        .cfi_restore_state
.Lunwind:
        // An exception (or a forced unwind: pthread_exit, cancellation) left
        // the body: this cleanup (the LSDA below) leaves the segment as a
        // return does, then the unwinder goes on from here, still on the big
        // segment, to the caller's frames on the first segment. rax: the
        // exception object. rsp is 16-byte aligned, as at the call.
        leave_segment
        movq    %rax, %rdi
        callq   _Unwind_Resume@PLT
        ud2
.Lfull:
        // Cannot happen: segment_resume leaves room for the one segment a
        // thread can bring from another executor.
        leaq    gt_seg_full(%rip), %r11
        jmp     .Lreport
.Loverrun:
        leaq    gt_seg_overrun(%rip), %r11
        jmp     .Lreport
.Lnone:
        // No spare: segment_resume did not run (a split-stack limit set by
        // someone else?).
        leaq    gt_seg_none(%rip), %r11
.Lreport:
        // A fatal error. What is left of the first segment cannot hold the
        // report: clear the limit and report from a stack of our own.
        movq    $0, %fs:GT_SPLIT_STACK_LIMIT
        leaq    gt_seg_report_stack+GT_SEG_REPORT_STACK(%rip), %rsp
        callq   *%r11
        ud2
        .cfi_endproc
        .size   __morestack, .-__morestack

#include "morestack_eh.inc"

        .text

// __morestack_non_split: what a linker that adjusts split-stack prologues
// for calls into code compiled without the checks (lld, gold) makes such a
// function call instead, with the check forced to fail (`stc`) or the frame
// made larger (lld's -z split-stack-adjust-size). The callee may need any
// amount of stack: on a first segment, move; anywhere else the stack is a
// full one above a guard page, so run the body where it is (return to R+1).
        .globl  __morestack_non_split
        .hidden __morestack_non_split
        .type   __morestack_non_split,@function
        .p2align 4
__morestack_non_split:
        .cfi_startproc
        cmpq    $0, %fs:GT_SPLIT_STACK_LIMIT
        jne     __morestack
        addq    $1, (%rsp)
        ret
        .cfi_endproc
        .size   __morestack_non_split, .-__morestack_non_split

        // The stack of .Lreport (one fatal error ends the process).
        .local  gt_seg_report_stack
        .comm   gt_seg_report_stack, GT_SEG_REPORT_STACK, 16

        .section .note.GNU-stack,"",@progbits
