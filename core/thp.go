package core

import "fmt"

// THP: 2 MiB anonymous folios mapped by one PMD entry (transparent huge
// pages, Andrea Arcangeli, 2.6.38, commit 71e3aac0724f "thp: transparent
// hugepage core"; do_huge_pmd_anonymous_page). With -thp always:
//
//	a write fault at addr in a private anonymous VMA, where the 2 MiB
//	aligned range around addr lies inside the VMA and its PMD slot is
//	empty (no PTE table, no PMD leaf)
//
//	  PGD ─▶ PUD ─▶ PMD table                      folio of 512 pages
//	                ┌──────────────┐               (order 9, allocRun)
//	                │ slot i: leaf ├──────────────▶ head h, h+1 … h+511
//	                └──────────────┘
//	  the entry at level 1 is a PMD leaf (PTE.Huge): the head's frame and
//	  the present, write, accessed and dirty bits, and no PTE table
//	  beneath. The folio's entire mapcount counts its PMD mappings; the
//	  per-page mapcounts do not change (folio_mapcount = large + entire,
//	  a page's page_mapcount is its _mapcount + entire: PageMapCount).
//
// Only a strategy whose rmap interface has the PMD calls gets PMD
// mappings: a FolioRmapper (anonvma-folio), called once per PMD mapping
// with the run of 512 refs, every ref naming the PMD entry, at the fault
// (folio_add_new_anon_rmap), at fork (copy_huge_pmd with
// folio_try_dup_anon_rmap_pmd, 6.8, commit 96c772c25c1a "mm/rmap:
// introduce folio_try_dup_anon_rmap_[pte|ptes|pmd]") and at zap
// (zap_huge_pmd with folio_remove_rmap_pmd, 6.8). rmap-calls counts one
// call for each. The older strategies are called as their era's code
// would not be for these structures (anonvma and anonvma-avc had THP from
// 2.6.38 on, through the compound page's page_add_new_anon_rmap, which the
// simulator does not model): with them -thp always changes nothing, and
// anonymous faults map PTEs as -folio says (Stats.THPMaps stays 0;
// `rmapbench list` says which strategies map PMDs).
//
// # Splitting the PMD
//
// A PMD becomes 512 PTEs in a new PTE table (__split_huge_pmd), writable,
// young and dirty as the PMD was, every page's mapcount raised and the
// entire mapcount lowered: where an operation cuts through a PMD (munmap,
// MADV_DONTNEED or a VMA split by mprotect, mlock or mremap: zap's edges
// and split_vma's vma_adjust_trans_huge), on a write to a PMD that fork
// made read-only (do_huge_pmd_wp_page falls back to the PTEs), before
// mremap and migration of a range (the kernel moves an aligned PMD whole,
// move_huge_pmd and thp_migration; the simulator splits), and when the
// folio itself is split (reclaim, migration, KSM: split_huge_page finds
// every PMD mapping through the strategy's rmap walk and splits it, as
// unmap_folio's try_to_unmap with TTU_SPLIT_HUGE_PMD does). A PMD split
// calls no rmap hook: 2.6.38 - 6.7 moved only the mapcounts
// (__split_huge_pmd_locked), and 6.8's folio_add_anon_rmap_ptes on a
// folio already anonymous changes no rmap structure. mprotect of a whole
// PMD write-protects the PMD (change_huge_pmd).
//
// # Walks
//
// page_vma_mapped_walk's PMD case: LookupPTE and CheckAddress return the
// PMD entry for an address inside a PMD leaf (CheckAddress matches page
// h+k at the PMD's start plus k pages), ScanRange hands fn each page of
// the leaf with the PMD's address, ReferencedOne tests and clears the
// PMD's accessed bit (pmdp_clear_flush_young), and UnmapOne splits the
// PMD first (try_to_unmap_one's split_huge_pmd_address). The oracle and
// the shadow count a PMD leaf as one mapping of each of its 512 pages.
// Simplified: no huge zero page (a read fault maps the 4 KiB zero page,
// and the range then stays PTE-mapped), no khugepaged collapse, no PMD
// swap-out, and the multi-gen LRU's page-table walk skips PMD leaves
// (6.1's walk_pmd_range ages them).

