// gc/stackscan.h: the interface between the collector (gc/collect.cpp) and
// the stack walker (gc/stackmap.cpp, gc/stackwalk.cpp).
//
// A suspended green thread (parked, runnable but not running, or stopped at a
// safepoint for a collection) is saved at a swapstack switch. Its context
// points at {resume address, frame pointer} on both targets (the fork's
// LangRef, "swapstackcc"). Functions compiled with `gc "swapstack"` have a
// statepoint record (.llvm_stackmaps) at every call that may reach a
// safepoint and at every switch, keyed by the return or resume address, with
// slots relative to the frame pointer (the fork's Statepoints.rst, "Frame-based
// stack maps"). The walker follows the frame-pointer chain from the context to
// the thread's entry frame and reports the GC slots of every frame to a
// RootVisitor; frames without a record (the runtime's own, other fork-compiled
// code without GC values) pass through. A return address outside
// fork-compiled code is a fatal error naming the thread, the address and its
// symbol: such a frame may break the chain (see docs/gc.md when written).
#pragma once

#include <cstddef>
#include <cstdint>

namespace gt {
struct Thread;
namespace gc {

// Receives the GC slots of suspended frames. A slot holds a GC pointer (the
// address of an object's payload) or null; visit may rewrite it with the
// object's new address. Each distinct base slot of a frame is visited once.
// Derived (interior or exterior) pointers are the walker's business: it reads
// every derived slot's offset from its base before the frame's bases are
// visited and rewrites the derived slot from the visited base afterwards, so
// a visitor sees only bases.
struct RootVisitor {
  virtual void visit(void **slot) = 0;

protected:
  ~RootVisitor() = default;
};

// Loads the statepoint records of the executable and of every loaded shared
// object (once; later calls are no-ops). Returns the number of records.
size_t load_stackmaps();
// Reloads them if objects were loaded or unloaded (dlopen, dlclose) since;
// whether it did. Only while no stack is being walked (a collection's
// prepare step, with the world stopped).
bool refresh_stackmaps();

// Reports the GC slots of t's suspended stack. t must not run meanwhile (it is
// parked or stopped, and the caller holds whatever keeps it so). A stack whose
// live bytes are saved aside (compaction, shared stacks) is scanned in the
// saved copy, at the addresses the thread will resume at.
void scan_thread_stack(Thread *t, RootVisitor &v);

} // namespace gc
} // namespace gt
