package core

// The two-list LRU of 2.6.0 - 2.6.27 (-aging lru), as mm/vmscan.c of
// 2.6.12 (1da177e4c3f4) runs it: one active and one inactive list per
// zone, anonymous and file pages on the same pair (the split into anon
// and file lists came with 2.6.28). The simulator has one zone. This is
// the reclaim of the eras of every strategy but anonvma-avc's; it runs
// under that one too, since what the lists choose is orthogonal to how a
// page's mappings are found.
//
//	            lru_cache_add_active                 lru_cache_add
//	anon fault, COW copy, swap-in ─┐        page-cache read ─┐
//	                               ▼                          ▼
//	           ┌─ active ────────────────┐     ┌─ inactive ─────────────────┐
//	  head ──▶ │ newest ...       oldest │ ──▶ │ newest ...          oldest │ ──▶ shrink_list
//	           └─────────────────────────┘     └────────────────────────────┘
//	                 ▲  refill_inactive_zone:          ▲ │
//	                 │  mapped and referenced stay,    │ │ referenced (page_referenced
//	                 │  the rest go inactive           │ │ walk) or SWAP_FAIL: activate
//	                 └────────────────────────────────────┘ unreferenced: try_to_unmap, free
//
// kswapd's balance_pgdat (and `reclaim N`, as shrink_all_memory asked it
// for nr_pages) loops priority from DEF_PRIORITY (12) down to 0; at each,
// shrink_zone adds (list size >> priority) + 1 to each list's scan count
// and, once a count reaches SWAP_CLUSTER_MAX (32), scans that many pages
// in batches of 32, alternating refill_inactive_zone and shrink_cache,
// until the pages asked for are freed (the last batch no larger than the
// pages still wanted, so that `reclaim N` frees N). A count below 32 is
// carried over to the next call, except at priority 0, where the
// simulator scans it so that a full pass looks at every page (the kernel
// kept it for its next run).
//
// refill_inactive_zone moves mapped pages off the active list only when
// swap_tendency = mapped_ratio/2 + distress + vm_swappiness (60) reaches
// 100, with distress = 100 >> prev_priority; mapped_ratio is taken over
// the pages in use (reclaim runs when memory is full). A mapped page goes
// back to the active list if page_referenced finds it referenced.
//
// shrink_list (per inactive page): page_referenced; referenced and in use
// (mapped, or a page of a mapped file) -> activate; an anonymous page gets
// a swap slot; try_to_unmap: SWAP_FAIL (a young PTE) -> activate, a page
// left mapped -> keep; a dirty file page that was referenced -> keep;
// otherwise free it. Pages kept or activated go back to the head of their
// list.
//
// mark_page_accessed (filemap_nopage, do_swap_page, do_anonymous_page's
// SetPageReferenced): an inactive page already PG_referenced is
// activated, otherwise PG_referenced is set.

const (
	defPriority    = 12 // DEF_PRIORITY
	swapClusterMax = 32 // SWAP_CLUSTER_MAX
	vmSwappiness   = 60 // the default vm_swappiness

	listInactive uint8 = 1
	listActive   uint8 = 2
	// lists 3 .. 10 are the multi-gen LRU's (mglru.go).
	nLists = 3 + maxNrGens*2
)

// lruList is a list of frames linked through Frame.lruPrev/lruNext
// (struct list_head page->lru). Frame 0, the zero page, is never on a
// list, so 0 ends it.
type lruList struct {
	head, tail FrameID // newest, oldest
	n          int
}

// lruPush adds f at the head of list l (list_add).
func (m *Machine) lruPush(l uint8, f FrameID) { m.lruInsert(l, f, 0, m.rs.lists[l].head) }

// lruPushTail adds f at the tail of list l (list_add_tail).
func (m *Machine) lruPushTail(l uint8, f FrameID) { m.lruInsert(l, f, m.rs.lists[l].tail, 0) }