// pmdPages is the number of pages a PMD leaf maps.
const pmdPages = 1 << MaxFolioOrder

// thpOf reads Options["thp"]: "always" enables THP.
func thpOf(cfg Config) bool { return cfg.Options["thp"] == "always" }

// SetTHP is the trace's `thp always|never` (the sysfs switch
// transparent_hugepage/enabled): later anonymous faults map 2 MiB folios
// by PMD where they can.
func (m *Machine) SetTHP(always bool) { m.thp = always }

// THP reports whether THP is enabled (-thp always).
func (m *Machine) THP() bool { return m.thp }

// THPSupported reports whether rm maps THP by PMD: a strategy with the
// folio rmap interface (FolioRmapper).
func THPSupported(rm Rmapper) bool {
	_, ok := rm.(FolioRmapper)
	return ok
}

// entireOf is the entire mapcount of fr's folio (0 for a small page).
func (m *Machine) entireOf(fr *Frame) int32 {
	if fr.folio == 0 {
		return 0
	}
	return m.pm.frames[fr.folio].entireMap
}

// PageMapCount is page_mapcount: the PTEs mapping f, plus the PMDs
// mapping its folio.
func (m *Machine) PageMapCount(f FrameID) int32 {
	fr := &m.pm.frames[f]
	return fr.MapCount + m.entireOf(fr)
}

// pmdRefs fills the machine's run of 512 refs for the PMD entry pa
// mapping the folio at head from addr base.
func (m *Machine) pmdRefs(pa PTEAddr, head FrameID, base uint64) []MapRef {
	if m.thpRefs == nil {
		m.thpRefs = make([]MapRef, pmdPages)
	}
	for i := range m.thpRefs {
		m.thpRefs[i] = MapRef{Frame: head + FrameID(i), PTE: pa, Addr: base + uint64(i)*PageSize}
	}
	return m.thpRefs
}

// setPMD writes the PMD entry at a, keeping the table's count of used
// entries and the shadow count of the 512 pages.
func (pt *pageTables) setPMD(a PTEAddr, v PTE) {
	p := pt.pte(a)
	if s := pt.shadow; s != nil {
		if p.Present() {
			for i := range pmdPages {
				s.pm.frames[p.Frame()+FrameID(i)].ptes--
			}
			s.writes++
		}
		if v.Present() {
			for i := range pmdPages {
				s.pm.frames[v.Frame()+FrameID(i)].ptes++
			}
			s.writes++
		}
	}
	switch {
	case *p == 0 && v != 0:
		pt.meta[a.table()].used++
	case *p != 0 && v == 0:
		pt.meta[a.table()].used--
	}
	*p = v
}

// pmdBase is the first address a PMD entry maps.
func (pt *pageTables) pmdBase(a PTEAddr) uint64 {
	return pt.meta[a.table()].base + uint64(a.slot())<<levelShift(1)
}

// pmdMaps reports whether the PMD leaf p at a maps f at addr (the PMD
// case of page_vma_mapped_walk).
func (pt *pageTables) pmdMaps(a PTEAddr, p PTE, f FrameID, addr uint64) bool {
	return f == p.Frame()+FrameID((addr-pt.pmdBase(a))>>pageShift)
}

