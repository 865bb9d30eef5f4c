/* gt/gc.h: the garbage-collected heap's C ABI: GC pointers, the object
 * layout, type descriptors, allocation, roots and statistics.
 *
 * The layout and the descriptor format below are a contract with the
 * compiler (which will emit descriptors and inline allocation): append only,
 * and bump GT_TYPE_VERSION for any change of meaning. docs/gc.md explains the
 * collector that relies on them.
 *
 * GC pointers.
 *   A GC pointer is `T GT_GC *` (LLVM `ptr addrspace(1)`): the address of an
 *   object's payload, or null. The collector moves objects and rewrites
 *   every GC pointer it knows of: fields of heap objects, registered root
 *   slots (gt_gc_add_root), the stack slots that the compiler records in
 *   stack maps (code compiled with the fork's GC pipeline), and those the
 *   runtime holds for ref channels, gt_select_ref and gt_spawn_ref (below).
 *   A GC pointer kept anywhere else (a plain C local in code compiled
 *   without stack maps, a malloc'ed structure, a plain channel's element, an
 *   integer) is not seen and is stale after the next collection. C and C++
 *   never convert between address spaces implicitly: gt_gc_raw() and
 *   gt_gc_ref() below make the escape explicit.
 *
 * Object layout (every object; the payload is 16-byte aligned, the size of
 * an object is rounded up to 16 bytes):
 *
 *     word -2: const gt_type *     descriptor (8-aligned: bit 0 is 0)
 *     word -1: uintptr_t           forwarding/replica word (GT_FWD_* bits)
 *     payload ...                  <- the GC pointer
 *
 *   Arrays put two more words in front:
 *
 *     word -4: len << 3 | 1        element count; bit 0 marks an array start
 *     word -3: 0                   reserved (an identity hash, later)
 *     word -2: const gt_type *     the array's descriptor (GT_TYPE_ARRAY)
 *     word -1: forwarding word
 *     elements ...                 len * type->size bytes
 *
 *   So an object's first word tells a linear heap walk whether the header is
 *   2 or 4 words, and every object has its descriptor and forwarding word at
 *   the same negative offsets from its payload. A new object is all zero
 *   except its descriptor (and array length word): the payload and the
 *   forwarding word come from memory zeroed in bulk.
 *
 * The forwarding word (word -1), for the copying collectors:
 *   bits 63..4  the address of the copy's (replica's) payload, or 0
 *   bit 0 BUSY       the replicating collector's lock on an original while
 *                    it fills or updates its replica (the stop-the-world
 *                    copier never sets it: it copies first and publishes
 *                    with one CAS)
 *   bit 1 FORWARDED  bits 63..4 hold the copy (large objects: themselves,
 *                    i.e. marked)
 *   bit 2 LOGGED     reserved: an object-remembering write barrier
 *   bit 3 HASHED     reserved: identity hash taken, a copy keeps word -3
 *   Between collections it is 0 in every object. Mutators never read it.
 *
 * Type descriptors (gt_type, version 1): constant data outside the heap,
 * emitted by the compiler for each type it allocates (gt_new), or written by
 * hand with GT_TYPE_WITH. Fields:
 *   version_flags  GT_TYPE_VERSION << 24 | GT_TYPE_* flags (bits 0..23)
 *   size           payload bytes (a non-array); for an array descriptor the
 *                  byte size of one element (>= 1), elements packed at this
 *                  stride
 *   name           a NUL-terminated name for messages (may be null)
 *   nptrs          the number of GC pointer fields (per element for arrays)
 *   ptr_offsets    nptrs byte offsets of GC pointer fields, strictly
 *                  ascending, each a multiple of 8 and at most size - 8
 *                  (within one element for arrays)
 *   GT_TYPE_NOPTRS must be set exactly when nptrs == 0. Payloads are 16-byte
 *   aligned: a type that needs more alignment cannot be allocated.
 *
 * Allocation (see also gt/mailbox.h):
 *   A thread allocates from the block [alloc_ptr, alloc_limit) of its
 *   mailbox. The block belongs to the executor that runs the thread: the
 *   scheduler writes it into the mailbox before resuming the thread and
 *   takes it back when the thread switches out, so generated code may keep
 *   the two fields in registers only between safepoints. Inline allocation:
 *       n = header + round_up(payload, 16)     header: 16, arrays 32
 *       if (alloc_limit - alloc_ptr < n) return gt_gc_alloc_slow(type, payload)
 *       p = alloc_ptr; alloc_ptr = p + n;
 *       arrays: ((uintptr_t *)p)[0] = len << 3 | 1, p += 16
 *       ((const gt_type **)p)[0] = type;  return p + 16
 *   The block is zeroed, so nothing else is written. The slow path is a
 *   safepoint: it may collect (and move every object) before it returns.
 *   Objects whose payload exceeds GT_GC_LARGE_OBJECT bytes always take the
 *   slow path (they live in the non-moving large-object space).
 */
