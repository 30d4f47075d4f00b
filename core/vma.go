package core

// Prot is a VMA's protection.
type Prot uint8

const (
	ProtRead  Prot = 1
	ProtWrite Prot = 2
	ProtExec  Prot = 4
)

func (p Prot) String() string {
	b := []byte("---")
	if p&ProtRead != 0 {
		b[0] = 'r'
	}
	if p&ProtWrite != 0 {
		b[1] = 'w'
	}
	if p&ProtExec != 0 {
		b[2] = 'x'
	}
	return string(b)
}

// VMA is a vm_area_struct: a range of one address space with one
// protection, backed by a file or anonymous.
type VMA struct {
	MM         *MM
	Start, End uint64 // [Start, End), page aligned
	// PgOff is vm_pgoff: the file page mapped at Start, or for anonymous
	// memory Start>>12 at creation, kept across mremap (2.6.7's rule, which
	// lets anon_vma find a moved page by its offset).
	PgOff  uint64
	Prot   Prot
	Shared bool
	File   *File // nil: anonymous
	// Nonlinear marks a VMA remap_file_pages has rearranged: it is on its
	// file's nonlinear list instead of the i_mmap index.
	Nonlinear bool
	// NonlinearCursor is vm_private_data of a nonlinear VMA: where the
	// cluster unmapping of try_to_unmap_file resumes.
	NonlinearCursor uint64
	// Rmap is the strategy's per-VMA state (vma->anon_vma, its chain).
	Rmap any
	// IndexNode is the i_mmap index's per-VMA node (the shared union).
	IndexNode any
	// Locked is VM_LOCKED (mlock.go): reclaim may not unmap the VMA's
	// pages.
	Locked bool
	// Mergeable is VM_MERGEABLE (MADV_MERGEABLE, ksm.go): ksmd scans the
	// VMA's anonymous pages and may merge them.
	Mergeable bool

	// anonPrepared records that the VMA has anonymous state: anon_vma_prepare
	// ran for it, or it inherited the state (forkcopy.go).
	anonPrepared bool
	// obj is the VMA's slot in the vm_area_struct slab (cost.go).
	obj Obj
}

// Obj is the VMA as an object of the cost model: a strategy whose list
// or tree nodes live in the vm_area_struct (anon_vma_node, the i_mmap
// linkage) steps on it with Machine.Step.
func (v *VMA) Obj() Obj { return v.obj }

// Pages is the VMA's length in pages.
func (v *VMA) Pages() uint64 { return (v.End - v.Start) >> pageShift }

// LastPgOff is the file page mapped at the VMA's last page.
func (v *VMA) LastPgOff() uint64 { return v.PgOff + v.Pages() - 1 }

// Anonymous reports whether the VMA has no file.
func (v *VMA) Anonymous() bool { return v.File == nil }

// LinearPgOff is the page offset addr has in the VMA's linear layout
// (linear_page_index).
func (v *VMA) LinearPgOff(addr uint64) uint64 { return v.PgOff + (addr-v.Start)>>pageShift }

// Address returns where page offset pgoff lies in the VMA and whether it
// lies inside it (vma_address: outside means the VMA cannot map the page).
func (v *VMA) Address(pgoff uint64) (uint64, bool) {
	if pgoff < v.PgOff {
		return 0, false
	}
	d := pgoff - v.PgOff
	if d >= v.Pages() {
		return 0, false
	}
	return v.Start + d<<pageShift, true
}

// Contains reports whether addr is inside the VMA.
func (v *VMA) Contains(addr uint64) bool { return addr >= v.Start && addr < v.End }