// thpFault is do_huge_pmd_anonymous_page for a write fault at addr: it
// reports false, having done nothing, where THP does not apply.
func (m *Machine) thpFault(v *VMA, addr uint64, content uint64) bool {
	if !m.thp || v.File != nil || v.Shared || !THPSupported(m.rm) {
		return false
	}
	start := addr &^ (pteTableSpan - 1)
	if start < v.Start || start+pteTableSpan > v.End {
		return false
	}
	if t := m.pt.pmdTable(v.MM.pgd, addr); t != 0 && m.pt.tables[t][levelIndex(addr, 1)] != 0 {
		return false
	}
	m.anonPrepare(v)
	head, ok := m.pm.allocRun(MaxFolioOrder)
	if !ok {
		return false
	}
	m.Space.hold(InPage, pmdPages)
	m.Stats.FolioAllocs++
	m.Stats.THPMaps++
	for i := range pmdPages {
		f := head + FrameID(i)
		fr := &m.pm.frames[f]
		fr.Flags |= FrameAnon
		fr.folio = head
		if start+uint64(i)*PageSize == addr {
			fr.Content = m.written(content)
		} else {
			fr.Content = m.written(contentFresh)
		}
		m.lruAdd(f, true)
	}
	h := &m.pm.frames[head]
	h.order = MaxFolioOrder
	m.markAccessed(head + FrameID((addr-start)/PageSize))
	pa := makePTEAddr(m.pt.ensurePMDTable(v.MM, addr), levelIndex(addr, 1))
	m.pt.setPMD(pa, mkPTE(head, true)|ptePMD)
	m.pmdLeaves++
	m.ptes(1)
	m.rmapCalls(1)
	m.hookPage(head)
	m.rm.(FolioRmapper).FolioAddPTEs(v, m.pmdRefs(pa, head, start), AddAnon)
	h.entireMap++
	m.rs.nrMapped += pmdPages
	m.addMapped(pmdPages)
	v.MM.RSS += pmdPages
	return true
}

// pmdAccess is an access to addr, which the PMD leaf at pa maps: it
// reports false if the access needs the PTEs (a write to a PMD fork made
// read-only), having split the PMD.
func (m *Machine) pmdAccess(v *VMA, addr uint64, pa PTEAddr, write bool, content uint64) bool {
	p := m.pt.pte(pa)
	switch {
	case !write:
		*p |= pteAccessed
	case p.Writable():
		*p |= pteAccessed | pteDirty
		m.pm.frames[p.Frame()+FrameID((addr-m.pt.pmdBase(pa))>>pageShift)].Content = m.written(content)
	default:
		m.splitPMD(v.MM, addr) // do_huge_pmd_wp_page: fall back to PTEs
		return false
	}
	return true
}

// splitPMD is __split_huge_pmd for the PMD leaf mapping addr in mm, if
// there is one.
func (m *Machine) splitPMD(mm *MM, addr uint64) {
	pa := m.pmdAt(mm.pgd, addr)
	if pa == 0 {
		return
	}
	p := m.PTE(pa)
	head := p.Frame()
	base := m.pt.pmdBase(pa)
	bits := p &^ ptePMD &^ ptePayloadMask
	m.pt.setPMD(pa, 0)
	m.pmdLeaves--
	leaf := m.pt.ensureLeaf(mm, base)
	for i := range pmdPages {
		f := head + FrameID(i)
		m.pt.set(makePTEAddr(leaf, i), PTE(f)<<ptePayloadShift|bits)
		m.mapCountUp(&m.pm.frames[f])
	}
	m.pm.frames[head].entireMap--
	m.ptes(pmdPages)
	m.Stats.THPSplits++
}

// splitPMDEdges splits the PMD leaves that [start, end) of mm covers only
// in part.
func (m *Machine) splitPMDEdges(mm *MM, start, end uint64) {
	if start%pteTableSpan != 0 {
		m.splitPMD(mm, start)
	}
	if end%pteTableSpan != 0 {
		m.splitPMD(mm, end-1)
	}
}

// splitPMDRange splits every PMD leaf overlapping [start, end) of mm.
func (m *Machine) splitPMDRange(mm *MM, start, end uint64) {
	if m.pmdLeaves == 0 {
		return
	}
	var at []uint64
	m.pt.forEachEntry(mm.pgd, start, end, func(tableID, int, int) {}, func(t tableID, slot int) {
		at = append(at, m.pt.pmdBase(makePTEAddr(t, slot)))
	})
	for _, a := range at {
		m.splitPMD(mm, a)
	}
}

// splitFolioPMDs splits every PMD mapping the folio at head, found by the
// strategy's rmap walk (split_huge_page's unmap_folio).
func (m *Machine) splitFolioPMDs(head FrameID) {
	type at struct {
		mm   *MM
		addr uint64
	}
	for m.pm.frames[head].entireMap > 0 {
		var found []at
		m.rm.Walk(head, func(v *VMA, addr uint64) bool {
			if pa := m.pmdAt(v.MM.pgd, addr); pa != 0 && m.PTE(pa).Frame() == head {
				found = append(found, at{v.MM, addr})
			}
			return true
		})
		if len(found) == 0 {
			panic(fmt.Sprintf("core: splitting folio %d: the rmap walk finds none of its %d PMD mappings", head, m.pm.frames[head].entireMap))
		}
		for _, a := range found {
			m.splitPMD(a.mm, a.addr)
		}
	}
}