#ifndef GT_GC_H
#define GT_GC_H

#include <gt/gt.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GT_GC __attribute__((address_space(1)))

/* A GC pointer as a plain pointer (untracked: valid until the next
 * safepoint), and back. For the runtime's own use and for tests. */
#define gt_gc_raw(p) ((void *)(p))
#define gt_gc_ref(p) ((void GT_GC *)(p))

/* --- type descriptors (version 1) */
#define GT_TYPE_VERSION 1u
enum {
  GT_TYPE_ARRAY = 1u << 0,  /* describes an array; size is the element's */
  GT_TYPE_NOPTRS = 1u << 1, /* no GC pointer fields: never scanned */
};
#define GT_TYPE_V1(flags) (GT_TYPE_VERSION << 24 | (uint32_t)(flags))

typedef struct gt_type {
  uint32_t version_flags;
  uint32_t size;
  const char *name;
  uint32_t nptrs;
  uint32_t ptr_offsets[]; /* nptrs entries */
} gt_type;

#define GT_TYPE_VERSION_FLAGS 0
#define GT_TYPE_SIZE 4
#define GT_TYPE_NAME 8
#define GT_TYPE_NPTRS 16
#define GT_TYPE_PTR_OFFSETS 20
GT_STATIC_ASSERT(offsetof(gt_type, version_flags) == GT_TYPE_VERSION_FLAGS, "");
GT_STATIC_ASSERT(offsetof(gt_type, size) == GT_TYPE_SIZE, "");
GT_STATIC_ASSERT(offsetof(gt_type, name) == GT_TYPE_NAME, "");
GT_STATIC_ASSERT(offsetof(gt_type, nptrs) == GT_TYPE_NPTRS, "");
GT_STATIC_ASSERT(offsetof(gt_type, ptr_offsets) == GT_TYPE_PTR_OFFSETS, "");

/* A struct type laid out as a gt_type with N offsets, for descriptors
 * written in C or C++ source (the compiler emits its own):
 *   static const GT_TYPE_WITH(2) node_type = {
 *       GT_TYPE_V1(0), sizeof(struct node), "node", 2,
 *       {offsetof(struct node, left), offsetof(struct node, right)}};
 *   ... gt_gc_alloc((const gt_type *)&node_type, sizeof(struct node)) */
#define GT_TYPE_WITH(N)                                                        \
  struct {                                                                     \
    uint32_t version_flags;                                                    \
    uint32_t size;                                                             \
    const char *name;                                                          \
    uint32_t nptrs;                                                            \
    uint32_t ptr_offsets[N];                                                   \
  }

/* --- object layout */
#define GT_GC_HEADER 16       /* bytes in front of an object's payload */
#define GT_GC_ARRAY_HEADER 32 /* ... of an array's */
#define GT_GC_ALIGN 16        /* payload alignment and size granule */
/* Objects with a larger payload live in the non-moving large-object space. */
#define GT_GC_LARGE_OBJECT 8192
enum {
  GT_FWD_BUSY = 1u << 0,
  GT_FWD_FORWARDED = 1u << 1,
  GT_FWD_LOGGED = 1u << 2,
  GT_FWD_HASHED = 1u << 3,
  GT_FWD_BITS = 15u,
};

/* The descriptor of a live object, and the element count of an array. */
static inline const gt_type *gt_gc_type_of(const void GT_GC *p) {
  return ((const gt_type *const GT_GC *)p)[-2];
}
static inline size_t gt_gc_array_len(const void GT_GC *p) {
  return (size_t)(((const uintptr_t GT_GC *)p)[-4] >> 3);
}

/* The functions below: GT_SPLIT_STACK_CHECKED (gt/gt.h). */
GT_SPLIT_STACK_CHECKED_BEGIN

/* The object's address now, as an integer: for printing and tests, never to
 * keep (the collector moves objects and does not update integers; gc-prepare
 * rejects converting one back). A cast `(uintptr_t)p` is the same value where
 * it is computed, but the optimizer may compute it once for several casts of
 * the same variable, before a safepoint at which the object moved; this call
 * is made where it is written. */
uintptr_t gt_gc_address(const void GT_GC *p);

/* --- allocation
 * Each returns a zeroed object (null is never returned: exhausting the heap
 * is a fatal error naming the thread, the request and the heap's figures).
 * Must be called on a green thread; each may collect before it returns.
 *
 * gt_gc_alloc: `bytes` must be type->size for a non-array type, and a
 *   multiple of type->size (the element count times the element size) for an
 *   array type.
 * gt_gc_alloc_array: an array of n elements; `type` is the array's
 *   descriptor (GT_TYPE_ARRAY; size = one element). An n whose byte size
 *   cannot exist is a fatal error, never an overflow.
 * gt_gc_alloc_slow: what inline allocation calls when its block cannot hold
 *   the object; same contract as gt_gc_alloc. */
