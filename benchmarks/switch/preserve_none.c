/* preserve_none + a hand-written stack-switch stub: the alternative to a
 * new calling convention that upstream reviewers suggested. The compiler
 * saves the live values around the call of a preserve_none stub; the stub
 * saves RBP and the call saves the return address. */
#include "peers.h"

#include <stdint.h>

__attribute__((preserve_none)) void *pn_switch(void **save_sp, void *to_sp,
                                               void *value);
extern char pn_start[];

static void *main_sp, *peer_sp;

static void peer(void *first) {
  uintptr_t x = (uintptr_t)first;
  for (;;)
    x = (uintptr_t)pn_switch(&peer_sp, main_sp, (void *)(x + 1));
}

uint64_t preserve_none_pingpong(uint64_t rounds) {
  static char stack[65536] __attribute__((aligned(16)));
  void **sp = (void **)(((uintptr_t)stack + sizeof stack) & ~(uintptr_t)15);
  *--sp = 0;                /* padding: keeps the call in pn_start aligned */
  *--sp = (void *)peer;     /* called by pn_start */
  *--sp = (void *)pn_start; /* the stub's ret lands here */
  *--sp = 0;                /* RBP popped by the stub */
  peer_sp = sp;
  uint64_t sum = 0;
  for (uint64_t i = 0; i < rounds; ++i)
    sum += (uintptr_t)pn_switch(&main_sp, peer_sp, (void *)(uintptr_t)i);
  return sum;
}
