; The main demo: a generator written directly in LLVM IR with the fork's
; swapstack calling convention. The generator runs on its own 64 KiB stack,
; made by llvm.newstack; each value it yields is one swapstack call that
; switches back to main, and each request for the next value is one switch
; to the generator. Only the values live across a switch are saved.
;
; Build and run: scripts/demo.sh (or, by hand:
;   llc -O2 fibonacci-generator.ll -filetype=obj -o fib.o && cc fib.o -o fib)

declare ptr @llvm.newstack(ptr, i64, ptr)
declare ptr @malloc(i64)
declare void @free(ptr)
declare i32 @printf(ptr, ...)

@title = private constant [59 x i8] c"Fibonacci numbers from a generator on its own stack at %p\0A\00"
@line = private constant [41 x i8] c"  F(%2ld) = %20lu   (generator SP ~ %p)\0A\00"
@summary = private constant [64 x i8] c"%ld values, %ld context switches; the generator is now parked.\0A\00"

; The generator: started with (main's context, how many numbers to yield).
; It yields (value, its own stack pointer) and is resumed with nothing but
; main's new context.
define swapstackcc void @fibonacci(ptr %from, i64 %count) uwtable {
entry:
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %loop ]
  %a = phi i64 [ 0, %entry ], [ %b, %loop ]
  %b = phi i64 [ 1, %entry ], [ %sum, %loop ]
  %main = phi ptr [ %from, %entry ], [ %main.next, %loop ]
  %sp = call ptr @llvm.stacksave.p0()
  %main.next = call swapstackcc ptr %main(i64 %a, ptr %sp)
  %sum = add i64 %a, %b
  %i.next = add i64 %i, 1
  br label %loop
}

declare ptr @llvm.stacksave.p0()

define i32 @main() uwtable {
entry:
  %stack = call ptr @malloc(i64 65536)
  %gen0 = call ptr @llvm.newstack(ptr %stack, i64 65536, ptr @fibonacci)
  call i32 (ptr, ...) @printf(ptr @title, ptr %stack)
  %first = call swapstackcc { ptr, i64, ptr } %gen0(i64 50)
  br label %loop

loop:
  %r = phi { ptr, i64, ptr } [ %first, %entry ], [ %next, %loop ]
  %n = phi i64 [ 0, %entry ], [ %n.next, %loop ]
  %gen = extractvalue { ptr, i64, ptr } %r, 0
  %value = extractvalue { ptr, i64, ptr } %r, 1
  %sp = extractvalue { ptr, i64, ptr } %r, 2
  call i32 (ptr, ...) @printf(ptr @line, i64 %n, i64 %value, ptr %sp)
  %n.next = add i64 %n, 1
  %next = call swapstackcc { ptr, i64, ptr } %gen()
  %more = icmp ult i64 %n.next, 50
  br i1 %more, label %loop, label %done

done:
  %switches = mul i64 %n.next, 2
  %switches.all = add i64 %switches, 2
  call i32 (ptr, ...) @printf(ptr @summary, i64 %n.next, i64 %switches.all)
  ret i32 0
}