// copyPMD is copy_huge_pmd: fork copies the PMD leaf at slot of the
// parent's PMD table t into child, write-protecting both for a private
// VMA, the child's old; one rmap call.
func (m *Machine) copyPMD(cv *VMA, t tableID, slot int, cow bool) {
	pa := makePTEAddr(t, slot)
	p := m.pt.pte(pa)
	if cow && p.Writable() {
		*p &^= pteWrite
	}
	c := *p &^ pteAccessed
	if !cow {
		c &^= pteDirty
	}
	base := m.pt.pmdBase(pa)
	ca := makePTEAddr(m.pt.ensurePMDTable(cv.MM, base), slot)
	m.pt.setPMD(ca, c)
	m.pmdLeaves++
	m.ptes(1)
	head := c.Frame()
	m.rmapCalls(1)
	m.hookPage(head)
	m.rm.(FolioRmapper).FolioDupPTEs(cv, m.pmdRefs(ca, head, base))
	m.pm.frames[head].entireMap++
	cv.MM.RSS += pmdPages
	m.addMapped(pmdPages)
}

// zapPMD is zap_huge_pmd: clear the PMD leaf at slot of t in v, tell the
// strategy once, and free the folio if nothing maps it any more.
func (m *Machine) zapPMD(v *VMA, t tableID, slot int) {
	pa := makePTEAddr(t, slot)
	p := m.PTE(pa)
	head := p.Frame()
	base := m.pt.pmdBase(pa)
	m.pt.setPMD(pa, 0)
	m.pmdLeaves--
	m.ptes(1)
	h := &m.pm.frames[head]
	h.entireMap--
	for i := range pmdPages {
		fr := &m.pm.frames[head+FrameID(i)]
		if p.Dirty() {
			fr.Flags |= FrameDirty
		}
		if fr.MapCount == 0 && h.entireMap == 0 {
			m.rs.nrMapped--
		}
	}
	m.mapped -= pmdPages
	v.MM.RSS -= pmdPages
	m.rmapCalls(1)
	m.hookPage(head)
	m.rm.(FolioRmapper).FolioRemovePTEs(v, m.pmdRefs(pa, head, base))
	if h.entireMap == 0 {
		for i := range pmdPages {
			m.freeSwapAndPut(head + FrameID(i))
		}
	}
}

// pmdPage is the PMD leaf p at a seen as the PTE of the page at addr:
// that page's frame, the PMD's bits.
func (pt *pageTables) pmdPage(a PTEAddr, p PTE, addr uint64) PTE {
	f := p.Frame() + FrameID((addr-pt.pmdBase(a))>>pageShift)
	return p&^ptePayloadMask | PTE(f)<<ptePayloadShift
}

// entryAt returns the address of the entry mapping addr in mm and that
// entry as the page's PTE (pmdPage for a PMD leaf), or 0 if no page
// table covers addr.
func (m *Machine) entryAt(mm *MM, addr uint64) (PTEAddr, PTE) {
	if a := m.pmdAt(mm.pgd, addr); a != 0 {
		return a, m.pt.pmdPage(a, m.PTE(a), addr)
	}
	t := m.pt.leaf(mm.pgd, addr)
	if t == 0 {
		return 0, 0
	}
	a := makePTEAddr(t, levelIndex(addr, 0))
	return a, m.PTE(a)
}

// pmdAt returns the address of the PMD leaf mapping addr in the page
// tables under pgd, or 0. It costs nothing while no PMD leaf exists (no
// THP), so that the fault path and every walk's LookupPTE walk the page
// tables once.
func (m *Machine) pmdAt(pgd tableID, addr uint64) PTEAddr {
	if m.pmdLeaves == 0 {
		return 0
	}
	return m.pt.pmdLeaf(pgd, addr)
}
