// gc/stackwalk.cpp: reports the GC slots of suspended green-thread stacks
// (gc/stackscan.h), frame by frame along the frame-pointer chain.
//
// The context invariant (docs/notes/issue-13-gc-design.md, 3.2). A suspended
// stack's context points at two words, {resume address, frame pointer}, on
// both targets: the swapstack switch pushes the frame pointer, then the
// resume address (X86-64), or stores the pair {resume, x29} (AArch64). The
// resume address is the PC of the switch's statepoint record when the
// switching function has one (a `gc "swapstack"` function); the runtime's own
// switch_out has none and passes through. Every frame below keeps a frame
// record {caller's FP, return address} at its FP (swapstack_c_object
// compiles with -fno-omit-frame-pointer; `gc "swapstack"` functions always
// keep one), and an entry function's frame record holds FP = 0 (X86-64 entry
// functions clear RBP before pushing it; a fresh AArch64 context loads
// x29 = 0), which ends the walk. So:
//
//   pc = ctx[0]; fp = ctx[1]; sp = ctx + 16        // SP at the switch
//   loop:
//     (pc has no record and is not in fork-compiled code: fatal, see below)
//     check sp <= fp, fp + 16 <= hi, fp 8-aligned      // else fatal
//     if record(pc): relocate its slots [fp + off] (X86-64 realigned frames:
//                    [sp + off], sp = SP at the call)
//     next_fp = fp[0]
//     if next_fp == 0 and hi - fp <= 64: the entry frame; done
//     pc = fp[1]; check it (foreign: fatal) before trusting next_fp, since
//       a foreign frame (libc without frame pointers) leaves garbage there
//     check next_fp != 0, next_fp > fp                  // else fatal
//     sp = fp + 16; fp = next_fp     // the caller's SP at its call (X86-64)
//
// Small-stack threads (segment.cpp) on a big segment. A thread whose
// function moved to a big segment is suspended there, with frames on both
// segments: the moved function's body was called by __morestack
// (morestack_x86_64.S), whose frame stays on the first segment. The body's
// frame record is {__morestack's FP, gt_morestack_ret}; __morestack's record
// is {the moved function's caller's FP, an address in the moved function's
// prologue}, and the word above it is the moved function's return address
// into its caller. So at return address gt_morestack_ret the walk goes on
// in the first segment's live bytes, at __morestack's frame (no slots), and
// from there to the caller with pc = fp[2] and sp = fp + 24. On AArch64
// (morestack_aarch64.S) __morestack's frame pointer is the frame record the
// moved function's prologue stored, {the caller's FP, the moved function's
// return address}: pc = fp[1], sp = fp + 16 (GT_SEG_RA_SLOT, GT_SEG_FRAME in
// segment_abi.h). A thread has at most two segments, so the walk crosses at
// most once.
//
// Derived pointers, in three passes per frame (after Statepoints.rst): (1)
// each derived slot that is not a base slot is replaced by its offset from
// its base, (2) each distinct base slot is visited, (3) each derived slot
// becomes its base's new value plus the offset. The offset is kept in the
// derived slot itself, so no memory is needed however many pairs a frame has;
// the visitor only ever sees base slots.
//
// Stacks whose live bytes are elsewhere. A thread whose stack was compacted
// (stacks.cpp) or evicted from a shared stack (share.cpp) has its live bytes
// [ctx, hi) in t->saved; it resumes by copying them back to the same
// addresses. We walk the copy, translating the stack addresses read from it,
// and rewrite the slots there. One case needs care: a compacted stack whose
// pages are not dropped yet (drop_state kDropPending, internal.h) resumes
// *without* copying back (stack_restore skips the copy). We claim it by
// moving its drop state to kDropDropping, so that the executor's drop batch
// skips it (as if it had been resumed), walk the stack in place, copy the
// live bytes over the saved copy, and give kDropPending back; both copies
// then agree, whichever one the thread resumes from.
//
// What is fatal (the message names the thread, the address and its symbol):
// a return address with no record outside fork-compiled code, a frame
// pointer that is out of the stack, misaligned or not increasing, a walk
// that ends away from the entry frame, a slot outside the live stack.
#include "stackmap.h"

