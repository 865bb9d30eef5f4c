; RUN: %run-everywhere %s | FileCheck %s
;
; Mixed argument types across a switch, using every register the convention
; has: 9 integer/pointer values (plus the context) and 8 floating-point and
; vector values, in both directions. The echo side transforms each value and
; switches back; main checks every field, three rounds.

declare ptr @llvm.newstack(ptr, i64, ptr)
declare ptr @malloc(i64)
declare i32 @printf(ptr, ...)

@buf = internal global [64 x i8] zeroinitializer
@fmt = private constant [27 x i8] c"round %ld: %ld fields bad\0A\00"

define swapstackcc void @echo(ptr %from, i64 %a, double %b, ptr %c, i32 %d, float %e, i8 %f, double %g, i64 %h, ptr %i, i16 %j, double %k, <4 x float> %l, i64 %m, i64 %n, double %o, double %p, double %q) uwtable {
entry:
  %s0 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } undef, ptr %from, 0
  %s1 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s0, i64 %a, 1
  %s2 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s1, double %b, 2
  %s3 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s2, ptr %c, 3
  %s4 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s3, i32 %d, 4
  %s5 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s4, float %e, 5
  %s6 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s5, i8 %f, 6
  %s7 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s6, double %g, 7
  %s8 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s7, i64 %h, 8
  %s9 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s8, ptr %i, 9
  %s10 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s9, i16 %j, 10
  %s11 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s10, double %k, 11
  %s12 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s11, <4 x float> %l, 12
  %s13 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s12, i64 %m, 13
  %s14 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s13, i64 %n, 14
  %s15 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s14, double %o, 15
  %s16 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s15, double %p, 16
  %s17 = insertvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %s16, double %q, 17
  br label %loop

loop:
  %cur = phi { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } [ %s17, %entry ], [ %r, %loop ]
  %peer = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 0
  %in.a = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 1
  %out.a = add i64 %in.a, 7
  %in.b = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 2
  %out.b = fmul double %in.b, 2.0
  %in.c = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 3
  %out.c = getelementptr i8, ptr %in.c, i64 8
  %in.d = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 4
  %out.d = add i32 %in.d, 7
  %in.e = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 5
  %out.e = fadd float %in.e, 0.5
  %in.f = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 6
  %out.f = add i8 %in.f, 7
  %in.g = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 7
  %out.g = fmul double %in.g, 2.0
  %in.h = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 8
  %out.h = add i64 %in.h, 7
  %in.i = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 9
  %out.i = getelementptr i8, ptr %in.i, i64 8
  %in.j = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 10
  %out.j = add i16 %in.j, 7
  %in.k = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 11
  %out.k = fmul double %in.k, 2.0
  %in.l = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 12
  %out.l = fadd <4 x float> %in.l, <float 1.0, float 2.0, float 3.0, float 4.0>
  %in.m = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 13
  %out.m = add i64 %in.m, 7
  %in.n = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 14
  %out.n = add i64 %in.n, 7
  %in.o = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 15
  %out.o = fmul double %in.o, 2.0
  %in.p = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 16
  %out.p = fmul double %in.p, 2.0
  %in.q = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %cur, 17
  %out.q = fmul double %in.q, 2.0
  %r = call swapstackcc { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %peer(i64 %out.a, double %out.b, ptr %out.c, i32 %out.d, float %out.e, i8 %out.f, double %out.g, i64 %out.h, ptr %out.i, i16 %out.j, double %out.k, <4 x float> %out.l, i64 %out.m, i64 %out.n, double %out.o, double %out.p, double %out.q)
  br label %loop
}

