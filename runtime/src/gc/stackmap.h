// gc/stackmap.h: the statepoint records of every loaded object
// (.llvm_stackmaps), indexed by return address. See stackmap.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gt::gc {

// One location of a stack map record (LLVM docs/StackMaps.rst, version 3).
struct StackMapLocation {
  uint8_t kind; // 1 Register, 2 Direct, 3 Indirect, 4 Constant, 5 ConstIndex
  uint8_t reserved0;
  uint16_t size; // bytes
  uint16_t reg;  // DWARF register number
  uint16_t reserved1;
  int32_t offset;
};
static_assert(sizeof(StackMapLocation) == 12);

enum : uint8_t {
  kLocRegister = 1,
  kLocDirect = 2,
  kLocIndirect = 3,
  kLocConstant = 4,
  kLocConstIndex = 5
};

// A statepoint record, found by its absolute PC.
struct StackMapRecord {
  uintptr_t pc;
  const StackMapLocation *locs; // in the mapped section
  uint16_t nlocs;
  uint32_t func; // index in the function table, for names in errors
};

// The record whose PC is `pc`, or null. Requires load_stackmaps().
const StackMapRecord *stackmap_find(uintptr_t pc);

// Whether pc lies in the text of an object that has a .llvm_stackmaps
// section (fork-compiled code, whose frames keep the frame-pointer chain).
bool stackmap_covers(uintptr_t pc);

// The start address of the function a record belongs to.
uintptr_t stackmap_function(const StackMapRecord *r);

} // namespace gt::gc
