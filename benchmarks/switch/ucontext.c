/* glibc swapcontext ping-pong: saves the whole register file, the FPU state
 * and the signal mask (a system call) on every switch. */
#include "peers.h"

#include <stdlib.h>
#include <ucontext.h>

static ucontext_t main_uc, peer_uc;
static volatile uint64_t value;

static void peer(void) {
  for (;;) {
    value += 1;
    swapcontext(&peer_uc, &main_uc);
  }
}

uint64_t ucontext_pingpong(uint64_t rounds) {
  static char stack[65536] __attribute__((aligned(16)));
  getcontext(&peer_uc);
  peer_uc.uc_stack.ss_sp = stack;
  peer_uc.uc_stack.ss_size = sizeof stack;
  peer_uc.uc_link = NULL;
  makecontext(&peer_uc, peer, 0);
  uint64_t sum = 0;
  for (uint64_t i = 0; i < rounds; ++i) {
    value = i;
    swapcontext(&main_uc, &peer_uc);
    sum += value;
  }
  return sum;
}

uint64_t ucontext_record_bytes(void) { return sizeof(ucontext_t); }
