// A green thread that overflows its stack is reported by name, with the
// stack's bounds, and the process stops instead of corrupting memory.
#include "check.h"

namespace {

__attribute__((noinline)) int recurse(int n) {
  volatile char pad[256];
  pad[0] = (char)n;
  return n == 0 ? pad[0] : recurse(n - 1) + pad[0];
}

void overflow_body(void *) {
  gt_attr attr{16384, "recurser"};
  gt_join(gt_spawn([](void *) { recurse(1 << 20); }, nullptr, &attr));
}

void fits_body(void *) {
  gt_attr attr{16384, "fits"};
  static int r;
  gt_join(gt_spawn([](void *) { r = recurse(20); }, nullptr, &attr));
  CHECK(r == 210); // 20 + 19 + ... + 0
}

} // namespace

int main() {
  run(fits_body);
  std::puts("ok: 20 frames of 256 bytes fit in a 16 KiB stack");
  expect_fatal("unbounded recursion on a 16 KiB stack", overflow_body,
               "stack overflow in green thread ");
  expect_fatal("the report names the thread", overflow_body, "'recurser'");
  expect_fatal("the report gives the stack size", overflow_body,
               "of 16384 bytes");
  std::puts("all overflow tests passed");
  return 0;
}
