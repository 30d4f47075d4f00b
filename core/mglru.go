package core

// The multi-gen LRU of 6.1 (-aging mglru): Yu Zhao's MGLRU, merged for
// 6.1 (mm/vmscan.c "the aging" and "the eviction"; the series' v7 05/12
// "mm: multigenerational LRU: minimal implementation", 2022-02-08, and
// v15 07/14 "mm: multi-gen LRU: exploit locality in rmap", 2022-09-18).
//
// Pages are in generations numbered by sequence: max_seq is the youngest,
// min_seq[type] the oldest of each type (anonymous, file). A page's
// generation is a counter in its flags (Frame.gen = seq % MAX_NR_GENS + 1)
// and it sits on the list of one generation; the aging may raise the
// counter while the page stays on an older list, and the eviction, meeting
// it there, moves it instead of looking at it (sort_folio).
//
//	      max_seq ─────────────┐                       ┌──────── min_seq[type]
//	                           ▼                       ▼
//	faults ──▶ [gen max] [gen max-1] ... [gen min+1] [gen min] ──▶ eviction
//	              ▲   ▲                                   │
//	              │   └ aging: a walk of every mm's page  │ promoted (counter raised): moved on
//	              │     tables (mglru_walk.go) raises the │ PG_referenced (look-around): kept
//	              │     counter of young pages to max_seq │ folio_referenced (rmap walk) finds
//	              │     and clears their accessed bits,   │   a young PTE: rejected; the
//	              │     then max_seq++                    │   look-around promotes its neighbours
//	              └─────────────── rejected ─────────────┘ otherwise try_to_unmap, free
//
// The aging runs when eviction would leave fewer than MIN_NR_GENS (2)
// generations, or, with three, when the youngest holds more than half of
// the pages or the oldest evictable less than a quarter
// (should_run_aging). Eviction (evict_folios) takes up to MIN_LRU_BATCH
// (64) pages at a time from the oldest generation of the type chosen by
// the refault controller (get_type_to_scan with vm_swappiness 60: file
// pages unless they refault more than anonymous ones, weighted 140 to
// 60), and for each mapped page still makes the two rmap walks of 6.1's
// shrink_folio_list: folio_referenced (through folio_check_references)
// and try_to_unmap. What it saves is the pages the aging's page-table
// walk or a look-around promoted: those are moved without any rmap walk.
//
// Left out: tiers and the PID controller's per-tier protection (they
// concern accesses through file descriptors, which the simulator has
// none of; every page here is in tier 0); the controller's moving
// averages (the counts are cumulative); memcgs and nodes (one lruvec);
// the non-leaf PMD accessed bit (the bloom filter is modelled); writeback
// (synchronous, see reclaim.go).

const (
	minNrGens   = 2                // MIN_NR_GENS
	maxNrGens   = 4                // MAX_NR_GENS (CONFIG_NR_LRU_GENS default)
	minLRUBatch = 64               // MIN_LRU_BATCH = BITS_PER_LONG
	maxLRUBatch = minLRUBatch * 64 // MAX_LRU_BATCH

	lruGenAnon = 0 // LRU_GEN_ANON
	lruGenFile = 1 // LRU_GEN_FILE
)

// mglru is struct lru_gen_folio of the one lruvec.
type mglru struct {
	maxSeq  uint64
	minSeq  [2]uint64
	nrPages [maxNrGens][2]int // by generation counter, as lrugen->nr_pages
	filters [2]*bloomFilter   // mglru_walk.go
	// refaulted and evicted feed the type controller.
	refaulted, evicted [2]int64
}

func (g *mglru) init() { g.maxSeq = minNrGens + 1 } // lru_gen_init_lruvec

func genFromSeq(seq uint64) int { return int(seq % maxNrGens) }

// genList is the list of generation gen of a type.
func genList(gen, typ int) uint8 { return uint8(3 + gen*2 + typ) }

func frameType(fr *Frame) int {
	if fr.Flags&FrameAnon != 0 {
		return lruGenAnon
	}
	return lruGenFile
}

func (g *mglru) nrGens(typ int) int { return int(g.maxSeq - g.minSeq[typ] + 1) }

// mgAdd is lru_gen_add_folio for a page added in a fault: the youngest
// generation, at the head of its list.
func (m *Machine) mgAdd(f FrameID) {
	m.mgAddAt(f, m.rs.mg.maxSeq)
}

func (m *Machine) mgAddAt(f FrameID, seq uint64) {
	g := &m.rs.mg
	fr := &m.pm.frames[f]
	gen, typ := genFromSeq(seq), frameType(fr)
	fr.gen = uint8(gen + 1)
	g.nrPages[gen][typ]++
	m.lruPush(genList(gen, typ), f)
}

