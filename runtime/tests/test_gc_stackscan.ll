; The managed side of test_gc_stackscan.cpp: frames of `gc "swapstack"`
; functions that hold GC values (ptr addrspace(1)) across calls and across
; swapstack switches. Built by swapstack_gc_ir_object(): the fork's
; rewrite-statepoints-for-gc turns every call and switch here into a
; statepoint, so llc records each frame's live GC values in .llvm_stackmaps,
; at the return address of a call and at the resume address of a switch.
; The C++ side supplies the objects, parks the threads, scans their stacks
; (moving every object from array A to array B) and checks every value here
; after the thread resumes.

declare ptr addrspace(1) @gcs_obj(i64, i32)
declare void @gcs_park(i64)
declare void @gcs_check(i64, i32, ptr addrspace(1), ptr addrspace(1),
                        ptr addrspace(1), ptr addrspace(1), ptr addrspace(1),
                        ptr addrspace(1))
declare ptr @llvm.newstack(ptr, i64, ptr)
declare void @gcs_gen_parked(i64, ptr)
declare void @gcs_gen_check(i64, i32, ptr addrspace(1), ptr addrspace(1))

; One frame of a recursion `depth` frames deep: it holds three objects x, y,
; z, a pointer d into x (24 or 40 bytes in, chosen by a select so that RS4GC
; relocates it as a derived pointer instead of recomputing it) and a vector
; of two pointers into y and z (8 and 16 bytes in: a 16-byte base slot and a
; 16-byte derived slot) across the call below it; the innermost frame parks
; (gcs_park) instead. A dynamic alloca makes the frame's size differ from
; depth to depth (the slots are found from the frame pointer). After the
; call, gcs_check compares all six values with what the scan made of them.
; The frame below gets (y, z) as its (x, y).
define void @gcs_frame(i32 %depth, i64 %id, ptr addrspace(1) %x,
                       ptr addrspace(1) %y) gc "swapstack" {
entry:
  %n = zext i32 %depth to i64
  %scratch = alloca i8, i64 %n, align 16
  store volatile i8 1, ptr %scratch
  %z = call ptr addrspace(1) @gcs_obj(i64 %id, i32 %depth)
  %odd = trunc i32 %depth to i1
  %d24 = getelementptr i8, ptr addrspace(1) %x, i64 24
  %d40 = getelementptr i8, ptr addrspace(1) %x, i64 40
  %d = select i1 %odd, ptr addrspace(1) %d24, ptr addrspace(1) %d40
  %v0 = insertelement <2 x ptr addrspace(1)> poison, ptr addrspace(1) %y, i32 0
  %v1 = insertelement <2 x ptr addrspace(1)> %v0, ptr addrspace(1) %z, i32 1
  %vd = getelementptr i8, <2 x ptr addrspace(1)> %v1, <2 x i64> <i64 8, i64 16>
  %leaf = icmp ule i32 %depth, 1
  br i1 %leaf, label %park, label %recurse

recurse:
  %below = sub i32 %depth, 1
  call void @gcs_frame(i32 %below, i64 %id, ptr addrspace(1) %y,
                       ptr addrspace(1) %z)
  br label %check

park:
  call void @gcs_park(i64 %id)
  br label %check

check:
  %e0 = extractelement <2 x ptr addrspace(1)> %vd, i32 0
  %e1 = extractelement <2 x ptr addrspace(1)> %vd, i32 1
  call void @gcs_check(i64 %id, i32 %depth, ptr addrspace(1) %x,
                       ptr addrspace(1) %y, ptr addrspace(1) %z,
                       ptr addrspace(1) %d, ptr addrspace(1) %e0,
                       ptr addrspace(1) %e1)
  ret void
}

; A generator on a stack of its own: it holds %o and a pointer into it across
; its yield (a switch back to its creator), so while it is suspended its top
; frame is the switch's statepoint, found from the resume address in its
; context. Resumed, it checks both and switches back for good.
define swapstackcc void @gcs_gen_entry(ptr %from, ptr addrspace(1) %o,
                                       i64 %id) gc "swapstack" {
  %odd = trunc i64 %id to i1
  %d24 = getelementptr i8, ptr addrspace(1) %o, i64 24
  %d40 = getelementptr i8, ptr addrspace(1) %o, i64 40
  %d = select i1 %odd, ptr addrspace(1) %d24, ptr addrspace(1) %d40
  %back = call swapstackcc ptr %from()
  call void @gcs_gen_check(i64 %id, i32 0, ptr addrspace(1) %o,
                           ptr addrspace(1) %d)
  %never = call swapstackcc ptr %back()
  unreachable
}

; Starts a generator on [lo, lo + size), handing it %o; runs it to its yield;
; parks (gcs_gen_parked, while the test scans this stack and the generator's)
; holding %p; then resumes the generator, which checks its values and
; switches back, and checks %p.
define void @gcs_gen_run(ptr %lo, i64 %size, ptr addrspace(1) %o,
                         ptr addrspace(1) %p, i64 %id) gc "swapstack" {
  %ctx = call ptr @llvm.newstack(ptr %lo, i64 %size, ptr @gcs_gen_entry)
  %gen = call swapstackcc ptr %ctx(ptr addrspace(1) %o, i64 %id)
  call void @gcs_gen_parked(i64 %id, ptr %gen)
  %done = call swapstackcc ptr %gen()
  call void @gcs_gen_check(i64 %id, i32 1, ptr addrspace(1) %p,
                           ptr addrspace(1) %p)
  ret void
}
