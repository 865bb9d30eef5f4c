; RUN: %run-everywhere %s | FileCheck %s
;
; The corners of the swapstack contract, executed: half and fp128 values
; travel in floating-point registers (bfloat too, see the CodeGen tests; it is
; left out here because at -O0 it needs __truncsfbf2, which Debian 12's libgcc
; lacks), an i128 in two integer
; registers, a struct argument field by field, and a switch may be an invoke
; (the inliner makes one; its unwind edge is never taken). Entry functions
; and callers of a switch may have dynamic allocas and over-aligned frames
; (a base pointer): both survive switches with their contents and alignment.

declare ptr @llvm.newstack(ptr, i64, ptr)
declare ptr @malloc(i64)
declare i32 @printf(ptr, ...)

@fmt.types = private constant [28 x i8] c"types round %ld: %ld wrong\0A\00"
@fmt.aligned = private constant [30 x i8] c"aligned round %ld: %ld wrong\0A\00"

; Never called: a switch does not unwind.
define i32 @no_personality(...) {
  ret i32 0
}

%vals = type { ptr, half, fp128, i128, <8 x half>, { i64, i32 } }

; Echoes its values back, each changed in a way main can check.
define swapstackcc void @echo(ptr %from, half %h, fp128 %q, i128 %w, <8 x half> %v, { i64, i32 } %s) {
entry:
  br label %loop

loop:
  %peer = phi ptr [ %from, %entry ], [ %peer.next, %loop ]
  %h.in = phi half [ %h, %entry ], [ %h.next, %loop ]
  %q.in = phi fp128 [ %q, %entry ], [ %q.next, %loop ]
  %w.in = phi i128 [ %w, %entry ], [ %w.next, %loop ]
  %v.in = phi <8 x half> [ %v, %entry ], [ %v.next, %loop ]
  %s.in = phi { i64, i32 } [ %s, %entry ], [ %s.next, %loop ]
  %h.bits = bitcast half %h.in to i16
  %h.bits1 = add i16 %h.bits, 1
  %h.out = bitcast i16 %h.bits1 to half
  %q.bits = bitcast fp128 %q.in to i128
  %q.bits1 = add i128 %q.bits, 3
  %q.out = bitcast i128 %q.bits1 to fp128
  %w.out = add i128 %w.in, 18446744073709551621 ; 2^64 + 5
  %v.bits = bitcast <8 x half> %v.in to <8 x i16>
  %v.bits1 = add <8 x i16> %v.bits, <i16 1, i16 2, i16 3, i16 4, i16 5, i16 6, i16 7, i16 8>
  %v.out = bitcast <8 x i16> %v.bits1 to <8 x half>
  %s.0 = extractvalue { i64, i32 } %s.in, 0
  %s.1 = extractvalue { i64, i32 } %s.in, 1
  %s.0.out = add i64 %s.0, 9
  %s.1.out = add i32 %s.1, 10
  %s.a = insertvalue { i64, i32 } undef, i64 %s.0.out, 0
  %s.out = insertvalue { i64, i32 } %s.a, i32 %s.1.out, 1
  %r = call swapstackcc %vals %peer(half %h.out, fp128 %q.out, i128 %w.out, <8 x half> %v.out, { i64, i32 } %s.out)
  %peer.next = extractvalue %vals %r, 0
  %h.next = extractvalue %vals %r, 1
  %q.next = extractvalue %vals %r, 2
  %w.next = extractvalue %vals %r, 3
  %v.next = extractvalue %vals %r, 4
  %s.next = extractvalue %vals %r, 5
  br label %loop
}

