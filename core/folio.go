package core

import (
	"fmt"
	"strconv"
)

// Large folios: anonymous memory allocated and mapped in naturally aligned
// runs of 2^order pages, as the kernel's multi-size THP does for anonymous
// memory since 6.8 (Ryan Roberts, "mm: thp: support allocation of
// anonymous multi-size THP", commit 19eaf44954df, 6.8-rc1), mapped by
// PTEs (a 2 MiB folio mapped by one PMD is THP: thp.go).
//
//	-folio 64KiB: the first write fault in an aligned 64 KiB block whose
//	PTEs are all none and which lies inside the VMA
//
//	  VMA  [.........................................)
//	  PTEs  | none | none | ... 16 ... | none |        alloc_anon_folio
//	        ▼                                          (do_anonymous_page)
//	  frames h, h+1, ..., h+15: contiguous, aligned     one folio, head h
//	  all 16 PTEs set at once, writable and young       set_ptes
//	  one rmap call for the run (FolioRmapper), or      folio_add_new_anon_rmap
//	  16 calls of PageAdd (the strategies before 6.8)
//
// Where the block passes the VMA's edge, or one of its PTEs is not none
// (a page mapped, the zero page, a swap entry), the fault tries the next
// smaller size down to one page, as alloc_anon_folio walks its orders; an
// order whose frames cannot be had without reclaim falls back too (the
// simulator has no buddy allocator and no compaction: a folio comes from
// a free folio of its size or from memory never used, physMem.allocRun).
// Read faults still map the zero page, and file pages, COW copies and
// swap-ins are single pages (order 0).
//
// # What a folio carries
//
// The head frame keeps the folio's mapcounts as 6.8 keeps them:
// Frame.MapCount stays the per-page _mapcount of every page, and the head
// adds the large mapcount (the sum of its pages' mapcounts:
// folio->_large_mapcount, 6.10, commit 05c5323b2a34, "mm: track
// mapcount of large folios in single value"; before it the sum was
// computed by folio_mapcount) and the entire mapcount (the PMD mappings,
// folio->_entire_mapcount; only THP's PMD-mapped 2 MiB folios have one,
// thp.go).
// Verification checks both (rule 5, verify.go).
//
// # Splitting
//
// Nothing splits a folio where the kernel would not. An unmap that leaves
// part of a folio mapped (munmap, MADV_DONTNEED, a COW copy replacing one
// page) puts it on the deferred split queue, as __folio_remove_rmap does
// when the folio becomes partially mapped (6.8); its unmapped pages stay
// allocated until the folio is split or wholly unmapped. The queue is
// run (deferred_split_scan) at the start of every reclaim, which then
// frees those pages. mprotect and mremap of part of a folio split VMAs
// and move PTEs, but leave the PTE-mapped folio whole, as 6.8 does. A
// folio is split at once where the kernel's code needs a small page:
// reclaim splits a large folio before unmapping it (shrink_folio_list
// splits an anonymous large folio before add_to_swap until 6.10's mTHP
// swap-out, commit 845982eb264b), and so do migration (the simulator
// moves one page at a time) and KSM (try_to_merge_one_page's
// split_huge_page). A split turns every page into a folio of one page;
// per-page state (mapping, index, mapcount) is already per page.
//
// # The rmap interface
//
// A strategy that implements FolioRmapper is called once per run of PTEs
// mapping consecutive pages of one folio, at the three places where 6.8
// and 6.9 batch: the fault that maps a new folio, fork's copy
// (copy_present_ptes with folio_try_dup_anon_rmap_ptes, 6.9) and zap
// (zap_present_ptes with folio_remove_rmap_ptes, 6.9), and once per PMD
// mapping of a THP (thp.go). Every other strategy is called per PTE, as
// its era's kernel did whatever the size of the folio. rmap-calls/OP
// counts the calls either way (work.go).

// MaxFolioOrder is the largest folio: 2 MiB, a PMD's worth of pages.
const MaxFolioOrder = 9

// FolioOrder returns the order of a folio of size bytes: a power of two
// from the page size (4 KiB) to 2 MiB.
func FolioOrder(size int64) (uint8, error) {
	for o := uint8(0); o <= MaxFolioOrder; o++ {
		if size == int64(PageSize)<<o {
			return o, nil
		}
	}
	return 0, fmt.Errorf("folio size %d: want a power of two from 4KiB to 2MiB", size)
}

