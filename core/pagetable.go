package core

// Page tables are x86-64 shaped: four levels (PGD, PUD, PMD, PTE table) of
// 512 entries each. Every table of every process lives in one arena owned by
// the Machine, addressed by a tableID, so that a PTE has an address
// (PTEAddr = tableID<<9 | slot) just as the kernel's pte_t * does. That
// address is what pte chains store, and, like pgtable_add_rmap in 2.5/2.6.0,
// the arena remembers for each PTE table which mm it belongs to and which
// virtual address it starts at, so a chain entry leads back to (mm, address)
// without any other lookup.

const (
	pageShift     = 12
	PageSize      = 1 << pageShift
	tableEntries  = 512
	tableBits     = 9
	levels        = 4
	pteTableSpan  = PageSize * tableEntries // 2 MiB mapped by one PTE table
	addrSpaceSize = 1 << 48                 // four levels of 9 bits + 12
	// UserLimit is the end of the user address space (x86-64, 47 bits).
	UserLimit = 1 << 47
)

type tableID uint32

// PTEAddr is the address of a PTE in the page-table arena (pte_addr_t).
// Zero is never a valid PTEAddr.
type PTEAddr uint64

func makePTEAddr(t tableID, slot int) PTEAddr { return PTEAddr(t)<<tableBits | PTEAddr(slot) }
func (a PTEAddr) table() tableID              { return tableID(a >> tableBits) }
func (a PTEAddr) slot() int                   { return int(a & (tableEntries - 1)) }

// tableMeta is what struct page of a page-table page records in the kernel.
type tableMeta struct {
	mm    *MM    // owner (page->mapping of a PT page in 2.6.0)
	base  uint64 // first virtual address the table maps (page->index)
	level uint8  // 0 for a PTE table, 3 for the PGD
	used  uint16 // non-empty entries
}

// pageTables is the arena of all page tables of a Machine.
type pageTables struct {
	tables []*[tableEntries]uint64
	meta   []tableMeta
	free   []tableID
	live   int
	peak   int
	shadow *shadow // with Config.Verify, the count kept at every write (shadow.go)
}

func newPageTables() *pageTables {
	// tableID 0 means "no table"; reserve it.
	return &pageTables{tables: []*[tableEntries]uint64{nil}, meta: []tableMeta{{}}}
}

func (pt *pageTables) alloc(mm *MM, level uint8, base uint64) tableID {
	var t tableID
	if n := len(pt.free); n > 0 {
		t = pt.free[n-1]
		pt.free = pt.free[:n-1]
	} else {
		t = tableID(len(pt.tables))
		pt.tables = append(pt.tables, new([tableEntries]uint64))
		pt.meta = append(pt.meta, tableMeta{})
	}
	pt.meta[t] = tableMeta{mm: mm, base: base, level: level}
	mm.tables++ // budget.go
	pt.live++
	if pt.live > pt.peak {
		pt.peak = pt.live
	}
	return t
}

// release returns an empty table to the arena.
func (pt *pageTables) release(t tableID) {
	if pt.meta[t].used != 0 {
		// Callers empty a table before releasing it; clear what is left so
		// a reused table never carries stale entries.
		*pt.tables[t] = [tableEntries]uint64{}
	}
	pt.meta[t].mm.tables-- // budget.go
	pt.meta[t] = tableMeta{}
	pt.free = append(pt.free, t)
	pt.live--
}

func levelShift(level uint8) uint { return pageShift + tableBits*uint(level) }

func levelIndex(addr uint64, level uint8) int {
	return int(addr>>levelShift(level)) & (tableEntries - 1)
}

// leaf returns the PTE table mapping addr in mm, or 0 if none exists
// (nor where a PMD leaf maps addr: thp.go).
func (pt *pageTables) leaf(pgd tableID, addr uint64) tableID {
	t := pgd
	for level := uint8(levels - 1); level > 0; level-- {
		e := pt.tables[t][levelIndex(addr, level)]
		if e == 0 || PTE(e).Huge() {
			return 0
		}
		t = tableID(e)
	}
	return t
}

// pmdTable returns the PMD table (level 1) covering addr, or 0.
func (pt *pageTables) pmdTable(pgd tableID, addr uint64) tableID {
	t := pgd
	for level := uint8(levels - 1); level > 1; level-- {
		e := pt.tables[t][levelIndex(addr, level)]
		if e == 0 {
			return 0
		}
		t = tableID(e)
	}
	return t
}

// pmdLeaf returns the address of the PMD leaf mapping addr, or 0 if no
// PMD leaf maps it.
func (pt *pageTables) pmdLeaf(pgd tableID, addr uint64) PTEAddr {
	t := pt.pmdTable(pgd, addr)
	if t == 0 {
		return 0
	}
	i := levelIndex(addr, 1)
	if !PTE(pt.tables[t][i]).Huge() {
		return 0
	}
	return makePTEAddr(t, i)
}

