/* GC code in a shared library loaded with dlopen after the program's first
 * collections (gt_cc_dlopen_lib.c, built with `gt-cc -shared`): threads run
 * the library's code, which keeps GC pointers in its frames across forced
 * collections and parks; every cell is checked. Without reloading the stack
 * maps at the next collection the walk would stop at the library's first
 * frame with a fatal error; a reload that missed a record would leave stale
 * pointers. Afterwards the library is closed and the program collects again
 * (its records must be gone, not dangling). Prints its counts; exits non-zero
 * on any mismatch.
 */
#include <gt/gt.h>

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { THREADS = 8, CELLS = 300, ROUNDS = 4 };

typedef long (*work_fn)(long, long, int);
static work_fn work;
static long intact[THREADS];
static int ok;

static void worker(void *arg) {
  long i = (long)arg;
  intact[i] = work(CELLS, i + 1, ROUNDS);
}

static void main_thread(void *arg) {
  (void)arg;
  char path[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", path, sizeof path - 64);
  if (len <= 0) {
    perror("readlink /proc/self/exe");
    return;
  }
  path[len] = 0;
  strcpy(strrchr(path, '/') + 1, "gt_cc_dlopen_lib.so");

  gt_gc_collect(); /* the stack maps are loaded, without the library's */
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    printf("dlopen: %s\n", dlerror());
    return;
  }
  work = (work_fn)dlsym(lib, "gt_dl_work");
  if (!work) {
    printf("dlsym: %s\n", dlerror());
    return;
  }
  gt_thread_t t[THREADS];
  for (long i = 0; i < THREADS; ++i)
    t[i] = gt_spawn(worker, (void *)i, NULL);
  for (int i = 0; i < THREADS; ++i)
    gt_join(t[i]);
  /* The main thread runs library code too, with the workers gone. */
  long mine = work(CELLS, 99, 2);

  struct gt_gc_stats before, after;
  gt_gc_stats(&before);
  if (dlclose(lib) != 0)
    printf("dlclose: %s\n", dlerror());
  gt_gc_collect(); /* reloads the stack maps without the library's */
  gt_gc_stats(&after);

  long good = mine;
  for (int i = 0; i < THREADS; ++i)
    good += intact[i];
  long want = (THREADS + 1) * (long)CELLS;
  printf("gt-cc dlopen: %ld of %ld cells intact, %llu collections\n", good,
         want, (unsigned long long)after.collections);
  ok = good == want && after.collections > before.collections &&
       before.collections > ROUNDS;
  printf("gt-cc dlopen: %s\n", ok ? "OK" : "FAILED");
}

int main(void) {
  gt_run(NULL, main_thread, NULL);
  return ok ? 0 : 1;
}
