; RUN: %run-everywhere %s | FileCheck %s
;
; A generator on its own stack: it yields the squares 0, 1, 4, ... below a
; limit the consumer passes when it first resumes it, then reports that it is
; done. Each yield is a swapstack call; the consumer's loop state and the
; generator's loop state are live across the switches.

declare ptr @llvm.newstack(ptr, i64, ptr)
declare ptr @malloc(i64)
declare void @free(ptr)
declare i32 @printf(ptr, ...)

@fmt.value = private constant [11 x i8] c"yield %ld\0A\00"
@fmt.sum = private constant [29 x i8] c"count %ld sum %ld checks %s\0A\00"
@ok = private constant [3 x i8] c"ok\00"
@bad = private constant [4 x i8] c"BAD\00"

; The generator: (consumer's context, limit). It yields {value, done} and is
; resumed with nothing but a new consumer context.
define swapstackcc void @squares(ptr %from, i64 %limit) uwtable {
entry:
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %next ]
  %consumer = phi ptr [ %from, %entry ], [ %consumer.next, %next ]
  %sq = mul i64 %i, %i
  %more = icmp ult i64 %sq, %limit
  br i1 %more, label %yield, label %done

yield:
  %consumer.next = call swapstackcc ptr %consumer(i64 %sq, i1 false)
  br label %next

next:
  %i.next = add i64 %i, 1
  br label %loop

done:
  ; Finished: answer every further resumption with done = true.
  %c = phi ptr [ %consumer, %loop ], [ %c.again, %done ]
  %c.again = call swapstackcc ptr %c(i64 0, i1 true)
  br label %done
}

define i32 @main() uwtable {
entry:
  %stack = call ptr @malloc(i64 65536)
  %gen0 = call ptr @llvm.newstack(ptr %stack, i64 65536, ptr @squares)
  %first = call swapstackcc { ptr, i64, i1 } %gen0(i64 50)
  br label %loop

loop:
  %r = phi { ptr, i64, i1 } [ %first, %entry ], [ %r.next, %body ]
  %count = phi i64 [ 0, %entry ], [ %count.next, %body ]
  %sum = phi i64 [ 0, %entry ], [ %sum.next, %body ]
  %done = extractvalue { ptr, i64, i1 } %r, 2
  br i1 %done, label %exit, label %body

body:
  %gen = extractvalue { ptr, i64, i1 } %r, 0
  %v = extractvalue { ptr, i64, i1 } %r, 1
  call i32 (ptr, ...) @printf(ptr @fmt.value, i64 %v)
  %count.next = add i64 %count, 1
  %sum.next = add i64 %sum, %v
  %r.next = call swapstackcc { ptr, i64, i1 } %gen()
  br label %loop

exit:
  ; Resume once more after the end: still done, nothing breaks.
  %gen.last = extractvalue { ptr, i64, i1 } %r, 0
  %again = call swapstackcc { ptr, i64, i1 } %gen.last()
  %again.done = extractvalue { ptr, i64, i1 } %again, 2
  %good.sum = icmp eq i64 %sum, 140
  %good = and i1 %good.sum, %again.done
  %verdict = select i1 %good, ptr @ok, ptr @bad
  call i32 (ptr, ...) @printf(ptr @fmt.sum, i64 %count, i64 %sum, ptr %verdict)
  call void @free(ptr %stack)
  %rc = select i1 %good, i32 0, i32 1
  ret i32 %rc
}

; CHECK:      yield 0
; CHECK-NEXT: yield 1
; CHECK-NEXT: yield 4
; CHECK-NEXT: yield 9
; CHECK-NEXT: yield 16
; CHECK-NEXT: yield 25
; CHECK-NEXT: yield 36
; CHECK-NEXT: yield 49
; CHECK-NEXT: count 8 sum 140 checks ok
; CHECK-NEXT: exit 0
; CHECK-NEXT: configurations: 16
