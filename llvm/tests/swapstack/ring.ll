; RUN: %run-everywhere %s | FileCheck %s
;
; 1,000 stacks in a ring pass a token 20,000 times. Each node, when resumed,
; stores the context of the node that resumed it (its predecessor, now
; suspended) in the table, then resumes its successor from the table. Every
; context is resumed exactly once. The last node hands the token back to main,
; which checks the token, the visit counts and that every node always knew
; its own id.

declare ptr @llvm.newstack(ptr, i64, ptr)
declare ptr @malloc(i64)
declare i32 @printf(ptr, ...)

@ctxs = internal global [1000 x ptr] zeroinitializer
@visits = internal global [1000 x i64] zeroinitializer
@main.ctx = internal global ptr null
@errors = internal global i64 0

@fmt = private constant [44 x i8] c"ring: token %ld, last node %ld, errors %ld\0A\00"
@fmt.visits = private constant [39 x i8] c"visits: node0 %ld, others %ld..%ld ok\0A\00"

; (resumer's context, token, hops left, id of the node being resumed)
define swapstackcc void @node(ptr %from, i64 %token, i64 %hops, i64 %id0) uwtable {
entry:
  br label %loop

loop:
  %prev = phi ptr [ %from, %entry ], [ %prev.next, %resumed ], [ %prev.next, %wrong.id ]
  %t = phi i64 [ %token, %entry ], [ %t.next, %resumed ], [ %t.next, %wrong.id ]
  %h = phi i64 [ %hops, %entry ], [ %h.next, %resumed ], [ %h.next, %wrong.id ]
  %id = phi i64 [ %id0, %entry ], [ %id0, %resumed ], [ %id0, %wrong.id ]
  %first = icmp eq i64 %t, 1
  br i1 %first, label %from.main, label %from.pred

from.main:
  store ptr %prev, ptr @main.ctx
  br label %visit

from.pred:
  %pred.sum = add i64 %id, 999
  %pred = urem i64 %pred.sum, 1000
  %pred.slot = getelementptr [1000 x ptr], ptr @ctxs, i64 0, i64 %pred
  store ptr %prev, ptr %pred.slot
  br label %visit

visit:
  %v.slot = getelementptr [1000 x i64], ptr @visits, i64 0, i64 %id
  %v = load i64, ptr %v.slot
  %v.inc = add i64 %v, 1
  store i64 %v.inc, ptr %v.slot
  %end = icmp eq i64 %h, 0
  br i1 %end, label %finish, label %pass

pass:
  %next.sum = add i64 %id, 1
  %next = urem i64 %next.sum, 1000
  %next.slot = getelementptr [1000 x ptr], ptr @ctxs, i64 0, i64 %next
  %next.ctx = load ptr, ptr %next.slot
  %t.pass = add i64 %t, 1
  %h.pass = sub i64 %h, 1
  %r = call swapstackcc { ptr, i64, i64, i64 } %next.ctx(i64 %t.pass, i64 %h.pass, i64 %next)
  br label %resumed

resumed:
  %prev.next = extractvalue { ptr, i64, i64, i64 } %r, 0
  %t.next = extractvalue { ptr, i64, i64, i64 } %r, 1
  %h.next = extractvalue { ptr, i64, i64, i64 } %r, 2
  %id.got = extractvalue { ptr, i64, i64, i64 } %r, 3
  %same = icmp eq i64 %id.got, %id0
  br i1 %same, label %loop, label %wrong.id

wrong.id:
  %e = load i64, ptr @errors
  %e.inc = add i64 %e, 1
  store i64 %e.inc, ptr @errors
  br label %loop

finish:
  %main = load ptr, ptr @main.ctx
  %never = call swapstackcc { ptr, i64, i64, i64 } %main(i64 %t, i64 %h, i64 %id)
  unreachable
}

define i32 @main() uwtable {
entry:
  br label %make

make:
  %k = phi i64 [ 0, %entry ], [ %k.next, %make ]
  %mem = call ptr @malloc(i64 16384)
  %ctx = call ptr @llvm.newstack(ptr %mem, i64 16384, ptr @node)
  %slot = getelementptr [1000 x ptr], ptr @ctxs, i64 0, i64 %k
  store ptr %ctx, ptr %slot
  %k.next = add i64 %k, 1
  %more = icmp ult i64 %k.next, 1000
  br i1 %more, label %make, label %start

start:
  %c0 = load ptr, ptr @ctxs
  %r = call swapstackcc { ptr, i64, i64, i64 } %c0(i64 1, i64 20000, i64 0)
  %token = extractvalue { ptr, i64, i64, i64 } %r, 1
  %last = extractvalue { ptr, i64, i64, i64 } %r, 3
  %errs = load i64, ptr @errors
  call i32 (ptr, ...) @printf(ptr @fmt, i64 %token, i64 %last, i64 %errs)
  %n0 = load i64, ptr @visits
  br label %check

check:
  %j = phi i64 [ 1, %start ], [ %j.next, %check.ok ]
  %lo = phi i64 [ -1, %start ], [ %lo.next, %check.ok ]
  %hi = phi i64 [ 0, %start ], [ %hi.next, %check.ok ]
  %s = getelementptr [1000 x i64], ptr @visits, i64 0, i64 %j
  %n = load i64, ptr %s
  %lo.lt = icmp ult i64 %n, %lo
  %lo.next = select i1 %lo.lt, i64 %n, i64 %lo
  %hi.gt = icmp ugt i64 %n, %hi
  %hi.next = select i1 %hi.gt, i64 %n, i64 %hi
  br label %check.ok

check.ok:
  %j.next = add i64 %j, 1
  %again = icmp ult i64 %j.next, 1000
  br i1 %again, label %check, label %report

report:
  call i32 (ptr, ...) @printf(ptr @fmt.visits, i64 %n0, i64 %lo.next, i64 %hi.next)
  %good.token = icmp eq i64 %token, 20001
  %good.errs = icmp eq i64 %errs, 0
  %good = and i1 %good.token, %good.errs
  %rc = select i1 %good, i32 0, i32 1
  ret i32 %rc
}

; CHECK:      ring: token 20001, last node 0, errors 0
; CHECK-NEXT: visits: node0 21, others 20..20 ok
; CHECK-NEXT: exit 0
; CHECK-NEXT: configurations: 16
