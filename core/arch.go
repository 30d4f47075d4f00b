package core

import (
	"fmt"
	"sort"
	"strings"
)

// Arch selects the kernel struct sizes of the space model
// (docs/accounting.md). Two kinds of size live here:
//
//   - objects a strategy allocates on their own (StructSize): a pte_chain
//     block is exactly one L1 line (2.6.0 mm/rmap.c, ____cacheline_aligned);
//     the others are arithmetic from their field lists under LP64 / ILP32,
//     marked (est.) below: documented defaults, not measurements of a
//     running kernel;
//   - rmap fields inside structures that exist anyway (FieldSize): the
//     anon_vma links of vm_area_struct, the i_mmap linkage (the shared
//     union), the pte union or _mapcount of struct page, anonmm's pointer
//     in mm_struct. These are pointers, list heads (two pointers) and
//     ints, so their sizes follow from the word size exactly.
//
// Field names are "struct.field"; the struct says where the field lives
// (vm_area_struct, mm_struct or page) and a ":variant" suffix tells apart
// the shapes one field took in different eras.
type Arch struct {
	Name string
	// CacheLine is L1_CACHE_BYTES, which sizes a pte_chain block.
	CacheLine int
	// PointerSize is sizeof(pte_addr_t) without HIGHPTE.
	PointerSize int
	// LowmemLimit is the kernel's directly mapped memory, where rmap
	// structures must live (0: no limit).
	LowmemLimit int64
	structSize  map[string]int
	fieldSize   map[string]int
}

// NRPTE is the number of pte addresses in one pte_chain block:
// (L1_CACHE_BYTES - sizeof(long)) / sizeof(pte_addr_t).
func (a *Arch) NRPTE() int { return (a.CacheLine - a.PointerSize) / a.PointerSize }

// StructSize returns sizeof(struct name) on this arch, and whether the
// space model knows the struct.
func (a *Arch) StructSize(name string) (int, bool) {
	n, ok := a.structSize[name]
	return n, ok
}

// FieldSize returns the size of the rmap field name ("struct.field") on
// this arch, and whether the space model knows it.
func (a *Arch) FieldSize(name string) (int, bool) {
	n, ok := a.fieldSize[name]
	return n, ok
}

// FieldNames lists the rmap fields the space model knows, sorted.
func (a *Arch) FieldNames() []string {
	var names []string
	for n := range a.fieldSize {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// rmapFields are the rmap fields inside other structures, in words of
// the arch (a pointer or an unsigned long) except where noted:
//
//	field                               words  source
//	page.pte                            1      2.6.0 include/linux/mm.h: union { struct pte_chain *chain;
//	                                           pte_addr_t direct; } pte; McCracken's objrmap adds
//	                                           int mapcount to the union (2.6.3-mjb, "anobjrmap 1/6")
//	page._mapcount                      4 B    rmap 9 (HT:369bfc8a8a): unsigned int mapcount next to
//	                                           _count; atomic_t _mapcount from 2.6.7 (2.6.12
//	                                           include/linux/mm.h) to 4.19
//	mm_struct.anonmm                    1      rmap 10-37: struct anonmm *anonmm (include/linux/sched.h
//	                                           at HT:08c7dd8f62^)
//	vm_area_struct.anon_vma_node        2      2.6.7-2.6.33: struct list_head anon_vma_node
//	vm_area_struct.anon_vma             1      2.6.7+: struct anon_vma *anon_vma
//	vm_area_struct.anon_vma_chain       2      2.6.34+: struct list_head anon_vma_chain
//	vm_area_struct.shared:list          2      2.4-2.6.6: struct list_head shared (2.6.0)
//	vm_area_struct.shared:prio          4      2.6.7-3.6: union { vm_set { list_head list; void
//	                                           *parent; vm_area_struct *head; }; prio_tree_node
//	                                           (3 pointers) } shared
//	vm_area_struct.shared:interval      4      3.7+: shared.linear { struct rb_node rb (3 words);
//	                                           unsigned long rb_subtree_last; } (4.19 shared)
var rmapFields = map[string]int{
	"page.pte":                       1,
	"mm_struct.anonmm":               1,
	"vm_area_struct.anon_vma_node":   2,
	"vm_area_struct.anon_vma":        1,
	"vm_area_struct.anon_vma_chain":  2,
	"vm_area_struct.shared:list":     2,
	"vm_area_struct.shared:prio":     4,
	"vm_area_struct.shared:interval": 4,
}

// mapcountBytes is sizeof(atomic_t) and sizeof(unsigned int) on both
// arches.
const mapcountBytes = 4

func fieldSizes(word int) map[string]int {
	m := map[string]int{"page._mapcount": mapcountBytes}
	for name, words := range rmapFields {
		m[name] = words * word
	}
	return m
}

var arches = map[string]*Arch{
	"x86_64": {
		Name: "x86_64", CacheLine: 64, PointerSize: 8,
		structSize: map[string]int{
			"pte_chain":      64, // one cache line, NRPTE = 7
			"anonmm":         40, // count, lock, mm, head, list (est.)
			"anon_vma":       24, // 2.6.7-2.6.33: lock + list_head (est.)
			"anon_vma_avc":   80, // 3.19+/4.19 anon_vma with root, rwsem, refcount, degree, parent, rb_root_cached (est.)
			"anon_vma_chain": 64, // 3.7+: vma, anon_vma, same_vma, rb_node, rb_subtree_last (est.)
			"vma":            176,
			"page":           64, // struct page since 2.6.x on 64-bit: 8 words
			"stable_node":    64, // 4.13+ with NUMA: union {rb_node; head, hlist_dup, list}, hlist, kpfn, rmap_hlist_len, nid (est.)
			"rmap_item":      64, // rmap_list, anon_vma, mm, address, oldchecksum, union {rb_node; head, hlist} (est.)
		},
		fieldSize: fieldSizes(8),
	},
	"i386": {
		// A 32-byte L1 line (Pentium II/III, the usual -march of 2003
		// distribution kernels) and no HIGHPTE: NRPTE = (32-4)/4 = 7.
		Name: "i386", CacheLine: 32, PointerSize: 4, LowmemLimit: 896 << 20,
		structSize: map[string]int{
			"pte_chain":      32,
			"anonmm":         24,
			"anon_vma":       12,
			"anon_vma_avc":   40,
			"anon_vma_chain": 32,
			"vma":            88,
			"page":           40, // 2.6.0: flags, count, list, mapping, index, lru, pte, private
			"stable_node":    36,
			"rmap_item":      32,
		},
		fieldSize: fieldSizes(4),
	},
}

// ArchByName returns the named arch: "x86_64" or "i386".
func ArchByName(name string) (*Arch, error) {
	if a, ok := arches[name]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("unknown arch %q (valid: %s)", name, strings.Join(ArchNames(), ", "))
}

// ArchNames lists the known arches.
func ArchNames() []string {
	var names []string
	for n := range arches {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
