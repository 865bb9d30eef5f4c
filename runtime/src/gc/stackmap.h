// gc/stackmap.h: the statepoint records of every loaded object
// (.llvm_stackmaps), digested into scan programs and indexed by absolute PC
// (stackmap.cpp), and the frame-pointer walk of one suspended stack
// (stackwalk.cpp). The collector uses gc/stackscan.h; this header is for the
// walker and for tests.
#pragma once

#include "stackscan.h"

#include <cstddef>
#include <cstdint>

namespace gt::gc {

// Where a GC slot of a frame is: at `off` from the frame pointer, or (X86-64
// functions with stack realignment) from the stack pointer at the call.
struct SlotRef {
  int32_t off;
  uint32_t from_sp; // 0: [FP + off]; 1: [SP-at-call + off]
};

// A digested statepoint record: its slots are slot_pool()[first ..): first
// the frame's distinct base slots, then (derived, base) pairs for the
// derived slots that are not base slots themselves. 16 bytes, so that a
// lookup touches one cache line.
struct FrameMap {
  uintptr_t pc; // return (or resume) address; 0 marks an empty hash slot
  uint32_t first;
  uint16_t nbases;
  uint16_t nderived;
};
static_assert(sizeof(FrameMap) == 16);

// load_stackmaps() (stackscan.h) stops the process with a message on a
// malformed section or on a record the walker cannot use (a GC value in a
// register, a slot relative to another register, a vector whose base and
// derived sizes differ), naming the function.

// The record whose PC is `pc`, or null. Requires load_stackmaps().
const FrameMap *stackmap_find(uintptr_t pc);

// The SlotRefs all FrameMaps index. Requires load_stackmaps().
const SlotRef *slot_pool();

// Whether pc lies in code whose frames keep the frame-pointer chain: the
// executable text of an object that has a .llvm_stackmaps section, or of the
// object holding the runtime itself (compiled with frame pointers by
// swapstack_c_object). Requires load_stackmaps().
bool stackmap_covers(uintptr_t pc);

// Describes pc for an error message: "<object> (<symbol>+0x<offset>)".
void describe_pc(uintptr_t pc, char *buf, size_t len);

// Figures of the loaded records (for tests and statistics).
struct StackMapStats {
  size_t objects;   // objects with a .llvm_stackmaps section
  size_t functions; // function entries
  size_t records;   // statepoint records (distinct PCs)
  size_t slots;     // SlotRefs: base slots, plus two per derived slot
};
StackMapStats stackmap_stats();

// Names a stack in fatal errors: green thread t, or else `what` (e.g.
// "generator 3").
struct StackName {
  const Thread *t;
  const char *what;
};

// Walks one suspended stack whose live bytes are [ctx, hi) and reports its
// GC slots to v (see stackwalk.cpp). If `copy` is not null, the live bytes
// are there instead (copy[i] holds the byte at ctx + i): words read from the
// stack (frame pointers, return addresses) are still addresses in
// [ctx, hi), and slots are read and rewritten in the copy. A context made by
// llvm.newstack that has not run yet (ctx + 16 == hi) has no frames. For a
// stack that is not a green thread's (a generator made with llvm.newstack),
// pass its context and the top of its memory, aligned down to 16, as
// llvm.newstack does.
void scan_stack(const void *ctx, const char *hi, char *copy, RootVisitor &v,
                StackName who);

} // namespace gt::gc
