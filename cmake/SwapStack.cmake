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
#   that runs on green threads, with the build's gt-cc (tools/gt-cc), which
#   owns the fork's pipeline (tools/gt-cc/gt_pipeline.py): clang-19 emits IR
#   without optimising it, frame pointers kept and the runtime's hooks
#   (gt/hooks.h) included; the fork's opt runs swapstack-safe-tls, the -O2
#   pipeline, lower-swapstack-builtins and insert-safepoint-polls; the fork's
#   llc emits the object with the mailbox register reserved (this is managed
#   code). The object's path is appended to <out-var>.
#   FLAGS: clang flags (an -O level among them sets opt's and llc's).
#   LLC_FLAGS: llc flags (an -O level among them sets llc's and opt's).
#   NAME: the stem of the object file (default: the source's name), to build
#   one source several ways (with different FLAGS).
#   UNRESERVED: leave the mailbox register allocatable, for code that neither
#   reads the mailbox nor polls (a baseline to measure the reservation's
#   cost against); such code does not get the runtime's hooks.
#   GC: GC-managed code, as gt-cc compiles by default: every function that
#   handles GC pointers (GT_GC) gets the swapstack GC strategy, statepoints
#   and stack maps (gc-prepare, rewrite-statepoints-for-gc). Without it (the
#   runtime itself, the collector among it, and tests that keep GC pointers
#   only in registered roots) no function is GC-managed.
set(SWAPSTACK_OPT "${SWAPSTACK_LLVM_BIN}/opt")
set(SWAPSTACK_GT_CC "${CMAKE_BINARY_DIR}/bin/gt-cc")
set(SWAPSTACK_GT_CC_SOURCES
    "${CMAKE_CURRENT_LIST_DIR}/../tools/gt-cc/gt-cc.in"
    "${CMAKE_CURRENT_LIST_DIR}/../tools/gt-cc/gt_pipeline.py")

function(swapstack_c_object out_var source)
  cmake_parse_arguments(ARG "UNRESERVED;GC" "NAME" "FLAGS;LLC_FLAGS" ${ARGN})
  get_filename_component(src "${source}" ABSOLUTE)
  get_filename_component(name "${source}" NAME)
  if(ARG_NAME)
    set(name "${ARG_NAME}")
  endif()
  set(obj "${CMAKE_CURRENT_BINARY_DIR}/${name}.o")
  if(src MATCHES "\\.c$")
    set(target "${CMAKE_C_COMPILER_TARGET}")
  else()
    set(target "${CMAKE_CXX_COMPILER_TARGET}")
    list(APPEND ARG_FLAGS -std=c++20)
  endif()
  if(target)
    list(APPEND ARG_FLAGS --target=${target})
  endif()
  set(level -O2)
  set(flags)
  foreach(f ${ARG_FLAGS})
    if(f MATCHES "^-O")
      set(level ${f})
    else()
      list(APPEND flags ${f})
    endif()
  endforeach()
  foreach(f ${ARG_LLC_FLAGS})
    if(f MATCHES "^-O")
      set(level ${f})
    else()
      list(APPEND flags -Xllc ${f})
    endif()
  endforeach()
  if(ARG_UNRESERVED)
    list(APPEND flags --gt-unreserved)
  endif()
  if(NOT ARG_GC)
    list(APPEND flags --gt-no-gc)
  endif()
  add_custom_command(
    OUTPUT "${obj}"
    COMMAND "${SWAPSTACK_GT_CC}" -c ${level} -fPIC ${flags}
            -MD -MF "${CMAKE_CURRENT_BINARY_DIR}/${name}.d" -MT "${obj}"
            "${src}" -o "${obj}"
    DEPENDS "${src}" "${SWAPSTACK_LLVM_BIN}/opt" "${SWAPSTACK_LLVM_BIN}/llc"
            ${SWAPSTACK_GT_CC_SOURCES}
    DEPFILE "${CMAKE_CURRENT_BINARY_DIR}/${name}.d"
    COMMENT "gt-cc ${source} (${name})"
    VERBATIM)
  set(${out_var} ${${out_var}} "${obj}" PARENT_SCOPE)
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
