# Helpers to build code that uses swapstack with the fork's tools.
#
# swapstack_ir_object(<out-var> <file.ll> [MAILBOX] [NAME <stem>]
#                     [LLC_FLAGS <flags>...])
#   Compiles an LLVM IR file (text or bitcode, possibly generated) with the
#   fork's llc into an object file for the host and appends the object's path
#   to <out-var>; list it among a target's sources. Default flags: -O2
#   (always -relocation-model=pic). MAILBOX: reserve the mailbox register
#   (r14 on X86-64, x28 on AArch64). NAME: the object's file name stem
#   (default: the source's name), to build one source several ways.

set(SWAPSTACK_LLC "${SWAPSTACK_LLVM_BIN}/llc")

# The llc feature that reserves the mailbox register on the target.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(SWAPSTACK_MAILBOX_ATTR "+reserve-x28")
else()
  set(SWAPSTACK_MAILBOX_ATTR "+reserve-r14")
endif()

function(swapstack_ir_object out_var source)
  cmake_parse_arguments(ARG "MAILBOX" "NAME" "LLC_FLAGS" ${ARGN})
  if(NOT ARG_LLC_FLAGS)
    set(ARG_LLC_FLAGS -O2)
  endif()
  if(ARG_MAILBOX)
    list(APPEND ARG_LLC_FLAGS -mattr=${SWAPSTACK_MAILBOX_ATTR})
  endif()
  get_filename_component(src "${source}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_filename_component(name "${source}" NAME)
  if(ARG_NAME)
    set(name "${ARG_NAME}")
  endif()
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
#                    [LLC_FLAGS <flags>...] [NAME <stem>] [UNRESERVED])
#   Compiles C or C++ that uses runtime/include/swapstack/swapstack.h, or
#   that runs on green threads: clang-19 emits IR without optimising it; the
#   fork's opt runs swapstack-safe-tls (thread-local addresses are never
#   reused across a call, which may resume on another OS thread), the -O2
#   pipeline, lower-swapstack-builtins (which turns the declared builtins
#   into swapstack switches, llvm.newstack and entry functions, and marks
#   SS_SAFEPOINTS functions) and insert-safepoint-polls (polls at the entry
#   and on the loop back-edges of those functions); the fork's llc emits the
#   object, with the mailbox register reserved (this is managed code), and
#   its path is appended to <out-var>. Every function keeps a frame pointer:
#   the GC's stack walker follows the chain (docs/gc.md).
#   NAME: the stem of the intermediate and object files (default: the
#   source's name), to build one source several ways (with different FLAGS).
#   UNRESERVED: leave the mailbox register allocatable, for code that neither
#   reads the mailbox nor polls (a baseline to measure the reservation's
#   cost against); such code does not get the runtime's hooks (gt/hooks.h).
set(SWAPSTACK_OPT "${SWAPSTACK_LLVM_BIN}/opt")
set(SWAPSTACK_INCLUDE "${CMAKE_CURRENT_LIST_DIR}/../runtime/include")
set(SWAPSTACK_OPT_PIPELINE
    "swapstack-safe-tls,default<O2>,lower-swapstack-builtins,insert-safepoint-polls")

function(swapstack_c_object out_var source)
  cmake_parse_arguments(ARG "UNRESERVED" "NAME" "FLAGS;LLC_FLAGS" ${ARGN})
  get_filename_component(src "${source}" ABSOLUTE)
  get_filename_component(name "${source}" NAME)
  if(ARG_NAME)
    set(name "${ARG_NAME}")
  endif()
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
  # The runtime's hooks (the poll) read the reserved mailbox register.
  set(hooks -include gt/hooks.h)
  if(ARG_UNRESERVED)
    set(hooks)
  endif()
  add_custom_command(
    OUTPUT "${lowered}"
    COMMAND "${compiler}" -O2 -Xclang -disable-llvm-passes -fPIC
            -fno-omit-frame-pointer
            -I "${SWAPSTACK_INCLUDE}" ${hooks} ${ARG_FLAGS}
            -MD -MF "${CMAKE_CURRENT_BINARY_DIR}/${name}.d" -MT "${lowered}"
            -emit-llvm -c "${src}" -o "${CMAKE_CURRENT_BINARY_DIR}/${name}.bc"
    COMMAND "${SWAPSTACK_OPT}" "-passes=${SWAPSTACK_OPT_PIPELINE}"
            "${CMAKE_CURRENT_BINARY_DIR}/${name}.bc" -o "${lowered}"
    DEPENDS "${src}" "${SWAPSTACK_OPT}"
    DEPFILE "${CMAKE_CURRENT_BINARY_DIR}/${name}.d"
    COMMENT "clang + opt (fork) ${source} (${name})"
    VERBATIM)
  set(mailbox MAILBOX)
  if(ARG_UNRESERVED)
    set(mailbox)
  endif()
  set(llc_flags)
  if(ARG_LLC_FLAGS)
    set(llc_flags LLC_FLAGS ${ARG_LLC_FLAGS})
  endif()
  set(objs ${${out_var}})
  swapstack_ir_object(objs "${lowered}" ${mailbox} ${llc_flags})
  set(${out_var} ${objs} PARENT_SCOPE)
endfunction()

# swapstack_gc_ir_object(<out-var> <file.ll> [NAME <stem>])
#   Compiles IR whose functions use the fork's `gc "swapstack"` strategy (GC
#   pointers are `ptr addrspace(1)`): the fork's opt rewrites their calls and
#   switches into statepoints (rewrite-statepoints-for-gc), then
#   swapstack_ir_object() compiles the result as managed code (mailbox
#   register reserved) for the build's target; llc records every
#   statepoint in .llvm_stackmaps, which the runtime's stack walker loads.
#   Programs that link such objects need -z notext (the gt target adds it;
#   docs/gc.md).
function(swapstack_gc_ir_object out_var source)
  cmake_parse_arguments(ARG "" "NAME" "" ${ARGN})
  get_filename_component(src "${source}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_filename_component(name "${source}" NAME)
  if(ARG_NAME)
    set(name "${ARG_NAME}")
  endif()
  set(rewritten "${CMAKE_CURRENT_BINARY_DIR}/${name}.statepoints.bc")
  add_custom_command(
    OUTPUT "${rewritten}"
    COMMAND "${SWAPSTACK_OPT}" -passes=rewrite-statepoints-for-gc
            "${src}" -o "${rewritten}"
    DEPENDS "${src}" "${SWAPSTACK_OPT}"
    COMMENT "opt (fork) rewrite-statepoints-for-gc ${source}"
    VERBATIM)
  set(llc_flags -O2)
  if(CMAKE_CXX_COMPILER_TARGET)
    list(APPEND llc_flags -mtriple=${CMAKE_CXX_COMPILER_TARGET})
  endif()
  set(objs ${${out_var}})
  swapstack_ir_object(objs "${rewritten}" MAILBOX LLC_FLAGS ${llc_flags})
  set(${out_var} ${objs} PARENT_SCOPE)
endfunction()