// ensurePMDTable returns the PMD table covering addr, allocating missing
// levels above it.
func (pt *pageTables) ensurePMDTable(mm *MM, addr uint64) tableID {
	t := mm.pgd
	for level := uint8(levels - 1); level > 1; level-- {
		idx := levelIndex(addr, level)
		e := pt.tables[t][idx]
		if e == 0 {
			span := uint64(1) << levelShift(level)
			child := pt.alloc(mm, level-1, addr&^(span-1))
			pt.tables[t][idx] = uint64(child)
			pt.meta[t].used++
			e = uint64(child)
		}
		t = tableID(e)
	}
	return t
}

// ensureLeaf returns the PTE table mapping addr, allocating missing levels.
func (pt *pageTables) ensureLeaf(mm *MM, addr uint64) tableID {
	t := pt.ensurePMDTable(mm, addr)
	idx := levelIndex(addr, 1)
	e := pt.tables[t][idx]
	if PTE(e).Huge() {
		panic("core: a PTE table wanted where a PMD leaf maps (split it first)")
	}
	if e == 0 {
		span := uint64(1) << levelShift(1)
		child := pt.alloc(mm, 0, addr&^(span-1))
		pt.tables[t][idx] = uint64(child)
		pt.meta[t].used++
		e = uint64(child)
	}
	return tableID(e)
}

// pte returns a pointer to the PTE at a.
func (pt *pageTables) pte(a PTEAddr) *PTE {
	return (*PTE)(&pt.tables[a.table()][a.slot()])
}

// set stores v at a, keeping the table's count of used entries.
func (pt *pageTables) set(a PTEAddr, v PTE) {
	p := pt.pte(a)
	pt.shadow.note(*p, v)
	switch {
	case *p == 0 && v != 0:
		pt.meta[a.table()].used++
	case *p != 0 && v == 0:
		pt.meta[a.table()].used--
	}
	*p = v
}

// owner returns the mm and virtual address of the PTE at a (ptep_to_mm,
// ptep_to_address).
func (pt *pageTables) owner(a PTEAddr) (*MM, uint64) {
	m := &pt.meta[a.table()]
	return m.mm, m.base + uint64(a.slot())<<levelShift(m.level)
}

// slotRange returns the entries [lo, hi) of a table at level, mapping
// from base, that overlap [start, end).
func slotRange(level uint8, base, start, end uint64) (lo, hi int) {
	shift := levelShift(level)
	span := uint64(1) << shift
	hi = tableEntries
	if start > base {
		lo = int((start - base) >> shift)
	}
	if top := base + span*tableEntries; end < top {
		hi = int((end - base + span - 1) >> shift)
	}
	return lo, hi
}

// forEachLeaf calls fn for every existing PTE table overlapping [start, end)
// with the slot range [lo, hi) of that table inside the range. It skips
// absent subtrees, so its cost is proportional to the tables that exist.
// PMD leaves (thp.go) are skipped.
func (pt *pageTables) forEachLeaf(pgd tableID, start, end uint64, fn func(t tableID, lo, hi int)) {
	pt.walkLevel(pgd, levels-1, 0, start, end, fn, nil)
}

// forEachEntry is forEachLeaf that also calls pmd for every PMD leaf
// overlapping [start, end), with its PMD table and slot.
func (pt *pageTables) forEachEntry(pgd tableID, start, end uint64, fn func(t tableID, lo, hi int), pmd func(t tableID, slot int)) {
	pt.walkLevel(pgd, levels-1, 0, start, end, fn, pmd)
}

func (pt *pageTables) walkLevel(t tableID, level uint8, base, start, end uint64, fn func(t tableID, lo, hi int), pmd func(t tableID, slot int)) {
	span := uint64(1) << levelShift(level)
	lo, hi := slotRange(level, base, start, end)
	if level == 0 {
		fn(t, lo, hi)
		return
	}
	tab := pt.tables[t]
	for i := lo; i < hi; i++ {
		e := tab[i]
		switch {
		case e == 0:
		case PTE(e).Huge():
			if pmd != nil {
				pmd(t, i)
			}
		default:
			pt.walkLevel(tableID(e), level-1, base+uint64(i)*span, start, end, fn, pmd)
		}
	}
}

// pruneEmpty frees the empty tables below t inside [start, end), bottom up,
// as free_pgtables does once a range is unmapped. It reports whether t
// itself became empty.
func (pt *pageTables) pruneEmpty(t tableID, level uint8, base, start, end uint64) bool {
	if level == 0 {
		return pt.meta[t].used == 0
	}
	span := uint64(1) << levelShift(level)
	lo, hi := slotRange(level, base, start, end)
	tab := pt.tables[t]
	for i := lo; i < hi; i++ {
		e := tab[i]
		if e == 0 || PTE(e).Huge() {
			continue
		}
		if pt.pruneEmpty(tableID(e), level-1, base+uint64(i)*span, start, end) {
			pt.release(tableID(e))
			tab[i] = 0
			pt.meta[t].used--
		}
	}
	return pt.meta[t].used == 0
}
