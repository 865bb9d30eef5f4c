// morestack_shim_aarch64.S: __morestack for shared libraries built by
// gt-cc -shared on AArch64 (libgt_shlib.a; the program's runtime does the
// work). See morestack_shim_x86_64.S: the library's split-stack prologues
// call this hidden definition, which jumps to the program's (exported as
// gt_morestack by gt-cc's link) through the GOT. x16 is free at a call of
// __morestack (x9-x17 are), and no stack is touched.

        .text
        .globl  __morestack
        .hidden __morestack
        .type   __morestack, %function
        .p2align 2
__morestack:
        .cfi_startproc
        adrp    x16, :got:gt_morestack
        ldr     x16, [x16, :got_lo12:gt_morestack]
        br      x16
        .cfi_endproc
        .size   __morestack, .-__morestack

        .section .note.GNU-stack,"",%progbits
