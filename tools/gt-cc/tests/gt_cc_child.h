/* For gt-cc test programs that expect a child process to die: runs a
 * function in a child process (the parent never starts the runtime, so the
 * child has a fresh one) and captures what it writes to stderr. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn(arg) in a child process and returns its wait status; the child
 * exits with 0 if fn returns. Its stderr goes into err (NUL-terminated,
 * at most cap - 1 bytes kept; the rest is read and dropped, so a chatty
 * child never blocks on the pipe). */
static int gt_test_run_child(void (*fn)(void *), void *arg, char *err,
                             size_t cap) {
  int fds[2];
  if (pipe(fds) != 0)
    abort();
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0)
    abort();
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    fn(arg);
    _exit(0);
  }
  close(fds[1]);
  size_t len = 0;
  char drop[512];
  for (ssize_t n;;) {
    if (len + 1 < cap)
      n = read(fds[0], err + len, cap - 1 - len);
    else
      n = read(fds[0], drop, sizeof drop);
    if (n <= 0)
      break;
    if (len + 1 < cap)
      len += (size_t)n;
  }
  err[len] = 0;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}