void GT_GC *gt_gc_alloc(const gt_type *type, size_t bytes);
void GT_GC *gt_gc_alloc_array(const gt_type *type, size_t n);
void GT_GC *gt_gc_alloc_slow(const gt_type *type, size_t bytes);

/* Typed allocation with a descriptor written by hand. Code compiled by gt-cc
 * uses gt_new(T) and gt_new_array(T, n) (gt/hooks.h) instead, whose
 * descriptors the compiler derives from T. */
#define gt_new_with(T, type) ((T GT_GC *)gt_gc_alloc((type), sizeof(T)))
#define gt_new_array_with(T, type, n)                                          \
  ((T GT_GC *)gt_gc_alloc_array((type), (n)))

/* --- roots
 * A registered slot is a root: every collection reads it and rewrites it
 * with the object's new address. Slots are a set (adding a slot twice adds
 * it once). Callable from any thread, but not during a collection's copy. */
void gt_gc_add_root(void GT_GC **slot);
void gt_gc_remove_root(void GT_GC **slot);

/* --- GC pointers held by the runtime
 * Managed code cannot store a GC pointer in memory the collector does not
 * know (a plain struct on the stack, a malloc'ed buffer), so the runtime
 * takes and returns GC pointers by value, and keeps them where every
 * collection finds and rewrites them (docs/gc.md, "Roots"): the buffers of
 * ref channels, the element slots of a thread parked in a ref operation, a
 * parked gt_select_ref's case array, a new thread's argument.
 *
 * gt_chan_new_ref: a channel (see gt/gt.h) whose elements are GC pointers
 *   (or null); capacity 0 is unbuffered. Free it with gt_chan_free and close
 *   it with gt_chan_close as any channel. The plain calls (gt_chan_send,
 *   gt_chan_recv, gt_select) on a ref channel, the _ref calls on a plain
 *   channel, are fatal errors naming the thread.
 * gt_chan_send_ref: sends ref; GT_OK, or GT_CANCELED. Sending on a closed
 *   channel is fatal, as for gt_chan_send.
 * gt_chan_recv_ref: the received reference; *status (if status is not null)
 *   is GT_OK, GT_CLOSED (the channel is closed and drained) or GT_CANCELED,
 *   and the result is null for the latter two.
 * gt_select_ref: gt_select over ref channels only (a select cannot mix ref
 *   and plain channels; a channel that only signals can be a ref channel
 *   that is closed, or carries null). The cases are a GC array,
 *     gt_select_ref_case GT_GC *cs = gt_new_array(gt_select_ref_case, n);
 *   whose first n (1 to 64) entries are used: `ref` is the value a GT_SEND
 *   case sends; when a GT_RECV case fires, its `ref` receives the value
 *   (null when it fired on a closed channel, `closed` then 1). Returns the
 *   index of the case that fired, GT_WOULDBLOCK (block == 0 and none was
 *   ready) or GT_CANCELED. The array may move while the call waits; the
 *   result is written into it where it is on return.
 * gt_spawn_ref: gt_spawn (gt/gt.h) with a GC pointer argument, which the
 *   runtime holds until the thread starts and passes it to fn. */
gt_chan_t *gt_chan_new_ref(size_t capacity);
int gt_chan_send_ref(gt_chan_t *c, void GT_GC *ref);
void GT_GC *gt_chan_recv_ref(gt_chan_t *c, int *status);

typedef struct gt_select_ref_case {
  gt_chan_t *chan; /* a ref channel (malloc'ed, not a GC object) */
  int op;          /* GT_SEND or GT_RECV */
  int closed;      /* out, GT_RECV: 1 when it fired on a closed channel */
  void GT_GC *ref; /* GT_SEND: the value to send; GT_RECV: out, the value */
} gt_select_ref_case;
int gt_select_ref(gt_select_ref_case GT_GC *cases, size_t n, int block);

gt_thread_t gt_spawn_ref(void (*fn)(void GT_GC *), void GT_GC *arg,
                         const gt_attr *attr);

