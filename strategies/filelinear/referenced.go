package filelinear

import "rmapbench/core"

// PageReferenced is rmap 7's page_referenced: the pte chain of an
// anonymous page or of a file page page_convert_anon moved onto chains is
// walked (and collapsed to PageDirect when it holds one PTE, as 2.6.0
// did); another file page is found through the i_mmap list by
// page_referenced_file, every VMA of the file visited until all its
// mappings are found.
func (r *rmapper) PageReferenced(f core.FrameID) int {
	if r.chained(f) {
		return r.chains.PageReferenced(f)
	}
	return r.files.Referenced(f)
}
