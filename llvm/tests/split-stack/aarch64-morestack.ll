; RUN: %run-everywhere --targets aarch64 --ldflag %S/Inputs/morestack-aarch64.S %s | FileCheck %s
;
; AArch64 segmented stacks, executed: split-stack functions check the limit at
; [TPIDR_EL0 + 8] and call __morestack, which here (Inputs/) moves every call
; that fails the check to a fresh 64 KiB segment whose own limit is 1 KiB
; above its bottom. Arguments in registers and on the stack, floating-point
; arguments and results, and an indirect result (x8) must survive a move;
; every frame of a recursion must land on a segment; the limit and the depth
; must be back when the moved calls return.

@test_moves = external global i64
@test_depth = external global i64
@test_segments = external global [1048576 x i8]
@on_seg = global i64 0

@fmt_rec = private constant [57 x i8] c"rec limit %s: sum %ld, moved %s, frames on segments %ld\0A\00"
@fmt_back = private constant [30 x i8] c"depth %ld, limit restored %s\0A\00"
@fmt_f = private constant [20 x i8] c"fsum %.2f moved %s\0A\00"
@fmt_s = private constant [31 x i8] c"sret %ld %ld %ld %ld moved %s\0A\00"
@s_none = private constant [5 x i8] c"none\00"
@s_all = private constant [4 x i8] c"all\00"
@s_yes = private constant [4 x i8] c"yes\00"
@s_no = private constant [3 x i8] c"no\00"

declare ptr @llvm.thread.pointer()
declare i32 @printf(ptr, ...)

define void @set_limit(i64 %l) {
  %tp = call ptr @llvm.thread.pointer()
  %slot = getelementptr i8, ptr %tp, i64 8
  store volatile i64 %l, ptr %slot
  ret void
}

define i64 @get_limit() {
  %tp = call ptr @llvm.thread.pointer()
  %slot = getelementptr i8, ptr %tp, i64 8
  %l = load volatile i64, ptr %slot
  ret i64 %l
}

define ptr @yes_no(i1 %b) {
  %s = select i1 %b, ptr @s_yes, ptr @s_no
  ret ptr %s
}

; Counts a frame whose local p lies in the test's segments.
define void @note(ptr %p) noinline {
  %a = ptrtoint ptr %p to i64
  %lo = ptrtoint ptr @test_segments to i64
  %hi = add i64 %lo, 1048576
  %ge = icmp uge i64 %a, %lo
  %lt = icmp ult i64 %a, %hi
  %in = and i1 %ge, %lt
  %c = load i64, ptr @on_seg
  %inc = zext i1 %in to i64
  %c2 = add i64 %c, %inc
  store i64 %c2, ptr @on_seg
  ret void
}

; n + a1 + ... + a9 in each of n + 1 frames of at least 512 bytes; a8 and a9
; are passed on the stack.
define i64 @rec(i64 %n, i64 %a1, i64 %a2, i64 %a3, i64 %a4, i64 %a5, i64 %a6,
                i64 %a7, i64 %a8, i64 %a9) noinline "split-stack" {
entry:
  %buf = alloca [512 x i8], align 16
  store volatile i8 1, ptr %buf
  call void @note(ptr %buf)
  %s1 = add i64 %n, %a1
  %s2 = add i64 %s1, %a2
  %s3 = add i64 %s2, %a3
  %s4 = add i64 %s3, %a4
  %s5 = add i64 %s4, %a5
  %s6 = add i64 %s5, %a6
  %s7 = add i64 %s6, %a7
  %s8 = add i64 %s7, %a8
  %s9 = add i64 %s8, %a9
  %leaf = icmp eq i64 %n, 0
  br i1 %leaf, label %done, label %more
more:
  %m = sub i64 %n, 1
  %b8 = mul i64 %a8, 3
  %b9 = mul i64 %a9, 5
  %r = call i64 @rec(i64 %m, i64 %a2, i64 %a3, i64 %a4, i64 %a5, i64 %a6,
                     i64 %a7, i64 %a1, i64 %b9, i64 %b8)
  %t = add i64 %s9, %r
  br label %done
done:
  %res = phi i64 [ %s9, %entry ], [ %t, %more ]
  ret i64 %res
}

