// morestack_shim_x86_64.S: __morestack for shared libraries built by
// gt-cc -shared (libgt_shlib.a; the program's runtime does the work).
//
// Such a library is linked without the runtime, and its split-stack
// prologues call __morestack and, for a dynamic allocation below the limit,
// __morestack_allocate_stack_space. Left undefined, the linker would take
// both from libgcc.a, whose split-stack runtime also brings a constructor
// that sets the limit at %fs:0x70 for the thread that loads the library:
// every check on that thread would then call libgcc's __morestack. So these
// definitions, hidden in the library, jump to the program's (exported as
// gt_morestack and gt_morestack_allocate_stack_space by gt-cc's link). A
// jump through the GOT touches no register and no stack: __morestack sees
// the registers and return addresses of the prologue that called it.

        .text
        .globl  __morestack
        .hidden __morestack
        .type   __morestack,@function
        .p2align 4
__morestack:
        .cfi_startproc
        jmpq    *gt_morestack@GOTPCREL(%rip)
        .cfi_endproc
        .size   __morestack, .-__morestack

        .globl  __morestack_allocate_stack_space
        .hidden __morestack_allocate_stack_space
        .type   __morestack_allocate_stack_space,@function
        .p2align 4
__morestack_allocate_stack_space:
        .cfi_startproc
        jmpq    *gt_morestack_allocate_stack_space@GOTPCREL(%rip)
        .cfi_endproc
        .size   __morestack_allocate_stack_space, .-__morestack_allocate_stack_space

        .section .note.GNU-stack,"",@progbits
