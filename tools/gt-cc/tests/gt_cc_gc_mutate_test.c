/* Mutators that keep storing into old objects while collections run back to
 * back, built by gt-cc (so every store goes through the write barrier):
 * the test the concurrent collector (GT_GC=concurrent, issue 14) needs,
 * since its replicas of old objects stay correct only through the write
 * log's replay and the re-transfer of new objects. Each mutator owns an
 * array of node pointers and keeps a model of it in malloc'd memory: it
 * replaces slots with new nodes, changes nodes' values in place, swaps
 * slots, and points nodes at other nodes (pointer stores into old objects);
 * a collector thread calls gt_gc_collect() in a loop meanwhile. At the end
 * every slot, value and link is compared with the model. Runs under both
 * collectors (scripts/run-tests.py also with GT_GC_VERIFY=1 and
 * GT_GC_TORTURE=N).
 */
#include <gt/gt.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct node GT_GC *node_ref;
struct node {
  long id; /* never changes */
  long val;
  node_ref other;
  long pad[3];
};

/* Each mutator runs STEPS steps and on until the collector has forced
 * COLLECTIONS collections. */
enum { THREADS = 8, SLOTS = 256, STEPS = 20000, COLLECTIONS = 20 };

#include "gt_cc_model.h"

static gt_waitgroup_t done, collector_done;
static int stop_collector;
static long failures, checked, collections_forced;
static gt_mutex_t lock;

static void collector(void *arg) {
  (void)arg;
  while (!__atomic_load_n(&stop_collector, __ATOMIC_ACQUIRE)) {
    gt_gc_collect();
    __atomic_add_fetch(&collections_forced, 1, __ATOMIC_RELAXED);
    gt_yield();
  }
  gt_waitgroup_done(&collector_done);
}

static void mutator(void *arg) {
  long t = (long)(intptr_t)arg;
  struct model *m = calloc(1, sizeof *m);
  node_ref GT_GC *slots = gt_new_array(node_ref, SLOTS);
  long next = 0;
  unsigned long r = 88172645463325252ul ^ (unsigned long)t;
  for (int i = 0; i < SLOTS; ++i) {
    slots[i] = model_make(m, next, next * 7 + t);
    m->slot[i] = next++;
  }
  for (long s = 0;
       s < STEPS || __atomic_load_n(&collections_forced, __ATOMIC_RELAXED) <
                        COLLECTIONS;
       ++s) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    int i = (int)(r % SLOTS), j = (int)((r >> 20) % SLOTS);
    switch ((r >> 40) % 4) {
    case 0: /* a new node into an old array */
      slots[i] = model_make(m, next, s);
      m->slot[i] = next++;
      break;
    case 1: /* a value stored into an old node */
      slots[i]->val = s * 3 + t;
      m->val[m->slot[i]] = s * 3 + t;
      break;
    case 2: { /* two pointer stores into the old array */
      node_ref a = slots[i];
      slots[i] = slots[j];
      slots[j] = a;
      long x = m->slot[i];
      m->slot[i] = m->slot[j];
      m->slot[j] = x;
      break;
    }
    default: /* a pointer store into an old node */
      slots[i]->other = slots[j];
      m->other[m->slot[i]] = m->slot[j];
      break;
    }
    if (s % 64 == 0)
      gt_yield(); /* let the collector and the others run (1 executor) */
  }
  long bad = model_mismatches(slots, m), seen = SLOTS;
  model_free(m);
  gt_mutex_lock(&lock);
  failures += bad;
  checked += seen;
  gt_mutex_unlock(&lock);
  gt_waitgroup_done(&done);
}

static void main_thread(void *arg) {
  (void)arg;
  gt_waitgroup_add(&collector_done, 1);
  gt_detach(gt_spawn(collector, NULL, NULL));
  gt_waitgroup_add(&done, THREADS);
  for (long i = 0; i < THREADS; ++i)
    gt_detach(gt_spawn(mutator, (void *)(intptr_t)i, NULL));
  gt_waitgroup_wait(&done);
  __atomic_store_n(&stop_collector, 1, __ATOMIC_RELEASE);
  gt_waitgroup_wait(&collector_done);
  struct gt_gc_stats st;
  gt_gc_stats(&st);
  printf("gt-cc gc mutate: %ld slots checked of %d, %ld mismatches, %ld "
         "forced collections, %llu in all\n",
         checked, THREADS * SLOTS, failures, collections_forced,
         (unsigned long long)st.collections);
  if (checked != THREADS * SLOTS || collections_forced < COLLECTIONS)
    ++failures;
}

int main(void) {
  if (gt_run(NULL, main_thread, NULL) != 0 || failures) {
    puts("gt-cc gc mutate: FAIL");
    return 1;
  }
  puts("gt-cc gc mutate: OK");
  return 0;
}
