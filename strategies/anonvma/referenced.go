package anonvma

import "rmapbench/core"

// PageReferenced is 2.6.7 - 2.6.33's page_referenced: file pages through
// i_mmap (page_referenced_file), anonymous pages along the anon_vma's
// list (page_referenced_anon), each VMA checked with vma_address and a
// page-table lookup, until all mapcount mappings are found. A page a
// forked child COWed, mapped once, still costs every VMA of the family
// listed before the child's.
func (r *rmapper) PageReferenced(f core.FrameID) int { return r.files.ReferencedPage(f, r.anonWalk) }
