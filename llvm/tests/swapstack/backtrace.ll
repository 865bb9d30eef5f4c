; RUN: %run-everywhere --ldflag=-rdynamic %s | FileCheck %s
;
; backtrace() called inside a fresh stack: the walk must end cleanly at the
; entry function (its return address is marked undefined in its unwind
; information) instead of running into the memory above the stack.

declare ptr @llvm.newstack(ptr, i64, ptr)
declare ptr @malloc(i64)
declare i32 @printf(ptr, ...)
declare i32 @backtrace(ptr, i32)
declare i32 @dladdr(ptr, ptr)

@fmt = private constant [11 x i8] c"frames %d\0A\00"
@fmt.frame = private constant [10 x i8] c"frame %s\0A\00"
@unknown = private constant [2 x i8] c"?\00"

; Prints the name of the function of every frame backtrace() returns.
define i32 @inner() noinline uwtable {
entry:
  %buf = alloca [64 x ptr], align 16
  %info = alloca [4 x ptr], align 16
  %n = call i32 @backtrace(ptr %buf, i32 64)
  %n64 = sext i32 %n to i64
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %loop ]
  %slot = getelementptr ptr, ptr %buf, i64 %i
  %pc = load ptr, ptr %slot
  %found = call i32 @dladdr(ptr %pc, ptr %info)
  %sname.slot = getelementptr ptr, ptr %info, i64 2
  %sname = load ptr, ptr %sname.slot
  %ok = icmp ne i32 %found, 0
  %nonnull = icmp ne ptr %sname, null
  %known = and i1 %ok, %nonnull
  %name = select i1 %known, ptr %sname, ptr @unknown
  call i32 (ptr, ...) @printf(ptr @fmt.frame, ptr %name)
  %i.next = add i64 %i, 1
  %more = icmp slt i64 %i.next, %n64
  br i1 %more, label %loop, label %done

done:
  ret i32 %n
}

define swapstackcc void @entry_fn(ptr %from) uwtable {
  %n = call i32 @inner()
  %never = call swapstackcc ptr %from(i32 %n)
  unreachable
}

define i32 @main() uwtable {
  %stack = call ptr @malloc(i64 65536)
  %ctx = call ptr @llvm.newstack(ptr %stack, i64 65536, ptr @entry_fn)
  %r = call swapstackcc { ptr, i32 } %ctx()
  %n = extractvalue { ptr, i32 } %r, 1
  call i32 (ptr, ...) @printf(ptr @fmt, i32 %n)
  ret i32 0
}

; CHECK:      frame inner
; CHECK-NEXT: frame entry_fn
; CHECK-NEXT: frames 2
; CHECK-NEXT: exit 0
; CHECK-NEXT: configurations: 16
