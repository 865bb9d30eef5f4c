/* A generator and a ring of coroutines written in plain C, compiled by
 * Debian's clang-19 and the fork's opt/llc (see CMakeLists.txt): the context
 * switches are real swapstack switches, not library calls.
 *
 * Checks its own results and exits non-zero on any mismatch. */
#include <swapstack/swapstack.h>

#include <stdio.h>
#include <stdlib.h>

enum { STACK_SIZE = 64 * 1024 };

/* Yields the squares below `limit`, then reports that it is done. */
SS_ENTRY void squares(ss_ctx_t from, uintptr_t limit) {
  for (uintptr_t i = 0; i * i < limit; ++i)
    from = ss_switch2(from, i * i, 0).from;
  for (;;)
    from = ss_switch2(from, 0, 1).from;
}

/* A ring of N coroutines passing a counter around; each adds its index. */
enum { N = 100, ROUNDS = 50 };
static ss_ctx_t ring[N];
static ss_ctx_t main_ctx;

SS_ENTRY void ring_node(ss_ctx_t from, uintptr_t token, uintptr_t id) {
  for (;;) {
    if (token == 0)
      main_ctx = from; /* started by main */
    else
      ring[(id + N - 1) % N] = from;
    token += 1;
    if (token > (uintptr_t)N * ROUNDS) {
      ss_switch2(main_ctx, token, id);
      abort(); /* never resumed */
    }
    uintptr_t next = (id + 1) % N;
    ss_result2 r = ss_switch2(ring[next], token, next);
    from = r.from;
    token = r.w0;
    if (r.w1 != id)
      abort();
  }
}

int main(void) {
  int failures = 0;

  char *gen_stack = malloc(STACK_SIZE);
  ss_ctx_t gen = ss_new(gen_stack, STACK_SIZE, (const void *)squares);
  uintptr_t sum = 0, count = 0;
  ss_result2 r = ss_switch2(gen, 200, 0);
  while (!r.w1) {
    printf("%lu ", (unsigned long)r.w0);
    sum += r.w0;
    ++count;
    r = ss_switch2(r.from, 0, 0);
  }
  printf("\ngenerator: %lu values, sum %lu\n", (unsigned long)count,
         (unsigned long)sum);
  failures += !(count == 15 && sum == 1015);

  for (int i = 0; i < N; ++i)
    ring[i] = ss_new(malloc(STACK_SIZE), STACK_SIZE, (const void *)ring_node);
  ss_result2 end = ss_switch2(ring[0], 0, 0);
  printf("ring: %d coroutines, token %lu after %d rounds, ended at node %lu\n",
         N, (unsigned long)end.w0, ROUNDS, (unsigned long)end.w1);
  failures += !(end.w0 == (uintptr_t)N * ROUNDS + 1 && end.w1 == 0);

  puts(failures ? "FAILED" : "all checks passed");
  return failures != 0;
}
