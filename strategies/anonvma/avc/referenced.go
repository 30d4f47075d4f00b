package avc

import "rmapbench/core"

// PageReferenced is page_referenced (rmap_walk with page_referenced_one,
// 3.7+): file pages through the i_mmap interval tree, anonymous pages by
// a stab of their anon_vma's interval tree of chains, until all mapcount
// mappings are found. A page a child COWed points at the child's own
// anon_vma, so its walk visits the child's VMA and its descendants only.
func (r *rmapper) PageReferenced(f core.FrameID) int { return r.files.ReferencedPage(f, r.anonWalk) }
