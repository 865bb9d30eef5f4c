// A concurrent prime sieve on green threads (the classic Go example): a
// generator feeds 2, 3, 4, ... into a chain of filter threads, one per prime
// found so far; each drops the multiples of its prime and passes the rest
// on. Then a million threads are spawned, parked and woken. Built through the
// fork's C++ pipeline (cmake/SwapStack.cmake), as code that runs on green
// threads should be.
#include <gt/gt.hpp>

#include <atomic>
#include <cstdio>
#include <memory>
#include <vector>

int main(int argc, char **argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 1000;
  gt::run([count] {
    auto source = std::make_shared<gt::channel<long>>();
    gt::thread([source] {
      for (long i = 2;; ++i)
        if (!source->send(i))
          return;
    }).detach();

    std::shared_ptr<gt::channel<long>> in = source;
    long prime = 0, sum = 0;
    for (int i = 0; i < count; ++i) {
      prime = *in->recv();
      sum += prime;
      auto out = std::make_shared<gt::channel<long>>();
      gt::thread([in, out, prime] {
        while (auto v = in->recv())
          if (*v % prime != 0)
            out->send(*v);
      }).detach();
      in = out;
    }
    std::printf("sieve: the %dth prime is %ld (sum of the first %d: %ld), "
                "%d filter threads on %u executors\n",
                count, prime, count, sum, count, gt_executor_count());

    constexpr long kThreads = 1000000;
    gt::channel<char> gate;
    gt::wait_group wg;
    wg.add(kThreads);
    std::atomic<long> woken{0};
    uint64_t t0 = gt_now_ns();
    for (long i = 0; i < kThreads; ++i)
      gt::thread([&] {
        gate.recv(); // parks until the gate closes
        woken.fetch_add(1, std::memory_order_relaxed);
        wg.done();
      }).detach();
    uint64_t t1 = gt_now_ns();
    gate.close();
    wg.wait();
    std::printf("%ld threads spawned and parked in %.0f ms, all woken and "
                "finished in %.0f ms (woken: %ld)\n",
                kThreads, (t1 - t0) / 1e6, (gt_now_ns() - t1) / 1e6,
                woken.load());
    std::exit(0); // the sieve's threads are still parked
  });
}
