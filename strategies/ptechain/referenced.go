package ptechain

import (
	"rmapbench/core"
	"rmapbench/strategies/internal/ptechains"
)

// PageReferenced is 2.6.0's page_referenced: the accessed bit of every PTE
// on f's chain is tested and cleared through its address alone
// (ptep_test_and_clear_young; no VMA is looked up, unlike try_to_unmap),
// and a chain found holding exactly one PTE is collapsed back to
// PageDirect, its block freed — the only place 2.6.0 did that, "so it's
// only done under memory pressure" (HT:d5c8293240). ptes/walk counts the
// PTEs tested, chain-steps/walk the blocks read.
func (r *Rmapper) PageReferenced(f core.FrameID) int {
	h := r.head(f)
	young, n := 0, 0
	r.m.TouchPage(f)
	r.store.Each(*h, func(pte ptechains.PTE) bool {
		r.m.Walk.PTEs++
		n++
		if r.m.ReferencedOne(core.PTEAddr(pte), f) {
			young++
		}
		return true
	})
	if n == 1 && r.store.Collapse(h) {
		r.account()
	}
	return young
}
