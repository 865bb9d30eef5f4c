/* Small-stack threads in code compiled by `gt-cc -fsplit-stack`: every call
 * into code that does not check its stack (the C library;
 * small_stack_calls_plain.c, compiled without the flag) goes through a thunk
 * whose check moves the call to a big segment (split-stack-calls, LangRef
 * "split-stack-checked"), so such a thread may call anything, and still parks
 * on its 1 KiB first segment. Before the pass, a printf on a first segment
 * overran it (only the canary noticed). So threads of such code get small
 * stacks by default (gt/gt.h, GT_ATTR_SMALL_STACK).
 *
 * Each of N threads, spawned with default options, checked and counted:
 *   - starts on its first segment (x86-64; elsewhere small stacks do not
 *     exist yet and it starts on a full stack);
 *   - calls unchecked code: the frame of plain_frame() is off the first
 *     segment (it moved), and plain_deep's 3,000-byte frame fits;
 *   - snprintf with floating-point conversions (glibc's vfprintf needs
 *     kilobytes), whose text must equal the one made on the main thread;
 *   - a function with a 6,000-byte variable-length array (left unchecked
 *     by split-stack-calls, so the call moves and the array lies off the
 *     first segment);
 *   - a vararg function of its own (split stacks do not support them: it
 *     runs unchecked, and calls to it move), qsort with a comparator of its
 *     own (checked code called back from unchecked code), strtod through a
 *     function pointer (an indirect call moves too);
 *   - is back on its first segment afterwards, with the segment's limit
 *     restored, and parks there on a channel; after the channel is closed
 *     each thread finishes exactly once.
 * A thread spawned with GT_ATTR_FULL_STACK starts on a full stack, and the
 * program runs again with GT_SMALL_STACKS=0, where every thread does. */
#include <gt/gt.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                 \
    }                                                                          \
  } while (0)

/* Small stacks by default where the runtime has them (segment.cpp). */
#if defined(__x86_64__) || defined(__aarch64__)
enum { kSegmented = 1 };
#else
enum { kSegmented = 0 };
#endif
#if defined(__x86_64__)
enum { kThreads = 20000 };
#else
enum { kThreads = 2000 }; /* under qemu */
#endif
enum { kFirstSegment = 1024 }; /* runtime/src/segment_abi.h, GT_SEG_SMALL */

uintptr_t plain_frame(void);
long plain_deep(int n);

struct job {
  int id;
  int started_small, moved, back_small, ran;
  int sum, sorted, vla;
  long deep;
  double parsed;
  char text[96];
};

static struct job *jobs;
static gt_chan_t *gate;
static int arrived; /* threads that made their calls, about to park */
static int no_small; /* GT_SMALL_STACKS=0 */
static double (*volatile parse)(const char *, char **) = strtod;

/* What vla_sum(n) returns: the sum of (char)i for i < n. */
static long vla_want(int n) {
  long s = 0;
  for (int i = 0; i < n; ++i)
    s += (char)i;
  return s;
}

/* Whether the frame at `fp` is on the first segment of the running thread:
 * the mailbox's stack_limit is the bottom of the segment it runs on. */
static int on_first_segment(uintptr_t fp) {
  return fp - gt_self_mailbox()->stack_limit < kFirstSegment;
}

/* GT_ATTR_FULL_STACK, or GT_SMALL_STACKS=0: a full stack. */
static void full_worker(void *arg) {
  *(int *)arg = on_first_segment((uintptr_t)__builtin_frame_address(0)) ? 1 : 2;
}

static void format(char *out, size_t n, int id) {
  snprintf(out, n, "%d %.17g %e %s %lx", id, id * 0.1, 1.0 / (id + 1),
           id % 2 ? "odd" : "even", (unsigned long)id * 2654435761u);
}

static int sum_ints(int n, ...) {
  va_list ap;
  va_start(ap, n);
  int s = 0;
  for (int i = 0; i < n; ++i)
    s += va_arg(ap, int);
  va_end(ap);
  return s;
}

/* A variable-length array: split-stack-calls leaves the function unchecked
 * (its allocation would otherwise need __morestack_allocate_stack_space), so
 * the call to it moves, and the array lies off the first segment. */
__attribute__((noinline)) static long vla_sum(int n, int *off_first) {
  volatile char buf[n];
  for (int i = 0; i < n; ++i)
    buf[i] = (char)i;
  long s = 0;
  for (int i = 0; i < n; ++i)
    s += buf[i];
  *off_first = !on_first_segment((uintptr_t)&buf[0]);
  return s;
}

