// Boost.Context `fiber` ping-pong: the peer Boost recommends for
// hand-rolled context switching (it switches with jump_fcontext, which saves
// the callee-saved registers, the return address and the FPU control words).
#include "peers.h"

#include <boost/context/fiber.hpp>

namespace ctx = boost::context;

extern "C" uint64_t boost_fiber_pingpong(uint64_t rounds) {
  uint64_t value = 0;
  ctx::fiber peer{[&value](ctx::fiber &&caller) {
    for (;;) {
      value += 1;
      caller = std::move(caller).resume();
    }
    return std::move(caller);
  }};
  uint64_t sum = 0;
  for (uint64_t i = 0; i < rounds; ++i) {
    value = i;
    peer = std::move(peer).resume();
    sum += value;
  }
  return sum;
}
