// Green threads that migrate between executors see the thread-local
// variables of the OS thread they run on after every switch. Compiled through
// swapstack_c_object(), whose pipeline runs the fork's swapstack-safe-tls
// pass: with plain clang -O2 the loop below keeps the first address of
// cached_tid in a register (llvm-project issue 98479) and, after a
// migration, uses another OS thread's variable. The reference address comes
// from test_tls_fresh.cpp, a separate translation unit.
#include "check.h"

#include <sys/syscall.h>

thread_local long cached_tid; // per OS thread
long *fresh_cached_tid_address(); // test_tls_fresh.cpp

namespace {

long os_tid_via_tls() {
  if (!cached_tid)
    cached_tid = syscall(SYS_gettid);
  return cached_tid;
}

std::atomic<long> migrations, checks;

void worker(void *) {
  long last = os_tid_via_tls();
  for (int i = 0; i < 20000; ++i) {
    gt_yield();
    CHECK(&cached_tid == fresh_cached_tid_address());
    long now = os_tid_via_tls();
    CHECK(now == syscall(SYS_gettid));
    if (now != last)
      migrations.fetch_add(1, std::memory_order_relaxed);
    last = now;
  }
  checks.fetch_add(20000);
}

void main_thread(void *) {
  gt_thread_t h[16];
  for (auto &x : h)
    x = gt_spawn(worker, nullptr, nullptr);
  for (auto x : h)
    gt_join(x);
  std::printf("%ld TLS reads after a yield, %ld on a different OS thread "
              "than before it\n",
              checks.load(), migrations.load());
  CHECK(gt_executor_count() == 1 || migrations.load() > 0);
}

} // namespace

int main() {
  run(main_thread);
  std::puts("all TLS migration tests passed");
  return 0;
}
