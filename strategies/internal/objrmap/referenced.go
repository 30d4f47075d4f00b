package objrmap

import "rmapbench/core"

// page_referenced for the object-based strategies: page_referenced_file
// from rmap 7 (HT:79603666b5) on, and the anonymous half for a strategy
// that brings its own anonymous walk (anon_vma's list, the AVC's interval
// tree). Every era stopped as soon as it had found all mapcount mappings
// ("if (!mapcount) goto out" in 2.6.7; page_referenced_one returning
// SWAP_SUCCESS once pra->mapcount reaches 0 in 3.x), so a page mapped
// once costs the VMAs visited before its one mapping is found.

// Referenced is page_referenced_file: walk i_mmap for the VMAs that may
// map file page f, skip a VMA whose mm has nothing resident, look at the
// page table where f would be, and hand a PTE that maps f to
// Machine.ReferencedOne, until all mappings are found. Nonlinear VMAs
// are not in the index and are never looked at (2.6.7: "page_referenced
// wouldn't have found it anyway"). It returns the young PTEs found.
func (fs *Files) Referenced(f core.FrameID) int {
	m := fs.m
	fr := m.Frame(f)
	pgoff := fr.Index
	left, young := fr.MapCount, 0
	m.Walk.Steps += int64(fr.File.Index.Visit(pgoff, func(v *core.VMA) bool {
		m.Walk.VMAs++
		if v.MM.RSS == 0 {
			return true
		}
		addr, ok := v.Address(pgoff)
		if !ok {
			return true
		}
		a, ok := m.CheckAddress(v, addr, f)
		if !ok {
			return true
		}
		if m.ReferencedOne(a, f) {
			young++
		}
		left--
		return left > 0
	}))
	return young
}

// ReferencedPage is page_referenced's walk for a strategy whose anonymous
// walk is anon: file pages through i_mmap (Referenced), anonymous pages
// along anon, each until all mappings are found.
func (fs *Files) ReferencedPage(f core.FrameID, anon AnonWalk) int {
	fr := fs.m.Frame(f)
	if fr.Flags&core.FrameAnon == 0 {
		return fs.Referenced(f)
	}
	left, young := fr.MapCount, 0
	anon(f, func(v *core.VMA, addr uint64, a core.PTEAddr) bool {
		if fs.m.ReferencedOne(a, f) {
			young++
		}
		left--
		return left > 0
	})
	return young
}
