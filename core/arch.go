package core

import (
	"fmt"
	"sort"
	"strings"
)

// Arch selects the kernel struct sizes of the space model. The sizes come
// from the struct definitions of each era's headers (2.6.0 mm/rmap.c for
// pte_chain, mm/rmap.c at HT:08c7dd8f62^ for anonmm, include/linux/rmap.h
// of 2.6.12 and 4.19 for anon_vma and anon_vma_chain): one cache line for
// pte_chain, and for the others arithmetic from the field lists under
// LP64 / ILP32, marked (est.) below. They are documented defaults, not
// measurements of a running kernel; docs/accounting.md lists them.
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
		},
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
		},
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