#include "../internal.h"
#include "../segment_abi.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace gt::gc {

namespace {

// The entry frame's frame record lies this close to the stack's top.
constexpr uintptr_t kEntryFrameMax = 64;

[[noreturn]] __attribute__((format(printf, 2, 3))) GT_NO_SPLIT_STACK void
walk_fatal(StackName who, const char *fmt, ...) {
  char what[480];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (who.t)
    fatal("cannot scan green thread %llu%s%s%s: %s",
          (unsigned long long)who.t->id, who.t->name[0] ? " ('" : "",
          who.t->name, who.t->name[0] ? "')" : "", what);
  fatal("cannot scan %s: %s", who.what ? who.what : "a stack", what);
}

// The live bytes [lo, hi) of a suspended stack, in place or in a copy.
struct LiveStack {
  uintptr_t lo, hi;
  char *copy;
  uintptr_t *word(uintptr_t a) const {
    return copy ? reinterpret_cast<uintptr_t *>(copy + (a - lo))
                : reinterpret_cast<uintptr_t *>(a);
  }
};

inline uintptr_t *slot_at(const LiveStack &s, const SlotRef &r, uintptr_t fp,
                          uintptr_t sp, uintptr_t pc, StackName who) {
  uintptr_t a = (r.from_sp ? sp : fp) + intptr_t(r.off);
  if (__builtin_expect(a < s.lo || a > s.hi - 8 || (a & 7), 0)) {
    char where[320];
    describe_pc(pc, where, sizeof where);
    walk_fatal(who,
               "the stack map of the frame at return address %#lx in %s puts "
               "a GC slot at %#lx, outside the live stack [%#lx, %#lx)",
               (unsigned long)pc, where, (unsigned long)a,
               (unsigned long)s.lo, (unsigned long)s.hi);
  }
  return s.word(a);
}

void scan_frame(const LiveStack &s, const FrameMap &m, uintptr_t fp,
                uintptr_t sp, RootVisitor &v, StackName who) {
  const SlotRef *b = slot_pool() + m.first;
  const SlotRef *d = b + m.nbases; // (derived, base) pairs
  for (uint32_t i = 0; i < m.nderived; ++i)
    *slot_at(s, d[2 * i], fp, sp, m.pc, who) -=
        *slot_at(s, d[2 * i + 1], fp, sp, m.pc, who);
  for (uint32_t i = 0; i < m.nbases; ++i)
    v.visit(reinterpret_cast<void **>(slot_at(s, b[i], fp, sp, m.pc, who)));
  for (uint32_t i = 0; i < m.nderived; ++i)
    *slot_at(s, d[2 * i], fp, sp, m.pc, who) +=
        *slot_at(s, d[2 * i + 1], fp, sp, m.pc, who);
}

// The record of return address pc, or null if it has none but lies in
// fork-compiled code; fatal for a foreign return address, whose frame may not
// keep the frame-pointer chain (so this is checked before its FP is used).
const FrameMap *classify(uintptr_t pc, unsigned depth, StackName who) {
  const FrameMap *m = stackmap_find(pc);
  if (!m && !stackmap_covers(pc)) {
    char where[320];
    describe_pc(pc, where, sizeof where);
    walk_fatal(who,
               "return address %#lx in %s has no stack map and is not in "
               "fork-compiled code, so its frame may break the frame-pointer "
               "chain (frame %u; see docs/gc.md)",
               (unsigned long)pc, where, depth);
  }
  return m;
}

// The return address of __morestack's call of a moved function's body, or
// 0 where there are no small stacks.
uintptr_t morestack_ret() {
#if defined(GT_SPLIT_STACK_RUNTIME)
  return reinterpret_cast<uintptr_t>(gt_morestack_ret);
#else
  return 0;
#endif
}

// Walks the frames from the context at s.lo; first: the live bytes of the
// thread's first segment when s is a big segment (null otherwise).
void walk(LiveStack s, const LiveStack *first, RootVisitor &v, StackName who) {
  uintptr_t pc = s.word(s.lo)[0], fp = s.word(s.lo)[1];
  uintptr_t sp = s.lo + 16;
  const FrameMap *m = classify(pc, 0, who);
  const uintptr_t moved_ret = morestack_ret();
  bool at_morestack = false; // the frame at fp is __morestack's
  char where[320];
  for (unsigned depth = 0;; ++depth) {
    // 8, not 16: a frame record is only 8-aligned in general (AArch64's
    // preserve_most __safepoint_slow_path keeps it at 8 mod 16).
    // __morestack's frame is read up to fp + GT_SEG_FRAME.
    if (fp < sp || fp > s.hi - (at_morestack ? GT_SEG_FRAME : 16) ||
        (fp & 7)) {
      describe_pc(pc, where, sizeof where);
      walk_fatal(who,
                 "the frame pointer %#lx of frame %u (return address %#lx in "
                 "%s) is %s the live stack [%#lx, %#lx): the frame-pointer "
                 "chain is broken (a frame compiled without frame pointers?)",
                 (unsigned long)fp, depth, (unsigned long)pc, where,
                 (fp & 7) && fp >= sp && fp <= s.hi - 16 ? "misaligned in"
                                                          : "outside",
                 (unsigned long)s.lo, (unsigned long)s.hi);
    }
    if (m)
      scan_frame(s, *m, fp, sp, v, who);
    const uintptr_t *rec = s.word(fp);
    uintptr_t next_fp = rec[0];
    if (next_fp == 0 && s.hi - fp <= kEntryFrameMax)
      return; // the entry frame (its "return address" is not one)
    // Above __morestack's frame record, the moved function's return address.
    uintptr_t ret = rec[at_morestack ? GT_SEG_RA_SLOT : 1];
    if (moved_ret && ret == moved_ret) {
      // The frame at fp is a moved function's body; its caller's frame is
      // __morestack's, at next_fp on the first segment.
      if (!first) {
        describe_pc(pc, where, sizeof where);
        walk_fatal(who,
                   "frame %u (FP %#lx, return address %#lx in %s) returns to "
                   "__morestack, but the stack is not a small-stack thread's "
                   "big segment (a thread has at most two segments)",
                   depth, (unsigned long)fp, (unsigned long)pc, where);
      }
      if (next_fp < first->lo || next_fp > first->hi - GT_SEG_FRAME ||
          (next_fp & 7)) {
        describe_pc(pc, where, sizeof where);
        walk_fatal(who,
                   "frame %u (FP %#lx, return address %#lx in %s) returns to "
                   "__morestack, whose frame pointer %#lx is not in the "
                   "thread's first segment [%#lx, %#lx)",
                   depth, (unsigned long)fp, (unsigned long)pc, where,
                   (unsigned long)next_fp, (unsigned long)first->lo,
                   (unsigned long)first->hi);
      }
      s = LiveStack{next_fp, first->hi, nullptr};
      first = nullptr;
      pc = ret;
      m = nullptr; // __morestack has no slots
      sp = fp = next_fp;
      at_morestack = true;
      continue;
    }
    m = classify(ret, depth + 1, who);
    if (next_fp == 0) {
      describe_pc(pc, where, sizeof where);
      walk_fatal(who,
                 "the frame-pointer chain ends at frame %u (FP %#lx, return "
                 "address %#lx in %s), %lu bytes below the stack's top, not "
                 "at its entry frame",
                 depth, (unsigned long)fp, (unsigned long)pc, where,
                 (unsigned long)(s.hi - fp));
    }
    if (next_fp <= fp) {
      describe_pc(pc, where, sizeof where);
      walk_fatal(who,
                 "the frame pointer of frame %u (return address %#lx in %s) "
                 "links to %#lx, not above its own %#lx: the frame-pointer "
                 "chain is broken",
                 depth, (unsigned long)pc, where, (unsigned long)next_fp,
                 (unsigned long)fp);
    }
    pc = ret;
    sp = fp + (at_morestack ? GT_SEG_FRAME : 16);
    fp = next_fp;
    at_morestack = false;
  }
}

// scan_stack, for a thread on a big segment when first is not null.
void scan_from(const void *ctx, const char *hi, char *copy,
               const LiveStack *first, RootVisitor &v, StackName who) {
  load_stackmaps();
  LiveStack s{reinterpret_cast<uintptr_t>(ctx), reinterpret_cast<uintptr_t>(hi),
              copy};
  if (s.lo & 7 || s.lo + 16 > s.hi)
    walk_fatal(who, "its context %p is not a suspended context within the "
                    "stack (top %p)",
               ctx, static_cast<const void *>(hi));
  if (s.lo + 16 == s.hi) // made by llvm.newstack, never resumed: no frames
    return;
  walk(s, first, v, who);
}

} // namespace