; Eight doubles in registers, two on the stack.
define double @fsum(double %a, double %b, double %c, double %d, double %e,
                    double %f, double %g, double %h, double %i, double %j)
    noinline "split-stack" {
  %buf = alloca [64 x i8], align 16
  store volatile i8 1, ptr %buf
  call void @note(ptr %buf)
  %1 = fadd double %a, %b
  %2 = fadd double %1, %c
  %3 = fadd double %2, %d
  %4 = fadd double %3, %e
  %5 = fadd double %4, %f
  %6 = fadd double %5, %g
  %7 = fadd double %6, %h
  %8 = fadd double %7, %i
  %9 = fadd double %8, %j
  ret double %9
}

; An indirect result: x8 holds its address.
%four = type { i64, i64, i64, i64 }
define void @mk(ptr sret(%four) %out, i64 %x) noinline "split-stack" {
  %buf = alloca [64 x i8], align 16
  store volatile i8 1, ptr %buf
  call void @note(ptr %buf)
  %p1 = getelementptr %four, ptr %out, i32 0, i32 1
  %p2 = getelementptr %four, ptr %out, i32 0, i32 2
  %p3 = getelementptr %four, ptr %out, i32 0, i32 3
  %x1 = add i64 %x, 1
  %x2 = add i64 %x, 2
  %x3 = add i64 %x, 3
  store i64 %x, ptr %out
  store i64 %x1, ptr %p1
  store i64 %x2, ptr %p2
  store i64 %x3, ptr %p3
  ret void
}

define i64 @run_rec(ptr %name) {
  store i64 0, ptr @test_moves
  store i64 0, ptr @on_seg
  %r = call i64 @rec(i64 200, i64 1, i64 2, i64 3, i64 4, i64 5, i64 6,
                     i64 7, i64 8, i64 9)
  %moves = load i64, ptr @test_moves
  %moved = icmp ugt i64 %moves, 1
  %mstr = call ptr @yes_no(i1 %moved)
  %frames = load i64, ptr @on_seg
  call i32 (ptr, ...) @printf(ptr @fmt_rec, ptr %name, i64 %r, ptr %mstr,
                              i64 %frames)
  ret i64 %r
}

define i32 @main() {
  ; Limit 0: nothing moves.
  call void @set_limit(i64 0)
  %r0 = call i64 @run_rec(ptr @s_none)
  ; The highest limit: every call from here moves, and calls on a segment
  ; move again once it is full.
  call void @set_limit(i64 -1)
  %r1 = call i64 @run_rec(ptr @s_all)
  %depth = load i64, ptr @test_depth
  %l = call i64 @get_limit()
  %back = icmp eq i64 %l, -1
  %bstr = call ptr @yes_no(i1 %back)
  call void @set_limit(i64 0)
  call i32 (ptr, ...) @printf(ptr @fmt_back, i64 %depth, ptr %bstr)

  call void @set_limit(i64 -1)
  store i64 0, ptr @test_moves
  %f = call double @fsum(double 1.5, double 2.5, double 3.5, double 4.5,
                         double 5.5, double 6.5, double 7.5, double 8.5,
                         double 9.5, double 10.25)
  %fm = load i64, ptr @test_moves
  call void @set_limit(i64 0)
  %fmoved = icmp eq i64 %fm, 1
  %fstr = call ptr @yes_no(i1 %fmoved)
  call i32 (ptr, ...) @printf(ptr @fmt_f, double %f, ptr %fstr)

  %out = alloca %four
  call void @set_limit(i64 -1)
  store i64 0, ptr @test_moves
  call void @mk(ptr sret(%four) %out, i64 7)
  %sm = load i64, ptr @test_moves
  call void @set_limit(i64 0)
  %smoved = icmp eq i64 %sm, 1
  %sstr = call ptr @yes_no(i1 %smoved)
  %v0 = load i64, ptr %out
  %q1 = getelementptr %four, ptr %out, i32 0, i32 1
  %v1 = load i64, ptr %q1
  %q2 = getelementptr %four, ptr %out, i32 0, i32 2
  %v2 = load i64, ptr %q2
  %q3 = getelementptr %four, ptr %out, i32 0, i32 3
  %v3 = load i64, ptr %q3
  call i32 (ptr, ...) @printf(ptr @fmt_s, i64 %v0, i64 %v1, i64 %v2, i64 %v3,
                              ptr %sstr)
  ret i32 0
}

; CHECK: rec limit none: sum [[SUM:[0-9]+]], moved no, frames on segments 0
; CHECK-NEXT: rec limit all: sum [[SUM]], moved yes, frames on segments 201
; CHECK-NEXT: depth 0, limit restored yes
; CHECK-NEXT: fsum 59.75 moved yes
; CHECK-NEXT: sret 7 8 9 10 moved yes
; CHECK-NEXT: exit 0