// lruInsert links f into list l between prev and next, neighbours on it
// (0: the list's end).
func (m *Machine) lruInsert(l uint8, f, prev, next FrameID) {
	lst := &m.rs.lists[l]
	fr := &m.pm.frames[f]
	fr.lru, fr.lruPrev, fr.lruNext = l, prev, next
	if prev != 0 {
		m.pm.frames[prev].lruNext = f
	} else {
		lst.head = f
	}
	if next != 0 {
		m.pm.frames[next].lruPrev = f
	} else {
		lst.tail = f
	}
	lst.n++
}

// lruDel takes f off its list (list_del); Frame.lru becomes 0.
func (m *Machine) lruDel(f FrameID) {
	fr := &m.pm.frames[f]
	lst := &m.rs.lists[fr.lru]
	if fr.lruPrev != 0 {
		m.pm.frames[fr.lruPrev].lruNext = fr.lruNext
	} else {
		lst.head = fr.lruNext
	}
	if fr.lruNext != 0 {
		m.pm.frames[fr.lruNext].lruPrev = fr.lruPrev
	} else {
		lst.tail = fr.lruPrev
	}
	fr.lru, fr.lruPrev, fr.lruNext = 0, 0, 0
	lst.n--
}

// isolateLRU takes up to n pages off the tail of list l into the reclaim
// batch (isolate_lru_pages).
func (m *Machine) isolateLRU(l uint8, n int) []FrameID {
	batch := m.rs.batch[:0]
	for len(batch) < n {
		f := m.rs.lists[l].tail
		if f == 0 {
			break
		}
		m.lruDel(f)
		batch = append(batch, f)
	}
	m.rs.batch = batch
	return batch
}

// lruZone is the zone's scan state.
type lruZone struct {
	nrScanActive, nrScanInactive int // zone->nr_scan_active, nr_scan_inactive
	prevPriority, tempPriority   int
}

func (z *lruZone) init() { z.prevPriority, z.tempPriority = defPriority, defPriority }

// lruAddTwoList puts a new page on the active or the inactive list.
func (m *Machine) lruAddTwoList(f FrameID, active bool) {
	fr := &m.pm.frames[f]
	if active {
		fr.Flags |= FrameActive
		m.lruPush(listActive, f)
		return
	}
	fr.Flags &^= FrameActive
	m.lruPush(listInactive, f)
}

// markAccessed is mark_page_accessed under the two-list LRU. The other
// policies ignore it: 6.1's only counts accesses through file
// descriptors there (tiers), which the simulator has none of.
func (m *Machine) markAccessed(f FrameID) {
	if m.rs.aging != AgingLRU {
		return
	}
	fr := &m.pm.frames[f]
	switch {
	case fr.Flags&FrameActive == 0 && fr.Flags&FrameReferenced != 0 && fr.lru != 0:
		m.lruDel(f)
		fr.Flags &^= FrameReferenced
		m.lruAddTwoList(f, true)
	case fr.Flags&FrameReferenced == 0:
		fr.Flags |= FrameReferenced
	}
}

// lruReclaim is balance_pgdat asked for n pages: rounds of priorities 12
// down to 0 until n pages are freed or two rounds in a row make no
// progress.
func (m *Machine) lruReclaim(n int) (freed int, err error) {
	z := &m.rs.lru
	idle := 0
	for freed < n && idle < 2 {
		mark := m.rs.progress
		z.tempPriority = defPriority
		for prio := defPriority; prio >= 0 && freed < n; prio-- {
			z.tempPriority = prio
			z.prevPriority = min(z.prevPriority, prio)
			got, err := m.shrinkZone(prio, n-freed)
			freed += got
			if err != nil {
				return freed, err
			}
		}
		z.prevPriority = z.tempPriority
		if m.rs.progress == mark {
			idle++
		} else {
			idle = 0
		}
	}
	return freed, nil
}

