/* A frame larger than a green thread's whole stack, built by gt-cc (which
 * compiles with -fstack-clash-protection by default), is reported as a stack
 * overflow naming the thread, not written silently into the memory below the
 * guard page: with the default, the frame probes each page in order.
 *
 * Two children, each runs a thread named "bigframe" that calls big(), whose
 * 64 KiB array (four times the default 16 KiB stack) is first written at its
 * lowest byte: one with default spawn options (a small stack on x86-64 and
 * AArch64, so big() runs on a 16 KiB big segment), one with
 * GT_ATTR_FULL_STACK. Each must die with the overflow report. */
#include <gt/gt.h>

#include "gt_cc_child.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kFrame = 65536 };

__attribute__((noinline)) void sink(char *p, int n);
__attribute__((noinline)) void sink(char *p, int n) { p[0] = (char)n; }

__attribute__((noinline)) static long big(int i) {
  char a[kFrame];
  sink(a, i); /* the lowest byte first: 48 KiB below a 16 KiB stack */
  return a[0];
}

static void bigframe(void *arg) {
  (void)arg;
  printf("big() returned %ld: the frame was not caught\n", big(3));
}

static unsigned spawn_flags;
static void run(void *arg) {
  (void)arg;
  gt_attr attr = {0, "bigframe", spawn_flags};
  gt_join(gt_spawn(bigframe, NULL, &attr));
}

static void run_flags(void *arg) {
  spawn_flags = *(const unsigned *)arg;
  gt_run(NULL, run, NULL);
}

/* Runs the program in a child with the given spawn flags; returns whether
 * it died reporting an overflow of thread 'bigframe'. */
static int dies_reporting(unsigned flags, const char *what) {
  char buf[4096];
  int status = gt_test_run_child(run_flags, &flags, buf, sizeof buf);
  int died = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  int named = strstr(buf, "stack overflow in green thread") &&
              strstr(buf, "'bigframe'");
  printf("big-frame (%s): %s, %s\n", what, died ? "died" : "exited normally",
         named ? "overflow of 'bigframe' reported" : "no overflow report");
  if (!named)
    printf("  its stderr: %s\n", buf);
  return died && named;
}

int main(void) {
  int ok = dies_reporting(0, "default spawn");
  ok &= dies_reporting(GT_ATTR_FULL_STACK, "GT_ATTR_FULL_STACK");
  puts(ok ? "big-frame: OK" : "big-frame: FAIL");
  return ok ? 0 : 1;
}
