package core

// lru_gen_look_around (6.1 mm/vmscan.c; "mm: multi-gen LRU: exploit
// locality in rmap", v15 07/14): when an rmap walk of the multi-gen LRU
// finds a young PTE, the pages next to it in the address space were
// probably used too. So folio_referenced_one, before clearing that PTE,
// scans its neighbours in the same PTE table and VMA — at most
// MIN_LRU_BATCH (64) PTEs around it — clears every young one and raises
// its page's generation to max_seq (or, for a page eviction has isolated,
// sets PG_referenced). Eviction then moves those pages without an rmap
// walk of their own. Yu Zhao's kswapd profile on a Chrome OS memory
// pressure test: page_vma_mapped_walk fell from 18.47% to 8.20% of
// kswapd's time with it.
//
// Its reads are counted in lookaround-ptes, apart from the rmap walk's
// own counters: the scan is a sequential read of one page-table page, not
// a walk of the reverse map.

// lookAround scans the neighbours of the young PTE at a, itself included.
func (m *Machine) lookAround(a PTEAddr) {
	mm, addr := m.pt.owner(a)
	v := mm.FindVMA(addr)
	if v == nil {
		return
	}
	const batch = minLRUBatch * PageSize
	start := max(addr&^(pteTableSpan-1), v.Start)
	end := min(addr|(pteTableSpan-1), v.End-1) + 1
	if end-start > batch {
		switch {
		case addr-start < batch/2:
			end = start + batch
		case end-addr < batch/2:
			start = end - batch
		default:
			start, end = addr-batch/2, addr+batch/2
		}
	}
	t := a.table()
	tab := m.pt.tables[t]
	base := m.pt.meta[t].base
	gen := genFromSeq(m.rs.mg.maxSeq)
	lo, hi := int((start-base)>>pageShift), int((end-base)>>pageShift)
	m.Stats.LookAroundPTEs += int64(hi - lo)
	for i := lo; i < hi; i++ {
		p := PTE(tab[i])
		if !p.Present() || p.Frame() == ZeroFrame || p&pteAccessed == 0 {
			continue
		}
		tab[i] = uint64(p &^ pteAccessed)
		m.rs.progress++
		m.mgUpdateGen(p.Frame(), gen)
	}
}
