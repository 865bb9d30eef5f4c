// The C++ layer (gt/gt.hpp): threads with lambdas, std::lock_guard and
// std::unique_lock over gt::mutex, condition_variable, wait_group, typed
// channels and select.
#include "check.h"

#include <gt/gt.hpp>

#include <vector>

int main() {
  gt::run(
      [] {
        long counter = 0;
        gt::mutex m;
        std::vector<gt::thread> ts;
        for (int i = 0; i < 16; ++i)
          ts.emplace_back([&] {
            for (int k = 0; k < 1000; ++k) {
              std::lock_guard<gt::mutex> g(m);
              ++counter;
            }
          });
        for (auto &t : ts)
          CHECK(t.join());
        CHECK(counter == 16000);

        gt::condition_variable cv;
        bool ready = false;
        gt::thread waiter([&] {
          std::unique_lock<gt::mutex> lk(m);
          CHECK(cv.wait(lk, [&] { return ready; }));
        });
        gt::this_thread::sleep_for(std::chrono::milliseconds(1));
        {
          std::lock_guard<gt::mutex> g(m);
          ready = true;
        }
        cv.notify_all();
        waiter.join();

        gt::channel<int> nums(4), squares;
        gt::wait_group wg;
        wg.add(1);
        gt::thread sq(
            [&] {
              while (auto v = nums.recv())
                squares.send(*v * *v);
              squares.close();
              wg.done();
            },
            {0, "squarer"});
        gt::thread feed([&] {
          for (int i = 1; i <= 100; ++i)
            nums.send(i);
          nums.close();
        });
        long sum = 0;
        while (auto s = squares.recv())
          sum += *s;
        CHECK(sum == 338350);
        CHECK(wg.wait());
        sq.join();
        feed.join();

        gt::channel<int> a, b;
        gt::thread pa([&] { a.send(1); });
        gt::thread pb([&] { b.send(2); });
        int got = 0, x = 0, y = 0;
        for (int i = 0; i < 2; ++i) {
          int k = gt::select(gt::recv_case(a, x), gt::recv_case(b, y));
          CHECK(k == 0 || k == 1);
          got += k == 0 ? x : y;
        }
        CHECK(got == 3);
        pa.join();
        pb.join();

        gt::thread sleeper([] {
          CHECK(!gt::this_thread::sleep_for(std::chrono::hours(1)));
          CHECK(gt::this_thread::cancel_requested());
        });
        gt::this_thread::sleep_for(std::chrono::milliseconds(1));
        sleeper.cancel();
        sleeper.join();
        std::printf("C++ layer on %u executor(s): ok\n", gt_executor_count());
      },
      test_executors());
  std::puts("all C++ layer tests passed");
  return 0;
}
