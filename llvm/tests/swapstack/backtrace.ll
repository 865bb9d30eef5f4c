; RUN: %run-everywhere --ldflag=-rdynamic %s | FileCheck %s
;
; backtrace() called inside a fresh stack: the walk must end cleanly at the
; entry function (its return address is marked undefined in its unwind
; information) instead of running into the memory above the stack.

declare ptr @llvm.newstack(ptr, i64, ptr)
declare ptr @malloc(i64)
declare i32 @printf(ptr, ...)
declare i32 @backtrace(ptr, i32)
declare void @backtrace_symbols_fd(ptr, i32, i32)
declare i32 @fflush(ptr)

@fmt = private constant [11 x i8] c"frames %d\0A\00"

define i32 @inner() noinline uwtable {
  %buf = alloca [64 x ptr], align 16
  %n = call i32 @backtrace(ptr %buf, i32 64)
  call void @backtrace_symbols_fd(ptr %buf, i32 %n, i32 1)
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

; CHECK:      (inner+0x{{[0-9a-f]+}})
; CHECK-NEXT: (entry_fn+0x{{[0-9a-f]+}})
; CHECK-NEXT: frames 2
; CHECK-NEXT: exit 0
; CHECK-NEXT: configurations: 16
