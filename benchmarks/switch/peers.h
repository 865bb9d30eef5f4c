// The mechanisms the switch benchmark compares. Each runs `rounds` round
// trips (two one-way switches each) between the caller and a second stack,
// where the peer answers i with i + 1, and returns the sum of the answers.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
uint64_t swapstack_pingpong(void *stack, uint64_t size, uint64_t rounds);
uint64_t boost_fiber_pingpong(uint64_t rounds);
uint64_t ucontext_pingpong(uint64_t rounds);
uint64_t ucontext_record_bytes(void);
uint64_t preserve_none_pingpong(uint64_t rounds);
#ifdef __cplusplus
}
#endif
