package core

// Merging and unmerging pages (try_to_merge_with_ksm_page,
// try_to_merge_one_page, write_protect_page, replace_page, break_cow and
// break_ksm; ksm.go has the overview).
//
// To merge the page at an rmap_item's address with a KSM page, ksmd
// write-protects the PTE (clearing the dirty bit into the page), then
// points it at the KSM page, read-only and old (replace_page: the
// strategy's page_add_anon_rmap of the KSM page, then page_remove_rmap of
// the page it replaces, which is freed if nothing maps it any more). To
// merge two pages found in the unstable tree, the first is made a KSM page
// in place and the second pointed at it. The rmap_item then keeps the
// strategy's anonymous object of the VMA (KSMLinker). A write to a KSM
// page copies it (do_wp_page never reuses a KSM page); MADV_UNMERGEABLE
// and mremap copy every KSM page of their range the same way (break_ksm).

// ksmMergeableVMA is find_mergeable_vma: the VM_MERGEABLE VMA of mm at
// addr that has an anon_vma, or nil.
func (m *Machine) ksmMergeableVMA(mm *MM, addr uint64) *VMA {
	v := mm.FindVMA(addr)
	if v == nil || !v.Mergeable || !m.hasAnonState(v) {
		return nil
	}
	return v
}

// ksmPTE returns the address of the PTE of addr in mm and the PTE, or 0
// if no page table covers addr. ksmd's look-ups are not reverse walks:
// they count nowhere.
func (m *Machine) ksmPTE(mm *MM, addr uint64) (PTEAddr, PTE) {
	return m.entryAt(mm, addr)
}

// ksmMergeablePage is get_mergeable_page: the anonymous page at the
// rmap_item's address, if it is still in a VMA ksmd may merge in.
func (m *Machine) ksmMergeablePage(it *rmapItem) FrameID {
	if m.ksmMergeableVMA(it.mm, it.addr) == nil {
		return 0
	}
	_, p := m.ksmPTE(it.mm, it.addr)
	if f := p.Frame(); p.Present() && f != ZeroFrame && m.pm.frames[f].Flags&FrameAnon != 0 {
		return f
	}
	return 0
}

// ksmMergeWithKsmPage is try_to_merge_with_ksm_page: page, mapped at the
// rmap_item's address, becomes kpage there (kpage 0: becomes a KSM page
// itself), and the rmap_item leaves its tree and keeps the strategy's
// anonymous object. The strategy is asked for that object first, so
// that a strategy that cannot find KSM pages refuses before anything
// changes.
func (m *Machine) ksmMergeWithKsmPage(it *rmapItem, page, kpage FrameID) bool {
	v := m.ksmMergeableVMA(it.mm, it.addr)
	if v == nil {
		return false
	}
	linker, ok := m.rm.(KSMLinker)
	if !ok {
		return false
	}
	anon, ok := linker.KSMLink(v)
	if !ok {
		return false
	}
	if !m.ksmMergeOne(v, it.addr, page, kpage) {
		if anon != nil {
			linker.KSMUnlink(anon)
		}
		return false
	}
	m.ksmRemoveItem(it)
	it.anon = anon
	return true
}

// ksmMergeOne is try_to_merge_one_page.
func (m *Machine) ksmMergeOne(v *VMA, addr uint64, page, kpage FrameID) bool {
	if page == kpage {
		return true // a KSM page forked
	}
	m.splitFolio(page) // try_to_merge_one_page's split_huge_page (folio.go)
	fr := &m.pm.frames[page]
	if fr.Flags&FrameAnon == 0 {
		return false
	}
	if kpage == 0 && fr.MapCount != 1 {
		return false // not in place while mapped elsewhere too (ksm.go)
	}
	a, ok := m.ksmWriteProtect(v, addr, page)
	if !ok {
		return false
	}
	if kpage == 0 {
		// The page becomes a KSM page (set_page_stable_node(page, NULL);
		// ksmStableInsert gives it its node). Reclaim must write it out.
		fr.Flags |= FrameKsm | FrameDirty
		fr.Anon = nil
		return true
	}
	if m.pm.frames[kpage].Content != fr.Content {
		return false // pages_identical
	}
	m.ksmReplacePage(v, addr, a, page, kpage)
	return true
}

