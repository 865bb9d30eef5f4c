; RUN: %run-everywhere --targets=x86_64 %s | FileCheck %s --check-prefixes=CHECK,X86
; RUN: %run-everywhere --targets=aarch64 %s | FileCheck %s --check-prefixes=CHECK,A64
;
; Returning from an entry function is a fatal error, reported with a message
; naming the function, never a jump into whatever lies above the stack.

declare ptr @llvm.newstack(ptr, i64, ptr)
declare ptr @malloc(i64)
declare i32 @puts(ptr)
declare i32 @fflush(ptr)

@msg = private constant [14 x i8] c"before return\00"

define swapstackcc void @careless(ptr %from) uwtable {
  %again = call swapstackcc ptr %from()
  ret void
}

define i32 @main() uwtable {
  %stack = call ptr @malloc(i64 65536)
  %ctx = call ptr @llvm.newstack(ptr %stack, i64 65536, ptr @careless)
  %c2 = call swapstackcc ptr %ctx()
  call i32 @puts(ptr @msg)
  call i32 @fflush(ptr null)
  %c3 = call swapstackcc ptr %c2()
  ret i32 0
}

; CHECK:      before return
; CHECK-NEXT: stderr: swapstack: entry function 'careless' returned; an entry function must switch away and never return
; X86-NEXT:   signal SIGILL
; A64:        signal SIGTRAP
; CHECK-NEXT: configurations: 8
