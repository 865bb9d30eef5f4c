// main_wrap.cpp: the mailbox register of a gt-cc program's initial thread.
//
// gt-cc compiles GC-managed code with a safepoint poll in every function
// (insert-safepoint-polls<all>, docs/gc.md), and a poll reads the running
// thread's mailbox through the mailbox register. main(), and whatever it calls
// before gt_run() and after gt_run() returns, runs on the process's initial
// thread, which is no green thread: the register holds whatever the C
// library's start code left in it, and a poll would load from that address.
// gt-cc therefore links programs with --wrap=main: the C library's start code
// calls __wrap_main, which points the register at a mailbox of its own and
// calls the program's main (__real_main). In that mailbox no signal is ever
// set, so a poll never leaves its fast path; its allocation block is empty, so
// an allocation takes the slow path, which reports that it runs outside a
// green thread; the write log is off. gt_run() gives the register back to its
// caller when it returns (sched.cpp), and the C library expects it back as
// it was (it is callee-saved there), so it is restored before returning.
//
// Only programs that gt-cc links get this object: nothing else refers to
// __wrap_main, so the linker does not pull it out of libgt.a.
#include "internal.h"

extern "C" int __real_main(int argc, char **argv, char **envp);

static gt_mailbox outside_green_threads;

extern "C" int __wrap_main(int argc, char **argv, char **envp) {
  uintptr_t callers_mailbox_reg = ss_mailbox();
  ss_set_mailbox(reinterpret_cast<uintptr_t>(&outside_green_threads));
  int status = __real_main(argc, argv, envp);
  ss_set_mailbox(callers_mailbox_reg);
  return status;
}
