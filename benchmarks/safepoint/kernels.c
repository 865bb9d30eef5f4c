/* kernels.c: loop kernels for measuring what safepoint polls cost.
 *
 * What is measured: the insert-safepoint-polls pass adds to every
 * SS_SAFEPOINTS function a poll at its entry and on each loop back-edge (a
 * load of the mailbox's signal word through the mailbox register, a test and
 * a cold branch), and strip-mines counted loops so that their poll runs once
 * per 1,000 iterations; reserving the mailbox register also takes a register
 * from the allocator. bench_polls.cpp times each kernel built three ways (see
 * kernels.h) and reports both costs against plain code.
 *
 * Why these kernels: they are the loops a poll could hurt most -- tight
 * counted loops that vectorise (sums, copies, first differences), counted
 * loops with a loop-carried dependence (tri-diagonal elimination, inner
 * product), nested loops (matrix multiply), loops whose trip count is unknown
 * on entry (Collatz steps, binary search), memory-latency-bound loops
 * (pointer chase, histogram) and a recursive function, which polls on every
 * call. Each works on data that stays in L1 or L2 and (but fib) repeats its
 * work `reps` times, so that a call takes tens of microseconds and the time
 * is spent in the loops rather than waiting on memory.
 *
 * Every kernel returns a checksum of its results (of all of its output
 * array, for the kernels that write one): the driver checks that the three
 * builds agree, and the work cannot be optimised away.
 * The kernels are noinline and each variant lives in its own object, so the
 * compiler sees the same code in all three builds.
 *
 * Build macros: VARIANT (base, reserved or polls) suffixes every symbol;
 * POLLS=1 marks every kernel SS_SAFEPOINTS (KERNEL_ATTR may also be defined
 * directly).
 */
#include "kernels.h"

#include <string.h>
#include <swapstack/swapstack.h>

#ifndef VARIANT
#error "define VARIANT (base, reserved or polls)"
#endif

#ifndef KERNEL_ATTR
#if defined(POLLS) && POLLS
#define KERNEL_ATTR SS_SAFEPOINTS
#else
#define KERNEL_ATTR
#endif
#endif

#define K_PASTE(name, variant) name##_##variant
#define K_EXPAND(name, variant) K_PASTE(name, variant)
/* K(sum_i64) is sum_i64_base, sum_i64_reserved or sum_i64_polls. */
#define K(name) K_EXPAND(name, VARIANT)

/* Every kernel starts on a 64-byte boundary (and the build aligns loops to
 * 64 bytes, see CMakeLists.txt), so that the three builds differ only in
 * what is measured: without it, where the linker happened to place each copy
 * of identical code changed some kernels' time by 15-95% on the machine this
 * was written on (an AMD Zen 4). */
#define KERNEL_FN __attribute__((noinline, aligned(64))) KERNEL_ATTR

#define KERNEL(name) KERNEL_FN uint64_t K(name)(struct kernel_data * d)

/* Checksum helpers (inlined into the kernels; they carry no attribute). */
static inline uint64_t bits_of(double v) {
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

static inline uint64_t mix(uint64_t h, uint64_t v) {
  return (h ^ v) * 0x100000001b3ull;
}

/* Sum of the bit patterns: order-independent, so it vectorises. */
static inline uint64_t checksum_doubles(const double *v, size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; ++i)
    s += bits_of(v[i]);
  return s;
}

/* Integer reduction: the tightest vectorised loop. */
KERNEL(sum_i64) {
  const int64_t *a = d->ints;
  size_t n = d->n_ints;
  unsigned reps = d->reps;
  int64_t sum = 0;
  for (unsigned r = 0; r < reps; ++r)
    for (size_t i = 0; i < n; ++i)
      sum += a[i];
  return (uint64_t)sum;
}

/* A memcpy-like loop of 64-bit words. The compiler cannot rule out that
 * dst and src overlap, so it keeps the loop (vectorised behind an overlap
 * check) instead of calling memcpy. */
KERNEL(copy_words) {
  const uint64_t *src = d->words_src;
  uint64_t *dst = d->words_dst;
  size_t n = d->n_words;
  unsigned reps = d->reps;
  uint64_t h = 0;
  for (unsigned r = 0; r < reps; ++r) {
    for (size_t i = 0; i < n; ++i)
      dst[i] = src[i];
    h = mix(h, dst[r % n]);
  }
  for (size_t i = 0; i < n; ++i)
    h += dst[i];
  return h;
}

