/* A C program built with gt-cc, as a user would (`gt-cc prog.c -o prog`):
 * the driver compiles it through the fork's pipeline, includes the runtime's
 * hooks and links the runtime. It checks that
 *   - SS_SAFEPOINTS loops poll through the runtime's gc.safepoint_poll hook:
 *     on one executor, threads spinning until a flag is set let the thread
 *     that sets it run only because their polls yield to it (preemption);
 *   - green threads, channels and wait groups work from C: every value sent
 *     is received exactly once.
 * It prints what it counted and exits non-zero on any mismatch.
 */
#include <gt/gt.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

enum { SPINNERS = 4, PRODUCERS = 8, PER_PRODUCER = 1000 };

static atomic_int go;
static atomic_long spun;
static gt_chan_t *values;
static gt_waitgroup_t producers;
static int failures;

/* Spins (with polls at its loop back-edge) until `go` is set. */
SS_SAFEPOINTS static void spin(void *arg) {
  (void)arg;
  long n = 0;
  while (!atomic_load_explicit(&go, memory_order_relaxed))
    ++n;
  atomic_fetch_add(&spun, n);
}

static void set_go(void *arg) {
  (void)arg;
  atomic_store(&go, 1);
}

static void produce(void *arg) {
  long base = (long)(intptr_t)arg * PER_PRODUCER;
  for (long i = 0; i < PER_PRODUCER; ++i) {
    long v = base + i;
    gt_chan_send(values, &v);
  }
  gt_waitgroup_add(&producers, -1);
}

static void close_after_producers(void *arg) {
  (void)arg;
  gt_waitgroup_wait(&producers);
  gt_chan_close(values);
}

static void main_thread(void *arg) {
  (void)arg;
  /* Spinners first: they run before set_go on one executor, and only
   * preemption at their polls lets set_go run. */
  gt_thread_t t[SPINNERS + 1];
  for (int i = 0; i < SPINNERS; ++i)
    t[i] = gt_spawn(spin, NULL, NULL);
  t[SPINNERS] = gt_spawn(set_go, NULL, NULL);
  for (int i = 0; i <= SPINNERS; ++i)
    gt_join(t[i]);
  printf("gt-cc: %d spinners stopped after %ld polled iterations\n", SPINNERS,
         (long)atomic_load(&spun));

  values = gt_chan_new(sizeof(long), 16);
  gt_waitgroup_add(&producers, PRODUCERS);
  for (long p = 0; p < PRODUCERS; ++p)
    gt_detach(gt_spawn(produce, (void *)(intptr_t)p, NULL));
  gt_detach(gt_spawn(close_after_producers, NULL, NULL));
  static unsigned char seen[PRODUCERS * PER_PRODUCER];
  long v, received = 0;
  while (gt_chan_recv(values, &v) == GT_OK) {
    if (v < 0 || v >= PRODUCERS * PER_PRODUCER || seen[v]++) {
      printf("gt-cc: FAIL: value %ld received twice or out of range\n", v);
      ++failures;
    }
    ++received;
  }
  printf("gt-cc: received %ld of %d values\n", received,
         PRODUCERS * PER_PRODUCER);
  if (received != PRODUCERS * PER_PRODUCER)
    ++failures;
}

int main(void) {
  if (gt_run(NULL, main_thread, NULL) != 0) {
    puts("gt-cc: FAIL: gt_run");
    return 1;
  }
  if (failures)
    return 1;
  puts("gt-cc: OK");
  return 0;
}
