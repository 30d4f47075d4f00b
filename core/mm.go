package core

import "sort"

// MM is an address space (mm_struct): VMAs ordered by address and a PGD.
type MM struct {
	PID uint64
	// Rmap is the strategy's per-mm state (anonmm).
	Rmap any
	// RSS counts present PTEs mapping real frames; walks skip mms whose
	// RSS is 0, as the kernel's did.
	RSS int64
	// agingUsed is set by a touch and cleared by the multi-gen LRU's
	// page-table walk, which skips an mm that has not run since
	// (mm->lru_gen.bitmap).
	agingUsed bool

	pgd tableID
	// tables counts the page tables allocated for the mm, the PGD
	// included (for the budget's check of a fork, budget.go).
	tables int
	vmas   []*VMA // sorted by Start, non-overlapping
	seq    uint64 // creation order, for deterministic iteration
}

// VMAs returns the VMAs in address order. The slice must not be modified.
func (mm *MM) VMAs() []*VMA { return mm.vmas }

// FindVMA returns the VMA containing addr, or nil (find_vma with a
// containment check).
func (mm *MM) FindVMA(addr uint64) *VMA {
	i := mm.vmaIndex(addr)
	if i < len(mm.vmas) && mm.vmas[i].Start <= addr {
		return mm.vmas[i]
	}
	return nil
}

// vmaIndex returns the index of the first VMA whose End is above addr.
func (mm *MM) vmaIndex(addr uint64) int {
	return sort.Search(len(mm.vmas), func(i int) bool { return mm.vmas[i].End > addr })
}

func (mm *MM) insertVMA(v *VMA) {
	i := mm.vmaIndex(v.Start)
	mm.vmas = append(mm.vmas, nil)
	copy(mm.vmas[i+1:], mm.vmas[i:])
	mm.vmas[i] = v
}

func (mm *MM) removeVMA(v *VMA) {
	i := mm.vmaIndex(v.Start)
	if i >= len(mm.vmas) || mm.vmas[i] != v {
		panic("core: removing a VMA that is not in its mm")
	}
	copy(mm.vmas[i:], mm.vmas[i+1:])
	mm.vmas[len(mm.vmas)-1] = nil
	mm.vmas = mm.vmas[:len(mm.vmas)-1]
}
