package core

import "time"

// Reclaim is memory pressure: it picks n resident frames and tries to free
// each (the trace's `reclaim N`). Victims are drawn from the machine's
// seeded generator, so a run is the same for the same seed. There is no
// LRU aging in the simulator: a victim is unmapped whether its PTEs are
// young or not, so every strategy is asked to walk the same pages.
func (m *Machine) Reclaim(n int) error {
	_, err := m.reclaim(n)
	return err
}

func (m *Machine) reclaim(n int) (freed int, err error) {
	m.inReclaim = true
	start := time.Now()
	defer func() {
		m.inReclaim = false
		m.nested += time.Since(start)
	}()
	for i := 0; i < n; i++ {
		f, ok := m.pickVictim()
		if !ok {
			break
		}
		ok, err := m.evict(f)
		if err != nil {
			return freed, err
		}
		if ok {
			freed++
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

// evict unmaps f through the strategy's walk and frees it (shrink_list):
// anonymous pages go to swap, dirty file pages are written back first.
func (m *Machine) evict(f FrameID) (bool, error) {
	fr := &m.pm.frames[f]
	if fr.MapCount > 0 {
		if fr.Flags&FrameAnon != 0 {
			m.swap.ensureSlot(m, f)
		}
		m.Walk.Walks++
		start := time.Now()
		unmapped := m.rm.TryToUnmap(f)
		m.Stats.Time[OpWalk] += time.Since(start)
		m.Stats.Count[OpWalk]++
		if m.cfg.Verify {
			if err := m.checkUnmapped(f, unmapped); err != nil {
				return false, err
			}
		}
		if fr.MapCount > 0 {
			m.Stats.ReclaimFails++
			return false, nil
		}
	}
	if fr.Flags&FrameAnon != 0 {
		slot := m.swap.ensureSlot(m, f)
		sl := &m.swap.slots[slot]
		sl.content = fr.Content
		sl.cache = 0
		sl.ksm = sl.ksm || fr.Flags&FrameKsm != 0
		m.Stats.SwapOuts++
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
		m.freeFrame(f)
	}
	m.Stats.Reclaimed++
	return true, nil
}