// folioOrderOf is the machine's folio order: Options["folio"], a size in
// bytes (the command checks it), else order 0.
func folioOrderOf(cfg Config) uint8 {
	s, ok := cfg.Options["folio"]
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic("core: folio: " + err.Error())
	}
	o, err := FolioOrder(n)
	if err != nil {
		panic("core: " + err.Error())
	}
	return o
}

// SetFolioSize changes the size of the folios that later anonymous faults
// allocate (the trace's `folio SIZE`, the sysfs switch
// hugepages-<size>kB/enabled). Folios already allocated keep theirs.
func (m *Machine) SetFolioSize(size int64) error {
	o, err := FolioOrder(size)
	if err != nil {
		return inputErr("%v", err)
	}
	m.folioOrder = o
	return nil
}

// FolioSize returns the size of the folios anonymous faults allocate now.
func (m *Machine) FolioSize() int64 { return int64(PageSize) << m.folioOrder }

// Folio returns the folio f belongs to: its head frame and its number of
// pages (f itself and 1 for a page that is its own folio).
func (m *Machine) Folio(f FrameID) (head FrameID, nr int) {
	fr := &m.pm.frames[f]
	if fr.folio == 0 {
		return f, 1
	}
	return fr.folio, 1 << m.pm.frames[fr.folio].order
}

// FolioMapCount is folio_mapcount: the PTEs mapping any page of f's
// folio (the large mapcount) plus the PMDs mapping it (the entire
// mapcount, thp.go). For a single page, its MapCount.
func (m *Machine) FolioMapCount(f FrameID) int32 {
	fr := &m.pm.frames[f]
	if fr.folio == 0 {
		return fr.MapCount
	}
	h := &m.pm.frames[fr.folio]
	return h.largeMap + h.entireMap
}

// FolioRmapper is implemented by strategies of the folio era (6.8+),
// whose rmap interface takes a run of PTEs of one folio: refs map
// consecutive pages of one folio at consecutive addresses of one VMA
// (nr >= 1). A PMD mapping of a THP (thp.go) is a run of its 512 pages
// whose refs all name the PMD entry (folio_add_new_anon_rmap,
// folio_try_dup_anon_rmap_pmd, folio_remove_rmap_pmd); only strategies
// implementing FolioRmapper get PMD mappings (THPSupported). The MMU calls them instead of PageAdd, PagesDup and
// PagesRemove where 6.8 and 6.9 batch, and counts one rmap call per run.
// The rules of Rmapper hold for each frame of the run: MapCount is
// raised after the adding hooks and lowered before the removing one.
type FolioRmapper interface {
	// FolioAddPTEs is folio_add_new_anon_rmap (a fault's new folio,
	// kind AddAnon): it cannot refuse.
	FolioAddPTEs(v *VMA, refs []MapRef, kind AddKind)
	// FolioDupPTEs is folio_try_dup_anon_rmap_ptes or
	// folio_dup_file_rmap_ptes at fork (6.9's copy_present_ptes).
	FolioDupPTEs(child *VMA, refs []MapRef)
	// FolioRemovePTEs is folio_remove_rmap_ptes at zap (6.9's
	// zap_present_ptes).
	FolioRemovePTEs(v *VMA, refs []MapRef)
}

// forRuns calls fn for each run of refs that maps consecutive pages of
// one folio at consecutive addresses (folio_pte_batch). A page that is
// its own folio is a run of one.
func (m *Machine) forRuns(refs []MapRef, fn func(run []MapRef)) {
	for i := 0; i < len(refs); {
		j := i + 1
		if h := m.pm.frames[refs[i].Frame].folio; h != 0 {
			for j < len(refs) && m.pm.frames[refs[j].Frame].folio == h &&
				refs[j].Frame == refs[j-1].Frame+1 && refs[j].Addr == refs[j-1].Addr+PageSize {
				j++
			}
		}
		fn(refs[i:j])
		i = j
	}
}

// dupRmap tells the strategy of PTEs fork just copied into child: per
// run of a folio for a FolioRmapper, per PTE for the others.
func (m *Machine) dupRmap(child *VMA, refs []MapRef) {
	m.hookPages(refs)
	fr, ok := m.rm.(FolioRmapper)
	if !ok {
		m.rmapCalls(len(refs))
		m.rm.PagesDup(child, refs)
		return
	}
	m.forRuns(refs, func(run []MapRef) {
		m.rmapCalls(1)
		fr.FolioDupPTEs(child, run)
	})
}