// ksmWriteProtect is write_protect_page: the PTE of addr in v, which must
// map page, loses its write and dirty bits (the dirt goes to the page).
func (m *Machine) ksmWriteProtect(v *VMA, addr uint64, page FrameID) (PTEAddr, bool) {
	a, p := m.ksmPTE(v.MM, addr)
	if !p.Present() || p.Frame() != page {
		return 0, false
	}
	if p.Writable() || p.Dirty() {
		if p.Dirty() {
			m.pm.frames[page].Flags |= FrameDirty
		}
		*m.pt.pte(a) = p &^ (pteWrite | pteDirty)
	}
	return a, true
}

// ksmReplacePage is replace_page: the PTE at a (addr in v) maps kpage
// instead of page, read-only and old; page is freed if nothing else maps
// it (with its swap slot, if no swap PTE refers to it: try_to_free_swap).
func (m *Machine) ksmReplacePage(v *VMA, addr uint64, a PTEAddr, page, kpage FrameID) {
	m.pt.set(a, mkPTE(kpage, false)&^pteAccessed)
	m.rmapCalls(1)
	m.hookPage(kpage)
	if !m.rm.PageAdd(v, MapRef{Frame: kpage, PTE: a, Addr: addr}, AddKsm) {
		panic("core: ksm: a strategy refused a KSM page in a VMA it linked")
	}
	m.mapCountUp(&m.pm.frames[kpage])
	fr := &m.pm.frames[page]
	m.mapCountDown(fr)
	m.one[0] = MapRef{Frame: page, PTE: a, Addr: addr}
	m.rmapCalls(1)
	m.hookPage(page)
	m.rm.PagesRemove(v, m.one[:])
	m.freeSwapAndPut(page)
}

// ksmMergeTwo is try_to_merge_two_pages: page (at it's address) becomes a
// KSM page and treePage (at tree's) is pointed at it. It returns the KSM
// page, or 0; if only the first step worked, it is undone (break_cow).
func (m *Machine) ksmMergeTwo(it *rmapItem, page FrameID, tree *rmapItem, treePage FrameID) (FrameID, error) {
	if !m.ksmMergeWithKsmPage(it, page, 0) {
		return 0, nil
	}
	if !m.ksmMergeWithKsmPage(tree, treePage, page) {
		m.ksm.progress++ // a KSM page made, and broken again
		m.ksmUnlinkAnon(it)
		if v := m.ksmMergeableVMA(it.mm, it.addr); v != nil {
			return 0, m.ksmBreak(v, it.addr)
		}
		return 0, nil
	}
	return page, nil
}

// ksmBreak is break_ksm: if addr in v maps a KSM page, a write fault
// copies it to a private page of the same content (writable only if v
// is).
func (m *Machine) ksmBreak(v *VMA, addr uint64) error {
	a, p := m.ksmPTE(v.MM, addr)
	f := p.Frame()
	if !p.Present() || m.pm.frames[f].Flags&FrameKsm == 0 {
		return nil
	}
	return m.breakCOW(v, addr, a, f, m.pm.frames[f].Content)
}

// ksmUnmerge is unmerge_ksm_pages over [start, end) of v.
func (m *Machine) ksmUnmerge(v *VMA, start, end uint64) error {
	var ksm []uint64
	m.ScanRange(v, start, end, func(addr uint64, _ PTEAddr, p PTE) bool {
		if m.pm.frames[p.Frame()].Flags&FrameKsm != 0 {
			ksm = append(ksm, addr)
		}
		return true
	})
	for _, addr := range ksm {
		if err := m.ksmBreak(v, addr); err != nil {
			return err
		}
		if err := m.poll(); err != nil {
			return err
		}
	}
	return nil
}
