// gt/gt.hpp: a thin C++ layer over gt/gt.h, shaped like std::thread and
// Boost.Fiber: gt::run, gt::thread, gt::this_thread, gt::mutex,
// gt::condition_variable (both usable with std::lock_guard/unique_lock),
// gt::wait_group and gt::channel<T> with gt::select.
//
// Exceptions must not escape a green thread's function: it would terminate.
#pragma once

#include <gt/gt.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace gt {

namespace detail {
template <class F> void trampoline(void *p) noexcept {
  F *f = static_cast<F *>(p);
  (*f)();
  delete f;
}
} // namespace detail

// Runs `main` as the first green thread on `executors` executors (0: one per
// CPU) and returns when it returns.
template <class F> void run(F &&main, unsigned executors = 0) {
  using Fn = std::decay_t<F>;
  Fn fn(std::forward<F>(main));
  gt_config cfg{executors, 0};
  gt_run(&cfg, [](void *p) { (*static_cast<Fn *>(p))(); }, &fn);
}

struct spawn_options {
  size_t stack_size = 0;
  const char *name = nullptr;
  bool compact = false; // GT_ATTR_COMPACT: see gt/gt.h for its contract
};

class thread {
public:
  thread() = default;
  template <class F>
  explicit thread(F &&f, spawn_options opt = {}) {
    using Fn = std::decay_t<F>;
    gt_attr attr{opt.stack_size, opt.name, opt.compact ? GT_ATTR_COMPACT : 0u};
    h_ = gt_spawn(detail::trampoline<Fn>, new Fn(std::forward<F>(f)), &attr);
  }
  thread(thread &&o) noexcept : h_(std::exchange(o.h_, 0)) {}
  thread &operator=(thread &&o) noexcept {
    if (joinable())
      std::terminate();
    h_ = std::exchange(o.h_, 0);
    return *this;
  }
  ~thread() {
    if (joinable())
      std::terminate(); // as std::thread: join or detach first
  }
  bool joinable() const { return h_ != 0; }
  // false when the joining thread was cancelled (this thread stays joinable).
  bool join() {
    if (gt_join(h_) != GT_OK)
      return false;
    h_ = 0;
    return true;
  }
  void detach() { gt_detach(std::exchange(h_, 0)); }
  void cancel() { gt_cancel(h_); }
  gt_thread_t native_handle() const { return h_; }

private:
  gt_thread_t h_ = 0;
};

namespace this_thread {
inline void yield() { gt_yield(); }
inline uint64_t id() { return gt_self_id(); }
inline bool cancel_requested() { return gt_cancel_requested(); }
template <class Rep, class Period>
bool sleep_for(std::chrono::duration<Rep, Period> d) {
  return gt_sleep_for(
             std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()) ==
         GT_OK;
}
} // namespace this_thread

class mutex {
public:
  void lock() { gt_mutex_lock(&m_); }
  bool try_lock() { return gt_mutex_trylock(&m_); }
  void unlock() { gt_mutex_unlock(&m_); }
  gt_mutex_t *native_handle() { return &m_; }

private:
  gt_mutex_t m_{};
};

class condition_variable {
public:
  // false when cancelled; the lock is held again either way.
  bool wait(std::unique_lock<mutex> &lk) {
    return gt_cond_wait(&c_, lk.mutex()->native_handle()) == GT_OK;
  }
  template <class Pred> bool wait(std::unique_lock<mutex> &lk, Pred pred) {
    while (!pred())
      if (!wait(lk))
        return false;
    return true;
  }
  void notify_one() { gt_cond_signal(&c_); }
  void notify_all() { gt_cond_broadcast(&c_); }

private:
  gt_cond_t c_{};
};

class wait_group {
public:
  void add(int64_t n) { gt_waitgroup_add(&w_, n); }
  void done() { gt_waitgroup_done(&w_); }
  bool wait() { return gt_waitgroup_wait(&w_) == GT_OK; }

private:
  gt_waitgroup_t w_{};
};

// Channels carry trivially copyable values.
template <class T> class channel {
  static_assert(std::is_trivially_copyable_v<T>);

public:
  explicit channel(size_t capacity = 0)
      : c_(gt_chan_new(sizeof(T), capacity)) {}
  channel(const channel &) = delete;
  channel &operator=(const channel &) = delete;
  ~channel() { gt_chan_free(c_); }
  // false when cancelled.
  bool send(const T &v) { return gt_chan_send(c_, &v) == GT_OK; }
  // nullopt when closed and drained, or cancelled.
  std::optional<T> recv() {
    T v;
    return gt_chan_recv(c_, &v) == GT_OK ? std::optional<T>(v) : std::nullopt;
  }
  void close() { gt_chan_close(c_); }
  gt_chan_t *native_handle() { return c_; }

private:
  gt_chan_t *c_;
};

// Cases for gt::select: select(send_case(ch, v), recv_case(ch2, out), ...).
template <class T> gt_select_case send_case(channel<T> &c, const T &v) {
  return {c.native_handle(), GT_SEND, const_cast<T *>(&v), 0};
}
template <class T> gt_select_case recv_case(channel<T> &c, T &out) {
  return {c.native_handle(), GT_RECV, &out, 0};
}
// The index of the case that fired, or GT_CANCELED.
template <class... Cases> int select(Cases... cases) {
  gt_select_case cs[] = {cases...};
  return gt_select(cs, sizeof...(Cases), 1);
}

} // namespace gt
