// The mailbox register: in managed code (this file goes through the fork's
// pipeline with the register reserved) ss_mailbox() is the running green
// thread's mailbox after every kind of switch -- yield, channel hand-off,
// sleep, mutex wait, spawn -- including after migrating between executors,
// and survives calls into plain C code.
#include "check.h"

#include <swapstack/swapstack.h>

#include <cstdlib>

namespace {

std::atomic<long> checks;
gt_chan_t *ping[4];
gt_mutex_t mu;

__attribute__((noinline)) void check_mailbox() {
  CHECK(ss_mailbox() == reinterpret_cast<uintptr_t>(gt_self_mailbox()));
  checks.fetch_add(1, std::memory_order_relaxed);
}

// Workers 2m and 2m+1 play ping-pong on the unbuffered channel ping[m]: at
// every step one sends and the other receives.
void worker(void *arg) {
  long k = reinterpret_cast<intptr_t>(arg);
  for (int i = 0; i < 2000; ++i) {
    check_mailbox();
    gt_yield();
    check_mailbox();
    long v = i;
    if ((i + k) % 2)
      gt_chan_send(ping[k / 2], &v);
    else
      gt_chan_recv(ping[k / 2], &v);
    check_mailbox();
    gt_mutex_lock(&mu);
    check_mailbox();
    gt_mutex_unlock(&mu);
    if (i % 500 == 0) {
      gt_sleep_for(100000);
      check_mailbox();
    }
    char *p = static_cast<char *>(std::malloc(64)); // plain C in between
    std::free(p);
    check_mailbox();
  }
}

void main_thread(void *) {
  for (auto &c : ping)
    c = gt_chan_new(sizeof(long), 0);
  check_mailbox();
  gt_thread_t h[8];
  for (intptr_t k = 0; k < 8; ++k) {
    h[k] = gt_spawn(worker, reinterpret_cast<void *>(k), nullptr);
    check_mailbox(); // back in the parent after a child-first spawn
  }
  for (auto x : h)
    gt_join(x);
  check_mailbox();
  for (auto c : ping)
    gt_chan_free(c);
  std::printf("%ld checks: the mailbox register held the running thread's "
              "mailbox after every switch\n",
              checks.load());
}

} // namespace

int main() {
  run(main_thread);
  std::puts("all mailbox register tests passed");
  return 0;
}