define i32 @main() uwtable {
entry:
  %stack = call ptr @malloc(i64 65536)
  %ctx0 = call ptr @llvm.newstack(ptr %stack, i64 65536, ptr @echo)
  br label %round

round:
  %k = phi i64 [ 0, %entry ], [ %k.next, %round ]
  %ctx = phi ptr [ %ctx0, %entry ], [ %ctx.next, %round ]
  %bad.total = phi i64 [ 0, %entry ], [ %bad.sum, %round ]
  %kd = sitofp i64 %k to double
  %kf = sitofp i64 %k to float
  %v.a = mul i64 %k, 1001
  %v.b = fadd double %kd, 2.25
  %v.c = getelementptr i8, ptr @buf, i64 3
  %k32.d = trunc i64 %k to i32
  %v.d = add i32 %k32.d, -70004
  %v.e = fadd float %kf, 5.125
  %k8.f = trunc i64 %k to i8
  %v.f = add i8 %k8.f, 6
  %v.g = fadd double %kd, 7.25
  %v.h = mul i64 %k, 1008
  %v.i = getelementptr i8, ptr @buf, i64 9
  %k16.j = trunc i64 %k to i16
  %v.j = add i16 %k16.j, 310
  %v.k = fadd double %kd, 11.25
  %vs.l = insertelement <4 x float> <float 0.5, float 1.5, float 2.5, float 3.5>, float %kf, i32 2
  %v.l = fadd <4 x float> %vs.l, <float 10.0, float 20.0, float 30.0, float 40.0>
  %v.m = mul i64 %k, 1013
  %v.n = mul i64 %k, 1014
  %v.o = fadd double %kd, 15.25
  %v.p = fadd double %kd, 16.25
  %v.q = fadd double %kd, 17.25
  %r = call swapstackcc { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %ctx(i64 %v.a, double %v.b, ptr %v.c, i32 %v.d, float %v.e, i8 %v.f, double %v.g, i64 %v.h, ptr %v.i, i16 %v.j, double %v.k, <4 x float> %v.l, i64 %v.m, i64 %v.n, double %v.o, double %v.p, double %v.q)
  %ctx.next = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 0
  %got.a = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 1
  %want.a = add i64 %v.a, 7
  %eq.a = icmp eq i64 %got.a, %want.a
  %ne.a = xor i1 %eq.a, true
  %bad.a = zext i1 %ne.a to i64
  %got.b = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 2
  %want.b = fmul double %v.b, 2.0
  %eq.b = fcmp oeq double %got.b, %want.b
  %ne.b = xor i1 %eq.b, true
  %bad.b = zext i1 %ne.b to i64
  %got.c = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 3
  %want.c = getelementptr i8, ptr %v.c, i64 8
  %eq.c = icmp eq ptr %got.c, %want.c
  %ne.c = xor i1 %eq.c, true
  %bad.c = zext i1 %ne.c to i64
  %got.d = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 4
  %want.d = add i32 %v.d, 7
  %eq.d = icmp eq i32 %got.d, %want.d
  %ne.d = xor i1 %eq.d, true
  %bad.d = zext i1 %ne.d to i64
  %got.e = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 5
  %want.e = fadd float %v.e, 0.5
  %eq.e = fcmp oeq float %got.e, %want.e
  %ne.e = xor i1 %eq.e, true
  %bad.e = zext i1 %ne.e to i64
  %got.f = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 6
  %want.f = add i8 %v.f, 7
  %eq.f = icmp eq i8 %got.f, %want.f
  %ne.f = xor i1 %eq.f, true
  %bad.f = zext i1 %ne.f to i64
  %got.g = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 7
  %want.g = fmul double %v.g, 2.0
  %eq.g = fcmp oeq double %got.g, %want.g
  %ne.g = xor i1 %eq.g, true
  %bad.g = zext i1 %ne.g to i64
  %got.h = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 8
  %want.h = add i64 %v.h, 7
  %eq.h = icmp eq i64 %got.h, %want.h
  %ne.h = xor i1 %eq.h, true
  %bad.h = zext i1 %ne.h to i64
  %got.i = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 9
  %want.i = getelementptr i8, ptr %v.i, i64 8
  %eq.i = icmp eq ptr %got.i, %want.i
  %ne.i = xor i1 %eq.i, true
  %bad.i = zext i1 %ne.i to i64
  %got.j = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 10
  %want.j = add i16 %v.j, 7
  %eq.j = icmp eq i16 %got.j, %want.j
  %ne.j = xor i1 %eq.j, true
  %bad.j = zext i1 %ne.j to i64
  %got.k = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 11
  %want.k = fmul double %v.k, 2.0
  %eq.k = fcmp oeq double %got.k, %want.k
  %ne.k = xor i1 %eq.k, true
  %bad.k = zext i1 %ne.k to i64
  %got.l = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 12
  %want.l = fadd <4 x float> %v.l, <float 1.0, float 2.0, float 3.0, float 4.0>
  %veq.l = fcmp oeq <4 x float> %got.l, %want.l
  %vbits.l = bitcast <4 x i1> %veq.l to i4
  %eq.l = icmp eq i4 %vbits.l, -1
  %ne.l = xor i1 %eq.l, true
  %bad.l = zext i1 %ne.l to i64
  %got.m = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 13
  %want.m = add i64 %v.m, 7
  %eq.m = icmp eq i64 %got.m, %want.m
  %ne.m = xor i1 %eq.m, true
  %bad.m = zext i1 %ne.m to i64
  %got.n = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 14
  %want.n = add i64 %v.n, 7
  %eq.n = icmp eq i64 %got.n, %want.n
  %ne.n = xor i1 %eq.n, true
  %bad.n = zext i1 %ne.n to i64
  %got.o = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 15
  %want.o = fmul double %v.o, 2.0
  %eq.o = fcmp oeq double %got.o, %want.o
  %ne.o = xor i1 %eq.o, true
  %bad.o = zext i1 %ne.o to i64
  %got.p = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 16
  %want.p = fmul double %v.p, 2.0
  %eq.p = fcmp oeq double %got.p, %want.p
  %ne.p = xor i1 %eq.p, true
  %bad.p = zext i1 %ne.p to i64
  %got.q = extractvalue { ptr, i64, double, ptr, i32, float, i8, double, i64, ptr, i16, double, <4 x float>, i64, i64, double, double, double } %r, 17
  %want.q = fmul double %v.q, 2.0
  %eq.q = fcmp oeq double %got.q, %want.q
  %ne.q = xor i1 %eq.q, true
  %bad.q = zext i1 %ne.q to i64
  %acc0 = add i64 0, %bad.a
  %acc1 = add i64 %acc0, %bad.b
  %acc2 = add i64 %acc1, %bad.c
  %acc3 = add i64 %acc2, %bad.d
  %acc4 = add i64 %acc3, %bad.e
  %acc5 = add i64 %acc4, %bad.f
  %acc6 = add i64 %acc5, %bad.g
  %acc7 = add i64 %acc6, %bad.h
  %acc8 = add i64 %acc7, %bad.i
  %acc9 = add i64 %acc8, %bad.j
  %acc10 = add i64 %acc9, %bad.k
  %acc11 = add i64 %acc10, %bad.l
  %acc12 = add i64 %acc11, %bad.m
  %acc13 = add i64 %acc12, %bad.n
  %acc14 = add i64 %acc13, %bad.o
  %acc15 = add i64 %acc14, %bad.p
  %acc16 = add i64 %acc15, %bad.q
  call i32 (ptr, ...) @printf(ptr @fmt, i64 %k, i64 %acc16)
  %bad.sum = add i64 %bad.total, %acc16
  %k.next = add i64 %k, 1
  %more = icmp ult i64 %k.next, 3
  br i1 %more, label %round, label %done

done:
  %good = icmp eq i64 %bad.sum, 0
  %rc = select i1 %good, i32 0, i32 1
  ret i32 %rc
}

; CHECK:      round 0: 0 fields bad
; CHECK-NEXT: round 1: 0 fields bad
; CHECK-NEXT: round 2: 0 fields bad
; CHECK-NEXT: exit 0
; CHECK-NEXT: configurations: 16
