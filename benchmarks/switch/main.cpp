// benchmarks/switch: the cost of a one-way context switch, measured side by
// side in one run for the fork's swapstack and the peers a user would
// otherwise pick: Boost.Context `fiber`, glibc `swapcontext`, and
// `preserve_none` plus a hand-written stack-switch stub.
//
// Each mechanism runs a ping-pong of R round trips (2R one-way switches)
// between the caller and a second stack; the peer answers i with i + 1 and
// every run's checksum is verified. A mechanism's time is the best of
// several runs (wall clock, CLOCK_MONOTONIC) and cycles are TSC cycles.
//
// Bytes saved per switch: for swapstack and preserve_none, the bytes the
// generated ping-pong loops store to the stack per switch (spills, pushes,
// return addresses), counted in the compilers' output at build time and
// averaged over the two sides; for Boost.Context, its fcontext record (six
// callee-saved registers, the FPU control words and the return address); for
// swapcontext, the ucontext_t it fills in.
#include "peers.h"
#include "saved_bytes.h"

#include <x86intrin.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

namespace {

struct Result {
  double ns_per_switch;
  double cycles_per_switch;
};

double now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

template <typename F> Result measure(const char *name, uint64_t rounds, F run) {
  const uint64_t expect = rounds * (rounds + 1) / 2;
  run(rounds / 10); // warm up
  Result best{1e30, 1e30};
  for (int rep = 0; rep < 7; ++rep) {
    double t0 = now_ns();
    uint64_t c0 = __rdtsc();
    uint64_t sum = run(rounds);
    uint64_t c1 = __rdtsc();
    double t1 = now_ns();
    if (sum != expect) {
      std::fprintf(stderr, "%s: wrong checksum %" PRIu64 ", want %" PRIu64 "\n",
                   name, sum, expect);
      std::exit(1);
    }
    double switches = 2.0 * rounds;
    if ((t1 - t0) / switches < best.ns_per_switch)
      best = {(t1 - t0) / switches, (c1 - c0) / switches};
  }
  return best;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0)
      return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

} // namespace

int main(int argc, char **argv) {
  uint64_t rounds = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 5000000;
  static char stack[65536] __attribute__((aligned(16)));

  struct Row {
    const char *name;
    Result r;
    double bytes;
  };
  std::vector<Row> rows;
  rows.push_back({"swapstack (fork)",
                  measure("swapstack", rounds,
                          [](uint64_t n) {
                            return swapstack_pingpong(stack, sizeof stack, n);
                          }),
                  (SWAPSTACK_MAIN_BYTES + SWAPSTACK_PEER_BYTES) / 2.0});
  rows.push_back({"Boost.Context fiber",
                  measure("boost", rounds, boost_fiber_pingpong), 64});
  rows.push_back({"preserve_none + stub",
                  measure("preserve_none", rounds, preserve_none_pingpong),
                  (PN_MAIN_BYTES + PN_PEER_BYTES) / 2.0});
  rows.push_back({"glibc swapcontext",
                  measure("swapcontext", rounds / 10, ucontext_pingpong),
                  double(ucontext_record_bytes())});

  const double boost_ns = rows[1].r.ns_per_switch;
  std::printf("one-way context switch, x86-64, %s\n", cpu_model().c_str());
  std::printf("ping-pong of %" PRIu64 " round trips (swapcontext: %" PRIu64
              "), best of 7 runs, checksums verified\n\n",
              rounds, rounds / 10);
  std::printf("| %-22s | %10s | %12s | %18s | %15s |\n", "mechanism", "ns/switch",
              "TSC cycles", "bytes saved/switch", "time vs Boost");
  std::printf("|%s|%s|%s|%s|%s|\n", std::string(24, '-').c_str(),
              std::string(12, '-').c_str(), std::string(14, '-').c_str(),
              std::string(20, '-').c_str(), std::string(17, '-').c_str());
  for (const Row &row : rows)
    std::printf("| %-22s | %10.2f | %12.1f | %18.0f | %14.2fx |\n", row.name,
                row.r.ns_per_switch, row.r.cycles_per_switch, row.bytes,
                row.r.ns_per_switch / boost_ns);
  return 0;
}
