; RUN: %run-everywhere %s | FileCheck %s
;
; Deep recursion on a fresh 1 MiB stack: 4,000 frames of at least 64 bytes
; each. Every frame checks that its locals really live on the new stack.

declare ptr @llvm.newstack(ptr, i64, ptr)
declare ptr @malloc(i64)
declare i32 @printf(ptr, ...)

@fmt = private constant [38 x i8] c"depth %ld sum %ld frames outside %ld\0A\00"

; Returns n + (n-1) + ... + 0 in the low 32 bits and, above them, the number
; of frames whose locals were outside [lo, hi).
define i64 @rec(i64 %n, ptr %lo, ptr %hi) noinline uwtable {
entry:
  %buf = alloca [8 x i64], align 16
  store volatile i64 %n, ptr %buf
  %addr = ptrtoint ptr %buf to i64
  %lo.i = ptrtoint ptr %lo to i64
  %hi.i = ptrtoint ptr %hi to i64
  %below = icmp ult i64 %addr, %lo.i
  %above = icmp uge i64 %addr, %hi.i
  %out = or i1 %below, %above
  %flag = select i1 %out, i64 4294967296, i64 0
  %leaf = icmp eq i64 %n, 0
  br i1 %leaf, label %done, label %recurse

recurse:
  %m = sub i64 %n, 1
  %r = call i64 @rec(i64 %m, ptr %lo, ptr %hi)
  %back = load volatile i64, ptr %buf
  %sum = add i64 %r, %back
  %total = add i64 %sum, %flag
  ret i64 %total

done:
  ret i64 %flag
}

define swapstackcc void @deep(ptr %from, ptr %lo, ptr %hi, i64 %depth) uwtable {
  %r = call i64 @rec(i64 %depth, ptr %lo, ptr %hi)
  %never = call swapstackcc ptr %from(i64 %r)
  unreachable
}

define i32 @main() uwtable {
  %lo = call ptr @malloc(i64 1048576)
  %hi = getelementptr i8, ptr %lo, i64 1048576
  %ctx = call ptr @llvm.newstack(ptr %lo, i64 1048576, ptr @deep)
  %r = call swapstackcc { ptr, i64 } %ctx(ptr %lo, ptr %hi, i64 4000)
  %v = extractvalue { ptr, i64 } %r, 1
  %sum = and i64 %v, 4294967295
  %outside = lshr i64 %v, 32
  call i32 (ptr, ...) @printf(ptr @fmt, i64 4000, i64 %sum, i64 %outside)
  %good = icmp eq i64 %v, 8002000
  %rc = select i1 %good, i32 0, i32 1
  ret i32 %rc
}

; CHECK:      depth 4000 sum 8002000 frames outside 0
; CHECK-NEXT: exit 0
; CHECK-NEXT: configurations: 16