/* Byte-wise copy that upper-cases ASCII letters. */
KERNEL(bytes_transform) {
  const unsigned char *src = d->bytes_src;
  unsigned char *dst = d->bytes_dst;
  size_t n = d->n_bytes;
  unsigned reps = d->reps;
  uint64_t h = 0;
  for (unsigned r = 0; r < reps; ++r) {
    for (size_t i = 0; i < n; ++i) {
      unsigned char c = src[i];
      dst[i] = (unsigned char)(c - 'a' < 26u ? c - ('a' - 'A') : c);
    }
    h = mix(h, dst[r % n]);
  }
  for (size_t i = 0; i < n; ++i)
    h += dst[i];
  return h;
}

/* Naive c = a * b (i, j, k order: the inner loop walks a column of b). */
KERNEL(matmul) {
  size_t n = d->dim;
  const double *a = d->mat_a, *b = d->mat_b;
  double *c = d->mat_c;
  unsigned reps = d->reps;
  uint64_t h = 0;
  for (unsigned r = 0; r < reps; ++r)
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j) {
        double s = 0.0;
        for (size_t k = 0; k < n; ++k)
          s += a[i * n + k] * b[k * n + j];
        c[i * n + j] = s;
        h += bits_of(s);
      }
  return h;
}

/* Follows a random cyclic permutation: every load depends on the last. */
KERNEL(pointer_chase) {
  const uint32_t *next = d->next;
  size_t n = d->n_chase;
  unsigned reps = d->reps;
  uint32_t p = 0;
  uint64_t sum = 0;
  for (unsigned r = 0; r < reps; ++r)
    for (size_t i = 0; i < n; ++i) {
      p = next[p];
      sum += p;
    }
  return sum;
}

/* Total number of Collatz steps from every start in [1, limit]: the inner
 * loop's trip count is unknown until it ends. */
KERNEL(collatz) {
  uint64_t limit = d->collatz_limit;
  unsigned reps = d->reps;
  uint64_t steps = 0;
  for (unsigned r = 0; r < reps; ++r)
    for (uint64_t start = 1; start <= limit; ++start) {
      uint64_t n = start;
      while (n != 1) {
        n = (n & 1) ? 3 * n + 1 : n / 2;
        ++steps;
      }
    }
  return steps;
}

/* Lower bound of every probe in the sorted array (the first position whose
 * key is not less than the probe); sums the positions and counts the probes
 * found. The inner loop runs log2(n) times, a count the compiler does not
 * know. Its step is a conditional move (__builtin_unpredictable keeps the
 * x86 back end from turning it into a branch): with a branch, the time
 * depended on how well the predictor memorised the probe sequence, which
 * varied by 5% between identical copies of the code. */
KERNEL(binary_search) {
  const int32_t *a = d->sorted, *probes = d->probes;
  size_t n = d->n_sorted, n_probes = d->n_probes;
  unsigned reps = d->reps;
  uint64_t h = 0;
  for (unsigned r = 0; r < reps; ++r)
    for (size_t i = 0; i < n_probes; ++i) {
      int32_t key = probes[i];
      /* The lower bound is in [lo, lo + len]. */
      size_t lo = 0, len = n;
      while (len > 1) {
        size_t half = len / 2;
        if (__builtin_unpredictable(a[lo + half] < key))
          lo += half;
        len -= half;
      }
      lo += n > 0 && a[lo] < key;
      h += lo + ((uint64_t)(lo < n && a[lo] == key) << 32);
    }
  return h;
}

/* Byte histogram into 256 bins (increments through memory). */
KERNEL(histogram) {
  uint32_t *bins = d->bins;
  const unsigned char *src = d->hist_src;
  size_t n = d->n_hist;
  unsigned reps = d->reps;
  uint64_t h = 0;
  for (unsigned r = 0; r < reps; ++r) {
    for (unsigned b = 0; b < 256; ++b)
      bins[b] = 0;
    for (size_t i = 0; i < n; ++i)
      ++bins[src[i]];
    for (unsigned b = 0; b < 256; ++b)
      h = mix(h, bins[b]);
  }
  return h;
}

