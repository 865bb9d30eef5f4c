/* gcshim.h: what lets one C source of a GC benchmark build for two collectors.
 *
 *   gt-cc (default): this project's runtime. GC pointers are `T GT_GC *`
 *     (found by the compiler's stack maps), objects come from gt_new /
 *     gt_new_array, work runs on green threads (gt_run, gt_spawn, gt_join).
 *   -DGC_BOEHM, built by clang and linked with -lgc -lpthread: the Boehm-
 *     Demers-Weiser conservative collector (Debian libgc-dev). GC pointers are
 *     plain pointers, objects come from GC_MALLOC (zeroed) and
 *     GC_MALLOC_ATOMIC (pointer-free, not zeroed), work runs on POSIX threads
 *     registered with the collector (GC_THREADS makes <gc.h> redirect
 *     pthread_create).
 *
 * Each benchmark writes its tree code once against:
 *   GCPTR(T)              a GC pointer to a T
 *   NEW(T)                a zeroed T, as a GCPTR(T)
 *   NEW_ATOMIC_ARRAY(T,n) n elements of a pointer-free T, as a GCPTR(T)
 *   bench_main(fn)        runs fn(NULL) as the program's main work (gt: on
 *                         one executor per CPU, or GC_BENCH_EXECUTORS=N)
 *   par_run(fn, n, args)  runs fn(&args[i]) for i < n, at once, and waits
 */
#ifndef GC_BENCH_SHIM_H
#define GC_BENCH_SHIM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef GC_BOEHM
#define GC_THREADS
#include <gc.h>
#include <pthread.h>

#define GC_NAME "boehm"
#define GCPTR(T) T *
#define NEW(T) ((T *)GC_MALLOC(sizeof(T)))
#define NEW_ATOMIC_ARRAY(T, n) ((T *)GC_MALLOC_ATOMIC(sizeof(T) * (size_t)(n)))

static inline int bench_main(void (*fn)(void *)) {
  GC_INIT();
  GC_allow_register_threads();
  fn(NULL);
  return 0;
}

static inline void par_run(void (*fn)(void *), int n, void *args,
                           size_t arg_size) {
  pthread_t *t = malloc(sizeof(pthread_t) * (size_t)n);
  for (int i = 0; i < n; ++i)
    if (pthread_create(&t[i], NULL, (void *(*)(void *))(void (*)(void))fn,
                       (char *)args + (size_t)i * arg_size) != 0) {
      perror("pthread_create");
      exit(2);
    }
  for (int i = 0; i < n; ++i)
    pthread_join(t[i], NULL);
  free(t);
}

#else /* this project's runtime, through gt-cc */
#include <gt/gc.h>
#include <gt/gt.h>

#define GC_NAME "gt"
#define GCPTR(T) T GT_GC *
#define NEW(T) gt_new(T)
#define NEW_ATOMIC_ARRAY(T, n) gt_new_array(T, n)

/* Executors: one per CPU (the runtime's default), or GC_BENCH_EXECUTORS. */
static inline int bench_main(void (*fn)(void *)) {
  gt_config config = {0};
  const char *e = getenv("GC_BENCH_EXECUTORS");
  if (e && *e)
    config.executors = (unsigned)atoi(e);
  return gt_run(&config, fn, NULL);
}

/* Green threads get 256 KiB stacks: the recursion is shallow (depth <= 25),
 * but the default 16 KiB leaves little room for the frames of gc functions. */
static inline void par_run(void (*fn)(void *), int n, void *args,
                           size_t arg_size) {
  gt_thread_t *t = malloc(sizeof(gt_thread_t) * (size_t)n);
  gt_attr attr = {256 * 1024, "worker", 0};
  for (int i = 0; i < n; ++i)
    t[i] = gt_spawn(fn, (char *)args + (size_t)i * arg_size, &attr);
  for (int i = 0; i < n; ++i)
    gt_join(t[i]);
  free(t);
}
#endif

#endif /* GC_BENCH_SHIM_H */
