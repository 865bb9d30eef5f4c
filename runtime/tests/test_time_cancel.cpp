// Sleeping, timers and cancellation of threads blocked in every kind of
// cancellable wait.
#include "check.h"

namespace {

void sleeper(void *p) {
  uint64_t t0 = gt_now_ns();
  CHECK(gt_sleep_for(20000000) == GT_OK);
  *static_cast<uint64_t *>(p) = gt_now_ns() - t0;
}

struct Target {
  int kind;
  int result = 99;
  gt_chan_t *c;
  gt_mutex_t m{};
  gt_cond_t cv{};
  gt_waitgroup_t wg{};
  gt_thread_t other;
};

void blocked(void *p) {
  auto *t = static_cast<Target *>(p);
  switch (t->kind) {
  case 0:
    t->result = gt_sleep_for(60ull * 1000000000);
    break;
  case 1: {
    int v;
    t->result = gt_chan_recv(t->c, &v);
    break;
  }
  case 2: {
    int v = 1;
    t->result = gt_chan_send(t->c, &v);
    break;
  }
  case 3:
    gt_mutex_lock(&t->m);
    t->result = gt_cond_wait(&t->cv, &t->m);
    gt_mutex_unlock(&t->m);
    break;
  case 4:
    t->result = gt_waitgroup_wait(&t->wg);
    break;
  case 5:
    t->result = gt_join(t->other);
    break;
  }
  // Every later cancellable call fails at once, too.
  CHECK(gt_cancel_requested());
  CHECK(gt_sleep_for(1000000000) == GT_CANCELED);
}

void forever(void *p) {
  gt_chan_recv(static_cast<gt_chan_t *>(p), nullptr);
}

void main_thread(void *) {
  uint64_t slept[8];
  gt_thread_t h[8];
  for (int i = 0; i < 8; ++i)
    h[i] = gt_spawn(sleeper, &slept[i], nullptr);
  for (int i = 0; i < 8; ++i) {
    gt_join(h[i]);
    CHECK(slept[i] >= 20000000 && slept[i] < 2000000000);
  }
  std::puts("8 threads slept 20 ms each");

  static const char *kinds[] = {"sleep", "chan recv", "chan send",
                                "cond wait", "waitgroup wait", "join"};
  gt_chan_t *never = gt_chan_new(0, 0);
  for (int kind = 0; kind < 6; ++kind) {
    Target t;
    t.kind = kind;
    t.c = gt_chan_new(sizeof(int), 0);
    gt_waitgroup_add(&t.wg, 1);
    t.other = gt_spawn(forever, never, nullptr);
    gt_thread_t x = gt_spawn(blocked, &t, nullptr);
    gt_sleep_for(5000000); // let it block
    uint64_t t0 = gt_now_ns();
    gt_cancel(x);
    CHECK(gt_join(x) == GT_OK);
    CHECK(t.result == GT_CANCELED);
    std::printf("cancel while blocked in %s: woken after %llu us\n",
                kinds[kind], (unsigned long long)(gt_now_ns() - t0) / 1000);
    gt_cancel(t.other);
    gt_join(t.other);
    gt_chan_free(t.c);
  }
  gt_chan_free(never);

  // Cancelling a running thread: it sees the request at its next wait.
  static std::atomic<int> spins;
  gt_thread_t r = gt_spawn(
      [](void *) {
        while (!gt_cancel_requested())
          spins.fetch_add(1), gt_yield();
        CHECK(gt_sleep_for(1000000000) == GT_CANCELED);
      },
      nullptr, nullptr);
  gt_sleep_for(1000000);
  gt_cancel(r);
  gt_join(r);
  std::puts("cancel of a running thread: ok");
}

} // namespace

int main() {
  run(main_thread);
  std::puts("all time/cancel tests passed");
  return 0;
}
