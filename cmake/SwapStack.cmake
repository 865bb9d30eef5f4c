# Helpers to build code that uses swapstack with the fork's tools.
#
# swapstack_ir_object(<out-var> <file.ll> [MAILBOX] [LLC_FLAGS <flags>...])
#   Compiles an LLVM IR file (text or bitcode, possibly generated) with the
#   fork's llc into an object file for the host and appends the object's path
#   to <out-var>; list it among a target's sources. Default flags: -O2
#   (always -relocation-model=pic). MAILBOX: reserve the mailbox register
#   (r14 on X86-64, x28 on AArch64).

set(SWAPSTACK_LLC "${SWAPSTACK_LLVM_BIN}/llc")

# The llc feature that reserves the mailbox register on the target.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(SWAPSTACK_MAILBOX_ATTR "+reserve-x28")
else()
  set(SWAPSTACK_MAILBOX_ATTR "+reserve-r14")
endif()

function(swapstack_ir_object out_var source)
  cmake_parse_arguments(ARG "MAILBOX" "" "LLC_FLAGS" ${ARGN})
  if(NOT ARG_LLC_FLAGS)
    set(ARG_LLC_FLAGS -O2)
  endif()
  if(ARG_MAILBOX)
    list(APPEND ARG_LLC_FLAGS -mattr=${SWAPSTACK_MAILBOX_ATTR})
  endif()
  get_filename_component(src "${source}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_filename_component(name "${source}" NAME)
  set(obj "${CMAKE_CURRENT_BINARY_DIR}/${name}.o")
  add_custom_command(
    OUTPUT "${obj}"
    COMMAND "${SWAPSTACK_LLC}" -relocation-model=pic
            ${ARG_LLC_FLAGS} -filetype=obj "${src}" -o "${obj}"
    DEPENDS "${src}" "${SWAPSTACK_LLC}"
    COMMENT "llc (fork) ${source}"
    VERBATIM)
  set(${out_var} ${${out_var}} "${obj}" PARENT_SCOPE)
endfunction()

# swapstack_c_object(<out-var> <file.c|file.cpp> [FLAGS <clang flags>...]
#                    [LLC_FLAGS <flags>...])
#   Compiles C or C++ that uses runtime/include/swapstack/swapstack.h, or
#   that runs on green threads: clang-19 emits IR without optimising it; the
#   fork's opt runs swapstack-safe-tls (thread-local addresses are never
#   reused across a call, which may resume on another OS thread), the -O2
#   pipeline, and lower-swapstack-builtins (which turns the declared builtins
#   into swapstack switches, llvm.newstack and entry functions); the fork's
#   llc emits the object, with the mailbox register reserved (this is
#   managed code), and its path is appended to <out-var>.
set(SWAPSTACK_OPT "${SWAPSTACK_LLVM_BIN}/opt")
set(SWAPSTACK_INCLUDE "${CMAKE_CURRENT_LIST_DIR}/../runtime/include")

function(swapstack_c_object out_var source)
  cmake_parse_arguments(ARG "" "" "FLAGS;LLC_FLAGS" ${ARGN})
  get_filename_component(src "${source}" ABSOLUTE)
  get_filename_component(name "${source}" NAME)
  set(lowered "${CMAKE_CURRENT_BINARY_DIR}/${name}.lowered.bc")
  if(src MATCHES "\\.c$")
    set(compiler "${CMAKE_C_COMPILER}")
    set(target "${CMAKE_C_COMPILER_TARGET}")
  else()
    set(compiler "${CMAKE_CXX_COMPILER}")
    set(target "${CMAKE_CXX_COMPILER_TARGET}")
    list(APPEND ARG_FLAGS -std=c++20)
  endif()
  if(target)
    list(APPEND ARG_FLAGS --target=${target})
  endif()
  add_custom_command(
    OUTPUT "${lowered}"
    COMMAND "${compiler}" -O2 -Xclang -disable-llvm-passes -fPIC
            -I "${SWAPSTACK_INCLUDE}" ${ARG_FLAGS}
            -MD -MF "${CMAKE_CURRENT_BINARY_DIR}/${name}.d" -MT "${lowered}"
            -emit-llvm -c "${src}" -o "${CMAKE_CURRENT_BINARY_DIR}/${name}.bc"
    COMMAND "${SWAPSTACK_OPT}"
            "-passes=swapstack-safe-tls,default<O2>,lower-swapstack-builtins"
            "${CMAKE_CURRENT_BINARY_DIR}/${name}.bc" -o "${lowered}"
    DEPENDS "${src}" "${SWAPSTACK_OPT}"
    DEPFILE "${CMAKE_CURRENT_BINARY_DIR}/${name}.d"
    COMMENT "clang + opt (fork) ${source}"
    VERBATIM)
  set(objs ${${out_var}})
  if(ARG_LLC_FLAGS)
    swapstack_ir_object(objs "${lowered}" MAILBOX LLC_FLAGS ${ARG_LLC_FLAGS})
  else()
    swapstack_ir_object(objs "${lowered}" MAILBOX)
  endif()
  set(${out_var} ${objs} PARENT_SCOPE)
endfunction()