void scan_stack(const void *ctx, const char *hi, char *copy, RootVisitor &v,
                StackName who) {
  scan_from(ctx, hi, copy, nullptr, v, who);
}

void scan_thread_stack(Thread *t, RootVisitor &v) {
  if (!t->ctx || t->status.load(std::memory_order_acquire) == Status::Dead)
    return; // a shared-stack thread that never ran; an exited thread
  StackName who{t, nullptr};
  char *hi = t->stack.hi();
  auto *ctx = reinterpret_cast<char *>(t->ctx);
  if (t->small && !on_first_segment(t)) {
    // Suspended on a big segment (segment.cpp): its frames go on in the
    // first segment, across __morestack's frame. Small-stack threads are
    // never compacted or shared, so both segments hold their live bytes.
    Stack big = running_segment(t);
    char *lo = big.lo, *top = big.hi();
    if (ctx < lo || ctx >= top - GT_SEG_HEADER || t->saved)
      walk_fatal(who,
                 "its context %p is outside the big segment [%p, %p) its "
                 "mailbox names%s",
                 static_cast<void *>(ctx), static_cast<void *>(lo),
                 static_cast<void *>(top - GT_SEG_HEADER),
                 t->saved ? ", and its stack was saved elsewhere" : "");
    LiveStack first{reinterpret_cast<uintptr_t>(t->stack.lo),
                    reinterpret_cast<uintptr_t>(hi), nullptr};
    scan_from(ctx, top - GT_SEG_HEADER, nullptr, &first, v, who);
    return;
  }
  if (ctx < t->stack.lo || ctx >= hi)
    walk_fatal(who,
               "its context %p is outside its stack [%p, %p): it is suspended "
               "on a stack the runtime does not know (one made with "
               "llvm.newstack?), which the walker cannot follow back to the "
               "thread's own",
               static_cast<void *>(ctx), static_cast<void *>(t->stack.lo),
               static_cast<void *>(hi));
  if (!t->saved) {
    scan_stack(ctx, hi, nullptr, v, who);
    return;
  }
  if (t->saved_len != size_t(hi - ctx))
    walk_fatal(who, "its saved stack holds %zu bytes, but its context %p is "
                    "%zu bytes below the stack's top",
               t->saved_len, static_cast<void *>(ctx), size_t(hi - ctx));
  uint8_t pending = kDropPending;
  if (!t->shared && t->drop_state.compare_exchange_strong(
                        pending, kDropDropping, std::memory_order_acq_rel)) {
    // Compacted, pages still there: it may resume from either copy.
    scan_stack(ctx, hi, nullptr, v, who);
    std::memcpy(t->saved, ctx, t->saved_len);
    t->drop_state.store(kDropPending, std::memory_order_release);
    return;
  }
  scan_stack(ctx, hi, static_cast<char *>(t->saved), v, who);
}

} // namespace gt::gc
