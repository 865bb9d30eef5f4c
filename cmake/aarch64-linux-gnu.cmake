# Cross-compiling the project's runtime and tests for AArch64 Linux with
# clang-19 and Debian's aarch64 cross libraries; programs run under
# qemu-aarch64 (set as the crosscompiling emulator). scripts/setup.sh
# configures build/aarch64 with it.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER clang-19)
set(CMAKE_CXX_COMPILER clang++-19)
set(CMAKE_ASM_COMPILER clang-19)
set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
set(CMAKE_CXX_COMPILER_TARGET aarch64-linux-gnu)
set(CMAKE_ASM_COMPILER_TARGET aarch64-linux-gnu)
# ld.bfd: lld refuses to link AArch64 objects with split-stack code (it would
# adjust their prologues for calls into code without checks, which it does
# only for x86-64: "target doesn't support split stacks"); bfd adjusts none.
set(CMAKE_EXE_LINKER_FLAGS_INIT -fuse-ld=bfd)
set(CMAKE_SHARED_LINKER_FLAGS_INIT -fuse-ld=bfd)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