/* --- collections
 * gt_gc_collect: a full collection that starts after the call, on a green
 * thread; returns once it has finished (every object may have moved).
 *
 * Environment (read when the heap is set up, at the first allocation or
 * collection of the process):
 *   GT_GC_MAX_HEAP=N[k|m|g]  heap limit (gt_config.gc_max_heap wins when
 *                            set; default: physical memory). It bounds the
 *                            heap's footprint including the to-space of a
 *                            collection, so live data may fill about half.
 *   GT_GC_GROWTH=P           collect when the bytes allocated since the last
 *                            collection exceed P% of the live bytes it left
 *                            (default 100, at least 4 MiB).
 *   GT_GC_TORTURE=N          collect at every Nth allocation through the slow
 *                            path; every allocation takes it.
 *   GT_GC_VERIFY=1           check the whole heap and every root after each
 *                            collection and protect freed from-space.
 *   GT_GC_LOG=1              log every write from the start, as during a
 *                            concurrent collection, and check each entry
 *                            when its interval ends (fatal if bad).
 *   GT_GC_TRACE=1            one line per collection on stderr: its pauses
 *                            and phases, bytes copied, live and heap sizes.
 *   GT_GC=stw|concurrent     the collector: the stop-the-world copier (the
 *                            default) or the concurrent replicating one
 *                            (issue 14, opt-in while it is built). A
 *                            concurrent cycle stops the world three times
 *                            (its snapshot, its flip, its release of
 *                            from-space); no pause touches a parked thread
 *                            (their stacks are scanned and flipped while they
 *                            stay parked), but the flip still replays what
 *                            marking left, and the heap's block table is
 *                            walked at the flip and the release.
 *   GT_GC_FLIP_BUDGET_US=N   GT_GC=concurrent: a flip whose replay of what
 *                            marking left runs past N µs is given up and
 *                            tried again after more marking, at most 8 times
 *                            a cycle; then it is forced through (default
 *                            300; 0: never given up). Under GT_GC_TORTURE
 *                            every cycle gives its first flip up.
 *   GT_GC_ASSIST_BACKLOG=N   GT_GC=concurrent: while a cycle marks, a mutator
 *                            at a safepoint that finds more than N sealed
 *                            write-log buffers queued replays up to 2 of
 *                            them itself (default 2 per executor; 0 under
 *                            GT_GC_TORTURE). */
void gt_gc_collect(void);

#define GT_GC_PAUSE_LOG 64
enum {
  GT_GC_PAUSE_COLLECTION = 0,  /* a whole stop-the-world collection */
  GT_GC_PAUSE_FLIP = 1,        /* a concurrent cycle's flip */
  GT_GC_PAUSE_RELEASE = 2,     /* a concurrent cycle's release of from-space */
  GT_GC_PAUSE_SNAPSHOT = 3,    /* a concurrent cycle's start (its snapshot) */
  GT_GC_PAUSE_FLIP_ABORTED = 4 /* a flip given up: its residue ran long */
};
struct gt_gc_pause {
  uint64_t start_ns;    /* gt_now_ns() when the world was asked to stop */
  uint64_t duration_ns; /* until every executor went back to scheduling */
  uint64_t collection;  /* its number, from 1 */
  uint64_t kind;        /* GT_GC_PAUSE_* */
};

struct gt_gc_stats {
  uint64_t collections;
  uint64_t bytes_allocated; /* object bytes (headers included), ever */
  uint64_t bytes_copied;    /* by all collections */
  uint64_t heap_bytes;      /* small-object blocks in use + large objects */
  uint64_t heap_limit;
  uint64_t large_bytes;     /* large objects (their mappings) */
  uint64_t live_bytes;      /* after the last collection: copied + large */
  uint64_t pause_total_ns, pause_max_ns;
  /* The last min(pauses_recorded, GT_GC_PAUSE_LOG) pauses, oldest first:
   * one per stop-the-world collection, three per concurrent cycle (its
   * snapshot, its flip, then its release, all three of the collection that
   * the release counts), and before its flip one per flip it gave up. */
  uint32_t npauses;
  struct gt_gc_pause pauses[GT_GC_PAUSE_LOG];
  /* GT_GC=concurrent: cycles, each counted in `collections` too; the time
   * from their start to their flips, with mutators running (the last
   * cycle's and all of them); write-log entries they replayed; objects
   * allocated during them and replicated. Zero under the stop-the-world
   * collector. */
  uint64_t cycles;
  uint64_t mark_last_ns, mark_total_ns;
  uint64_t replayed_entries;
  uint64_t new_objects;
  /* Pauses ever recorded (the log keeps the last GT_GC_PAUSE_LOG). */
  uint64_t pauses_recorded;
  /* GT_GC=concurrent: flips given up because what marking left ran past
   * GT_GC_FLIP_BUDGET_US (each a pause of kind GT_GC_PAUSE_FLIP_ABORTED;
   * the cycle marks on and tries again); flips forced through after 8 such
   * aborts, which ran past the budget. */
  uint64_t flip_aborts;
  uint64_t flip_overruns;
  /* GT_GC=concurrent: write-log buffers (of up to 1024 entries) replayed
   * by mutators' assists rather than by the collector's coordinator. */
  uint64_t assist_buffers;
};
void gt_gc_stats(struct gt_gc_stats *out);

GT_SPLIT_STACK_CHECKED_END

#ifdef __cplusplus
}
#endif

#endif /* GT_GC_H */