// removeRmap tells the strategy of PTEs of v a zap just cleared.
func (m *Machine) removeRmap(v *VMA, refs []MapRef) {
	m.hookPages(refs)
	fr, ok := m.rm.(FolioRmapper)
	if !ok {
		m.rmapCalls(len(refs))
		m.rm.PagesRemove(v, refs)
		return
	}
	m.forRuns(refs, func(run []MapRef) {
		m.rmapCalls(1)
		fr.FolioRemovePTEs(v, run)
	})
}

// anonFolioFault is do_anonymous_page's large-folio path for a write
// fault at addr (PTE table leaf): it maps the largest folio, up to the
// machine's order, that fits and whose PTEs are none, and reports false
// if none above one page does.
func (m *Machine) anonFolioFault(v *VMA, addr uint64, leaf tableID, content uint64) (bool, error) {
	for o := m.folioOrder; o > 0; o-- {
		nr := 1 << o
		span := uint64(nr) * PageSize
		start := addr &^ (span - 1)
		if start < v.Start || start+span > v.End || !m.ptesNone(leaf, levelIndex(start, 0), nr) {
			continue
		}
		m.anonPrepare(v)
		head, ok := m.pm.allocRun(o)
		if !ok {
			continue
		}
		m.Space.hold(InPage, int64(nr))
		m.Stats.FolioAllocs++
		refs := make([]MapRef, nr)
		slot := levelIndex(start, 0)
		for i := range nr {
			f := head + FrameID(i)
			fr := &m.pm.frames[f]
			fr.Flags |= FrameAnon
			fr.folio = head
			a := start + uint64(i)*PageSize
			if a == addr {
				fr.Content = m.written(content)
			} else {
				fr.Content = m.written(contentFresh) // zeroed: a content of its own
			}
			m.lruAdd(f, true)
			refs[i] = MapRef{Frame: f, PTE: makePTEAddr(leaf, slot+i), Addr: a}
		}
		m.pm.frames[head].order = o
		m.markAccessed(head + FrameID((addr-start)/PageSize))
		frm, batched := m.rm.(FolioRmapper)
		if !batched {
			for i, r := range refs {
				if err := m.mapPage(v, r.Addr, r.PTE, r.Frame, true, AddAnon); err != nil {
					for _, rest := range refs[i:] {
						m.putAnonIfUnused(rest.Frame)
					}
					return true, err
				}
			}
			return true, nil
		}
		for _, r := range refs {
			m.pt.set(r.PTE, mkPTE(r.Frame, true))
		}
		m.rmapCalls(1)
		m.hookPages(refs)
		frm.FolioAddPTEs(v, refs, AddAnon)
		for _, r := range refs {
			m.mapCountUp(&m.pm.frames[r.Frame])
		}
		m.addMapped(int64(nr))
		v.MM.RSS += int64(nr)
		return true, nil
	}
	return false, nil
}

// ptesNone reports whether the nr PTEs of table t from slot are all none
// (pte_range_none).
func (m *Machine) ptesNone(t tableID, slot, nr int) bool {
	tab := m.pt.tables[t]
	for i := slot; i < slot+nr; i++ {
		if tab[i] != 0 {
			return false
		}
	}
	return true
}

// holdFolioPage is freeFrame for a page of a large folio: the page stays
// allocated (the folio holds it) and, if other pages are still mapped,
// the folio goes on the deferred split queue; once every page of the
// folio is unused, the whole folio is freed. It reports whether it took care of f (false: f is
// no longer in a large folio).
func (m *Machine) holdFolioPage(f FrameID) bool {
	fr := &m.pm.frames[f]
	if fr.folio == 0 {
		return false
	}
	head, nr := m.Folio(f)
	h := &m.pm.frames[head]
	if fr.Flags&frameHeld == 0 {
		fr.Flags |= frameHeld
		h.held++
	}
	if int(h.held) < nr {
		// Partially mapped: queue it (deferred_split_folio). A folio
		// no PTE maps any more is being unmapped whole, and is freed
		// when its last page comes here.
		if h.largeMap > 0 && h.Flags&frameDeferred == 0 {
			h.Flags |= frameDeferred
			m.deferred = append(m.deferred, head)
		}
		return true
	}
	order := h.order // before the frames are cleared
	for i := range nr {
		g := head + FrameID(i)
		m.lruForget(g)
		m.pm.frames[g] = Frame{}
	}
	m.pm.releaseRun(head, order, nr)
	m.Space.hold(InPage, -int64(nr))
	return true
}

