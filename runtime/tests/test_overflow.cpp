// A green thread that overflows its stack is reported by name, with the
// stack's bounds, and the process stops instead of corrupting memory. Stacks
// are carved and guarded in batches: every stack of a batch has its guard,
// and a thread that overflows after a mass spawn of parked threads (which
// woke it) is still reported by name.
#include "check.h"
#include "internal.h"

#include <cerrno>
#include <vector>

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

// Whether the byte at p can be read: write(2) from it fails with EFAULT on a
// guard page instead of faulting.
bool readable(int fd_w, int fd_r, const char *p) {
  if (write(fd_w, p, 1) == 1) {
    char c;
    CHECK(read(fd_r, &c, 1) == 1);
    return true;
  }
  CHECK(errno == EFAULT);
  return false;
}

// Every stack handed out, fresh from a batch or reused, has its guard page
// right below it and its own pages usable.
void guards_body(void *) {
  constexpr int kStacks = 5000;
  int fds[2];
  CHECK(pipe(fds) == 0);
  std::vector<gt::Stack> stacks(kStacks);
  for (int round = 0; round < 2; ++round) { // fresh, then reused
    for (auto &s : stacks)
      CHECK(gt::stack_alloc(gt::current_executor(), 16384, &s));
    for (auto &s : stacks) {
      CHECK(!readable(fds[1], fds[0], s.lo - 1));
      CHECK(readable(fds[1], fds[0], s.lo));
      CHECK(readable(fds[1], fds[0], s.hi() - 1));
    }
    for (auto &s : stacks)
      gt::stack_free(gt::current_executor(), s);
  }
  close(fds[0]);
  close(fds[1]);
}

// Many threads parked, then one of them (woken by its own channel)
// overflows. AArch64 runs under qemu, where guards fall back to mprotect
// (two memory mappings per stack, within vm.max_map_count).
#if defined(__aarch64__)
constexpr long kParked = 20000;
#else
constexpr long kParked = 100000;
#endif
gt_chan_t *gate, *poke;
void parked(void *) { gt_chan_recv(gate, nullptr); }
void poked(void *) {
  gt_chan_recv(poke, nullptr);
  recurse(1 << 20);
}
void mass_body(void *) {
  gate = gt_chan_new(0, 0);
  poke = gt_chan_new(0, 0);
  gt_attr attr{0, nullptr, 0};
  for (long i = 0; i < kParked; ++i) {
    attr.name = i == kParked / 2 ? "parked-middle" : nullptr;
    gt_detach(gt_spawn(i == kParked / 2 ? poked : parked, nullptr, &attr));
  }
  gt_chan_close(poke);
  gt_sleep_for(10 * 1000000000ull); // the overflow stops the process
}

} // namespace

int main() {
  run(guards_body);
  std::puts("ok: every stack of 2 x 5000 (fresh and reused) has its guard");
  run(fits_body);
  std::puts("ok: 20 frames of 256 bytes fit in a 16 KiB stack");
  expect_fatal("unbounded recursion on a 16 KiB stack", overflow_body,
               "stack overflow in green thread ");
  expect_fatal("the report names the thread", overflow_body, "'recurser'");
  expect_fatal("the report gives the stack size", overflow_body,
               "of 16384 bytes");
  expect_fatal("overflow of a thread woken among many parked ones",
               mass_body, "stack overflow in green thread ");
  expect_fatal("... is reported by name", mass_body, "'parked-middle'");
  std::puts("all overflow tests passed");
  return 0;
}