/* Livermore loop 1, hydro fragment: x[k] = q + y[k] (r z[k+10] + t z[k+11]).
 */
KERNEL(lfk1_hydro) {
  const double *y = d->lfk_y, *z = d->lfk_z;
  double *x = d->lfk_x;
  double q = d->lfk_q, rr = d->lfk_r, t = d->lfk_t;
  size_t n = d->lfk_n;
  unsigned reps = d->reps;
  uint64_t h = 0;
  for (unsigned r = 0; r < reps; ++r) {
    for (size_t k = 0; k < n; ++k)
      x[k] = q + y[k] * (rr * z[k + 10] + t * z[k + 11]);
    h = mix(h, bits_of(x[r % n]));
  }
  return h + checksum_doubles(x, n);
}

/* Livermore loop 3, inner product: q = sum of z[k] y[k] (the original
 * multiplies z by x; y here leaves this kernel's input independent of the
 * kernels that write x). A floating-point reduction in source order: each
 * step waits for the previous add. */
KERNEL(lfk3_inner_product) {
  const double *y = d->lfk_y, *z = d->lfk_z;
  size_t n = d->lfk_n;
  unsigned reps = d->reps;
  uint64_t h = 0;
  for (unsigned r = 0; r < reps; ++r) {
    double q = 0.0;
    for (size_t k = 0; k < n; ++k)
      q += z[k] * y[k];
    h = mix(h, bits_of(q));
  }
  return h;
}

/* Livermore loop 5, tri-diagonal elimination below the diagonal:
 * x[i] = z[i] (y[i] - x[i-1]), from x[0] = q: loop-carried. */
KERNEL(lfk5_tridiag) {
  const double *y = d->lfk_y, *z = d->lfk_z;
  double *x = d->lfk_x;
  double x0 = d->lfk_q;
  size_t n = d->lfk_n;
  unsigned reps = d->reps;
  uint64_t h = 0;
  for (unsigned r = 0; r < reps; ++r) {
    x[0] = x0;
    for (size_t i = 1; i < n; ++i)
      x[i] = z[i] * (y[i] - x[i - 1]);
    h = mix(h, bits_of(x[n - 1]));
  }
  return h + checksum_doubles(x, n);
}

/* Livermore loop 7, equation of state fragment:
 * x[k] = u[k] + r (z[k] + r y[k])
 *      + t (u[k+3] + r (u[k+2] + r u[k+1])
 *           + t (u[k+6] + q (u[k+5] + q u[k+4]))). */
KERNEL(lfk7_eos) {
  const double *u = d->lfk_u, *y = d->lfk_y, *z = d->lfk_z;
  double *x = d->lfk_x;
  double q = d->lfk_q, rr = d->lfk_r, t = d->lfk_t;
  size_t n = d->lfk_n;
  unsigned reps = d->reps;
  uint64_t h = 0;
  for (unsigned r = 0; r < reps; ++r) {
    for (size_t k = 0; k < n; ++k)
      x[k] = u[k] + rr * (z[k] + rr * y[k]) +
             t * (u[k + 3] + rr * (u[k + 2] + rr * u[k + 1]) +
                  t * (u[k + 6] + q * (u[k + 5] + q * u[k + 4])));
    h = mix(h, bits_of(x[r % n]));
  }
  return h + checksum_doubles(x, n);
}

/* Livermore loop 12, first difference: x[k] = y[k+1] - y[k]. */
KERNEL(lfk12_first_diff) {
  const double *y = d->lfk_y;
  double *x = d->lfk_x;
  size_t n = d->lfk_n;
  unsigned reps = d->reps;
  uint64_t h = 0;
  for (unsigned r = 0; r < reps; ++r) {
    for (size_t k = 0; k < n; ++k)
      x[k] = y[k + 1] - y[k];
    h = mix(h, bits_of(x[r % n]));
  }
  return h + checksum_doubles(x, n);
}

/* Naive recursive Fibonacci: almost all calls, so mostly entry polls. */
KERNEL_FN static uint64_t K(fib_rec)(unsigned n) {
  return n < 2 ? n : K(fib_rec)(n - 1) + K(fib_rec)(n - 2);
}

/* One call (reps is not used: the compiler would hoist a pure call out of a
 * repeat loop). */
KERNEL(fib) { return K(fib_rec)(d->fib_n); }
