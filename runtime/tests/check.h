// check.h: tiny helpers for the runtime's self-checking test programs.
//   CHECK(cond)            aborts with file:line when cond is false
//   run(main)              runs main as gt_run's main thread with
//                          GT_EXECUTORS executors (default: one per CPU)
//   expect_death(what, f, msg)  runs f() in a child process (fork) and checks
//                          that it dies by a signal with msg on stderr
//   expect_fatal(what, main, msg)  the same for run(main)
#pragma once

#include <gt/gt.h>

#include <atomic>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,    \
                   #cond);                                                     \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

inline unsigned test_executors() {
  const char *s = std::getenv("GT_EXECUTORS");
  return s ? unsigned(std::atoi(s)) : 0;
}

inline void run(void (*main_fn)(void *), void *arg = nullptr) {
  gt_config cfg{test_executors(), 0};
  gt_run(&cfg, main_fn, arg);
}

// Runs `child` in a child process and checks that the child dies by a
// signal and prints `expected` on stderr.
template <class F>
void expect_death(const char *what, F child, const char *expected) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    child();
    _exit(0); // the child was expected to die
  }
  close(fds[1]);
  std::string err;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    err.append(buf, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  bool ok = WIFSIGNALED(status) && err.find(expected) != std::string::npos;
  std::printf("%s: %s -> %s", ok ? "ok" : "FAILED", what,
              err.empty() ? "(no message)\n" : err.c_str());
  if (!ok) {
    std::fprintf(stderr, "expected a fatal error containing \"%s\"\n",
                 expected);
    std::exit(1);
  }
}

// Runs `body` as the main green thread of a fresh runtime in a child process
// and checks that the child dies by a signal and prints `expected`.
inline void expect_fatal(const char *what, void (*body)(void *),
                         const char *expected) {
  expect_death(what, [body] { run(body); }, expected);
}