static int compare(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static void worker(void *arg) {
  struct job *j = arg;
  uintptr_t first = gt_self_mailbox()->stack_limit;
  j->started_small = on_first_segment((uintptr_t)__builtin_frame_address(0));
  j->moved = !on_first_segment(plain_frame());
  j->deep = plain_deep(j->id);
  format(j->text, sizeof j->text, j->id);
  j->sum = sum_ints(4, j->id, 1, 2, 3);
  int v[24];
  for (int i = 0; i < 24; ++i)
    v[i] = (j->id * 7 + i * 13) % 31;
  qsort(v, 24, sizeof v[0], compare);
  j->sorted = 1;
  for (int i = 1; i < 24; ++i)
    j->sorted &= v[i - 1] <= v[i];
  j->parsed = parse("2.5", NULL);
  int vla_off_first;
  j->vla = vla_sum(6000 + j->id % 100, &vla_off_first) ==
               vla_want(6000 + j->id % 100) &&
           (vla_off_first || !kSegmented || no_small);
  j->back_small = on_first_segment((uintptr_t)__builtin_frame_address(0)) &&
                  gt_self_mailbox()->stack_limit == first;
  __atomic_fetch_add(&arrived, 1, __ATOMIC_RELEASE);
  long x;
  CHECK(gt_chan_recv(gate, &x) == GT_CLOSED);
  j->ran++;
}

static void main_thread(void *arg) {
  (void)arg;
  jobs = calloc(kThreads, sizeof *jobs);
  gt_thread_t *hs = calloc(kThreads, sizeof *hs);
  CHECK(jobs && hs);
  gate = gt_chan_new(sizeof(long), 0);
  int full = 0;
  gt_attr full_attr = {0, "calls-full", GT_ATTR_FULL_STACK};
  CHECK(gt_join(gt_spawn(full_worker, &full, &full_attr)) == GT_OK);
  CHECK(full == 2);
  gt_attr attr = {0, "calls-small", 0}; /* default options */
  for (int i = 0; i < kThreads; ++i) {
    jobs[i].id = i;
    hs[i] = gt_spawn(worker, &jobs[i], &attr);
  }
  /* Each thread makes its calls and then parks; wake them once all have
   * made their calls (a sleeping main thread lets them run). */
  while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < kThreads)
    gt_sleep_for(1000000);
  gt_chan_close(gate);
  for (int i = 0; i < kThreads; ++i)
    CHECK(gt_join(hs[i]) == GT_OK);

  long started_small = 0, moved = 0, back_small = 0, bad = 0;
  char want[96];
  for (int i = 0; i < kThreads; ++i) {
    struct job *j = &jobs[i];
    format(want, sizeof want, i);
    long deep = plain_deep(i);
    if (strcmp(j->text, want) || j->sum != i + 6 || !j->sorted ||
        j->parsed != 2.5 || j->deep != deep || !j->vla || j->ran != 1) {
      if (bad++ < 5)
        fprintf(stderr,
                "thread %d: text '%s' (want '%s'), sum %d, sorted %d, "
                "parsed %g, deep %ld (want %ld), vla %d, ran %d\n",
                i, j->text, want, j->sum, j->sorted, j->parsed, j->deep, deep,
                j->vla, j->ran);
    }
    started_small += j->started_small;
    moved += j->moved;
    back_small += j->back_small;
  }
  printf("small-stack calls%s: %d threads on %u executors: %ld started on a "
         "first segment, %ld moved their unchecked calls, %ld parked on the "
         "first segment again, %ld wrong results\n",
         no_small ? " (GT_SMALL_STACKS=0)" : "", kThreads, gt_executor_count(),
         started_small, moved, back_small, bad);
  CHECK(bad == 0);
  if (kSegmented && !no_small) {
    CHECK(started_small == kThreads);
    CHECK(moved == kThreads);
    CHECK(back_small == kThreads);
  } else {
    CHECK(started_small == 0 && moved == kThreads && back_small == 0);
  }
  gt_chan_free(gate);
  free(hs);
  free(jobs);
  puts("small-stack calls: OK");
}

int main(int argc, char **argv) {
  (void)argc;
  gt_config cfg = {0};
  const char *e = getenv("GT_EXECUTORS");
  cfg.executors = e ? (unsigned)atoi(e) : 0;
  const char *off = getenv("GT_SMALL_STACKS");
  no_small = off && !strcmp(off, "0");
  CHECK(gt_run(&cfg, main_thread, NULL) == 0);
  if (kSegmented && !off) { /* again, with small stacks turned off */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      setenv("GT_SMALL_STACKS", "0", 1);
      execv("/proc/self/exe", argv);
      _exit(127);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
#if !defined(__x86_64__)
    /* Under qemu-user (how this project runs AArch64) the host kernel
     * cannot execute the program itself: exec fails and the child exits
     * 127. */
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
      puts("small-stack calls: could not re-execute itself (under an "
           "emulator?): the GT_SMALL_STACKS=0 run is skipped");
      return 0;
    }
#endif
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  return 0;
}