// mgForget drops a freed page's generation from the sizes.
func (m *Machine) mgForget(f FrameID) {
	fr := &m.pm.frames[f]
	m.rs.mg.nrPages[fr.gen-1][frameType(fr)]--
	fr.gen = 0
}

// mgUpdateGen is folio_update_gen: the aging or a look-around found the
// page young. Its counter becomes gen, in place; a page isolated by
// eviction (no generation) gets PG_referenced instead, for
// shrink_folio_list to keep it.
func (m *Machine) mgUpdateGen(f FrameID, gen int) {
	fr := &m.pm.frames[f]
	if fr.gen == 0 {
		if fr.Flags&FrameInUse != 0 {
			fr.Flags |= FrameReferenced
		}
		return
	}
	old := int(fr.gen - 1)
	if old == gen {
		return
	}
	typ := frameType(fr)
	m.rs.mg.nrPages[old][typ]--
	m.rs.mg.nrPages[gen][typ]++
	fr.gen = uint8(gen + 1)
}

// shouldRunAging is should_run_aging: whether the eviction needs a new
// generation first.
func (g *mglru) shouldRunAging() bool {
	minSeq := min(g.minSeq[lruGenAnon], g.minSeq[lruGenFile])
	if minSeq+minNrGens > g.maxSeq {
		return true // out of cold pages
	}
	if minSeq+minNrGens < g.maxSeq {
		return false
	}
	var young, old, total int
	for typ := 0; typ < 2; typ++ {
		for seq := g.minSeq[typ]; seq <= g.maxSeq; seq++ {
			size := g.nrPages[genFromSeq(seq)][typ]
			total += size
			switch {
			case seq == g.maxSeq:
				young += size
			case seq+minNrGens == g.maxSeq:
				old += size
			}
		}
	}
	return young*minNrGens > total || old*(minNrGens+2) < total
}

// tryIncMinSeq is try_to_inc_min_seq: each type's oldest generations
// whose lists are empty are retired, keeping at least MIN_NR_GENS, and
// the anonymous min_seq may not pass the file one.
func (m *Machine) tryIncMinSeq() {
	g := &m.rs.mg
	minSeq := g.minSeq
	for typ := 0; typ < 2; typ++ {
		for minSeq[typ]+minNrGens <= g.maxSeq && m.rs.lists[genList(genFromSeq(minSeq[typ]), typ)].n == 0 {
			minSeq[typ]++
		}
	}
	minSeq[lruGenAnon] = min(minSeq[lruGenAnon], minSeq[lruGenFile])
	minSeq[lruGenFile] = max(minSeq[lruGenAnon], g.minSeq[lruGenFile])
	g.minSeq = minSeq
}

// incMaxSeq is inc_max_seq: a type that already has MAX_NR_GENS
// generations first folds its oldest into the next (inc_min_seq), then
// max_seq grows by one.
func (m *Machine) incMaxSeq() {
	g := &m.rs.mg
	for typ := 1; typ >= 0; typ-- {
		if g.nrGens(typ) != maxNrGens {
			continue
		}
		oldGen := genFromSeq(g.minSeq[typ])
		newGen := genFromSeq(g.minSeq[typ] + 1)
		l := genList(oldGen, typ)
		for m.rs.lists[l].n > 0 {
			f := m.rs.lists[l].tail
			m.lruDel(f)
			fr := &m.pm.frames[f]
			gen := newGen
			if int(fr.gen-1) != oldGen {
				gen = int(fr.gen - 1) // promoted meanwhile: keep it (folio_inc_gen)
			}
			m.mgUpdateGen(f, gen)
			m.lruPushTail(genList(gen, typ), f)
		}
		g.minSeq[typ]++
	}
	g.maxSeq++
}

// typeToScan is isolate_folios' choice with get_type_to_scan's
// controller at vm_swappiness 60 (positive_ctrl_err on cumulative counts).
func (g *mglru) typeToScan() int {
	if g.minSeq[lruGenAnon] < g.minSeq[lruGenFile] {
		return lruGenAnon
	}
	gain := [2]int64{vmSwappiness, 200 - vmSwappiness}
	sp, pv := lruGenAnon, lruGenFile
	if g.refaulted[pv] < minLRUBatch ||
		g.refaulted[pv]*(g.evicted[sp]+minLRUBatch)*gain[sp] <= (g.refaulted[sp]+1)*g.evicted[pv]*gain[pv] {
		return lruGenFile
	}
	return lruGenAnon
}

