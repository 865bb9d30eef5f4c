// The heap's limits and the allocation API's errors, each in a child process
// with a fresh heap (the parent never starts the runtime): exhausting a heap
// limit set by gt_config or GT_GC_MAX_HEAP stops the process with a message
// naming the thread, the request and the heap's figures (small and large
// objects); a program whose live set fits keeps allocating within the limit
// forever; impossible array sizes, bad descriptors and sizes that disagree
// with their descriptor are fatal errors, never overflows.
//
// As in test_gc.cpp, GC pointers that must survive an allocation live in
// registered root slots (this file has no stack maps), and the descriptors
// are hand-written.
#include "check.h"

#include <gt/gc.h>
#include <gt/hooks.h>

#include <cstdint>
#include <cstdlib>

namespace {

struct Chunk {
  Chunk GT_GC *next;
  char bytes[3992];
};
const GT_TYPE_WITH(1) chunk_type = {GT_TYPE_V1(0), sizeof(Chunk), "Chunk", 1,
                                    {0}};
const GT_TYPE_WITH(1) ref_array = {GT_TYPE_V1(GT_TYPE_ARRAY), 8, "Ref[]", 1,
                                   {0}};
const GT_TYPE_WITH(0) byte_array = {
    GT_TYPE_V1(GT_TYPE_ARRAY | GT_TYPE_NOPTRS), 1, "byte[]", 0, {}};
const gt_type *T(const void *d) { return static_cast<const gt_type *>(d); }

using Ref = void GT_GC *;
Chunk GT_GC *chain; // a root: everything allocated stays live
Ref ring;           // a root: a Ref[] of the live byte arrays

constexpr size_t kLimit = 16 << 20;

// Runs `body` as a thread named `name` under a runtime whose heap limit is
// `limit` (0: GT_GC_MAX_HEAP or the default).
void (*body_fn)(void *);
const char *body_name;
void run_named(void *) {
  gt_attr a{0, body_name, 0};
  CHECK(gt_join(gt_spawn(body_fn, nullptr, &a)) == GT_OK);
}
void run_limited(size_t limit, const char *name, void (*body)(void *)) {
  body_fn = body;
  body_name = name;
  gt_config cfg{};
  cfg.executors = test_executors();
  cfg.gc_max_heap = limit;
  gt_run(&cfg, run_named, nullptr);
}

// Runs body as thread `name` in a child process with `var`=`value` in its
// environment, and checks that it dies with `expected` on stderr.
void expect_env_death(const char *what, const char *var, const char *value,
                      const char *name, void (*body)(void *),
                      const char *expected) {
  expect_death(
      what,
      [=] {
        setenv(var, value, 1);
        run_limited(kLimit, name, body);
      },
      expected);
}

void fill_forever(void *) {
  gt_gc_add_root((Ref *)&chain);
  for (;;) {
    Chunk GT_GC *c = gt_new_with(Chunk, T(&chunk_type));
    c->next = chain;
    chain = c;
  }
}

void large_too_big(void *) {
  gt_gc_alloc_array(T(&byte_array), 2 * kLimit);
}

void large_forever(void *) {
  gt_gc_add_root(&ring);
  ring = gt_gc_alloc_array(T(&ref_array), 1 << 16);
  for (size_t i = 0;; ++i) {
    Ref b = gt_gc_alloc_array(T(&byte_array), 100000);
    ((Ref GT_GC *)ring)[i % (1 << 16)] = b;
  }
}

// Allocates 4x the limit in small and large byte arrays, keeping the last
// 256 small ones and 4 large ones live; checks them and the heap's size.
void within_limit(void *) {
  constexpr size_t kRing = 256, kSmall = 1000, kLarge = 100000;
  gt_gc_add_root(&ring);
  ring = gt_gc_alloc_array(T(&ref_array), kRing + 4);
  size_t total = 0;
  for (size_t i = 0; total < 4 * kLimit; ++i) {
    bool large = i % 64 == 63;
    size_t n = large ? kLarge : kSmall;
    Ref b = gt_gc_alloc_array(T(&byte_array), n);
    unsigned char GT_GC *bytes = (unsigned char GT_GC *)b;
    bytes[0] = (unsigned char)i;
    bytes[n - 1] = (unsigned char)~i;
    size_t slot = large ? kRing + (i / 64) % 4 : i % kRing;
    ((Ref GT_GC *)ring)[slot] = b;
    total += n;
    if (i % 256 == 0) {
      struct gt_gc_stats s;
      gt_gc_stats(&s);
      CHECK(s.heap_limit == kLimit);
      CHECK(s.heap_bytes <= kLimit);
    }
    if (i % 1024 == 1023) // every live array still holds its bytes
      for (size_t k = 0; k < kRing + 4; ++k) {
        unsigned char GT_GC *a = (unsigned char GT_GC *)((Ref GT_GC *)ring)[k];
        if (!a)
          continue;
        size_t len = gt_gc_array_len(a);
        CHECK(len == kSmall || len == kLarge);
        CHECK((unsigned char)(a[0] ^ a[len - 1]) == 0xff);
      }
  }
  struct gt_gc_stats s;
  gt_gc_stats(&s);
  CHECK(s.collections >= 4);
  CHECK(s.bytes_allocated >= 4 * kLimit);
  std::printf("within the limit: %.0f MiB allocated in a %zu MiB heap, %llu "
              "collections, %.1f MiB live\n",
              s.bytes_allocated / 1048576.0, kLimit >> 20,
              (unsigned long long)s.collections, s.live_bytes / 1048576.0);
}

void array_overflow(void *) {
  gt_gc_alloc_array(T(&ref_array), SIZE_MAX / 4);
}
void array_huge(void *) {
  gt_gc_alloc_array(T(&byte_array), size_t(1) << 62);
}
void array_of_plain_type(void *) { gt_gc_alloc_array(T(&chunk_type), 4); }
void wrong_size(void *) { gt_gc_alloc(T(&chunk_type), 7); }
void bad_version(void *) {
  static const GT_TYPE_WITH(0) v2 = {2u << 24 | GT_TYPE_NOPTRS, 8, "v2", 0, {}};
  gt_gc_alloc(T(&v2), 8);
}
void bad_offsets(void *) {
  static const GT_TYPE_WITH(2) t = {GT_TYPE_V1(0), 32, "unsorted", 2, {16, 8}};
  gt_gc_alloc(T(&t), 32);
}

// GT_GC_VERIFY: a root slot holding an address that is no object.
long not_an_object[4];
void wild_root(void *) {
  static Ref slot;
  gt_gc_add_root(&slot);
  slot = (Ref)(void *)&not_an_object[2];
  gt_gc_collect();
}

// GT_GC_VERIFY: from-space is inaccessible after a collection, so reading
// through a stale pointer faults.
void stale_read(void *) {
  gt_gc_add_root((Ref *)&chain);
  chain = gt_new_with(Chunk, T(&chunk_type));
  chain->bytes[0] = 42;
  volatile char *stale = (volatile char *)gt_gc_raw(&chain->bytes[0]);
  gt_gc_collect(); // moves the chunk; nothing allocates before the read
  CHECK(chain->bytes[0] == 42);
  std::printf("read %d through a stale pointer\n", stale[0]);
}

// GT_GC_LOG=1: write-log entries are checked when their interval ends
// (gc/wlog.cpp); these name a field outside the object, and an overwritten
// pointer for a field that holds none.
void log_entry(uintptr_t offset, bool with_old) {
  static Ref slot;
  gt_gc_add_root(&slot);
  slot = gt_new_with(Chunk, T(&chunk_type));
  uintptr_t p = gt_gc_address(slot);
  gt_wlog_entry *e = gt_hook_write_barrier_reserve(1);
  *e = gt_wlog_entry{p, offset, with_old ? p : 0};
  gt_yield(); // a safepoint: the interval ends
  std::printf("the entry was not checked\n");
}
void log_beyond(void *) { log_entry(sizeof(Chunk) + 16, false); }
void log_old_in_bytes(void *) { log_entry(16, true); }

} // namespace

