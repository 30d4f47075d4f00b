package anonmm

import "rmapbench/core"

// PageReferenced is page_referenced as rmap 10-37 ran it (HT:08c7dd8f62^):
// file pages through i_mmap (page_referenced_file), anonymous pages by
// page_referenced_anon — the recorded mm at page->index first, then every
// other live mm with pages resident on the anonmm list, going round from
// the recorded one, one page-table lookup each, until all mapcount
// mappings are found.
//
// page_referenced_anon also migrated a page whose recorded mm had exited
// to the first live mm found mapping it, "so that its anonmm can be freed
// in due course": if the walk found every mapping, page->mapping moves to
// that mm's anonmm, which gains a reference, and the exited one loses its
// own (and goes, with its last). try_to_unmap never did this.
func (r *Rmapper) PageReferenced(f core.FrameID) int {
	fr := r.m.Frame(f)
	if fr.Flags&core.FrameAnon == 0 {
		return r.files.Referenced(f)
	}
	r.m.TouchPage(f) // page->mapping, page->index
	first := pageAnonmm(fr)
	addr := fr.Index
	left, young := fr.MapCount, 0
	try := func(a *anonmm) {
		if _, pte, ok := r.tryMM(a.mm, addr, f); ok {
			if r.m.ReferencedOne(pte, f) {
				young++
			}
			left--
		}
	}
	// found is new_anonmm: the recorded anonmm while its mm lives, else
	// the first one found mapping the page.
	var found *anonmm
	if first.mm != nil {
		found = first
		if first.mm.RSS > 0 {
			try(first)
			if left == 0 {
				return young
			}
		}
	}
	for a := first.next; a != first; a = a.next {
		r.m.Step(a.obj)
		if a.mm == nil || a.mm.RSS == 0 {
			continue
		}
		try(a)
		if found == nil && left < fr.MapCount {
			found = a
		}
		if left == 0 {
			if found != first {
				fr.Anon = found
				found.count++
				r.put(first)
			}
			return young
		}
	}
	return young
}
