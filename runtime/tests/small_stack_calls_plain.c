/* Compiled without -fsplit-stack, for test_small_stack_calls.c: code that
 * does not check its stack, as the C library and other plain objects. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

/* Where the frame of an unchecked function is. */
__attribute__((noinline)) uintptr_t plain_frame(void) {
  return (uintptr_t)__builtin_frame_address(0);
}

/* An unchecked function with a frame far beyond a first segment's slack. */
__attribute__((noinline)) long plain_deep(int n) {
  volatile char buf[3000];
  for (int i = 0; i < (int)sizeof buf; ++i)
    buf[i] = (char)(i + n);
  long sum = 0;
  for (int i = 0; i < (int)sizeof buf; i += 100)
    sum += buf[i];
  return sum;
}
