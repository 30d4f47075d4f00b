package core

import "time"

// page_referenced: the aging policies' question "who used this page?",
// asked through the strategy's own rmap walk (Rmapper.PageReferenced).
//
// The generic part is core's, as it was the kernel's: page_referenced
// tests and clears PG_referenced (set by mark_page_accessed), and only a
// mapped page goes on to the rmap walk. The walk is the strategy's: the
// pte-chain walk of 2.6.0, page_referenced_anon / page_referenced_file
// of the object-based eras, folio_referenced's rmap_walk today. For every
// PTE it finds mapping the page it calls ReferencedOne, the one place
// that tests and clears an accessed bit for a walk (only the MMU writes
// PTEs); under the multi-gen LRU a young PTE also triggers the
// look-around (lookaround.go), as folio_referenced_one does in 6.1.
//
// A strategy with no reverse map (pagescan) may instead age the way 2.4
// did, with one scan of every page table per reclaim (ReclaimSeq): it
// hands the PTEs of the page it was asked about to ReferencedOne, ages
// every other young PTE with AgePTE, and answers later questions of the
// same reclaim with AgedByPass, since no PTE can have turned young since.
//
// try_to_unmap's own check of the accessed bit is UnmapOneIfOld.

// pageReferenced is page_referenced (2.6 mm/rmap.c): PG_referenced tested
// and cleared, then the rmap walk of a mapped page. It returns the number
// of references found.
func (m *Machine) pageReferenced(f FrameID) (int, error) {
	fr := &m.pm.frames[f]
	n := 0
	if fr.Flags&FrameReferenced != 0 {
		fr.Flags &^= FrameReferenced
		m.rs.progress++
		n++
	}
	if m.PageMapCount(f) == 0 {
		return n, nil
	}
	young, err := m.referencedWalk(f)
	return n + young, err
}

// referencedWalk runs the strategy's page_referenced walk of the mapped
// frame f, counts it as a ref walk with its share of the walk counters,
// and with Config.Verify checks the PTEs it reported against the oracle.
func (m *Machine) referencedWalk(f FrameID) (int, error) {
	m.Walk.Walks++
	m.Stats.RefWalks++
	fr := &m.pm.frames[f]
	once := fr.Flags&FrameAnon != 0 && m.PageMapCount(f) == 1
	before := m.Walk
	if m.cfg.Verify {
		m.rs.refCheck = true
		m.rs.refSeen = m.rs.refSeen[:0]
		m.rs.refAged = false
		m.rs.refLocked = false
	}
	start := time.Now()
	prev := m.enterOp(OpRefWalk)
	var young int
	m.walk(func() { young = m.rm.PageReferenced(f) })
	m.leaveOp(prev)
	m.Stats.Time[OpRefWalk] += time.Since(start)
	m.Stats.Count[OpRefWalk]++
	m.Stats.RefWork.addSince(m.Walk, before)
	if once {
		m.Stats.RefOnceWork.addSince(m.Walk, before)
	}
	if m.rs.refCheck {
		m.rs.refCheck = false
		if err := m.checkReferenced(f, m.rs.refSeen, m.rs.refAged, m.rs.refLocked); err != nil {
			return young, err
		}
	}
	return young, nil
}

// ReferencedOne is the heart of page_referenced_one: the PTE at a, which
// the strategy's walk found mapping f, has its accessed bit tested and
// cleared (ptep_test_and_clear_young). It reports whether the bit was
// set. Under the multi-gen LRU a young PTE first makes the look-around
// scan its neighbours (lru_gen_look_around, 6.1).
func (m *Machine) ReferencedOne(a PTEAddr, f FrameID) bool {
	p := m.pt.pte(a)
	huge := p.Huge()
	if m.rs.refCheck {
		mm, addr := m.pt.owner(a)
		if huge {
			addr += uint64(f-p.Frame()) << pageShift // the page's place in the PMD
		}
		m.rs.refSeen = append(m.rs.refSeen, Mapping{PID: mm.PID, Addr: addr})
	}
	m.touchPTE(a)
	if huge {
		// pmdp_clear_flush_young_notify (thp.go).
		if f < p.Frame() || f >= p.Frame()+pmdPages || *p&pteAccessed == 0 {
			return false
		}
		*p &^= pteAccessed
		m.rs.progress++
		return true
	}
	if !p.Present() || p.Frame() != f || *p&pteAccessed == 0 {
		return false
	}
	if m.rs.aging == AgingMGLRU {
		m.lookAround(a)
	}
	*p &^= pteAccessed
	m.rs.progress++
	return true
}

