; The fork's side of the switch benchmark: a ping-pong between the caller's
; stack and a stack made by llvm.newstack. Each round trip is two one-way
; switches; each side keeps a counter live across its switch, as a real
; coroutine keeps its state.

declare ptr @llvm.newstack(ptr, i64, ptr)

define swapstackcc void @swapstack_peer(ptr %from, i64 %v) {
entry:
  br label %loop

loop:
  %peer = phi ptr [ %from, %entry ], [ %peer.next, %loop ]
  %x = phi i64 [ %v, %entry ], [ %x.next, %loop ]
  %reply = add i64 %x, 1
  %r = call swapstackcc { ptr, i64 } %peer(i64 %reply)
  %peer.next = extractvalue { ptr, i64 } %r, 0
  %x.next = extractvalue { ptr, i64 } %r, 1
  br label %loop
}

; uint64_t swapstack_pingpong(void *stack, uint64_t size, uint64_t rounds)
; Returns the sum of the peer's replies, so the work cannot be optimised away.
define i64 @swapstack_pingpong(ptr %stack, i64 %size, i64 %rounds) {
entry:
  %ctx0 = call ptr @llvm.newstack(ptr %stack, i64 %size, ptr @swapstack_peer)
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %loop ]
  %ctx = phi ptr [ %ctx0, %entry ], [ %ctx.next, %loop ]
  %sum = phi i64 [ 0, %entry ], [ %sum.next, %loop ]
  %r = call swapstackcc { ptr, i64 } %ctx(i64 %i)
  %ctx.next = extractvalue { ptr, i64 } %r, 0
  %got = extractvalue { ptr, i64 } %r, 1
  %sum.next = add i64 %sum, %got
  %i.next = add i64 %i, 1
  %more = icmp ult i64 %i.next, %rounds
  br i1 %more, label %loop, label %done

done:
  ret i64 %sum.next
}
