package core

import "time"

// Reclaim's common path: whichever aging policy chose a page (aging.go),
// freeing it is shrink_list's second half, the same in every era that
// rmapbench models:
//
//	anonymous page, no swap slot  add_to_swap: give it one
//	mapped                        try_to_unmap through the strategy
//	                              (unmap-walks); failing on a young PTE
//	                              sends it back to the active list
//	anonymous                     its content goes to the swap slot, the
//	                              frame leaves the swap cache and is freed
//	dirty file page               written back, then dropped from the
//	                              page cache; a shadow entry remembers it
//	                              (refault.go)
//
// Writeback is synchronous: a dirty page is written the moment reclaim
// frees it, where the kernel started I/O and freed the page on a later
// pass. That changes when a page is freed, not which rmap walks it costs.

// reclaim runs the machine's policy for n pages and times it as nested
// in whatever operation called it.
func (m *Machine) reclaim(n int) (freed int, err error) {
	if n <= 0 {
		return 0, nil
	}
	m.inReclaim = true
	m.rs.seq++
	start := time.Now()
	m.deferredSplitScan()
	defer func() {
		m.inReclaim = false
		m.nested += time.Since(start)
	}()
	switch m.rs.aging {
	case AgingLRU:
		return m.lruReclaim(n)
	case AgingMGLRU:
		return m.mgReclaim(n)
	}
	return m.randomReclaim(n)
}

// randomReclaim is the simulator's old reclaim, kept as -aging random:
// victims drawn from the machine's seeded generator and unmapped whether
// their PTEs are young or not, so that every strategy walks the same
// pages. It stops after as many failures in a row as there are frames in
// use without any progress.
func (m *Machine) randomReclaim(n int) (freed int, err error) {
	fails, mark := 0, m.rs.progress
	for freed < n {
		if err := m.poll(); err != nil {
			return freed, err
		}
		f, ok := m.pickVictim()
		if !ok {
			break
		}
		m.Stats.PagesScanned++
		ok, err := m.evict(f)
		if err != nil {
			return freed, err
		}
		if ok {
			freed++
			fails, mark = 0, m.rs.progress
			continue
		}
		if fails++; fails > m.pm.inUse {
			if m.rs.progress == mark {
				break
			}
			fails, mark = 0, m.rs.progress
		}
	}
	return freed, nil
}

// pickVictim draws a random frame and probes forward to the next one that
// can be evicted: in use, not the zero page, not pinned by the fault in
// progress.
func (m *Machine) pickVictim() (FrameID, bool) {
	n := len(m.pm.frames)
	if m.pm.inUse == 0 || n <= 1 {
		return 0, false
	}
	start := 1 + m.rng.IntN(n-1)
	for i := 0; i < n-1; i++ {
		f := FrameID(1 + (start-1+i)%(n-1))
		if m.pm.frames[f].Flags&FrameInUse != 0 && f != m.pinned {
			return f, true
		}
	}
	return 0, false
}

// evict unmaps a random victim and frees it, whatever its bits.
func (m *Machine) evict(f FrameID) (bool, error) {
	if m.PageMapCount(f) > 0 {
		unmapped, _, err := m.unmapForReclaim(f)
		if err != nil || !unmapped {
			return false, err
		}
	}
	m.freeEvicted(f)
	return true, nil
}

// unmapForReclaim gives an anonymous page its swap slot (add_to_swap) and
// unmaps a mapped page through the strategy's try_to_unmap. It reports
// whether the page is left unmapped, and whether try_to_unmap gave up on
// a young PTE (SWAP_FAIL: the page goes back to the active list).
func (m *Machine) unmapForReclaim(f FrameID) (unmapped, young bool, err error) {
	m.splitFolio(f) // 6.8: a large anonymous folio is split before add_to_swap (folio.go)
	fr := &m.pm.frames[f]
	if fr.Flags&FrameAnon != 0 {
		m.swap.ensureSlot(m, f)
	}
	if fr.MapCount == 0 {
		return true, false, nil
	}
	m.Walk.Walks++
	m.Stats.UnmapWalks++
	m.rs.unmapYoung = false
	start := time.Now()
	prev := m.enterOp(OpWalk)
	var reported bool
	m.walk(func() { reported = m.rm.TryToUnmap(f) })
	m.leaveOp(prev)
	m.Stats.Time[OpWalk] += time.Since(start)
	m.Stats.Count[OpWalk]++
	if m.cfg.Verify {
		if err := m.checkUnmapped(f, reported); err != nil {
			return false, false, err
		}
	}
	if fr.MapCount > 0 {
		m.Stats.ReclaimFails++
		return false, m.rs.unmapYoung, nil
	}
	return true, false, nil
}

// freeEvicted frees an unmapped page reclaim took: anonymous pages to
// swap, dirty file pages written back; a file page leaves a shadow entry.
func (m *Machine) freeEvicted(f FrameID) {
	m.splitFolio(f)
	fr := &m.pm.frames[f]
	if fr.Flags&FrameAnon != 0 {
		slot := m.swap.ensureSlot(m, f)
		sl := &m.swap.slots[slot]
		sl.content = fr.Content
		sl.cache = 0
		sl.ksm = sl.ksm || fr.Flags&FrameKsm != 0
		m.Stats.SwapOuts++
		m.rs.mg.evicted[lruGenAnon]++
		if sl.refs == 0 {
			// Nothing refers to the page any more: drop it altogether.
			fr.Flags &^= FrameSwapCache
			m.swap.release(m, slot)
		}
		if fr.Flags&FrameInUse != 0 {
			m.freeFrame(f)
		}
	} else {
		if fr.Flags&FrameDirty != 0 {
			fr.File.written[fr.Index] = fr.Content
			m.Stats.Writebacks++
		}
		fr.File.drop(fr.Index)
		m.shadowAdd(fr.File, fr.Index)
		m.rs.mg.evicted[lruGenFile]++
		m.freeFrame(f)
	}
	m.Stats.Reclaimed++
	m.rs.progress++
}