// ReferencedLocked is called by a page_referenced walk that ends at a
// VM_LOCKED shared VMA without looking further: 2.6's
// page_referenced_file counted such a page referenced (it cannot be
// reclaimed) and stopped. The walk then need not report every mapping.
func (m *Machine) ReferencedLocked() {
	m.rs.refLocked = true
}

// UnmapOneIfOld is try_to_unmap_one from the object-based rmap on (rmap
// 7, HT:79603666b5, through 5.9): a PTE found young is not unmapped; its
// accessed bit is cleared and the caller must end its walk (SWAP_FAIL:
// "if it's recently referenced (perhaps page_referenced skipped over this
// mm) then we should reactivate it"). 5.10's commit 013339df116c ("mm/rmap:
// always do TTU_IGNORE_ACCESS") removed the check. Under -aging random
// the check is skipped, as migration's try_to_unmap skipped it, so random
// victims are unmapped whatever their bits; and so it is for migration
// itself (Migrating). Otherwise it is UnmapOne. It reports whether it
// unmapped and whether the PTE was young.
func (m *Machine) UnmapOneIfOld(v *VMA, addr uint64, a PTEAddr, f FrameID) (unmapped, young bool) {
	if a == 0 {
		if a = m.LookupPTE(v.MM, addr); a == 0 {
			return false, false
		}
	}
	if m.rs.aging != AgingRandom && !m.mig.unmapping {
		p := m.pt.pte(a)
		if (p.Present() && p.Frame() == f || p.Huge() && m.pt.pmdMaps(a, *p, f, addr)) && *p&pteAccessed != 0 {
			*p &^= pteAccessed
			m.rs.progress++
			m.rs.unmapYoung = true
			return false, true
		}
	}
	return m.UnmapOne(v, addr, a, f), false
}

// ReclaimSeq names the reclaim in progress, 0 outside reclaim: it changes
// each time reclaim starts, and no process runs while one lasts, so no
// accessed bit is set between two calls that see the same non-zero value.
func (m *Machine) ReclaimSeq() uint64 {
	if !m.inReclaim {
		return 0
	}
	return m.rs.seq
}

// AgePTE is the aging of 2.4's page-table scan (swap_out's
// try_to_swap_out): a young PTE at a has its accessed bit cleared and its
// page is marked accessed — mark_page_accessed under the two-list LRU, a
// promotion to the youngest generation under the multi-gen LRU. It
// reports whether the PTE was young.
func (m *Machine) AgePTE(a PTEAddr) bool {
	p := m.pt.pte(a)
	if !p.Present() || p.Frame() == ZeroFrame || *p&pteAccessed == 0 {
		return false
	}
	*p &^= pteAccessed
	m.rs.progress++
	switch f := p.Frame(); m.rs.aging {
	case AgingLRU:
		m.markAccessed(f)
	case AgingMGLRU:
		m.mgUpdateGen(f, genFromSeq(m.rs.mg.maxSeq))
	}
	return true
}

// AgedByPass tells the check of a page_referenced walk that the strategy
// answered without walking, because its aging pass of this reclaim
// already cleared every accessed bit: the check then verifies that no PTE
// mapping the page is young instead of asking for every mapping.
func (m *Machine) AgedByPass() { m.rs.refAged = true }

// addSince adds one walk and the work now - before to w.
func (w *WalkCounters) addSince(now, before WalkCounters) {
	w.Walks++
	w.VMAs += now.VMAs - before.VMAs
	w.PTEs += now.PTEs - before.PTEs
	w.Steps += now.Steps - before.Steps
}