; One round trip to the echo stack through an invoke; returns the number of
; values that came back wrong.
define i64 @types_round(ptr %ctx, i64 %k, ptr %next) personality ptr @no_personality {
entry:
  %k16 = trunc i64 %k to i16
  %h.bits = add i16 %k16, 15360            ; 1.0 + k ulps
  %h = bitcast i16 %h.bits to half
  %k128 = zext i64 %k to i128
  %q.bits = shl i128 %k128, 80
  %q = bitcast i128 %q.bits to fp128
  %w = shl i128 %k128, 70
  %v.bits = insertelement <8 x i16> <i16 100, i16 200, i16 300, i16 400, i16 500, i16 600, i16 700, i16 800>, i16 %k16, i32 5
  %v = bitcast <8 x i16> %v.bits to <8 x half>
  %s.a = insertvalue { i64, i32 } undef, i64 %k, 0
  %k32 = trunc i64 %k to i32
  %s = insertvalue { i64, i32 } %s.a, i32 %k32, 1
  %r = invoke swapstackcc %vals %ctx(half %h, fp128 %q, i128 %w, <8 x half> %v, { i64, i32 } %s)
          to label %back unwind label %never

back:
  %ctx.next = extractvalue %vals %r, 0
  store ptr %ctx.next, ptr %next
  %h.got = extractvalue %vals %r, 1
  %h.got.bits = bitcast half %h.got to i16
  %h.want = add i16 %h.bits, 1
  %h.bad = icmp ne i16 %h.got.bits, %h.want
  %q.got = extractvalue %vals %r, 2
  %q.got.bits = bitcast fp128 %q.got to i128
  %q.want = add i128 %q.bits, 3
  %q.bad = icmp ne i128 %q.got.bits, %q.want
  %w.got = extractvalue %vals %r, 3
  %w.want = add i128 %w, 18446744073709551621
  %w.bad = icmp ne i128 %w.got, %w.want
  %v.got = extractvalue %vals %r, 4
  %v.got.bits = bitcast <8 x half> %v.got to <8 x i16>
  %v.want = add <8 x i16> %v.bits, <i16 1, i16 2, i16 3, i16 4, i16 5, i16 6, i16 7, i16 8>
  %v.ne = icmp ne <8 x i16> %v.got.bits, %v.want
  %v.ne.bits = bitcast <8 x i1> %v.ne to i8
  %v.bad = icmp ne i8 %v.ne.bits, 0
  %s.got = extractvalue %vals %r, 5
  %s.got.0 = extractvalue { i64, i32 } %s.got, 0
  %s.got.1 = extractvalue { i64, i32 } %s.got, 1
  %s.want.0 = add i64 %k, 9
  %s.want.1 = add i32 %k32, 10
  %s.bad.0 = icmp ne i64 %s.got.0, %s.want.0
  %s.bad.1 = icmp ne i32 %s.got.1, %s.want.1
  %n0 = zext i1 %h.bad to i64
  %n2 = zext i1 %q.bad to i64
  %n3 = zext i1 %w.bad to i64
  %n4 = zext i1 %v.bad to i64
  %n5 = zext i1 %s.bad.0 to i64
  %n6 = zext i1 %s.bad.1 to i64
  %a1 = add i64 %n0, %n2
  %a2 = add i64 %a1, %n3
  %a3 = add i64 %a2, %n4
  %a4 = add i64 %a3, %n5
  %a5 = add i64 %a4, %n6
  ret i64 %a5

never:
  %lp = landingpad { ptr, i32 } cleanup
  ret i64 1000
}

; Counts what is wrong with a 64-byte aligned frame object and a dynamic
; allocation of %n bytes filled with %seed.
define i64 @check_frame(ptr %obj, ptr %dyn, i64 %n, i64 %seed) {
entry:
  %obj.addr = ptrtoint ptr %obj to i64
  %obj.mis = and i64 %obj.addr, 63
  %obj.bad = icmp ne i64 %obj.mis, 0
  %obj.v = load i64, ptr %obj
  %obj.vbad = icmp ne i64 %obj.v, %seed
  %dyn.addr = ptrtoint ptr %dyn to i64
  %dyn.mis = and i64 %dyn.addr, 63
  %dyn.bad = icmp ne i64 %dyn.mis, 0
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %loop ]
  %bad = phi i64 [ 0, %entry ], [ %bad.next, %loop ]
  %p = getelementptr i8, ptr %dyn, i64 %i
  %c = load i8, ptr %p
  %s8 = trunc i64 %seed to i8
  %i8 = trunc i64 %i to i8
  %want = add i8 %s8, %i8
  %ne = icmp ne i8 %c, %want
  %ne64 = zext i1 %ne to i64
  %bad.next = add i64 %bad, %ne64
  %i.next = add i64 %i, 1
  %done = icmp eq i64 %i.next, %n
  br i1 %done, label %out, label %loop
out:
  %b0 = zext i1 %obj.bad to i64
  %b1 = zext i1 %obj.vbad to i64
  %b2 = zext i1 %dyn.bad to i64
  %t0 = add i64 %bad.next, %b0
  %t1 = add i64 %t0, %b1
  %t2 = add i64 %t1, %b2
  ret i64 %t2
}