// mgScan is scan_folios: from the tail of the oldest generation of typ,
// move promoted pages to their generation's list and isolate the others,
// up to MIN_LRU_BATCH of them (and no more than want, so that `reclaim N`
// frees N). It returns the pages looked at (0 if it isolated none and
// stopped early) and the isolated ones.
func (m *Machine) mgScan(typ, want int) (scanned int, isolated []FrameID) {
	g := &m.rs.mg
	isolated = m.rs.batch[:0]
	if g.nrGens(typ) == minNrGens {
		return 0, isolated
	}
	gen := genFromSeq(g.minSeq[typ])
	l := genList(gen, typ)
	remaining, skipped := maxLRUBatch, 0
	var moved []FrameID
	for m.rs.lists[l].n > 0 {
		f := m.rs.lists[l].tail
		fr := &m.pm.frames[f]
		m.lruDel(f)
		scanned++
		m.Stats.PagesScanned++
		switch {
		case int(fr.gen-1) != gen: // promoted
			m.lruPush(genList(int(fr.gen-1), typ), f)
		case f == m.pinned:
			moved = append(moved, f)
			skipped++
		default: // isolate_folio: lru_gen_del_folio
			g.nrPages[gen][typ]--
			fr.gen = 0
			if fr.Flags&FrameReferenced != 0 {
				fr.Flags &^= FrameReferenced
				m.rs.progress++
			}
			isolated = append(isolated, f)
		}
		if remaining--; remaining == 0 || max(len(isolated), skipped) >= min(minLRUBatch, want) {
			break
		}
	}
	for i := len(moved) - 1; i >= 0; i-- {
		m.lruPush(l, moved[i])
	}
	m.rs.batch = isolated
	if len(isolated) == 0 && remaining > 0 {
		return 0, isolated
	}
	return scanned, isolated
}

// mgEvict is evict_folios: isolate a batch of up to want pages and run
// shrink_folio_list on it. Rejected pages go to the youngest generation.
// It returns the pages freed and looked at.
func (m *Machine) mgEvict(want int) (freed, scanned int, err error) {
	g := &m.rs.mg
	m.tryIncMinSeq()
	typ := g.typeToScan()
	var batch []FrameID
	for i := 0; i < 2; i++ {
		if scanned, batch = m.mgScan(typ, want); scanned > 0 {
			break
		}
		typ = 1 - typ
	}
	for i, f := range batch {
		ok, err := m.mgShrinkPage(f)
		if err != nil {
			for _, rest := range batch[i:] {
				m.mgAdd(rest)
			}
			return freed, scanned, err
		}
		if ok {
			freed++
			continue
		}
		// Rejected: PG_active, so lru_gen_add_folio puts it in max_seq.
		m.pm.frames[f].Flags &^= FrameReferenced
		m.mgAdd(f)
	}
	m.tryIncMinSeq()
	return freed, scanned, nil
}

// mgShrinkPage is 6.1's shrink_folio_list for one isolated page.
func (m *Machine) mgShrinkPage(f FrameID) (bool, error) {
	fr := &m.pm.frames[f]
	if m.PageMapCount(f) > 0 {
		// folio_update_gen() tried to promote this page (a look-around
		// found it young while it was isolated): keep it.
		if fr.Flags&FrameReferenced != 0 {
			return false, nil
		}
		// folio_check_references: folio_referenced's rmap walk.
		young, err := m.referencedWalk(f)
		if err != nil || young > 0 {
			return false, err
		}
	}
	unmapped, _, err := m.unmapForReclaim(f)
	if err != nil || !unmapped {
		return false, err
	}
	m.freeEvicted(f)
	return true, nil
}

// mgReclaim evicts n pages, aging when the eviction needs it. It stops
// when MAX_NR_GENS rounds (from one aging to the next) in a row make no
// progress: by then every page has been through the oldest generation.
func (m *Machine) mgReclaim(n int) (freed int, err error) {
	g := &m.rs.mg
	idle, mark := 0, m.rs.progress
	// age runs the aging unless MAX_NR_GENS rounds made no progress.
	age := func() (bool, error) {
		if m.rs.progress == mark {
			if idle++; idle >= maxNrGens {
				return false, nil
			}
		} else {
			idle = 0
		}
		mark = m.rs.progress
		return true, m.mgAge()
	}
	for freed < n {
		if err := m.poll(); err != nil {
			return freed, err
		}
		m.tryIncMinSeq()
		if g.shouldRunAging() {
			if ok, err := age(); !ok || err != nil {
				return freed, err
			}
		}
		got, scanned, err := m.mgEvict(n - freed)
		freed += got
		if err != nil {
			return freed, err
		}
		if scanned == 0 {
			if ok, err := age(); !ok || err != nil {
				return freed, err
			}
		}
	}
	return freed, nil
}
