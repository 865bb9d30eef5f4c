// Channels: a multi-stage pipeline (unbuffered and buffered), fan-in with
// select, non-blocking select, close semantics, and misuse errors.
#include "check.h"

#include <vector>

namespace {

constexpr long kValues = 200000;
constexpr int kStages = 16;

struct Stage {
  gt_chan_t *in, *out;
};

// Each stage adds 1 to every value and passes it on, until its input closes.
void stage(void *p) {
  auto *s = static_cast<Stage *>(p);
  long v;
  while (gt_chan_recv(s->in, &v) == GT_OK) {
    v += 1;
    CHECK(gt_chan_send(s->out, &v) == GT_OK);
  }
  gt_chan_close(s->out);
}

struct Source {
  gt_chan_t *out;
};
void source(void *p) {
  auto *s = static_cast<Source *>(p);
  for (long i = 0; i < kValues; ++i)
    CHECK(gt_chan_send(s->out, &i) == GT_OK);
  gt_chan_close(s->out);
}

void pipeline(size_t capacity) {
  std::vector<gt_chan_t *> ch(kStages + 1);
  for (auto &c : ch)
    c = gt_chan_new(sizeof(long), capacity);
  Source src{ch[0]};
  gt_thread_t hs = gt_spawn(source, &src, nullptr);
  std::vector<Stage> st(kStages);
  std::vector<gt_thread_t> h(kStages);
  for (int i = 0; i < kStages; ++i) {
    st[i] = {ch[i], ch[i + 1]};
    h[i] = gt_spawn(stage, &st[i], nullptr);
  }
  long v, sum = 0, n = 0, last = -1;
  while (gt_chan_recv(ch[kStages], &v) == GT_OK) {
    CHECK(v > last); // order is preserved
    last = v;
    sum += v;
    ++n;
  }
  CHECK(n == kValues);
  CHECK(sum == kValues * (kValues - 1) / 2 + kValues * kStages);
  CHECK(gt_chan_recv(ch[kStages], &v) == GT_CLOSED && v == 0);
  gt_join(hs);
  for (auto x : h)
    gt_join(x);
  for (auto c : ch)
    gt_chan_free(c);
  std::printf("pipeline: %d stages, capacity %zu, %ld values, sum %ld\n",
              kStages, capacity, n, sum);
}

struct Producer {
  gt_chan_t *c;
  long id;
};
constexpr long kPerProducer = 20000;
void produce(void *p) {
  auto *pr = static_cast<Producer *>(p);
  for (long i = 0; i < kPerProducer; ++i) {
    long v = pr->id * kPerProducer + i;
    gt_chan_send(pr->c, &v);
  }
  gt_chan_close(pr->c);
}

void fan_in() {
  constexpr int kN = 4;
  gt_chan_t *c[kN];
  Producer pr[kN];
  gt_thread_t h[kN];
  for (int i = 0; i < kN; ++i) {
    c[i] = gt_chan_new(sizeof(long), i % 2 ? 4 : 0);
    pr[i] = {c[i], i};
    h[i] = gt_spawn(produce, &pr[i], nullptr);
  }
  long vals[kN], sum = 0, count[kN] = {};
  gt_select_case cases[kN];
  int open = kN;
  for (int i = 0; i < kN; ++i)
    cases[i] = {c[i], GT_RECV, &vals[i], 0};
  while (open > 0) {
    int k = gt_select(cases, open, 1);
    CHECK(k >= 0 && k < open);
    if (cases[k].closed) { // drop the closed channel's case
      cases[k] = cases[open - 1];
      --open;
      continue;
    }
    long v = *static_cast<long *>(cases[k].elem);
    CHECK(v / kPerProducer >= 0 && v / kPerProducer < kN);
    ++count[v / kPerProducer];
    sum += v;
  }
  long total = kN * kPerProducer;
  CHECK(sum == total * (total - 1) / 2);
  for (int i = 0; i < kN; ++i) {
    CHECK(count[i] == kPerProducer);
    gt_join(h[i]);
    gt_chan_free(c[i]);
  }
  std::printf("select fan-in: %d producers, %ld values\n", kN, total);
}

void nonblocking() {
  gt_chan_t *c = gt_chan_new(sizeof(int), 1);
  int x = 7, y = 0;
  gt_select_case recv{c, GT_RECV, &y, 0};
  CHECK(gt_select(&recv, 1, 0) == GT_WOULDBLOCK);
  gt_select_case send{c, GT_SEND, &x, 0};
  CHECK(gt_select(&send, 1, 0) == 0);
  CHECK(gt_select(&send, 1, 0) == GT_WOULDBLOCK); // full
  CHECK(gt_select(&recv, 1, 0) == 0 && y == 7);
  // A select that both sends and receives on one channel.
  gt_select_case both[2] = {{c, GT_SEND, &x, 0}, {c, GT_RECV, &y, 0}};
  CHECK(gt_select(both, 2, 1) == 0); // only the send can proceed
  y = 0;
  CHECK(gt_select(both, 2, 1) == 1 && y == 7); // now only the receive
  gt_chan_close(c);
  CHECK(gt_select(&recv, 1, 0) == 0 && recv.closed == 1);
  gt_chan_free(c);
  std::puts("non-blocking select and close: ok");
}

// Closing wakes every blocked receiver.
struct Blocked {
  gt_chan_t *c;
  std::atomic<int> *closed_seen;
};
void blocked_recv(void *p) {
  auto *b = static_cast<Blocked *>(p);
  int v = 1;
  CHECK(gt_chan_recv(b->c, &v) == GT_CLOSED && v == 0);
  b->closed_seen->fetch_add(1);
}
void close_wakes() {
  gt_chan_t *c = gt_chan_new(sizeof(int), 0);
  std::atomic<int> seen{0};
  Blocked b{c, &seen};
  gt_thread_t h[10];
  for (auto &x : h)
    x = gt_spawn(blocked_recv, &b, nullptr);
  gt_sleep_for(2000000);
  gt_chan_close(c);
  for (auto x : h)
    gt_join(x);
  CHECK(seen.load() == 10);
  gt_chan_free(c);
  std::puts("close wakes 10 blocked receivers: ok");
}

void main_thread(void *) {
  pipeline(0);
  pipeline(16);
  fan_in();
  nonblocking();
  close_wakes();
}

void send_closed(void *) {
  gt_chan_t *c = gt_chan_new(sizeof(int), 1);
  gt_chan_close(c);
  int v = 1;
  gt_chan_send(c, &v);
}
void send_blocked_then_closed(void *) {
  static gt_chan_t *c = gt_chan_new(sizeof(int), 0);
  gt_detach(gt_spawn(
      [](void *) {
        int v = 1;
        gt_chan_send(c, &v);
      },
      nullptr, nullptr));
  gt_sleep_for(2000000);
  gt_chan_close(c);
  gt_sleep_for(100000000);
}
void close_twice(void *) {
  gt_chan_t *c = gt_chan_new(sizeof(int), 0);
  gt_chan_close(c);
  gt_chan_close(c);
}

} // namespace

int main() {
  run(main_thread);
  expect_fatal("send on a closed channel", send_closed,
               "send on closed channel");
  expect_fatal("close while a sender waits", send_blocked_then_closed,
               "send on closed channel");
  expect_fatal("closing twice", close_twice, "already closed");
  std::puts("all channel tests passed");
  return 0;
}
