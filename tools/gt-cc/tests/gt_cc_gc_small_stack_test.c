/* GC-managed code on small stacks (runtime/src/segment.cpp, issue 12),
 * built by gt-cc -fsplit-stack: collections run while threads are suspended
 * on a big segment, holding GC pointers in frames on both segments, and the
 * collector's stack walker must cross from one to the other at __morestack's
 * frame (runtime/src/gc/stackwalk.cpp). Every object moves at a collection,
 * so a slot the walker missed keeps an old address, and the checks below
 * read its from-space copy (GT_GC_VERIFY protects it: a fault). Each object
 * a thread holds on its stack is also held in a registered root slot, which
 * every collection rewrites: after the collections the two must be equal.
 * (An address alone cannot tell: over two or more collections an object may
 * come back to an address it had, as blocks are reused.)
 *
 * Each of N threads (half spawned with gt_spawn, half with gt_spawn_ref and a
 * list as argument), checked and counted:
 *   - starts on its first segment (default spawn options, x86-64 and
 *     AArch64);
 *   - keeps a list, an array and a pointer into the middle of the array
 *     (a derived pointer) in its first frame on the first segment;
 *   - calls deep(), whose 2 KiB frame moves it to a big segment, with two
 *     lists as stack arguments (copied there by __morestack) and builds a
 *     list of its own there; parks on a channel receive, deep on the big
 *     segment, while the main thread forces three collections;
 *   - after waking: every list is intact, every object it holds on its
 *     stack is where its registered root says (and most have moved), and
 *     it is back on the segment it called deep() from (the first one,
 *     except at -O0, where run_job's own frame may need a big segment);
 *   - parks again on its first segment for one more collection, and checks
 *     its lists again.
 * Run by scripts/run-tests.py plain, with GT_GC_VERIFY=1 and with
 * GT_GC_TORTURE=200. Prints what it counted; exits non-zero on a mismatch. */
#include <gt/gc.h>
#include <gt/gt.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Small stacks by default where the runtime has them (segment.cpp). */
#if defined(__x86_64__) || defined(__aarch64__)
enum { kSegmented = 1 };
#else
enum { kSegmented = 0 };
#endif
#if defined(__x86_64__)
enum { kThreads = 2000 };
#else
enum { kThreads = 300 }; /* under qemu */
#endif
enum { kFirstSegment = 1024 }; /* runtime/src/segment_abi.h, GT_SEG_SMALL */
enum { kArray = 16, kMid = 7 };

typedef struct node GT_GC *node_ref;
struct node {
  long tag, idx, val;
  node_ref next;
};

static long failures;
#define FAIL(...)                                                              \
  do {                                                                         \
    if (__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED) <= 10) {            \
      printf("gc-small-stack: FAIL line %d: ", __LINE__);                      \
      printf(__VA_ARGS__);                                                     \
      putchar('\n');                                                           \
    }                                                                          \
  } while (0)

static long val_of(long tag, long idx) { return tag * 1000003 + idx * 7919; }

static node_ref make_list(long tag, int len) {
  node_ref head = NULL;
  for (int i = len - 1; i >= 0; --i) {
    node_ref n = gt_new(struct node);
    n->tag = tag;
    n->idx = i;
    n->val = val_of(tag, i);
    n->next = head;
    head = n;
  }
  return head;
}

static int list_ok(node_ref n, long tag, int len) {
  for (int i = 0; i < len; ++i, n = n->next)
    if (!n || n->tag != tag || n->idx != i || n->val != val_of(tag, i))
      return 0;
  return n == NULL;
}

/* Tags of a thread's lists. */
static long tag_first(long id) { return id; }
static long tag_arg1(long id) { return id + 1000000; }
static long tag_arg2(long id) { return id + 2000000; }
static long tag_big(long id) { return id + 3000000; }
static long tag_spawn(long id) { return id + 4000000; }

/* Whether the frame at fp lies on the thread's first segment: the mailbox's
 * stack_limit is the bottom of the segment a small-stack thread runs on. */
static int on_first_segment(uintptr_t fp) {
  return fp - gt_self_mailbox()->stack_limit < kFirstSegment;
}

struct job {
  long id;
  int started_small, moved, back, ran;
  int lists_ok, lists_ok_after, derived_ok, agree, all_moved;
};

/* Registered root slots (gt_gc_add_root) holding what a thread's stack
 * holds: the collector's word for where each object is. */
struct held {
  node_ref big, a1, a2, first, spawned;
  long GT_GC *arr;
};

static struct job jobs[kThreads];
static struct held held[kThreads];

/* Registers (gt_gc_add_root) or unregisters every slot of the first n. */
static void held_roots(int n, void (*op)(void GT_GC **)) {
  for (int i = 0; i < n; ++i) {
    struct held *h = &held[i];
    void GT_GC **slots[] = {
        (void GT_GC **)&h->big,     (void GT_GC **)&h->a1,
        (void GT_GC **)&h->a2,      (void GT_GC **)&h->first,
        (void GT_GC **)&h->spawned, (void GT_GC **)&h->arr};
    for (unsigned k = 0; k < sizeof slots / sizeof *slots; ++k)
      op(slots[k]);
  }
}

