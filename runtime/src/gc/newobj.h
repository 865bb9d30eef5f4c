// gc/newobj.h: the allocator's side of replicating objects allocated during
// a replication session (newobj.cpp, whose opening comment is the rule):
// the points where an executor's cycle region opens, is sealed, changes
// block or gains a large object. The workers' side (newobj_drain) is in
// gc/replica.h. Each call is one relaxed load when no session is open.
#pragma once

#include <cstdint>

namespace gt::gc {

// Executor `e`'s allocation cursor is `cursor` (0: no block) at a point
// where the interval of its allocating thread has ended (a lend or a seal of
// its write log, wlog.cpp): opens its region there the first time in a
// session, else seals the region up to it. On e's own OS thread, with e's
// write-log lock held (wlog.cpp calls it before acknowledging a round);
// takes e's region lock, which nothing holds while waiting.
void newobj_seal(uint32_t e, uintptr_t cursor);
// From the allocation slow path (a safepoint, after wlog_safepoint): e
// leaves the block whose final cursor is `old_cursor` for the one at
// `block`.
void newobj_block(uint32_t e, uintptr_t old_cursor, uintptr_t block);
// From the allocation slow path: e allocated the large object `payload`
// (sealed at e's next seal point). Both on e's own OS thread, no lock held.
void newobj_large(uint32_t e, uintptr_t payload);

void newobj_run_start(uint32_t executors); // gc_run_start
void newobj_run_end();                     // gc_run_end

// Sessions (replica.cpp): regions are recorded from newobj_begin to
// newobj_end, which forgets them.
void newobj_begin();
void newobj_end();

} // namespace gt::gc
