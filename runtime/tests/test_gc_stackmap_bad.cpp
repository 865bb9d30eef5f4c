// The stack map loader rejects a statepoint record it cannot use, at load
// time, naming the function: here a GC value kept in a register
// (test_gc_stackmap_bad.S supplies the record).
#include "check.h"

#include "../src/gc/stackmap.h"

extern "C" __attribute__((noinline, used)) void gcs_bad_function() {
  asm volatile("" ::: "memory");
}

int main() {
  expect_death("a GC value in a register",
               [] { gt::gc::load_stackmaps(); },
               "(gcs_bad_function+0) has a GC value that is not in a stack "
               "slot (location 3: Register");
  std::printf("ok\n");
  return 0;
}