// splitFolio is split_folio for the folio of f: every page becomes a
// folio of its own, and the pages the folio held unmapped are freed.
// Nothing happens to a page that is its own folio.
func (m *Machine) splitFolio(f FrameID) {
	if m.pm.frames[f].folio == 0 {
		return
	}
	head, nr := m.Folio(f)
	m.splitFolioPMDs(head)
	m.Stats.FolioSplits++
	for i := range nr {
		fr := &m.pm.frames[head+FrameID(i)]
		fr.folio, fr.order, fr.largeMap, fr.entireMap, fr.held = 0, 0, 0, 0, 0
		fr.Flags &^= frameDeferred
	}
	for i := range nr {
		g := head + FrameID(i)
		if m.pm.frames[g].Flags&frameHeld != 0 {
			m.pm.frames[g].Flags &^= frameHeld
			m.freeFrame(g)
		}
	}
}

// deferredSplitScan is deferred_split_scan, run at the start of reclaim:
// every folio left partially mapped is split and its unmapped pages
// freed.
func (m *Machine) deferredSplitScan() {
	q := m.deferred
	m.deferred = nil
	for _, head := range q {
		if m.pm.frames[head].Flags&frameDeferred != 0 {
			m.Stats.FolioDeferred++
			m.splitFolio(head)
		}
	}
}

// checkFolio is rule 5 for the folio whose head is h: its pages are in
// use, anonymous and point at h, its large mapcount is the sum of their
// mapcounts and its entire mapcount is not negative, and 0 unless the
// folio is a PMD's 2 MiB (rule 3 checks the entire mapcount against the
// PMDs, through PageMapCount).
func (m *Machine) checkFolio(h FrameID) error {
	hf := &m.pm.frames[h]
	nr := 1 << hf.order
	if int(h)%nr != 0 || int(h)+nr > len(m.pm.frames) {
		return &VerifyError{Rule: 5, Frame: h, Msg: fmt.Sprintf("a folio of %d pages is not naturally aligned in memory", nr)}
	}
	var sum int32
	for i := range nr {
		fr := &m.pm.frames[h+FrameID(i)]
		if fr.Flags&(FrameInUse|FrameAnon) != FrameInUse|FrameAnon || fr.folio != h {
			return &VerifyError{Rule: 5, Frame: h + FrameID(i), Msg: fmt.Sprintf("page %d of the folio at frame %d is not an anonymous page of it", i, h)}
		}
		sum += fr.MapCount
	}
	if hf.largeMap != sum || hf.entireMap < 0 || hf.entireMap > 0 && nr != pmdPages {
		return &VerifyError{Rule: 5, Frame: h, Msg: fmt.Sprintf("folio of %d pages: large mapcount %d, entire mapcount %d, but its pages' mapcounts sum to %d", nr, hf.largeMap, hf.entireMap, sum)}
	}
	return nil
}

// allocRun allocates 2^order contiguous frames, naturally aligned: a free
// folio of that size, else frames never used (the frames skipped to align
// go to the free list). It reports false when neither is left.
func (pm *physMem) allocRun(order uint8) (FrameID, bool) {
	nr := 1 << order
	var head FrameID
	if l := pm.freeRuns[order]; len(l) > 0 {
		head = l[len(l)-1]
		pm.freeRuns[order] = l[:len(l)-1]
	} else {
		base := (len(pm.frames) + nr - 1) &^ (nr - 1)
		if base+nr > pm.limit {
			return 0, false
		}
		for len(pm.frames) < base {
			pm.free = append(pm.free, FrameID(len(pm.frames)))
			pm.frames = append(pm.frames, Frame{})
		}
		head = FrameID(base)
		pm.frames = append(pm.frames, make([]Frame, nr)...)
	}
	for i := range nr {
		pm.frames[head+FrameID(i)] = Frame{Flags: FrameInUse}
	}
	pm.inUse += nr
	return head, true
}

// releaseRun returns a whole folio to the free folios of its size.
func (pm *physMem) releaseRun(head FrameID, order uint8, nr int) {
	pm.freeRuns[order] = append(pm.freeRuns[order], head)
	pm.inUse -= nr
}

// breakRun makes the frames of a free folio single free frames, for an
// allocation of one page when nothing else is free.
func (pm *physMem) breakRun() bool {
	for o := range pm.freeRuns {
		if l := pm.freeRuns[o]; len(l) > 0 {
			head := l[len(l)-1]
			pm.freeRuns[o] = l[:len(l)-1]
			for i := range 1 << o {
				pm.free = append(pm.free, head+FrameID(i))
			}
			return true
		}
	}
	return false
}
