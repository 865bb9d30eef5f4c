// A __morestack for the executed split-stack test (aarch64-morestack.ll):
// every call moves the function to the next of 16 segments of 64 KiB in
// .bss, whose limit is its bottom plus 1 KiB, and counts the moves. The
// ABI (AArch64FrameLowering::adjustForSegmentedStacks):
//   x9 = bytes requested, x10 = bytes of stack arguments,
//   x30 = R (the body begins at R + 8),
//   [sp] = a frame record {x29, x30} of the moved function's caller, the
//   stack arguments above it; every argument register live but x9, x10.
#define NSEG 16
#define SEGSIZE 65536
#define SLACK 1024

        .text
        .globl  __morestack
        .type   __morestack, %function
        .p2align 2
__morestack:
        .cfi_startproc
        mov     x29, sp                 // the caller's frame record
        .cfi_def_cfa w29, 16
        .cfi_offset w30, -8
        .cfi_offset w29, -16
        // Below it on the old stack: R and the old limit.
        mrs     x11, tpidr_el0
        ldr     x12, [x11, #8]
        stp     x30, x12, [sp, #-16]!
        // The next segment: x13 = its bottom.
        adrp    x13, test_depth
        ldr     x14, [x13, :lo12:test_depth]
        cmp     x14, #NSEG
        b.hs    .Lfail
        add     x15, x14, #1
        str     x15, [x13, :lo12:test_depth]
        adrp    x13, test_moves
        ldr     x15, [x13, :lo12:test_moves]
        add     x15, x15, #1
        str     x15, [x13, :lo12:test_moves]
        adrp    x13, test_segments
        add     x13, x13, :lo12:test_segments
        mov     x15, #SEGSIZE
        madd    x13, x14, x15, x13
        // The frame, the arguments and the slack must fit.
        add     x12, x9, x10
        add     x12, x12, #(SLACK + 64)
        cmp     x12, x15
        b.hi    .Lfail
        add     x12, x13, #SLACK
        str     x12, [x11, #8]
        // The body's stack pointer: the top less the arguments, 16-aligned.
        add     x15, x13, x15
        add     x12, x10, #15
        and     x12, x12, #~15
        sub     x15, x15, x12
        add     x13, x29, #16
        mov     x12, #0
1:      cmp     x12, x10
        b.hs    2f
        ldr     x14, [x13, x12]
        str     x14, [x15, x12]
        add     x12, x12, #8
        b       1b
2:      mov     sp, x15
        ldr     x16, [x29, #-16]
        add     x16, x16, #8
        blr     x16
        // The body returned (x29 is preserved): old limit, depth, and back
        // to R with the results in place.
        ldp     x16, x12, [x29, #-16]
        mrs     x11, tpidr_el0
        str     x12, [x11, #8]
        adrp    x13, test_depth
        ldr     x14, [x13, :lo12:test_depth]
        sub     x14, x14, #1
        str     x14, [x13, :lo12:test_depth]
        mov     sp, x29
        mov     x30, x16
        ret
.Lfail:
        str     xzr, [x11, #8]
        bl      abort
        .cfi_endproc
        .size   __morestack, .-__morestack

        .bss
        .globl  test_depth, test_moves, test_segments
        .p2align 4
test_depth:
        .zero   8
test_moves:
        .zero   8
test_segments:
        .zero   NSEG * SEGSIZE

        .section .note.GNU-stack,"",%progbits
