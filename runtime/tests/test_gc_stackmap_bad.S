// A hand-written .llvm_stackmaps blob (StackMap format v3) whose one
// statepoint record keeps a GC value in a register, which the runtime's
// stack walker cannot relocate: test_gc_stackmap_bad.cpp checks that
// loading it is a fatal error naming the function. The same text assembles
// for X86-64 and AArch64.
        .section .llvm_stackmaps,"a",@progbits
        .p2align 3
        .byte 3, 0
        .short 0
        .long 1                 // functions
        .long 0                 // constants
        .long 1                 // records
        .quad gcs_bad_function  // function address
        .quad 16                // stack size
        .quad 1                 // records of this function
        .quad 0xabcdef00        // record: statepoint ID
        .long 0                 // instruction offset
        .short 0                // flags
        .short 5                // locations
        // Constant 0 (calling convention), Constant 0 (flags), Constant 0 (deopt count)
        .byte 4, 0
        .short 8, 0, 0
        .long 0
        .byte 4, 0
        .short 8, 0, 0
        .long 0
        .byte 4, 0
        .short 8, 0, 0
        .long 0
        // base and derived: Register 3, which the walker rejects
        .byte 1, 0
        .short 8, 3, 0
        .long 0
        .byte 1, 0
        .short 8, 3, 0
        .long 0
        .p2align 3
        .short 0
        .short 0                // live-outs
        .p2align 3
        .section .note.GNU-stack,"",@progbits
