/* Safepoint polls, executed: functions marked SS_SAFEPOINTS are compiled
 * through the fork's C pipeline, whose insert-safepoint-polls pass polls the
 * mailbox's signal word (offset 8 of the struct the mailbox register points
 * at) at their entry and on their loop back-edges, strip-mining counted loops
 * to one poll per 1,000 iterations. This program plays the runtime: it points
 * the mailbox register at its own mailbox, defines __safepoint_slow_path
 * (preserve_most) to count the calls, and checks
 *   - the number of polls taken for counted loops around the strip-mining
 *     boundaries, for a loop with an unknown trip count, for nested loops and
 *     for recursion (entry polls);
 *   - that results are exactly those of the same code without polls, also
 *     with many values live across polls and a slow path that uses many
 *     registers itself (preserve_most must keep them);
 *   - that clearing the signal stops the slow-path calls and that bits
 *     outside the poll mask are ignored.
 */
#include <swapstack/swapstack.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct mailbox {
  uint64_t executor_and_gc;
  uint64_t signals; /* offset 8: what a poll tests (mask 3) */
  uint64_t rest[6];
};

static struct mailbox mb;
static unsigned long slow_calls;
static int clear_on_poll;
static char scratch[64];

__attribute__((preserve_most)) void __safepoint_slow_path(void) {
  ++slow_calls;
  /* Use plenty of caller-saved registers: the caller keeps its values in
   * them across the poll. */
  snprintf(scratch, sizeof scratch, "%lu %lu %lu", slow_calls, slow_calls * 3,
           slow_calls * 7);
  if (clear_on_poll)
    __atomic_store_n(&mb.signals, 0, __ATOMIC_RELAXED);
}

static uint64_t data[64];

/* Each kernel twice: polled, and plain for the reference results. */
#define KERNELS(ATTR, SUFFIX)                                                  \
  ATTR __attribute__((noinline)) uint64_t counted##SUFFIX(uint64_t n) {        \
    uint64_t s = 0;                                                            \
    _Pragma("clang loop vectorize(disable) interleave(disable) unroll(disable)") \
    for (uint64_t i = 0; i < n; ++i)                                           \
      s += data[i % 64] * i;                                                   \
    return s;                                                                  \
  }                                                                            \
  ATTR __attribute__((noinline)) uint64_t collatz##SUFFIX(uint64_t x) {        \
    uint64_t steps = 0;                                                        \
    while (x != 1) {                                                           \
      x = x % 2 ? 3 * x + 1 : x / 2;                                           \
      ++steps;                                                                 \
    }                                                                          \
    return steps;                                                              \
  }                                                                            \
  ATTR __attribute__((noinline)) uint64_t nested##SUFFIX(uint64_t n) {         \
    uint64_t s = 0;                                                            \
    _Pragma("clang loop vectorize(disable) interleave(disable) unroll(disable)") \
    for (uint64_t i = 0; i < n; ++i) {                                         \
      _Pragma("clang loop vectorize(disable) unroll(disable)")                 \
      for (uint64_t j = 0; j < 16; ++j)                                        \
        s = s * 31 + data[(i + j) % 64];                                       \
    }                                                                          \
    return s;                                                                  \
  }                                                                            \
  ATTR __attribute__((noinline)) uint64_t tree##SUFFIX(uint64_t depth,         \
                                                       uint64_t x) {           \
    if (depth == 0)                                                            \
      return data[x % 64];                                                     \
    uint64_t l = tree##SUFFIX(depth - 1, 2 * x);                               \
    uint64_t r = tree##SUFFIX(depth - 1, 2 * x + 1);                           \
    return (l * 3) ^ (r * 5 + depth);                                          \
  }                                                                            \
  /* Eight accumulators live across every poll. */                             \
  ATTR __attribute__((noinline)) uint64_t pressure##SUFFIX(uint64_t n) {       \
    uint64_t a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8;          \
    _Pragma("clang loop vectorize(disable) unroll(disable)")                   \
    for (uint64_t i = 0; i < n; ++i) {                                         \
      uint64_t v = data[i % 64];                                               \
      a += v ^ h; b ^= a + v; c += b * 3; d ^= c >> 5;                         \
      e += d | v; f ^= e * 5; g += f >> 3; h ^= g + i;                         \
    }                                                                          \
    return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h;                                      \
  }                                                                            \
  /* Induction variables of other shapes: a signed one stepping by 7 from a  \
   * negative start, a 32-bit one counting down, a 16-bit one that wraps     \
   * around, and a pointer (strip-mined with a counter of its own). */       \
  ATTR __attribute__((noinline)) uint64_t strided##SUFFIX(int64_t lo,          \
                                                          int64_t hi) {        \
    uint64_t s = 0;                                                            \
    _Pragma("clang loop vectorize(disable) interleave(disable) unroll(disable)") \
    for (int64_t i = lo; i < hi; i += 7)                                       \
      s = s * 31 + (uint64_t)i;                                                \
    return s;                                                                  \
  }                                                                            \
  ATTR __attribute__((noinline)) uint64_t down32##SUFFIX(uint32_t n) {         \
    uint64_t s = 0;                                                            \
    _Pragma("clang loop vectorize(disable) interleave(disable) unroll(disable)") \
    for (uint32_t i = n; i > 0; --i)                                           \
      s = s * 17 + (data[i % 64] ^ i);                                         \
    return s;                                                                  \
  }                                                                            \
  ATTR __attribute__((noinline)) uint64_t wrap16##SUFFIX(uint16_t a,           \
                                                         uint16_t b) {         \
    uint64_t s = 0;                                                            \
    _Pragma("clang loop vectorize(disable) interleave(disable) unroll(disable)") \
    for (uint16_t i = a; i != b; i += 3)                                       \
      s = s * 33 + i;                                                          \
    return s;                                                                  \
  }                                                                            \
  ATTR __attribute__((noinline)) uint64_t walk##SUFFIX(const uint64_t *p,      \
                                                       const uint64_t *end) {  \
    uint64_t s = 0;                                                            \
    _Pragma("clang loop vectorize(disable) interleave(disable) unroll(disable)") \
    for (; p != end; ++p)                                                      \
      s = s * 5 + *p;                                                          \
    return s;                                                                  \
  }