static gt_chan_t *gate_big, *gate_first;
static long parked_big, parked_first;
static int torture;

static void garbage(int n) {
  for (int i = 0; i < n; ++i)
    (void)make_list(-1, 3);
}

static void park(gt_chan_t *gate, long *count) {
  __atomic_add_fetch(count, 1, __ATOMIC_RELEASE);
  char c;
  if (gt_chan_recv(gate, &c) != GT_CLOSED)
    FAIL("the gate was not closed");
}

/* Its frame does not fit a first segment: the call moves to a big segment,
 * and a1 and a2 (the 7th and 8th arguments) are copied there. */
__attribute__((noinline)) static long deep(struct job *j, long x1, long x2,
                                           long x3, long x4, long x5,
                                           node_ref a1, node_ref a2) {
  volatile char pad[2048];
  long id = j->id;
  for (unsigned i = 0; i < sizeof pad; ++i)
    pad[i] = (char)(i == sizeof pad - 1 ? 1 : id);
  j->moved = !on_first_segment((uintptr_t)__builtin_frame_address(0));
  node_ref big = make_list(tag_big(id), 5);
  garbage(4);
  uintptr_t was_big = gt_gc_address(big), was_a1 = gt_gc_address(a1),
            was_a2 = gt_gc_address(a2);
  struct held *h = &held[id];
  h->big = big;
  h->a1 = a1;
  h->a2 = a2;
  park(gate_big, &parked_big); /* collections run meanwhile */
  /* No safepoint between the loads of a comparison: no collection either. */
  j->agree = big == h->big && a1 == h->a1 && a2 == h->a2;
  if (!j->agree)
    FAIL("thread %ld: its big segment holds %#lx %#lx %#lx, its roots %#lx "
         "%#lx %#lx",
         id, (unsigned long)gt_gc_address(big),
         (unsigned long)gt_gc_address(a1), (unsigned long)gt_gc_address(a2),
         (unsigned long)gt_gc_address(h->big),
         (unsigned long)gt_gc_address(h->a1),
         (unsigned long)gt_gc_address(h->a2));
  int ok = list_ok(big, tag_big(id), 5) && list_ok(a1, tag_arg1(id), 3) &&
           list_ok(a2, tag_arg2(id), 2);
  if (!ok)
    FAIL("thread %ld: a list held on its big segment is broken", id);
  j->lists_ok = ok;
  j->all_moved = gt_gc_address(big) != was_big && gt_gc_address(a1) != was_a1 &&
                 gt_gc_address(a2) != was_a2;
  return x1 + x2 + x3 + x4 + x5 + pad[0] + pad[sizeof pad - 1];
}

static void run_job(struct job *j, node_ref spawned) {
  long id = j->id;
  /* At -O0 this frame may not fit the first segment, and moves too. */
  int small_here = on_first_segment((uintptr_t)__builtin_frame_address(0));
  node_ref first = make_list(tag_first(id), 4);
  long GT_GC *arr = gt_new_array(long, kArray);
  for (int i = 0; i < kArray; ++i)
    arr[i] = id * kArray + i;
  long GT_GC *mid = arr + kMid; /* only the derived pointer stays live */
  uintptr_t was_first = gt_gc_address(first);
  uintptr_t was_mid = gt_gc_address(mid);
  uintptr_t was_spawned = spawned ? gt_gc_address(spawned) : 0;
  struct held *h = &held[id];
  h->first = first;
  h->arr = arr;
  h->spawned = spawned;
  node_ref a1 = make_list(tag_arg1(id), 3), a2 = make_list(tag_arg2(id), 2);
  long r = deep(j, 1, 2, 3, 4, 5, a1, a2);
  if (r != 1 + 2 + 3 + 4 + 5 + (char)id + 1)
    FAIL("thread %ld: deep() returned %ld", id, r);
  j->back =
      on_first_segment((uintptr_t)__builtin_frame_address(0)) == small_here;
  int ok = list_ok(first, tag_first(id), 4) &&
           (!spawned || list_ok(spawned, tag_spawn(id), 2));
  int dok = 1;
  for (int i = -kMid; i < kArray - kMid; ++i)
    dok &= mid[i] == id * kArray + kMid + i;
  if (!ok || !dok)
    FAIL("thread %ld: a list or array held on its first segment is broken", id);
  j->lists_ok &= ok;
  j->derived_ok = dok;
  int agree =
      first == h->first && mid - kMid == h->arr && spawned == h->spawned;
  if (!agree)
    FAIL("thread %ld: its first segment holds %#lx %#lx %#lx, its roots %#lx "
         "%#lx %#lx",
         id, (unsigned long)gt_gc_address(first),
         (unsigned long)gt_gc_address(mid - kMid),
         (unsigned long)(spawned ? gt_gc_address(spawned) : 0),
         (unsigned long)gt_gc_address(h->first),
         (unsigned long)gt_gc_address(h->arr),
         (unsigned long)(h->spawned ? gt_gc_address(h->spawned) : 0));
  j->agree &= agree;
  j->all_moved &= gt_gc_address(first) != was_first &&
                  gt_gc_address(mid) != was_mid &&
                  (!spawned || gt_gc_address(spawned) != was_spawned);
  garbage(2);
  park(gate_first, &parked_first); /* one more collection, on the first */
  if (first != h->first || mid - kMid != h->arr || spawned != h->spawned) {
    FAIL("thread %ld: after the collection on its first segment, its stack "
         "and its roots disagree",
         id);
    j->agree = 0;
  }
  j->lists_ok_after = list_ok(first, tag_first(id), 4) &&
                      (!spawned || list_ok(spawned, tag_spawn(id), 2)) &&
                      mid[-kMid] == id * kArray && mid[0] == id * kArray + kMid;
  if (!j->lists_ok_after)
    FAIL("thread %ld: broken after the collection on its first segment", id);
  __atomic_add_fetch(&j->ran, 1, __ATOMIC_RELAXED);
}