// shrinkZone is shrink_zone at one priority: it stops once want pages
// are freed.
func (m *Machine) shrinkZone(prio, want int) (freed int, err error) {
	z := &m.rs.lru
	scanCount := func(acc *int, size int) int {
		*acc += size>>prio + 1
		nr := *acc
		if nr >= swapClusterMax || prio == 0 {
			*acc = 0
			return nr
		}
		return 0
	}
	nrActive := scanCount(&z.nrScanActive, m.rs.lists[listActive].n)
	nrInactive := scanCount(&z.nrScanInactive, m.rs.lists[listInactive].n)
	for (nrActive > 0 || nrInactive > 0) && freed < want {
		if err := m.poll(); err != nil {
			return freed, err
		}
		if nrActive > 0 {
			k := min(nrActive, swapClusterMax)
			nrActive -= k
			if err := m.refillInactive(k); err != nil {
				return freed, err
			}
		}
		if nrInactive > 0 {
			k := min(nrInactive, swapClusterMax)
			nrInactive -= k
			got, err := m.shrinkInactive(min(k, want-freed))
			freed += got
			if err != nil {
				return freed, err
			}
		}
	}
	return freed, nil
}

// reclaimMapped is refill_inactive_zone's decision to deactivate mapped
// pages.
func (m *Machine) reclaimMapped() bool {
	mappedRatio := m.rs.nrMapped * 100 / max(m.pm.inUse, 1)
	distress := 100 >> m.rs.lru.prevPriority
	return mappedRatio/2+distress+vmSwappiness >= 100
}

// refillInactive is refill_inactive_zone for up to n pages of the active
// list's tail.
func (m *Machine) refillInactive(n int) error {
	reclaimMapped := m.reclaimMapped()
	hold := m.isolateLRU(listActive, n)
	for i, f := range hold {
		fr := &m.pm.frames[f]
		if m.PageMapCount(f) > 0 {
			if !reclaimMapped {
				m.lruPush(listActive, f)
				continue
			}
			ref, err := m.pageReferenced(f)
			if err != nil {
				m.putBack(hold[i:])
				return err
			}
			if ref > 0 {
				m.lruPush(listActive, f)
				continue
			}
		}
		fr.Flags &^= FrameActive
		m.lruPush(listInactive, f)
		m.rs.progress++
	}
	return nil
}

// shrinkInactive is shrink_cache with shrink_list for up to n pages of
// the inactive list's tail. It returns the pages freed.
func (m *Machine) shrinkInactive(n int) (freed int, err error) {
	batch := m.isolateLRU(listInactive, n)
	for i, f := range batch {
		ok, err := m.shrinkPage(f)
		if err != nil {
			m.putBack(batch[i:])
			return freed, err
		}
		if ok {
			freed++
			continue
		}
		m.lruAddTwoList(f, m.pm.frames[f].Flags&FrameActive != 0)
	}
	return freed, nil
}

// putBack returns isolated pages to the lists their FrameActive names.
func (m *Machine) putBack(fs []FrameID) {
	for _, f := range fs {
		m.lruAddTwoList(f, m.pm.frames[f].Flags&FrameActive != 0)
	}
}

// shrinkPage is shrink_list for one page. It reports whether the page
// was freed; a page it keeps has FrameActive set if it is to be
// activated.
func (m *Machine) shrinkPage(f FrameID) (bool, error) {
	fr := &m.pm.frames[f]
	if f == m.pinned {
		return false, nil // TestSetPageLocked failed: keep
	}
	m.Stats.PagesScanned++
	referenced, err := m.pageReferenced(f)
	if err != nil {
		return false, err
	}
	if referenced > 0 && m.mappingInUse(fr) {
		fr.Flags |= FrameActive
		return false, nil
	}
	unmapped, young, err := m.unmapForReclaim(f)
	switch {
	case err != nil:
		return false, err
	case young:
		fr.Flags |= FrameActive
		return false, nil
	case !unmapped:
		return false, nil // SWAP_AGAIN: keep
	}
	if fr.Flags&FrameAnon == 0 && fr.Flags&FrameDirty != 0 && referenced > 0 {
		return false, nil
	}
	m.freeEvicted(f)
	return true, nil
}

// mappingInUse is page_mapping_inuse: the page is mapped, or it is a
// page-cache page of a file that some VMA maps.
func (m *Machine) mappingInUse(fr *Frame) bool {
	if fr.MapCount > 0 || m.entireOf(fr) > 0 {
		return true
	}
	if fr.Flags&FrameAnon != 0 {
		return false
	}
	return fr.File.Index.Len() > 0 || len(fr.File.Nonlinear) > 0
}
