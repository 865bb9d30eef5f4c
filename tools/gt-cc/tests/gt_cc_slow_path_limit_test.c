/* The preserve_most slow paths (__safepoint_slow_path, gt_gc_wlog_flush)
 * called at every depth near a small stack's split-stack limit, built by
 * gt-cc (small stacks by default on x86-64).
 *
 * Their callers keep values in every register but r11 across the call. A
 * split-stack check in the slow path itself would put the frame size in r10
 * before saving anything and, below the limit, call __morestack, which
 * clobbers r10 and r11: clang kept "split-stack" on these no_split_stack
 * definitions because gt/hooks.h's hooks reference them first (fixed by
 * declaring them no_split_stack there; design note issue-12 §5.2).
 *
 * Each of kThreads threads descends through kDepths frames of about 48
 * bytes, so that at some depth the deepest frame straddles the limit; at
 * every depth it runs mix(), a loop with fourteen live values that polls
 * (every loop does) and logs GC writes into a small test log (so the log
 * flushes), and compares its result with the one main computed before any
 * thread ran. Run under GT_GC_TORTURE, which makes polls take the slow path.
 * Prints what it counted; exits non-zero on a mismatch. */
#include <gt/gc.h>
#include <gt/gt.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__x86_64__)
enum { kThreads = 400 };
#else
enum { kThreads = 40 }; /* under qemu */
#endif
enum { kDepths = 24, kRounds = 40, kLog = 32 };

typedef struct cell GT_GC *cell_ref;
struct cell {
  long val;
  cell_ref next;
};

static long expected[kDepths];
static long failures, checks;

/* Fifteen values live across every poll of the loop (and every flush of the
 * write log), one of them pinned in r10 (x9). */
__attribute__((noinline)) static long mix(long seed, cell_ref c) {
  long a = seed, b = seed * 3 + 1, d = seed ^ 0x55, e = seed + 7;
  long f = seed * 5, g = seed - 11, h = seed ^ 0x1234, i2 = seed * 13;
  long j = seed + 99, k = seed * 17, l = seed ^ 0x777, m = seed + 3;
  long n = seed * 19, o = seed ^ 0x4242;
  /* One value pinned in the register a split-stack prologue writes first
   * (r10; x9 on AArch64): preserve_most lets it live across the slow paths. */
#if defined(__x86_64__)
  register long pinned __asm__("r10") = seed * 29;
#elif defined(__aarch64__)
  register long pinned __asm__("x9") = seed * 29;
#else
  long pinned = seed * 29;
#endif
  for (int r = 0; r < kRounds; ++r) {
    __asm__ volatile("" : "+r"(pinned));
    pinned += r;
    a += b ^ r;
    b += d * 3;
    d ^= e + r;
    e += f >> 1;
    f -= g ^ 5;
    g += h * 7;
    h ^= i2 + 9;
    i2 += j ^ r;
    j -= k >> 2;
    k += l * 11;
    l ^= m + 13;
    m += n ^ 17;
    n -= o * 19;
    o += a ^ 23;
    if (c) { /* a GC store: logged while the test log is on */
      c->next = c;
      c->val = a;
    }
    __asm__ volatile("" : "+r"(pinned));
  }
  return a ^ b ^ d ^ e ^ f ^ g ^ h ^ i2 ^ j ^ k ^ l ^ m ^ n ^ o ^ pinned;
}

/* About 48 bytes of frame per level: the deepest frame of some depth
 * straddles the limit. */
__attribute__((noinline)) static void descend(int depth, int at, cell_ref c,
                                              long *got) {
  volatile long pad[2] = {depth, at};
  if (depth < at) {
    descend(depth + 1, at, c, got);
    return;
  }
  got[at] = mix(at + pad[0] - pad[1] + 1000 * (long)(pad[0] == at), c);
}

static void worker(void *arg) {
  gt_waitgroup_t *wg = arg;
  cell_ref c = gt_new(struct cell);
  /* In the heap: this frame must stay small enough for the thread to run
   * on its first segment. */
  gt_wlog_entry *log = malloc(kLog * sizeof *log);
  long *got = malloc(kDepths * sizeof *got);
  if (!log || !got)
    abort();
  gt_gc_wlog_start(log, kLog);
  for (int at = 0; at < kDepths; ++at)
    descend(0, at, c, got);
  gt_gc_wlog_stop(NULL);
  for (int at = 0; at < kDepths; ++at) {
    __atomic_add_fetch(&checks, 1, __ATOMIC_RELAXED);
    if (got[at] != expected[at] &&
        __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED) <= 10)
      printf("slow-path-limit: FAIL depth %d: %ld, expected %ld\n", at, got[at],
             expected[at]);
  }
  free(got);
  free(log);
  gt_waitgroup_done(wg);
}

static void run(void *unused) {
  (void)unused;
  for (int at = 0; at < kDepths; ++at)
    expected[at] = mix(at + 1000, NULL);
  static gt_waitgroup_t wg;
  gt_waitgroup_add(&wg, kThreads);
  for (int i = 0; i < kThreads; ++i)
    gt_detach(gt_spawn(worker, &wg, NULL));
  gt_waitgroup_wait(&wg);
}

int main(void) {
  if (gt_run(NULL, run, NULL) != 0)
    return 2;
  printf("slow-path-limit: %ld checks, %ld failures\n", checks, failures);
  if (checks != (long)kThreads * kDepths || failures)
    return 1;
  printf("slow-path-limit: OK\n");
  return 0;
}
