// executor.h: an executor (one OS thread running green threads) and the
// process-wide scheduler state shared by sched.cpp and idle.cpp.
#pragma once

#include "internal.h"
#include "runq.h"

#include <pthread.h>

namespace gt {

struct Executor {
  RunQueue rq;
  uint32_t id = 0;
  uint32_t tick = 0;
  ss_ctx_t sched_ctx = nullptr; // written by the thread it resumes
  Thread *current = nullptr;
  uint64_t rng = 0;
  bool spinning = false;  // looking for work; counted in Sched::nspinning
  bool idle = false;      // in the idle list; guarded by Sched::idle_lk
  Executor *idle_next = nullptr;
  std::atomic<uint32_t> note{0}; // futex word: 1 = woken
  pthread_t os{};
  // Default-size stacks kept for this executor (stacks.cpp).
  static constexpr uint32_t kStackCache = 64;
  uint32_t nstacks = 0;
  Stack stacks[kStackCache];
};

struct Sched {
  Executor *execs = nullptr;
  uint32_t n = 0;
  GlobalQueue global;
  std::atomic<uint32_t> nidle{0};
  std::atomic<uint32_t> nspinning{0};
  SpinLock idle_lk;
  Executor *idle_head = nullptr;
  std::atomic<bool> shutdown{false};
};
extern Sched sched;

// idle.cpp
void wakep();              // wake one idle executor to look for work
void wake_if_idle();       // after making work: wakep() when worthwhile
void stop_spinning(Executor *e);
void idle_wait(Executor *e);
void wake_all();

} // namespace gt
