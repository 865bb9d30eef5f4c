/* kernels.h: the loop kernels of the poll-overhead benchmark (bench-polls).
 *
 * kernels.c is compiled three times, each time into its own set of symbols
 * (<kernel>_<variant>):
 *   base      the mailbox register allocatable, no polls (plain code);
 *   reserved  the mailbox register reserved, no polls (what managed code
 *             pays for the register alone);
 *   polls     the mailbox register reserved and every kernel marked
 *             SS_SAFEPOINTS (polls at function entry and on loop back-edges).
 * Every kernel has the same signature: it reads its inputs from (and writes
 * its outputs to) a shared struct kernel_data, and returns a checksum of what
 * it computed, which the driver compares across the three variants.
 */
#ifndef BENCH_SAFEPOINT_KERNELS_H
#define BENCH_SAFEPOINT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Inputs and scratch outputs of every kernel; bench_polls.cpp allocates and
 * fills them once. Each kernel's working set fits in L2. */
struct kernel_data {
  /* sum_i64 */
  const int64_t *ints;
  size_t n_ints;
  /* copy_words */
  const uint64_t *words_src;
  uint64_t *words_dst;
  size_t n_words;
  /* bytes_transform */
  const unsigned char *bytes_src;
  unsigned char *bytes_dst;
  size_t n_bytes;
  /* matmul: c = a * b, all dim x dim, row-major */
  const double *mat_a, *mat_b;
  double *mat_c;
  size_t dim;
  /* pointer_chase: next[] is one cycle through all n_chase slots */
  const uint32_t *next;
  size_t n_chase;
  /* collatz: steps to reach 1 from every start in [1, collatz_limit] */
  uint64_t collatz_limit;
  /* binary_search: keys sorted ascending (distinct); probes searched */
  const int32_t *sorted;
  size_t n_sorted;
  const int32_t *probes;
  size_t n_probes;
  /* histogram: bins[256] counts of hist_src[0..n_hist) */
  const unsigned char *hist_src;
  size_t n_hist;
  uint32_t *bins;
  /* Livermore loops 1, 3, 5, 7 and 12 over lfk_n points: x (lfk_n values)
   * is the output of 1, 5, 7 and 12; y, z and u are inputs and hold
   * lfk_n + 12 values (the loops read a few points past k). */
  double *lfk_x;
  const double *lfk_y, *lfk_z, *lfk_u;
  size_t lfk_n;
  double lfk_q, lfk_r, lfk_t;
  /* fib */
  unsigned fib_n;
  /* Every kernel but fib repeats its work `reps` times (the driver sets it
   * per kernel), so that data small enough to stay in cache still makes
   * calls of tens of microseconds. */
  unsigned reps;
};

typedef uint64_t (*kernel_fn)(struct kernel_data *);

/* X(name) for every kernel. */
#define BENCH_KERNELS(X)                                                       \
  X(sum_i64)                                                                   \
  X(copy_words)                                                                \
  X(bytes_transform)                                                           \
  X(matmul)                                                                    \
  X(pointer_chase)                                                             \
  X(collatz)                                                                   \
  X(binary_search)                                                             \
  X(histogram)                                                                 \
  X(lfk1_hydro)                                                                \
  X(lfk3_inner_product)                                                        \
  X(lfk5_tridiag)                                                              \
  X(lfk7_eos)                                                                  \
  X(lfk12_first_diff)                                                          \
  X(fib)

#define BENCH_DECLARE_KERNEL(name)                                             \
  uint64_t name##_base(struct kernel_data *);                                  \
  uint64_t name##_reserved(struct kernel_data *);                              \
  uint64_t name##_polls(struct kernel_data *);
BENCH_KERNELS(BENCH_DECLARE_KERNEL)
#undef BENCH_DECLARE_KERNEL

#ifdef __cplusplus
}
#endif

#endif /* BENCH_SAFEPOINT_KERNELS_H */
