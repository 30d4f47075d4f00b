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
// map file page f, skip a VMA whose mm has nothing resident where the era
// did (Era.SkipEmptyMM), look at the page table where f would be, and
// hand a PTE that maps f to Machine.ReferencedOne, until all mappings are
// found. A VM_LOCKED shared VMA ends the walk with the page referenced
// (2.6.12's page_referenced_file). Nonlinear VMAs are not in the index
// and are never looked at (2.6.7: "page_referenced wouldn't have found it
// anyway"), except in McCracken's objrmap, which kept them on the list
// (Era.NonlinearOnList). It returns the young PTEs found.
func (fs *Files) Referenced(f core.FrameID) int {
	m := fs.m
	fr := m.Frame(f)
	m.TouchPage(f) // page->mapping, page->index
	left, young := m.PageMapCount(f), 0
	fs.candidates(fr.File, fr.Index, func(v *core.VMA) bool {
		if v.Locked && v.Shared {
			// VM_LOCKED|VM_MAYSHARE: referenced, and no need to look on.
			m.ReferencedLocked()
			young++
			return false
		}
		_, a, ok := fs.mapping(v, f, fr.Index)
		if !ok {
			return true
		}
		if m.ReferencedOne(a, f) {
			young++
		}
		left--
		return left > 0
	})
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
	fs.m.TouchPage(f) // page->mapping, page->index
	left, young := fs.m.PageMapCount(f), 0
	anon(f, func(v *core.VMA, addr uint64, a core.PTEAddr) bool {
		if fs.m.ReferencedOne(a, f) {
			young++
		}
		left--
		return left > 0
	})
	return young
}
