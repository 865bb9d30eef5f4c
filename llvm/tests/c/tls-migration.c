/* A coroutine that migrates between OS threads must see the thread-local
 * variables of the thread it runs on after each switch. It takes the address
 * of a _Thread_local on thread A, is suspended, then resumed on thread B,
 * and takes the address again. LLVM treats llvm.threadlocal.address as
 * readnone, so the optimizer reuses the first address across the switch
 * (llvm-project issue 98479) and the coroutine writes to thread A's variable
 * from thread B. See tls-migration.test. */
#include <swapstack/swapstack.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static _Thread_local int slot;
static ss_ctx_t coro;
static int *seen_before, *seen_after, *slot_a, *slot_b;

SS_ENTRY void body(ss_ctx_t from) {
  seen_before = &slot;    /* on thread A */
  from = ss_switch0(from); /* suspended; resumed on thread B */
  seen_after = &slot;     /* must be thread B's */
  ss_switch0(from);
  abort();
}

static void *thread_b(void *unused) {
  (void)unused;
  slot_b = &slot;
  coro = ss_switch0(coro); /* resume the coroutine here, on thread B */
  return NULL;
}

int main(void) {
  slot_a = &slot;
  coro = ss_new(malloc(65536), 65536, (const void *)body);
  coro = ss_switch0(coro); /* first part runs on thread A (main) */
  pthread_t b;
  if (pthread_create(&b, NULL, thread_b, NULL) || pthread_join(b, NULL))
    return 2;
  printf("before the switch, on thread A: %s\n",
         seen_before == slot_a ? "thread A's slot" : "WRONG");
  printf("after migrating to thread B: %s\n",
         seen_after == slot_b   ? "thread B's slot"
         : seen_after == slot_a ? "stale: thread A's slot"
                                : "WRONG");
  return seen_after == slot_b ? 0 : 1;
}
