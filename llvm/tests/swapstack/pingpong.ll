; RUN: %run-everywhere %s | FileCheck %s
;
; Ping-pong between the main stack and a second stack: 10 million switches
; (5 million round trips). Main sends i and a running checksum; the other side
; answers 3*i+1 and the checksum xor i, and main checks every answer. The
; loop counters and checksums on both sides are live across every switch.

declare ptr @llvm.newstack(ptr, i64, ptr)
declare ptr @malloc(i64)
declare i32 @printf(ptr, ...)

@fmt.bad = private constant [43 x i8] c"mismatch at %ld: got %ld/%ld want %ld/%ld\0A\00"
@fmt.ok = private constant [44 x i8] c"pingpong: %ld switches, all values checked\0A\00"
@fmt.peer = private constant [26 x i8] c"peer saw %ld round trips\0A\00"

define swapstackcc void @pong(ptr %from, i64 %i, i64 %check) uwtable {
entry:
  br label %loop

loop:
  %peer = phi ptr [ %from, %entry ], [ %peer.next, %loop ]
  %v = phi i64 [ %i, %entry ], [ %v.next, %loop ]
  %c = phi i64 [ %check, %entry ], [ %c.next, %loop ]
  %seen = phi i64 [ 0, %entry ], [ %seen.next, %loop ]
  %seen.next = add i64 %seen, 1
  %three = mul i64 %v, 3
  %answer = add i64 %three, 1
  %mixed = xor i64 %c, %v
  ; The last message (i = -1) asks how many round trips were seen.
  %last = icmp eq i64 %v, -1
  %reply = select i1 %last, i64 %seen, i64 %answer
  %r = call swapstackcc { ptr, i64, i64 } %peer(i64 %reply, i64 %mixed)
  %peer.next = extractvalue { ptr, i64, i64 } %r, 0
  %v.next = extractvalue { ptr, i64, i64 } %r, 1
  %c.next = extractvalue { ptr, i64, i64 } %r, 2
  br label %loop
}

define i32 @main() uwtable {
entry:
  %stack = call ptr @malloc(i64 65536)
  %ctx0 = call ptr @llvm.newstack(ptr %stack, i64 65536, ptr @pong)
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %good ]
  %ctx = phi ptr [ %ctx0, %entry ], [ %ctx.next, %good ]
  %check = phi i64 [ 12345, %entry ], [ %check.next, %good ]
  %r = call swapstackcc { ptr, i64, i64 } %ctx(i64 %i, i64 %check)
  %ctx.next = extractvalue { ptr, i64, i64 } %r, 0
  %got = extractvalue { ptr, i64, i64 } %r, 1
  %got.check = extractvalue { ptr, i64, i64 } %r, 2
  %three = mul i64 %i, 3
  %want = add i64 %three, 1
  %want.check = xor i64 %check, %i
  %ok1 = icmp eq i64 %got, %want
  %ok2 = icmp eq i64 %got.check, %want.check
  %ok = and i1 %ok1, %ok2
  br i1 %ok, label %good, label %bad

good:
  %check.next = add i64 %got.check, %i
  %i.next = add i64 %i, 1
  %more = icmp ult i64 %i.next, 5000000
  br i1 %more, label %loop, label %done

bad:
  call i32 (ptr, ...) @printf(ptr @fmt.bad, i64 %i, i64 %got, i64 %got.check, i64 %want, i64 %want.check)
  ret i32 1

done:
  %fin = call swapstackcc { ptr, i64, i64 } %ctx.next(i64 -1, i64 0)
  %seen = extractvalue { ptr, i64, i64 } %fin, 1
  call i32 (ptr, ...) @printf(ptr @fmt.peer, i64 %seen)
  %switches = mul i64 %i.next, 2
  call i32 (ptr, ...) @printf(ptr @fmt.ok, i64 %switches)
  ret i32 0
}

; CHECK:      peer saw 5000000 round trips
; CHECK-NEXT: pingpong: 10000000 switches, all values checked
; CHECK-NEXT: exit 0
; CHECK-NEXT: configurations: 16