/* In the entry function: whether the thread started on a first segment. */
#define ENTRY_SMALL() on_first_segment((uintptr_t)__builtin_frame_address(0))

static void plain_entry(void *arg) {
  struct job *j = arg;
  j->started_small = ENTRY_SMALL();
  run_job(j, NULL);
}

/* gt_spawn_ref's argument is the list; its tag names the job. */
static void spawned_entry(node_ref list) {
  struct job *j = &jobs[list->tag - 4000000];
  j->started_small = ENTRY_SMALL();
  run_job(j, list);
}

static void wait_for(long *count, long n) {
  while (__atomic_load_n(count, __ATOMIC_ACQUIRE) < n)
    gt_sleep_for(1000000);
}

static void main_thread(void *unused) {
  (void)unused;
  gate_big = gt_chan_new(1, 0);
  gate_first = gt_chan_new(1, 0);
  gt_thread_t *h = calloc(kThreads, sizeof *h);
  int n = torture ? kThreads / 10 : kThreads;
  held_roots(n, gt_gc_add_root);
  for (int i = 0; i < n; ++i) {
    jobs[i].id = i;
    if (i % 2)
      h[i] = gt_spawn(plain_entry, &jobs[i], NULL);
    else
      h[i] = gt_spawn_ref((void (*)(void GT_GC *))spawned_entry,
                          make_list(tag_spawn(i), 2), NULL);
  }
  wait_for(&parked_big, n);
  struct gt_gc_stats before, after;
  gt_gc_stats(&before);
  for (int k = 0; k < 3; ++k)
    gt_gc_collect();
  gt_chan_close(gate_big);
  wait_for(&parked_first, n);
  gt_gc_collect();
  gt_gc_stats(&after);
  gt_chan_close(gate_first);
  for (int i = 0; i < n; ++i)
    gt_join(h[i]);
  free(h);
  gt_chan_free(gate_big);
  gt_chan_free(gate_first);

  long small = 0, moved = 0, back = 0, ran = 0, ok = 0, after_ok = 0,
       derived = 0, agree = 0, all_moved = 0;
  for (int i = 0; i < n; ++i) {
    struct job *j = &jobs[i];
    small += j->started_small;
    moved += j->moved;
    back += j->back;
    ran += j->ran == 1;
    ok += j->lists_ok;
    after_ok += j->lists_ok_after;
    derived += j->derived_ok;
    agree += j->agree;
    all_moved += j->all_moved;
  }
  printf("gc-small-stack: %d threads: %ld started on a first segment, %ld "
         "moved, %ld came back; lists intact %ld/%ld, derived %ld, stack and "
         "roots agree %ld, every object moved in %ld; %llu collections\n",
         n, small, moved, back, ok, after_ok, derived, agree, all_moved,
         (unsigned long long)(after.collections - before.collections));
  if (small != (kSegmented ? n : 0))
    FAIL("expected %d threads to start on a first segment", kSegmented ? n : 0);
  if (moved != n || back != n)
    FAIL("expected every thread to run deep() off its first segment, and to "
         "come back to the segment it called it from");
  if (ran != n || ok != n || after_ok != n || derived != n)
    FAIL("expected every thread to run once with its objects intact");
  if (agree != n)
    FAIL("expected every thread's stack to agree with its roots (%ld)", agree);
  if (all_moved < n / 2)
    FAIL("expected every object to move in most threads (%ld)", all_moved);
  held_roots(n, gt_gc_remove_root);
  if (after.collections - before.collections < 4)
    FAIL("expected at least 4 collections");
}

int main(void) {
  const char *t = getenv("GT_GC_TORTURE");
  torture = t && atoi(t) > 0;
  const char *ex = getenv("GT_EXECUTORS");
  gt_config cfg = {ex ? (unsigned)atoi(ex) : 0, 0, 0, 0, 0};
  if (gt_run(&cfg, main_thread, NULL) != 0)
    FAIL("gt_run");
  if (failures) {
    printf("gc-small-stack: FAIL (%ld mismatches)\n", failures);
    return 1;
  }
  puts("gc-small-stack: OK");
  return 0;
}
