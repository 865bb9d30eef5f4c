// gc/stackmap.cpp: loads the statepoint records of the executable and of
// every loaded shared object, digests them into scan programs, and indexes
// them by absolute PC for the stack walker (stackwalk.cpp).
//
// Where the records are. llc emits one `.llvm_stackmaps` blob per object file
// (LLVM docs/StackMaps.rst, format version 3); the linker concatenates the
// blobs of all object files into one allocated, read-only section per ELF
// object. The section is not covered by any program header, so we find it
// through the section headers of the object's file: dl_iterate_phdr gives
// each loaded object's path (the main program's is /proc/self/exe, which
// qemu-user also emulates) and load bias; the section is then mapped at
// bias + sh_addr. Its function addresses are absolute, so in a PIE they are
// relocated at load time, by text relocations (docs/gc.md, "Stack maps and
// stack walking": programs link with -z notext). A function address outside
// its object's text means they were not applied: fatal.
//
// What a record says (the fork's Statepoints.rst, "Frame-based stack maps").
// A record's PC is function address + instruction offset: the return address
// of a call, or, for a swapstack switch, its resume address, which is the
// first word of the suspended context. Its locations are: three Constants
// (calling convention, 1000 for a switch; flags; the number N of deopt
// locations), N deopt locations (ignored: the runtime has no deoptimization),
// then (base, derived) pairs of GC values. A GC value of a function with the
// `gc "swapstack"` strategy is always spilled: an Indirect location [FP + off]
// (DWARF 6 = RBP on X86-64, 29 = X29 on AArch64), or on X86-64 for a function
// with stack realignment [RSP + off] (DWARF 7). A Constant GC value (null)
// needs nothing. A location of 8*n bytes is a vector of n pointers, paired
// element by element. Anything else (a GC value in a register, a slot
// relative to another register, sizes that differ) is a fatal error naming
// the function, reported at load time: a collection must never meet it.
//
// The digest. Each record becomes a FrameMap: its frame's distinct base slots,
// then (derived, base) pairs for the derived slots that are not base slots
// themselves, as SlotRefs in one pool. The FrameMaps live in an open-addressed
// hash keyed by PC (linear probing, load factor at most 1/2, 16-byte entries),
// so that walking a frame costs one probe: a million parked threads are
// scanned per collection.
//
// Which frames may have no record. Fork-compiled frames that hold no GC value
// at a call have none and pass through, since they keep the frame-pointer
// chain. A return address in an object without stack maps (libc, which on
// x86-64 Debian has no frame pointers) is fatal: the frame may hold a garbage
// saved FP. The runtime's own object counts as fork-compiled even when it has
// no records (swapstack_c_object compiles it with frame pointers).
//
// Loading happens at the first use (load_stackmaps, thread-safe). Objects
// loaded or unloaded later (dlopen, dlclose) change the loader's counters
// (dl_phdr_info's dlpi_adds and dlpi_subs); at the start of every collection,
// while the world is stopped and no walker runs, refresh_stackmaps compares
// them with those of the last load and, when they moved, rebuilds the tables
// from scratch. A collection therefore sees the stack maps of every object
// loaded before it started, and never those of an unloaded one.
#include "stackmap.h"

#include "../internal.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace gt::gc {

namespace {

#if defined(__x86_64__)
constexpr uint16_t kDwarfFP = 6, kDwarfSP = 7;
#elif defined(__aarch64__)
constexpr uint16_t kDwarfFP = 29, kDwarfSP = 0xffff; // SP slots: none
#endif

// The executable ranges of fork-compiled objects (stackmap_covers).
struct Range {
  uintptr_t lo, hi;
};

// A .llvm_stackmaps section found in a loaded object.
struct Section {
  const unsigned char *data;
  size_t size;
  char object[256];
  size_t first_range, nranges; // the object's text in `covered`
};

struct Tables {
  std::vector<Range> covered;
  std::vector<Section> sections;
  std::vector<SlotRef> pool;
  FrameMap *hash = nullptr;
  uint64_t mask = 0;
  unsigned shift = 64;
  size_t records = 0, functions = 0;
  unsigned long long adds = 0, subs = 0; // the loader's, when loaded
};
Tables tables;

inline size_t hash_index(uintptr_t pc) {
  return size_t((pc * 0x9e3779b97f4a7c15ull) >> tables.shift);
}

// --- finding the sections

bool read_at(int fd, void *buf, size_t len, uint64_t off) {
  char *p = static_cast<char *>(buf);
  while (len) {
    ssize_t n = pread(fd, p, len, off);
    if (n <= 0)
      return false;
    p += n;
    len -= n;
    off += n;
  }
  return true;
}

// The section headers of an ELF file, read with pread.
struct ElfFile {
  int fd = -1;
  ElfW(Shdr) *sh = nullptr;
  size_t n = 0;
  char *names = nullptr; // the section name table
  size_t names_len = 0;

