; RUN: %run-everywhere --reserve-mailbox %s | FileCheck %s

; The mailbox register ("mailbox" in llvm.read_register/write_register: r14
; on x86-64, x28 on AArch64, reserved) holds what the resumer put there
; across swapstack switches (a switch never writes it), across calls into C
; (callee-saved there), and through code with high register pressure (never
; allocated) -- on both targets, at every optimisation level (-O0 goes
; through FastISel on x86-64 and GlobalISel on AArch64).

@mb.main = global [8 x i64] zeroinitializer
@mb.a = global [8 x i64] zeroinitializer
@fmt = private constant [19 x i8] c"%s: mailbox is %s\0A\00"
@s.main = private constant [5 x i8] c"main\00"
@s.a = private constant [2 x i8] c"A\00"
@n.main = private constant [5 x i8] c"main\00"
@n.a = private constant [7 x i8] c"A's mb\00"
@n.other = private constant [6 x i8] c"WRONG\00"

declare i32 @printf(ptr, ...)
declare i32 @puts(ptr)
declare ptr @malloc(i64)
declare i64 @llvm.read_register.i64(metadata)
declare void @llvm.write_register.i64(metadata, i64)
declare ptr @llvm.newstack(ptr, i64, ptr)

define internal ptr @name_of(i64 %mb) {
  %is.main = icmp eq i64 %mb, ptrtoint (ptr @mb.main to i64)
  %is.a = icmp eq i64 %mb, ptrtoint (ptr @mb.a to i64)
  %n1 = select i1 %is.a, ptr @n.a, ptr @n.other
  %n = select i1 %is.main, ptr @n.main, ptr %n1
  ret ptr %n
}

define internal void @report(ptr %who) {
  %mb = call i64 @llvm.read_register.i64(metadata !0)
  %n = call ptr @name_of(i64 %mb)
  call i32 (ptr, ...) @printf(ptr @fmt, ptr %who, ptr %n)
  ret void
}

; Sixteen values live at once: every allocatable GPR is busy.
define internal i64 @pressure(ptr %p) noinline {
  %v0 = load volatile i64, ptr %p
  %v1 = load volatile i64, ptr %p
  %v2 = load volatile i64, ptr %p
  %v3 = load volatile i64, ptr %p
  %v4 = load volatile i64, ptr %p
  %v5 = load volatile i64, ptr %p
  %v6 = load volatile i64, ptr %p
  %v7 = load volatile i64, ptr %p
  %v8 = load volatile i64, ptr %p
  %v9 = load volatile i64, ptr %p
  %v10 = load volatile i64, ptr %p
  %v11 = load volatile i64, ptr %p
  %v12 = load volatile i64, ptr %p
  %v13 = load volatile i64, ptr %p
  %v14 = load volatile i64, ptr %p
  %v15 = load volatile i64, ptr %p
  %s0 = add i64 %v0, %v1
  %s1 = add i64 %s0, %v2
  %s2 = add i64 %s1, %v3
  %s3 = add i64 %s2, %v4
  %s4 = add i64 %s3, %v5
  %s5 = add i64 %s4, %v6
  %s6 = add i64 %s5, %v7
  %s7 = add i64 %s6, %v8
  %s8 = add i64 %s7, %v9
  %s9 = add i64 %s8, %v10
  %s10 = add i64 %s9, %v11
  %s11 = add i64 %s10, %v12
  %s12 = add i64 %s11, %v13
  %s13 = add i64 %s12, %v14
  %s14 = add i64 %s13, %v15
  store volatile i64 %v0, ptr %p
  store volatile i64 %v15, ptr %p
  ret i64 %s14
}

; Runs with the mailbox set to A's by main, then switches back without
; touching it, then (resumed with main's mailbox) sets its own and finishes.
define swapstackcc void @thread_a(ptr %from) {
  call void @report(ptr @s.a)                    ; A's (set by main)
  %slot = getelementptr i64, ptr @mb.a, i64 1
  store i64 3, ptr %slot
  %sum = call i64 @pressure(ptr %slot)
  call void @report(ptr @s.a)                    ; still A's after C and pressure
  %back = call swapstackcc ptr %from()           ; main sees A's: untouched
  call void @report(ptr @s.a)                    ; main's: main set it
  call void @llvm.write_register.i64(metadata !0, i64 ptrtoint (ptr @mb.a to i64))
  %fin = call swapstackcc ptr %back()
  unreachable
}

define i32 @main() {
  call void @llvm.write_register.i64(metadata !0, i64 ptrtoint (ptr @mb.main to i64))
  call void @report(ptr @s.main)
  %stack = call ptr @malloc(i64 65536)
  %a = call ptr @llvm.newstack(ptr %stack, i64 65536, ptr @thread_a)
  call void @llvm.write_register.i64(metadata !0, i64 ptrtoint (ptr @mb.a to i64))
  %a1 = call swapstackcc ptr %a()
  call void @report(ptr @s.main)                 ; A's: the switch kept it
  call void @llvm.write_register.i64(metadata !0, i64 ptrtoint (ptr @mb.main to i64))
  %a2 = call swapstackcc ptr %a1()
  call void @report(ptr @s.main)                 ; A's: A set it
  ret i32 0
}

!0 = !{!"mailbox"}

; CHECK:      main: mailbox is main
; CHECK-NEXT: A: mailbox is A's mb
; CHECK-NEXT: A: mailbox is A's mb
; CHECK-NEXT: main: mailbox is A's mb
; CHECK-NEXT: A: mailbox is main
; CHECK-NEXT: main: mailbox is A's mb
; CHECK-NEXT: exit 0
; CHECK-NEXT: configurations: 16
