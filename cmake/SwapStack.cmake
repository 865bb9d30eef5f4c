# Helpers to build code that uses swapstack with the fork's tools.
#
# swapstack_ir_object(<out-var> <file.ll> [LLC_FLAGS <flags>...])
#   Compiles an LLVM IR file with the fork's llc into an object file for the
#   host and appends the object's path to <out-var>; list it among a target's
#   sources. Default flags: -O2 -relocation-model=pic.

set(SWAPSTACK_LLC "${SWAPSTACK_LLVM_BIN}/llc")

function(swapstack_ir_object out_var source)
  cmake_parse_arguments(ARG "" "" "LLC_FLAGS" ${ARGN})
  if(NOT ARG_LLC_FLAGS)
    set(ARG_LLC_FLAGS -O2)
  endif()
  get_filename_component(src "${source}" ABSOLUTE)
  get_filename_component(name "${source}" NAME_WE)
  set(obj "${CMAKE_CURRENT_BINARY_DIR}/${name}.ll.o")
  add_custom_command(
    OUTPUT "${obj}"
    COMMAND "${SWAPSTACK_LLC}" -mtriple=x86_64-linux-gnu -relocation-model=pic
            ${ARG_LLC_FLAGS} -filetype=obj "${src}" -o "${obj}"
    DEPENDS "${src}" "${SWAPSTACK_LLC}"
    COMMENT "llc (fork) ${source}"
    VERBATIM)
  set(${out_var} ${${out_var}} "${obj}" PARENT_SCOPE)
endfunction()