define void @fill_frame(ptr %obj, ptr %dyn, i64 %n, i64 %seed) {
entry:
  store i64 %seed, ptr %obj
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %loop ]
  %p = getelementptr i8, ptr %dyn, i64 %i
  %s8 = trunc i64 %seed to i8
  %i8 = trunc i64 %i to i8
  %c = add i8 %s8, %i8
  store i8 %c, ptr %p
  %i.next = add i64 %i, 1
  %done = icmp eq i64 %i.next, %n
  br i1 %done, label %out, label %loop
out:
  ret void
}

; An entry function with an over-aligned frame and a dynamic allocation: it
; checks its frame after every switch and sends back how much was wrong.
define swapstackcc void @aligned_entry(ptr %from, i64 %n) {
entry:
  %obj = alloca [4 x i64], align 64
  %dyn = alloca i8, i64 %n, align 64
  call void @fill_frame(ptr %obj, ptr %dyn, i64 %n, i64 77)
  br label %loop
loop:
  %peer = phi ptr [ %from, %entry ], [ %peer.next, %loop ]
  %bad = call i64 @check_frame(ptr %obj, ptr %dyn, i64 %n, i64 77)
  %r = call swapstackcc { ptr } %peer(i64 %bad)
  %peer.next = extractvalue { ptr } %r, 0
  br label %loop
}

; A caller with an over-aligned frame and a dynamic allocation switches three
; times; returns how much was wrong on either side.
define i64 @aligned_caller(ptr %ctx0, i64 %n) {
entry:
  %obj = alloca [4 x i64], align 64
  %dyn = alloca i8, i64 %n, align 64
  call void @fill_frame(ptr %obj, ptr %dyn, i64 %n, i64 33)
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %loop ]
  %ctx = phi ptr [ %ctx0, %entry ], [ %ctx.next, %loop ]
  %acc = phi i64 [ 0, %entry ], [ %acc.next, %loop ]
  %r = call swapstackcc { ptr, i64 } %ctx()
  %ctx.next = extractvalue { ptr, i64 } %r, 0
  %theirs = extractvalue { ptr, i64 } %r, 1
  %mine = call i64 @check_frame(ptr %obj, ptr %dyn, i64 %n, i64 33)
  %sum = add i64 %theirs, %mine
  %acc.next = add i64 %acc, %sum
  %i.next = add i64 %i, 1
  %done = icmp eq i64 %i.next, 3
  br i1 %done, label %out, label %loop
out:
  ret i64 %acc.next
}

define i32 @main() {
entry:
  %next = alloca ptr
  %stack = call ptr @malloc(i64 65536)
  %ctx0 = call ptr @llvm.newstack(ptr %stack, i64 65536, ptr @echo)
  br label %round

round:
  %k = phi i64 [ 0, %entry ], [ %k.next, %round ]
  %ctx = phi ptr [ %ctx0, %entry ], [ %ctx.next, %round ]
  %bad = call i64 @types_round(ptr %ctx, i64 %k, ptr %next)
  %ctx.next = load ptr, ptr %next
  call i32 (ptr, ...) @printf(ptr @fmt.types, i64 %k, i64 %bad)
  %k.next = add i64 %k, 1
  %more = icmp ult i64 %k.next, 3
  br i1 %more, label %round, label %aligned

aligned:
  %stack2 = call ptr @malloc(i64 65536)
  %actx = call ptr @llvm.newstack(ptr %stack2, i64 65536, ptr @aligned_entry)
  ; The entry's first run receives %n as its parameter.
  %first = call swapstackcc { ptr, i64 } %actx(i64 100)
  %actx.next = extractvalue { ptr, i64 } %first, 0
  %bad0 = extractvalue { ptr, i64 } %first, 1
  %badn = call i64 @aligned_caller(ptr %actx.next, i64 37)
  %abad = add i64 %bad0, %badn
  call i32 (ptr, ...) @printf(ptr @fmt.aligned, i64 3, i64 %abad)
  ret i32 0
}

; CHECK: types round 0: 0 wrong
; CHECK-NEXT: types round 1: 0 wrong
; CHECK-NEXT: types round 2: 0 wrong
; CHECK-NEXT: aligned round 3: 0 wrong