int main() {
  expect_death(
      "a heap limit from gt_config",
      [] { run_limited(kLimit, "filler", fill_forever); },
      "heap exhausted: cannot allocate 4000 bytes for a 'Chunk'");
  expect_death(
      "the limit named with the heap's figures and the thread",
      [] { run_limited(kLimit, "filler", fill_forever); },
      "limit 16777216 bytes (GT_GC_MAX_HEAP");
  expect_death(
      "GT_GC_MAX_HEAP",
      [] {
        setenv("GT_GC_MAX_HEAP", "12m", 1);
        run_limited(0, "filler", fill_forever);
      },
      "limit 12582912 bytes");
  expect_death(
      "a large object over the limit",
      [] { run_limited(kLimit, "big", large_too_big); },
      "heap exhausted: cannot allocate 33554432 bytes for a 'byte[]'");
  expect_death(
      "large objects kept live",
      [] { run_limited(kLimit, "hoarder", large_forever); },
      "in large objects), limit 16777216 bytes");
  expect_death(
      "the thread is named",
      [] { run_limited(kLimit, "filler", fill_forever); }, "'filler']");
  expect_death(
      "gt_gc_alloc_array overflow",
      [] { run_limited(kLimit, "t", array_overflow); },
      "gt_gc_alloc_array: impossible size: 4611686018427387903 elements of "
      "'Ref[]' (8 bytes each)");
  expect_death(
      "an impossible byte array", [] { run_limited(kLimit, "t", array_huge); },
      "gt_gc_alloc_array: impossible size");
  expect_death(
      "an array of a plain type",
      [] { run_limited(kLimit, "t", array_of_plain_type); },
      "'Chunk' is not an array descriptor");
  expect_death(
      "a size its descriptor disagrees with",
      [] { run_limited(kLimit, "t", wrong_size); },
      "7 bytes asked for a 'Chunk', whose descriptor says 4000 bytes");
  expect_death(
      "an unknown descriptor version",
      [] { run_limited(kLimit, "t", bad_version); },
      "invalid type descriptor");
  expect_death(
      "unsorted pointer offsets", [] { run_limited(kLimit, "t", bad_offsets); },
      "pointer offsets not ascending");
  expect_death(
      "allocation outside green threads",
      [] { gt_gc_alloc(T(&chunk_type), sizeof(Chunk)); },
      "called outside a green thread");
  expect_death(
      "gt_gc_collect outside green threads", [] { gt_gc_collect(); },
      "gt_gc_collect called outside a green thread");

  expect_env_death("GT_GC names the collectors it knows", "GT_GC", "parallel",
                   "t", within_limit,
                   "GT_GC='parallel': expected 'stw' or 'concurrent'");
  expect_env_death("GT_GC_VERIFY: a root that is no object", "GT_GC_VERIFY",
                   "1", "t", wild_root,
                   "is neither in the heap nor a large object");
  expect_env_death("GT_GC_VERIFY: reading through a stale pointer faults",
                   "GT_GC_VERIFY", "1", "t", stale_read, "");
  expect_env_death(
      "GT_GC_LOG: an entry beyond its object", "GT_GC_LOG", "1", "logger",
      log_beyond,
      "('logger') or an earlier one of the same interval: entry {object");
  expect_env_death(
      "GT_GC_LOG: an overwritten pointer for a field that is not one",
      "GT_GC_LOG", "1", "logger", log_old_in_bytes,
      "an overwritten pointer logged for a field that is not a GC pointer");
  expect_env_death("GT_GC_LOG takes 0 or 1", "GT_GC_LOG", "yes", "t",
                   within_limit, "GT_GC_LOG='yes': expected 0 or 1");

  // A live set that fits: allocation goes on within the limit.
  std::fflush(stdout);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    run_limited(kLimit, "steady", within_limit);
    std::fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::printf("ok\n");
  return 0;
}