  bool open_file(const char *path) {
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return false;
    ElfW(Ehdr) eh;
    if (!read_at(fd, &eh, sizeof eh, 0) ||
        std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_shentsize != sizeof(ElfW(Shdr)) || eh.e_shoff == 0)
      return false;
    n = eh.e_shnum;
    size_t strndx = eh.e_shstrndx;
    if (n == 0 || strndx == SHN_XINDEX) { // extended numbering
      ElfW(Shdr) first;
      if (!read_at(fd, &first, sizeof first, eh.e_shoff))
        return false;
      if (n == 0)
        n = first.sh_size;
      if (strndx == SHN_XINDEX)
        strndx = first.sh_link;
    }
    if (strndx >= n)
      return false;
    sh = static_cast<ElfW(Shdr) *>(std::malloc(n * sizeof *sh));
    if (!sh || !read_at(fd, sh, n * sizeof *sh, eh.e_shoff))
      return false;
    names = load(strndx, &names_len);
    return names != nullptr;
  }
  // Section i's bytes, NUL-terminated, in a malloc'd buffer.
  char *load(size_t i, size_t *len) {
    if (i >= n || sh[i].sh_type == SHT_NOBITS)
      return nullptr;
    char *buf = static_cast<char *>(std::malloc(sh[i].sh_size + 1));
    if (buf && !read_at(fd, buf, sh[i].sh_size, sh[i].sh_offset)) {
      std::free(buf);
      return nullptr;
    }
    if (buf) {
      buf[sh[i].sh_size] = 0;
      *len = sh[i].sh_size;
    }
    return buf;
  }
  ~ElfFile() {
    std::free(names);
    std::free(sh);
    if (fd >= 0)
      close(fd);
  }
};

// The address (relative to the load bias) and size of the allocated section
// `name` in the ELF file `path`; false if the file cannot be read or has no
// such section.
bool find_section(const char *path, const char *name, uint64_t *addr,
                  uint64_t *size) {
  ElfFile f;
  if (!f.open_file(path))
    return false;
  for (size_t i = 0; i < f.n; ++i)
    if (f.sh[i].sh_name < f.names_len &&
        std::strcmp(f.names + f.sh[i].sh_name, name) == 0 &&
        (f.sh[i].sh_flags & SHF_ALLOC) && f.sh[i].sh_type != SHT_NOBITS) {
      *addr = f.sh[i].sh_addr;
      *size = f.sh[i].sh_size;
      return true;
    }
  return false;
}

// The function symbol of the file's .symtab that contains address `rel`
// (relative to the load bias), for error messages: dladdr sees only the
// dynamic symbols, and an executable exports few.
bool symtab_lookup(const char *path, uintptr_t rel, char *out, size_t len,
                   uintptr_t *offset) {
  ElfFile f;
  if (!f.open_file(path))
    return false;
  bool found = false;
  for (size_t i = 0; i < f.n && !found; ++i) {
    if (f.sh[i].sh_type != SHT_SYMTAB ||
        f.sh[i].sh_entsize != sizeof(ElfW(Sym)))
      continue;
    size_t symlen = 0, strlen_ = 0;
    char *syms = f.load(i, &symlen);
    char *strs = f.load(f.sh[i].sh_link, &strlen_);
    if (syms && strs) {
      auto *sym = reinterpret_cast<const ElfW(Sym) *>(syms);
      for (size_t k = 0; k < symlen / sizeof *sym; ++k)
        if (ELF64_ST_TYPE(sym[k].st_info) == STT_FUNC &&
            rel >= sym[k].st_value && rel < sym[k].st_value + sym[k].st_size &&
            sym[k].st_name < strlen_) {
          std::snprintf(out, len, "%s", strs + sym[k].st_name);
          *offset = rel - sym[k].st_value;
          found = true;
          break;
        }
    }
    std::free(syms);
    std::free(strs);
  }
  return found;
}

// Whether dl_phdr_info has the load and unload counters (glibc >= 2.4).
bool has_counters(size_t size) {
  return size >= offsetof(struct dl_phdr_info, dlpi_subs) +
                     sizeof(((struct dl_phdr_info *)nullptr)->dlpi_subs);
}

int visit_object(struct dl_phdr_info *info, size_t info_size, void *) {
  if (has_counters(info_size)) {
    tables.adds = info->dlpi_adds;
    tables.subs = info->dlpi_subs;
  }
  const char *path = info->dlpi_name && info->dlpi_name[0]
                         ? info->dlpi_name
                         : "/proc/self/exe";
  size_t first = tables.covered.size();
  bool runtime = false;
  uintptr_t self = reinterpret_cast<uintptr_t>(&load_stackmaps);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
      continue;
    Range r{info->dlpi_addr + ph.p_vaddr,
            info->dlpi_addr + ph.p_vaddr + ph.p_memsz};
    runtime |= self >= r.lo && self < r.hi;
    tables.covered.push_back(r);
  }
  uint64_t addr = 0, size = 0;
  bool maps = find_section(path, ".llvm_stackmaps", &addr, &size);
  if (!maps && !runtime) { // not fork-compiled: forget its text
    tables.covered.resize(first);
    return 0;
  }
  if (maps) {
    Section s{};
    s.data = reinterpret_cast<const unsigned char *>(info->dlpi_addr + addr);
    s.size = size;
    std::snprintf(s.object, sizeof s.object, "%s",
                  info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name
                                                        : "the executable");
    s.first_range = first;
    s.nranges = tables.covered.size() - first;
    tables.sections.push_back(s);
  }
  return 0;
}