KERNELS(SS_SAFEPOINTS, )
KERNELS(, _plain)

static int failures;

static void check(const char *what, uint64_t got, uint64_t want) {
  if (got != want) {
    printf("FAILED: %s: %llu, expected %llu\n", what, (unsigned long long)got,
           (unsigned long long)want);
    ++failures;
  }
}

static unsigned long polls_of(void) {
  unsigned long n = slow_calls;
  slow_calls = 0;
  return n;
}

int main(void) {
  uintptr_t saved = ss_mailbox();
  ss_set_mailbox((uintptr_t)&mb);
  for (int i = 0; i < 64; ++i)
    data[i] = (uint64_t)i * 0x9e3779b97f4a7c15ull;

  /* Signal always pending: every poll calls the slow path. */
  mb.signals = 1;
  static const uint64_t sizes[] = {0, 1, 2, 999, 1000, 1001, 1002, 2000,
                                   2001, 123457};
  for (unsigned k = 0; k < sizeof sizes / sizeof *sizes; ++k) {
    uint64_t n = sizes[k];
    check("counted", counted(n), counted_plain(n));
    printf("counted loop, n=%llu: %lu polls\n", (unsigned long long)n,
           polls_of());
  }
  check("collatz", collatz(27), collatz_plain(27));
  printf("while loop, %llu iterations: %lu polls\n",
         (unsigned long long)collatz_plain(27), polls_of());
  check("nested", nested(100), nested_plain(100));
  printf("nested loops, 100 x 16: %lu polls\n", polls_of());
  check("tree", tree(10, 1), tree_plain(10, 1));
  printf("recursion, 2047 calls: %lu polls\n", polls_of());
  check("pressure", pressure(5000), pressure_plain(5000));
  printf("eight live values, n=5000: %lu polls\n", polls_of());
  check("strided", strided(-5000, 9001), strided_plain(-5000, 9001));
  printf("step 7 from -5000, 2001 iterations: %lu polls\n", polls_of());
  check("down32", down32(3001), down32_plain(3001));
  printf("32-bit count down, 3001 iterations: %lu polls\n", polls_of());
  check("wrap16", wrap16(65000, 3964), wrap16_plain(65000, 3964));
  printf("16-bit wrap around, 1500 iterations: %lu polls\n", polls_of());
  static uint64_t buf[2500];
  for (int i = 0; i < 2500; ++i)
    buf[i] = data[i % 64] + (uint64_t)i;
  check("walk", walk(buf, buf + 2500), walk_plain(buf, buf + 2500));
  printf("pointer walk, 2500 iterations: %lu polls\n", polls_of());

  /* The slow path clears the signal: one call, at the entry. */
  clear_on_poll = 1;
  check("counted", counted(123457), counted_plain(123457));
  printf("signal cleared at the first poll: %lu polls\n", polls_of());
  /* A bit outside the mask (GT_SIGNAL_CANCEL) does not stop the thread. */
  mb.signals = 4;
  check("counted", counted(123457), counted_plain(123457));
  printf("bit outside the mask: %lu polls\n", polls_of());

  ss_set_mailbox(saved);
  printf("%s\n", failures ? "FAILED" : "results equal the unpolled code");
  return failures != 0;
}
