/* Atomic operations on GC pointers in GC objects, from C, while collections
 * move the objects. clang performs __atomic_exchange_n,
 * __atomic_compare_exchange_n, __atomic_load_n and __atomic_store_n (and the
 * C11 <stdatomic.h> and __sync spellings) on a pointer as operations on an
 * integer; the fork's lower-gc-builtins gives them back their GC pointer
 * type (before that, gt-cc rejected this program: "a GC pointer is kept in a
 * local variable whose address is taken").
 *
 * WORKERS threads share a table of SLOTS GC pointers (passed with
 * gt_spawn_ref). Each round a worker allocates an item with an id of its
 * own and puts it into a slot, by exchange or by compare-and-swap (retrying
 * with the value a failed one found), through a __atomic field, a C11
 * _Atomic field or __sync_val_compare_and_swap, and adds the id of the item
 * it took out to its sum. Another thread forces collections meanwhile, so
 * every object moves many times. Every item put in is either still in a
 * slot at the end or was taken out by exactly one operation: the ids put in
 * must add up to the ids taken plus those left, and every item taken or
 * found must be intact (its id, a check word and a pointer to itself). Each
 * worker also stores and loads its own slot atomically and checks the value.
 */
#include <gt/gt.h>

#include <stdatomic.h>
#include <stdio.h>

enum { WORKERS = 4, SLOTS = 8, ROUNDS = 3000, COLLECTIONS = 20 };

typedef struct item GT_GC *item_ref;
struct item {
  long id;
  long check;
  item_ref self;
};

typedef struct table GT_GC *table_ref;
struct table {
  item_ref slots[SLOTS];       /* __atomic builtins and __sync */
  _Atomic(item_ref) c11[SLOTS]; /* <stdatomic.h> */
  item_ref mine[WORKERS];      /* each worker's own: atomic store and load */
};

static gt_waitgroup_t done, collector_done;
static gt_mutex_t lock;
static unsigned long put_sum, taken_sum; /* sums of ids, mod 2^64 */
static long put_count, taken_count, bad;
static volatile int workers_done;

static item_ref make_item(long id) {
  item_ref it = gt_new(struct item);
  it->id = id;
  it->check = id ^ 0x5a5a5a5aL;
  it->self = it;
  return it;
}

static int intact(item_ref it) {
  return it && it->check == (it->id ^ 0x5a5a5a5aL) && it->self == it;
}

static void worker(void GT_GC *arg) {
  table_ref t = (table_ref)arg;
  long w = 0;
  /* Which worker am I: the first free `mine` slot, claimed by CAS. */
  item_ref me = make_item(-1);
  for (;; ++w) {
    item_ref none = 0;
    if (__atomic_compare_exchange_n(&t->mine[w], &none, me, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      break;
  }
  long base = (w + 1) * 1000000L;
  unsigned long put = 0, taken = 0;
  long nput = 0, ntaken = 0, nbad = 0;
  for (long r = 0; r < ROUNDS; ++r) {
    long s = (r * 7 + w) % SLOTS;
    item_ref it = make_item(base + r);
    put += (unsigned long)it->id;
    ++nput;
    item_ref old;
    switch (r % 4) {
    case 0: /* exchange */
      old = __atomic_exchange_n(&t->slots[s], it, __ATOMIC_ACQ_REL);
      break;
    case 1: { /* compare-and-swap, retried with what a failure found */
      item_ref seen = __atomic_load_n(&t->slots[s], __ATOMIC_ACQUIRE);
      while (!__atomic_compare_exchange_n(&t->slots[s], &seen, it, r & 8,
                                          __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        if (!intact(seen))
          ++nbad;
      old = seen;
      break;
    }
    case 2: { /* __sync */
      item_ref seen = __atomic_load_n(&t->slots[s], __ATOMIC_RELAXED);
      for (;;) {
        item_ref found = __sync_val_compare_and_swap(&t->slots[s], seen, it);
        if (found == seen)
          break;
        seen = found;
      }
      old = seen;
      break;
    }
    default: { /* C11 */
      if (r % 8 == 3) {
        old = atomic_exchange(&t->c11[s], it);
      } else {
        item_ref seen = atomic_load(&t->c11[s]);
        while (!atomic_compare_exchange_weak(&t->c11[s], &seen, it))
          ;
        old = seen;
      }
      break;
    }
    }
    if (!intact(old))
      ++nbad;
    taken += (unsigned long)old->id;
    ++ntaken;
    /* Its own slot: an atomic store, then a load that must see it. */
    item_ref mine = make_item(base + ROUNDS + r);
    __atomic_store_n(&t->mine[w], mine, __ATOMIC_RELEASE);
    if (r % 64 == 0)
      gt_yield();
    item_ref back = __atomic_load_n(&t->mine[w], __ATOMIC_ACQUIRE);
    if (back != mine || !intact(back) || back->id != base + ROUNDS + r)
      ++nbad;
  }
  gt_mutex_lock(&lock);
  put_sum += put;
  taken_sum += taken;
  put_count += nput;
  taken_count += ntaken;
  bad += nbad;
  gt_mutex_unlock(&lock);
  gt_waitgroup_add(&done, -1);
}

/* Forces collections until the workers are done (at least COLLECTIONS). */
static void collector(void *arg) {
  (void)arg;
  for (int c = 0; c < COLLECTIONS || !workers_done; ++c) {
    gt_gc_collect();
    gt_yield();
  }
  gt_waitgroup_add(&collector_done, -1);
}

static void main_thread(void *arg) {
  (void)arg;
  table_ref t = gt_new(struct table);
  for (long s = 0; s < SLOTS; ++s) {
    t->slots[s] = make_item(s);
    atomic_store(&t->c11[s], make_item(SLOTS + s));
    put_sum += (unsigned long)(s + SLOTS + s);
    put_count += 2;
  }
  struct gt_gc_stats before, after;
  gt_gc_stats(&before);
  gt_waitgroup_add(&done, WORKERS);
  gt_waitgroup_add(&collector_done, 1);
  gt_detach(gt_spawn(collector, NULL, NULL));
  for (int i = 0; i < WORKERS; ++i)
    gt_detach(gt_spawn_ref(worker, t, NULL));
  gt_waitgroup_wait(&done);
  workers_done = 1;
  gt_waitgroup_wait(&collector_done);
  gt_gc_stats(&after);

  unsigned long left = 0;
  long nleft = 0;
  for (long s = 0; s < SLOTS; ++s) {
    item_ref a = __atomic_load_n(&t->slots[s], __ATOMIC_ACQUIRE);
    item_ref b = atomic_load(&t->c11[s]);
    if (!intact(a) || !intact(b))
      ++bad;
    left += (unsigned long)a->id + (unsigned long)b->id;
    nleft += 2;
  }
  long collections = (long)(after.collections - before.collections);
  printf("gt-cc gc atomic: %ld items put, %ld taken, %ld left, sums %s, "
         "%ld damaged, %s\n",
         put_count, taken_count, nleft,
         put_sum == taken_sum + left ? "agree" : "DIFFER", bad,
         collections >= COLLECTIONS ? "collected meanwhile" : "TOO FEW COLLECTIONS");
  if (put_sum != taken_sum + left || put_count != taken_count + nleft ||
      collections < COLLECTIONS)
    ++bad;
}

int main(void) {
  if (gt_run(NULL, main_thread, NULL) != 0 || bad) {
    puts("gt-cc gc atomic: FAIL");
    return 1;
  }
  puts("gt-cc gc atomic: OK");
  return 0;
}