// --- parsing (docs/StackMaps.rst, "Stack Map Format", version 3)

struct Location {
  uint8_t kind, reserved0;
  uint16_t size, reg, reserved1;
  int32_t offset;
};
static_assert(sizeof(Location) == 12);
enum : uint8_t { kRegister = 1, kDirect, kIndirect, kConstant, kConstIndex };

const char *kind_name(uint8_t k) {
  switch (k) {
  case kRegister:
    return "Register";
  case kDirect:
    return "Direct";
  case kIndirect:
    return "Indirect";
  case kConstant:
    return "Constant";
  case kConstIndex:
    return "ConstantIndex";
  }
  return "unknown";
}

// A cursor over one section; every read is bounds-checked.
struct Reader {
  const Section &s;
  size_t pos;
  template <class T> T get() {
    if (s.size - pos < sizeof(T))
      fatal("gc: the .llvm_stackmaps section of %s is truncated (%zu bytes, "
            "read at %zu)",
            s.object, s.size, pos);
    T v;
    std::memcpy(&v, s.data + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
  void align8() { pos = (pos + 7) & ~size_t(7); }
};

[[noreturn]] void bad_record(uintptr_t pc, const char *what, uint32_t i,
                             const Location &l) {
  char where[320];
  describe_pc(pc, where, sizeof where);
  fatal("gc: the statepoint record at %#lx in %s %s (location %u: %s, %u "
        "bytes, DWARF register %u, offset %d); the stack walker needs every "
        "GC value spilled to a frame slot [FP + offset]%s",
        (unsigned long)pc, where, what, i, kind_name(l.kind), l.size, l.reg,
        l.offset,
#if defined(__x86_64__)
        " or [RSP + offset]"
#else
        ""
#endif
  );
}

bool same(const SlotRef &a, const SlotRef &b) {
  return a.off == b.off && a.from_sp == b.from_sp;
}

// Digests the record's GC locations into tables.pool; fills m.
void digest(uintptr_t pc, const Location *locs, uint16_t n, FrameMap &m) {
  if (n < 3 || locs[0].kind != kConstant || locs[1].kind != kConstant ||
      locs[2].kind != kConstant)
    bad_record(pc, "is not a statepoint (three Constants first)", 0,
               locs[0]);
  int32_t ndeopt = locs[2].offset;
  if (ndeopt < 0 || 3 + ndeopt > n || (n - 3 - ndeopt) % 2)
    bad_record(pc, "has a malformed deopt count or an odd number of GC "
                   "locations",
               2, locs[2]);
  std::vector<SlotRef> bases, pairs; // pairs: derived, base
  for (uint32_t i = 3 + ndeopt; i < n; i += 2) {
    const Location &b = locs[i], &d = locs[i + 1];
    // A constant base (null) or derived value is not in the frame.
    if (b.kind == kConstant || b.kind == kConstIndex ||
        d.kind == kConstant || d.kind == kConstIndex)
      continue;
    for (uint32_t k = i; k < i + 2; ++k) {
      const Location &l = locs[k];
      if (l.kind != kIndirect)
        bad_record(pc, "has a GC value that is not in a stack slot", k, l);
      if (l.reg != kDwarfFP && l.reg != kDwarfSP)
        bad_record(pc, "has a GC slot relative to a register other than the "
                       "frame pointer",
                   k, l);
      if (l.size == 0 || l.size % 8 || (l.offset & 7))
        bad_record(pc, "has a GC slot of an unsupported size or alignment",
                   k, l);
    }
    if (b.size != d.size)
      bad_record(pc, "pairs a base and a derived value of different sizes",
                 i + 1, d);
    for (uint32_t e = 0; e < b.size / 8u; ++e) { // vectors: per element
      SlotRef bs{b.offset + int32_t(8 * e), b.reg == kDwarfSP};
      SlotRef ds{d.offset + int32_t(8 * e), d.reg == kDwarfSP};
      bool known = false;
      for (const SlotRef &x : bases)
        known |= same(x, bs);
      if (!known)
        bases.push_back(bs);
      if (!same(bs, ds)) {
        bool dup = false;
        for (size_t k = 0; k < pairs.size(); k += 2)
          dup |= same(pairs[k], ds);
        if (!dup) {
          pairs.push_back(ds);
          pairs.push_back(bs);
        }
      }
    }
  }
  // A derived slot that is also a base slot is relocated as a base.
  size_t kept = 0;
  for (size_t k = 0; k < pairs.size(); k += 2) {
    bool is_base = false;
    for (const SlotRef &x : bases)
      is_base |= same(x, pairs[k]);
    if (!is_base) {
      pairs[kept++] = pairs[k];
      pairs[kept++] = pairs[k + 1];
    }
  }
  pairs.resize(kept);
  if (bases.size() > UINT16_MAX || pairs.size() / 2 > UINT16_MAX)
    bad_record(pc, "has too many GC slots", 3, locs[3]);
  m.pc = pc;
  m.first = uint32_t(tables.pool.size());
  m.nbases = uint16_t(bases.size());
  m.nderived = uint16_t(pairs.size() / 2);
  tables.pool.insert(tables.pool.end(), bases.begin(), bases.end());
  tables.pool.insert(tables.pool.end(), pairs.begin(), pairs.end());
}

void insert(const FrameMap &m) {
  for (size_t i = hash_index(m.pc);; i = (i + 1) & tables.mask) {
    FrameMap &e = tables.hash[i];
    if (e.pc == 0) {
      e = m;
      ++tables.records;
      return;
    }
    if (e.pc == m.pc) {
      // Identical records for one PC (the same function twice?) are one.
      const SlotRef *a = &tables.pool[e.first], *b = &tables.pool[m.first];
      bool equal = e.nbases == m.nbases && e.nderived == m.nderived;
      for (size_t k = 0; equal && k < e.nbases + 2u * e.nderived; ++k)
        equal = same(a[k], b[k]);
      if (!equal) {
        char where[320];
        describe_pc(m.pc, where, sizeof where);
        fatal("gc: two different statepoint records for the address %#lx "
              "in %s",
              (unsigned long)m.pc, where);
      }
      return;
    }
  }
}

// Parses every blob of section s; with `fill`, digests and inserts records,
// otherwise only counts them.
size_t parse(const Section &s, bool fill) {
  Reader r{s, 0};
  size_t count = 0;
  while (r.pos < s.size) {
    uint8_t version = r.get<uint8_t>();
    if (version != 3)
      fatal("gc: the .llvm_stackmaps section of %s has a blob of version %u "
            "at offset %zu (expected 3)",
            s.object, version, r.pos - 1);
    r.get<uint8_t>();
    r.get<uint16_t>();
    uint32_t nfun = r.get<uint32_t>(), nconst = r.get<uint32_t>(),
             nrec = r.get<uint32_t>();
    size_t funs = r.pos;
    r.pos += size_t(nfun) * 24 + size_t(nconst) * 8;
    uint64_t total = 0;
    for (uint32_t f = 0; f < nfun; ++f) {
      Reader fr{s, funs + size_t(f) * 24};
      uintptr_t addr = fr.get<uint64_t>();
      fr.get<uint64_t>(); // stack size
      uint64_t nrecf = fr.get<uint64_t>();
      total += nrecf;
      if (fill) {
        ++tables.functions;
        bool inside = false;
        for (size_t k = 0; k < s.nranges; ++k) {
          const Range &t = tables.covered[s.first_range + k];
          inside |= addr >= t.lo && addr < t.hi;
        }
        if (!inside)
          fatal("gc: the .llvm_stackmaps section of %s names the function "
                "address %#lx, outside the object's text (were its "
                "relocations applied? see docs/gc.md)",
                s.object, (unsigned long)addr);
      }
      for (uint64_t k = 0; k < nrecf; ++k) {
        r.get<uint64_t>(); // ID
        uint32_t off = r.get<uint32_t>();
        r.get<uint16_t>(); // flags
        uint16_t nloc = r.get<uint16_t>();
        size_t locs_at = r.pos;
        r.pos += size_t(nloc) * sizeof(Location);
        r.align8();
        r.get<uint16_t>();
        uint16_t nlive = r.get<uint16_t>();
        r.pos += size_t(nlive) * 4;
        r.align8();
        if (r.pos > s.size)
          fatal("gc: the .llvm_stackmaps section of %s is truncated",
                s.object);
        ++count;
        if (fill) {
          std::vector<Location> locs(nloc);
          std::memcpy(locs.data(), s.data + locs_at, nloc * sizeof(Location));
          FrameMap m{};
          digest(addr + off, locs.data(), nloc, m);
          insert(m);
        }
      }
    }
    if (total != nrec)
      fatal("gc: a .llvm_stackmaps blob of %s has %u records but its "
            "functions count %llu",
            s.object, nrec, (unsigned long long)total);
  }
  return count;
}

size_t load_all() {
  dl_iterate_phdr(visit_object, nullptr);
  size_t n = 0;
  for (const Section &s : tables.sections)
    n += parse(s, false);
  unsigned bits = 4;
  while ((size_t(1) << bits) < 2 * n)
    ++bits;
  tables.shift = 64 - bits;
  tables.mask = (uint64_t(1) << bits) - 1;
  tables.hash =
      static_cast<FrameMap *>(std::calloc(size_t(1) << bits, sizeof(FrameMap)));
  if (!tables.hash)
    fatal("gc: cannot allocate the stack map index (%zu records)", n);
  for (const Section &s : tables.sections)
    parse(s, true);
  return tables.records;
}

int read_counters(struct dl_phdr_info *info, size_t size, void *out) {
  auto *c = static_cast<unsigned long long *>(out);
  if (has_counters(size)) {
    c[0] = info->dlpi_adds;
    c[1] = info->dlpi_subs;
  }
  return 1; // the first object is enough
}
} // namespace

size_t load_stackmaps() {
  static const size_t n = load_all(); // thread-safe, once
  (void)n;
  return tables.records;
}

bool refresh_stackmaps() {
  load_stackmaps();
  unsigned long long now[2] = {tables.adds, tables.subs};
  dl_iterate_phdr(read_counters, now);
  if (now[0] == tables.adds && now[1] == tables.subs)
    return false;
  std::free(tables.hash);
  tables = Tables{};
  load_all();
  return true;
}

const FrameMap *stackmap_find(uintptr_t pc) {
  for (size_t i = hash_index(pc);; i = (i + 1) & tables.mask) {
    const FrameMap &e = tables.hash[i];
    if (e.pc == pc)
      return &e;
    if (e.pc == 0)
      return nullptr;
  }
}

const SlotRef *slot_pool() { return tables.pool.data(); }

bool stackmap_covers(uintptr_t pc) {
  for (const Range &r : tables.covered)
    if (pc >= r.lo && pc < r.hi)
      return true;
  return false;
}

void describe_pc(uintptr_t pc, char *buf, size_t len) {
  Dl_info info;
  struct link_map *lm = nullptr;
  if (!dladdr1(reinterpret_cast<void *>(pc), &info,
               reinterpret_cast<void **>(&lm), RTLD_DL_LINKMAP) ||
      !lm) {
    std::snprintf(buf, len, "no loaded object");
    return;
  }
  bool exe = !lm->l_name || !lm->l_name[0];
  const char *obj = exe ? "the executable" : lm->l_name;
  char sym[160];
  uintptr_t off = 0;
  if (symtab_lookup(exe ? "/proc/self/exe" : lm->l_name, pc - lm->l_addr,
                    sym, sizeof sym, &off))
    std::snprintf(buf, len, "%s (%s+%#lx)", obj, sym, (unsigned long)off);
  else if (info.dli_sname)
    std::snprintf(buf, len, "%s (%s+%#lx)", obj, info.dli_sname,
                  (unsigned long)(pc - (uintptr_t)info.dli_saddr));
  else
    std::snprintf(buf, len, "%s (no symbol; address %#lx in the file)", obj,
                  (unsigned long)(pc - lm->l_addr));
}

StackMapStats stackmap_stats() {
  load_stackmaps();
  return {tables.sections.size(), tables.functions, tables.records,
          tables.pool.size()};
}

} // namespace gt::gc
