// The stack-switch stub for the preserve_none peer. Callers declare it
// preserve_none, so they save every live value themselves; the stub keeps
// only what preserve_none callers rely on: RSP and RBP.
//
//   void *pn_switch(void **save_sp /* R12 */, void *to_sp /* R13 */,
//                   void *value /* R14 */)
// Saves the current stack pointer to *save_sp, switches to to_sp and returns
// `value` there, from the pn_switch call that suspended that stack.
        .text
        .globl  pn_switch
        .type   pn_switch, @function
pn_switch:
        pushq   %rbp
        movq    %rsp, (%r12)
        movq    %r13, %rsp
        popq    %rbp
        movq    %r14, %rax
        ret
        .size   pn_switch, .-pn_switch

// First resumption of a new stack laid out by pn_new_stack: the stub's ret
// lands here with RSP pointing at the entry function and the value in RAX.
        .globl  pn_start
        .type   pn_start, @function
pn_start:
        movq    %rax, %rdi
        callq   *(%rsp)
        ud2
        .size   pn_start, .-pn_start

        .section .note.GNU-stack,"",@progbits
