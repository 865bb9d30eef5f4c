; RUN: %run-everywhere --fps=all %s | FileCheck %s
;
; With frame pointers, a frame-pointer walk from inside a fresh stack ends at
; the entry function: its saved frame pointer is null. Main's walk, for
; comparison, goes through main into the C library's startup frames.

declare ptr @llvm.newstack(ptr, i64, ptr)
declare ptr @malloc(i64)
declare i32 @printf(ptr, ...)
declare ptr @llvm.frameaddress.p0(i32)

@fmt = private constant [36 x i8] c"fresh stack: %ld frames, ends null\0A\00"

; Counts the frames on the frame-pointer chain, up to 100.
define i64 @walk() noinline uwtable "frame-pointer"="all" {
entry:
  %fp0 = call ptr @llvm.frameaddress.p0(i32 0)
  br label %loop

loop:
  %fp = phi ptr [ %fp0, %entry ], [ %up, %step ]
  %n = phi i64 [ 0, %entry ], [ %n.next, %step ]
  %null = icmp eq ptr %fp, null
  %many = icmp uge i64 %n, 100
  %stop = or i1 %null, %many
  br i1 %stop, label %done, label %step

step:
  %up = load ptr, ptr %fp
  %n.next = add i64 %n, 1
  br label %loop

done:
  ret i64 %n
}

define swapstackcc void @entry_fn(ptr %from) uwtable "frame-pointer"="all" {
  %n = call i64 @walk()
  %never = call swapstackcc ptr %from(i64 %n)
  unreachable
}

define i32 @main() uwtable "frame-pointer"="all" {
  %stack = call ptr @malloc(i64 65536)
  %ctx = call ptr @llvm.newstack(ptr %stack, i64 65536, ptr @entry_fn)
  %r = call swapstackcc { ptr, i64 } %ctx()
  %n = extractvalue { ptr, i64 } %r, 1
  call i32 (ptr, ...) @printf(ptr @fmt, i64 %n)
  %good = icmp eq i64 %n, 2
  %rc = select i1 %good, i32 0, i32 1
  ret i32 %rc
}

; CHECK:      fresh stack: 2 frames, ends null
; CHECK-NEXT: exit 0
; CHECK-NEXT: configurations: 8
