package pagescan

import "rmapbench/core"

// page_referenced without a reverse map. 2.4 never asked a page who used
// it: its swap_out scanned process page tables, and a young PTE met there
// had its accessed bit cleared and its page marked accessed
// (try_to_swap_out: ptep_test_and_clear_young, mark_page_accessed). So
// does pagescan: the first page_referenced of a reclaim scans every page
// table once, handing the PTEs of the page asked about to
// Machine.ReferencedOne and ageing every other young PTE (Machine.AgePTE),
// which the aging policy reads as PG_referenced or a promotion. Nothing
// runs while reclaim does, so no PTE can turn young before the reclaim
// ends: later questions of the same reclaim are answered from that pass
// without a scan (Machine.AgedByPass).
//
// A scan per page asked about would be what 2.6's reclaim costs without
// rmap, a page-table scan for each of the thousands of pages an LRU pass
// looks at; nobody ran that, and it would make the default suite take
// hours. The pass counts in the ref walk that ran it: ptes/ref-walk is
// the pass's PTE slots spread over the reclaim's page_referenced calls.

type pass struct {
	seq uint64 // the reclaim (core.Machine.ReclaimSeq) of the last pass
}

// PageReferenced answers from this reclaim's aging pass, running it first
// if the reclaim has none yet.
func (r *rmapper) PageReferenced(f core.FrameID) int {
	m := r.m
	seq := m.ReclaimSeq()
	if seq != 0 && r.aged.seq == seq {
		m.AgedByPass()
		return 0
	}
	r.aged.seq = seq
	young := 0
	for _, mm := range m.MMs() {
		for _, v := range mm.VMAs() {
			m.Walk.VMAs++
			m.Walk.PTEs += m.ScanPTEs(v, func(addr uint64, a core.PTEAddr, p core.PTE) bool {
				switch {
				case p.Frame() == f:
					if m.ReferencedOne(a, f) {
						young++
					}
				case p.Young():
					m.AgePTE(a)
				}
				return true
			})
		}
	}
	return young
}
