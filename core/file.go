package core

// File is a file's address_space: its page cache and the i_mmap index of
// the VMAs that map it.
type File struct {
	Name string
	// Index is i_mmap: the linear VMAs mapping the file.
	Index FileIndex
	// Nonlinear is i_mmap_nonlinear: VMAs rearranged by remap_file_pages.
	Nonlinear []*VMA

	id uint64
	// cache is the page cache, pgoff -> frame, in 512-page chunks (a
	// two-level radix tree) so a lookup costs no hashing per page.
	cache map[uint64]*[tableEntries]FrameID
	// lastKey and lastChunk remember the chunk found last: faults and
	// reclaim mostly walk a file in order, so most look-ups skip the map.
	lastKey   uint64
	lastChunk *[tableEntries]FrameID
	// written holds the content of pages written back, so a page read
	// again after eviction has what was written.
	written map[uint64]uint64
	pages   int
	budget  *budget // counts the page-cache chunks (budget.go)
}

// FileIndex is an i_mmap implementation: a list (2.4 - 2.6.6, McCracken's
// objrmap), a prio tree (2.6.7 - 3.6) or an interval tree (3.7+). The MMU
// keeps it up to date on every VMA change; object-based strategies walk it.
type FileIndex interface {
	// Insert adds a linear VMA of the file.
	Insert(v *VMA)
	// InsertAfter adds v, which has the same range as existing: the
	// O(1) fork path (vma_prio_tree_add, vma_interval_tree_insert_after).
	InsertAfter(v, existing *VMA)
	// Remove drops v. The VMA's range may have changed since Insert; the
	// index must find v by its node, not by its current range.
	Remove(v *VMA)
	// Visit calls fn for the VMAs that may map page pgoff, until fn
	// returns false: every VMA for a list, the overlapping ones for a
	// tree. It returns the number of index nodes examined.
	Visit(pgoff uint64, fn func(*VMA) bool) (steps int)
	// Len is the number of VMAs indexed.
	Len() int
	// VMAField names the linkage the index keeps in every
	// vm_area_struct (the shared union of its era), for the space model:
	// a field name Arch.FieldSize knows, such as
	// "vm_area_struct.shared:prio".
	VMAField() string
}

// IndexStepper is implemented by an index that reports every node its
// Visit examines: core gives it, when it builds a file's index, the
// function to call with the VMA holding each node (Machine.Step of the
// VMA: the linkage lives in the vm_area_struct). The walks count index
// steps only through it.
type IndexStepper interface {
	StepWith(step func(v *VMA))
}

// chunk returns the page-cache chunk holding pgoff, or nil.
func (f *File) chunk(pgoff uint64) *[tableEntries]FrameID {
	key := pgoff >> tableBits
	if f.lastChunk != nil && f.lastKey == key {
		return f.lastChunk
	}
	c := f.cache[key]
	if c != nil {
		f.lastKey, f.lastChunk = key, c
	}
	return c
}

func (f *File) lookup(pgoff uint64) FrameID {
	if c := f.chunk(pgoff); c != nil {
		return c[pgoff&(tableEntries-1)]
	}
	return 0
}

func (f *File) store(pgoff uint64, fr FrameID) {
	c := f.chunk(pgoff)
	if c == nil {
		c = new([tableEntries]FrameID)
		f.cache[pgoff>>tableBits] = c
		f.budget.cacheBytes += chunkBudgetBytes
	}
	if c[pgoff&(tableEntries-1)] == 0 {
		f.pages++
	}
	c[pgoff&(tableEntries-1)] = fr
}

func (f *File) drop(pgoff uint64) {
	c := f.chunk(pgoff)
	if c == nil || c[pgoff&(tableEntries-1)] == 0 {
		return
	}
	c[pgoff&(tableEntries-1)] = 0
	f.pages--
}

// content is what page pgoff of the file holds on disk.
func (f *File) content(pgoff uint64) uint64 {
	if c, ok := f.written[pgoff]; ok {
		return c
	}
	// A fixed function of the file and page: the same page reads the same.
	return (f.id<<40 | pgoff) | 1<<63
}

func (f *File) linkIndex(v *VMA) {
	if v.Nonlinear {
		f.Nonlinear = append(f.Nonlinear, v)
		return
	}
	f.Index.Insert(v)
}

func (f *File) unlinkIndex(v *VMA) {
	if !v.Nonlinear {
		f.Index.Remove(v)
		return
	}
	for i, n := range f.Nonlinear {
		if n == v {
			copy(f.Nonlinear[i:], f.Nonlinear[i+1:])
			f.Nonlinear[len(f.Nonlinear)-1] = nil
			f.Nonlinear = f.Nonlinear[:len(f.Nonlinear)-1]
			return
		}
	}
	panic("core: nonlinear VMA missing from its file's list")
}
