package core

import (
	"fmt"
	"time"
)

// Page migration: the trace's `PID migrate ADDR LEN` (Machine.Migrate),
// move_pages(2) with MPOL_MF_MOVE_ALL. Every resident page mapped in the
// range moves to a new frame through the strategy's own reverse walks,
// as 6.x's migrate_pages does (mm/migrate.c, migrate_folio_unmap and
// migrate_folio_move):
//
//	           old frame f                                new frame g
//	1 isolate  f leaves the LRU; g is allocated
//	2 unmap    try_to_migrate: the strategy's TryToUnmap(f)
//	           while Migrating(); UnmapOne leaves in each
//	           PTE a migration entry (f, write, young,
//	           dirty) instead of a swap entry; MapCount(f)
//	           falls to 0, RSS stays (6.x counts migration
//	           entries in the mm's counters)
//	3 copy     content, PG_dirty and PG_referenced, the   ──▶  same content and flags,
//	           mapping and index (folio_migrate_mapping),       Anon, File, Index; the
//	           the page-cache or swap-cache slot, and the       cache slot names g; the
//	           strategy's own per-page state (PageMigrator)     strategy's state moved
//	4 remap    remove_migration_ptes: the strategy's Walk(g); each
//	           migration entry for f it finds becomes a PTE mapping g
//	5 free f; g goes on the LRU where f's activity puts it
//
// The walk of step 4 runs on the new page, as rmap_walk(dst) does: the
// mapping and index copied in step 3 are what it walks by. While it runs,
// MapCount(g) already counts the entries it is to find (walks that stop
// after MapCount mappings, like anonmm's, find them all), and the MMU's
// page-table checks (CheckAddress, ScanRange) see a migration entry for f
// as a PTE mapping g, which is page_vma_mapped_walk's PVMW_MIGRATION.
//
// Nothing runs concurrently in the simulator, so no fault ever meets a
// migration entry (the kernel's migration_entry_wait): none survives a
// Migrate call. After step 4 the MMU looks at every entry step 2 left; one
// the walk missed is restored by the MMU and Migrate fails with a
// *VerifyError (rule 2), with or without Config.Verify: the strategy's walk
// is broken, and a process would otherwise keep a PTE no fault can
// resolve. Faults, fork, zap and mremap panic on a migration entry.
//
// A page try_to_migrate leaves mapped stays where it is: its entries go
// back to it through the same walk (remove_migration_ptes(src, src)) and
// it counts in Stats.MigrateFails. Only a mapping in a nonlinear VMA can
// stay: "Nonlinear mappings do not use migration entries" (mm/migrate.c,
// 2.6.17 - 3.19), so there UnmapOne unmaps the page as reclaim does and
// the -nonlinear policy decides whether every such mapping goes; a
// process faults the new page back from the page cache.
//
// # History
//
//	2.6.16     Christoph Lameter's migrate_pages (mm/vmscan.c): an anonymous page
//	           went through swap (add_to_swap, try_to_unmap with swap entries, the
//	           new page put in the swap cache in its place), then remove_from_swap
//	           walked its anon_vma and scanned each VMA for the swap entry to map
//	           the new page; file pages were unmapped and faulted back later
//	2.6.17     "Swapless page migration" (mm/migrate.c): migration entries,
//	           try_to_unmap(page, 1) ignoring VM_LOCKED and the accessed bit, and
//	           remove_migration_ptes through the new page's anon_vma list or the
//	           file's i_mmap prio tree; restored PTEs were old (pte_mkold)
//	2.6.33     "ksm: rmap_walk to remove_migration_ptes" (Hugh Dickins): the same
//	           walk for anonymous, file and KSM pages
//	5.14       try_to_migrate split from try_to_unmap ("mm/rmap: split migration
//	           into its own function", Alistair Popple)
//	6.1        the entry keeps the accessed and dirty bits ("mm: remember
//	           young/dirty bit for page migrations", Peter Xu), as here
//
// A KSM page (ksm.go) migrates like any anonymous page: both walks are
// the strategy's, which for a KSM page is rmap_walk_ksm over its stable
// node's rmap_items (KSMWalk), and the stable node moves to the new page.
//
// pte chains (2.5.27 - 2.6.6), 2.4 and anonmm had no migration. Every
// strategy runs it anyway, with what its own structures allow: a pte
// chain keeps its entries (they are the addresses of the same PTEs,
// which now hold migration entries) and the new page takes the chain
// over (PageMigrator); anonmm's page keeps its anonmm and virtual address;
// pagescan scans every page table for the entries, as 2.6.16's
// remove_from_swap scanned VMAs.
//
// # Costs and counters
//
// Each page migrated costs two walks, try_to_migrate's and
// remove_migration_ptes': Stats.MigrateWalks counts them (a page left in
// place adds the walk that puts its entries back) and Stats.MigrateWork
// their VMAs, PTEs and steps, which are also part of Machine.Walk.
// Stats.Migrations counts the pages moved; OpMigrate's time covers the
// whole event, its count the pages moved.

// migration is the state of the page migration in progress.
type migration struct {
	// old is the page being migrated, target the page
	// remove_migration_ptes maps: the new page, or old when the
	// migration fails.
	old, target FrameID
	// unmapping and restoring are set while try_to_migrate and
	// remove_migration_ptes run.
	unmapping, restoring bool
	// entries are the PTEs where try_to_migrate left a migration entry.
	entries []PTEAddr
	// reported is what the remove_migration_ptes walk reported.
	reported []Mapping
	// visit is removeMigrationPTE as a func value, made once.
	visit func(v *VMA, addr uint64) bool
	// at and done are Migrate's buffers.
	at   []PTEAddr
	done map[FrameID]bool
}

// Migrating reports whether the try_to_unmap walk in progress is
// try_to_migrate. Such a walk leaves migration entries (UnmapOne), is
// not stopped by VM_LOCKED (Mlocked) or by the accessed bit
// (UnmapOneIfOld), and must leave the page's own rmap state in place: the
// new page takes it over.
func (m *Machine) Migrating() bool { return m.mig.unmapping }

// Mlocked reports whether try_to_unmap must leave the mappings of v
// alone: v is VM_LOCKED and the walk is reclaim's. Migration moves
// locked pages (2.6.17's try_to_unmap_one skipped the check when
// migrating; TTU_IGNORE_MLOCK later).
func (m *Machine) Mlocked(v *VMA) bool { return v.Locked && !m.mig.unmapping }

// PageMigrator is implemented by strategies that keep per-page state the
// MMU does not copy when a page migrates (it copies Frame.Anon,
// Frame.File and Frame.Index, as folio_migrate_mapping copies mapping and
// index). PageMigrate moves that state from old to new; it is called
// after try_to_migrate and before remove_migration_ptes walks new. A pte
// chain moves its head (Frame.Slot): the chain holds the addresses of the
// same PTEs, which hold migration entries and will map new.
type PageMigrator interface {
	PageMigrate(old, new FrameID)
}

// Migrate moves every resident page mapped in [addr, addr+length) of pid
// to a new frame (move_pages with MPOL_MF_MOVE_ALL: pages other
// processes map move too, and their PTEs with them). Addresses with no
// page, swapped-out pages and the zero page are passed over, as
// move_pages reports them per page and goes on. A page mapped at several
// addresses of the range moves once.
func (m *Machine) Migrate(pid, addr, length uint64) error {
	if err := checkRange("migrate", addr, length); err != nil {
		return err
	}
	mm, err := m.Process(pid)
	if err != nil {
		return err
	}
	t := m.startOp(OpMigrate)
	moved, err := m.migrateRange(mm, addr, addr+length)
	m.endOp(t, OpMigrate, moved)
	return err
}

// migrateRange finds the pages as move_pages does, every address first
// (follow_page), then migrates them one at a time. It returns how many
// moved.
func (m *Machine) migrateRange(mm *MM, start, end uint64) (moved int64, err error) {
	m.splitPMDRange(mm, start, end) // THP migration is not modelled (thp.go)
	mg := &m.mig
	at := mg.at[:0]
	m.pt.forEachLeaf(mm.pgd, start, end, func(t tableID, lo, hi int) {
		tab := m.pt.tables[t]
		for i := lo; i < hi; i++ {
			if p := PTE(tab[i]); p.Present() && p.Frame() != ZeroFrame {
				at = append(at, makePTEAddr(t, i))
			}
		}
	})
	mg.at = at
	if mg.done == nil {
		mg.done = make(map[FrameID]bool)
	}
	clear(mg.done)
	for _, a := range at {
		if err := m.poll(); err != nil {
			return moved, err
		}
		// Look again: an earlier page of the range may have been this
		// one (it now maps the new frame), and the reclaim an
		// allocation ran may have unmapped it.
		p := m.PTE(a)
		if !p.Present() || p.Frame() == ZeroFrame || mg.done[p.Frame()] {
			continue
		}
		f := p.Frame()
		nf, err := m.migratePage(f)
		if err != nil {
			return moved, err
		}
		if nf != 0 {
			mg.done[nf] = true
			moved++
		} else {
			mg.done[f] = true // left in place: not tried again
		}
	}
	return moved, nil
}

// migratePage is unmap_and_move for the page f. It returns the new
// frame, or 0 if the page stayed.
func (m *Machine) migratePage(f FrameID) (FrameID, error) {
	m.splitFolio(f) // one page at a time (folio.go)
	active := m.isolateForMigration(f)
	m.pinned = f
	nf, err := m.allocFrame()
	m.pinned = 0
	if err != nil {
		m.putbackMigrated(f, active)
		return 0, err
	}
	fr := &m.pm.frames[f] // after the allocation, which may grow the frames
	mg := &m.mig
	mg.old, mg.target = f, nf
	mg.entries = mg.entries[:0]
	// The reclaim that made room for nf may have unmapped f: then there
	// is nothing to walk (page_was_mapped).
	mapped := fr.MapCount > 0
	if mapped {
		if err := m.tryToMigrate(f); err != nil {
			m.putEntriesBack(f, false)
			m.freeFrame(nf)
			m.putbackMigrated(f, active)
			return 0, err
		}
	}
	if fr.MapCount > 0 {
		err := m.removeMigrationPTEs(f)
		m.freeFrame(nf)
		m.putbackMigrated(f, active)
		m.Stats.MigrateFails++
		return 0, err
	}
	m.movePage(f, nf)
	if mapped {
		err = m.removeMigrationPTEs(nf)
	}
	m.putbackMigrated(nf, active)
	m.freeFrame(f)
	m.Stats.Migrations++
	return nf, err
}

// tryToMigrate is try_to_migrate: the strategy's try_to_unmap walk of f,
// in migration mode, counted as a migrate walk. With Config.Verify it
// checks what the walk left (checkMigrateUnmap).
func (m *Machine) tryToMigrate(f FrameID) error {
	m.Walk.Walks++
	m.Stats.MigrateWalks++
	before := m.Walk
	m.mig.unmapping = true
	var reported bool
	m.walk(func() { reported = m.rm.TryToUnmap(f) })
	m.mig.unmapping = false
	m.Stats.MigrateWork.addSince(m.Walk, before)
	if m.cfg.Verify {
		return m.checkMigrateUnmap(f, reported)
	}
	return nil
}

// removeMigrationPTEs is remove_migration_ptes(old, target): the
// strategy's Walk of target, in which every migration entry for old that
// the walk finds becomes a PTE mapping target. Then no entry may be left
// (see the package comment); with Config.Verify what the walk reported
// is checked against target's mappings (rules 1 and 2).
func (m *Machine) removeMigrationPTEs(target FrameID) error {
	mg := &m.mig
	mg.target = target
	tfr := &m.pm.frames[target]
	for range mg.entries {
		m.mapCountUp(tfr)
	}
	if mg.visit == nil {
		mg.visit = m.removeMigrationPTE
	}
	mg.reported = mg.reported[:0]
	m.Walk.Walks++
	m.Stats.MigrateWalks++
	before := m.Walk
	mg.restoring = true
	m.walk(func() { m.rm.Walk(target, mg.visit) })
	mg.restoring = false
	m.Stats.MigrateWork.addSince(m.Walk, before)
	if missed := m.putEntriesBack(target, true); missed != 0 {
		defer m.outsideOp()()
		owner, addr := m.pt.owner(missed)
		return &VerifyError{Rule: 2, Frame: target,
			Msg:  fmt.Sprintf("the remove_migration_ptes walk misses %v, whose migration entry would have outlived the migration", Mapping{PID: owner.PID, Addr: addr}),
			Walk: append([]Mapping(nil), mg.reported...), Oracle: m.OracleMappings(target)}
	}
	if m.cfg.Verify {
		defer m.outsideOp()()
		return m.CheckReported(target, mg.reported, "remove_migration_ptes walk")
	}
	return nil
}

// removeMigrationPTE is remove_migration_pte for one mapping the walk
// reported: if the PTE there is a migration entry for the page being
// migrated, it becomes a PTE mapping the target, with the write,
// accessed and dirty bits the entry kept.
func (m *Machine) removeMigrationPTE(v *VMA, addr uint64) bool {
	mg := &m.mig
	mg.reported = append(mg.reported, Mapping{PID: v.MM.PID, Addr: addr})
	if v.MM.pgd == 0 || addr >= addrSpaceSize {
		return true
	}
	t := m.pt.leaf(v.MM.pgd, addr)
	if t == 0 {
		return true
	}
	a := makePTEAddr(t, levelIndex(addr, 0))
	if p := *m.pt.pte(a); p.migrationOf(mg.old) {
		m.pt.set(a, p.migrationTarget(mg.target))
		m.addMapped(1)
	}
	return true
}

// putEntriesBack maps target at every migration entry for the page being
// migrated that is left, raising target's MapCount for each unless it
// already counts them, and returns the address of the first, or 0 if
// none was left.
func (m *Machine) putEntriesBack(target FrameID, counted bool) PTEAddr {
	mg := &m.mig
	var first PTEAddr
	tfr := &m.pm.frames[target]
	for _, a := range mg.entries {
		p := *m.pt.pte(a)
		if !p.migrationOf(mg.old) {
			continue
		}
		if first == 0 {
			first = a
		}
		m.pt.set(a, p.migrationTarget(target))
		m.addMapped(1)
		if !counted {
			m.mapCountUp(tfr)
		}
	}
	return first
}

// movePage copies the page old to new (folio_migrate_mapping,
// folio_migrate_flags, folio_copy): content, dirty and referenced flags,
// the anonymous identity or the file and offset, the page-cache or
// swap-cache slot, a KSM page's stable node, which then names new
// (ksm_migrate_page, 2.6.33; folio_migrate_ksm), then the strategy's own
// state (PageMigrator). The reference the page held on its anonymous
// object passes to new.
func (m *Machine) movePage(old, new FrameID) {
	ofr, nfr := &m.pm.frames[old], &m.pm.frames[new]
	nfr.Flags |= ofr.Flags & (FrameAnon | FrameKsm | FrameDirty | FrameReferenced)
	nfr.Content = ofr.Content
	nfr.File, nfr.Anon, nfr.Index = ofr.File, ofr.Anon, ofr.Index
	if ofr.Flags&FrameSwapCache != 0 {
		slot := ofr.swapSlot
		nfr.Flags |= FrameSwapCache
		nfr.swapSlot = slot
		m.swap.slots[slot].cache = new
		ofr.Flags &^= FrameSwapCache
		ofr.swapSlot = 0
	}
	if ofr.Flags&FrameAnon == 0 && ofr.File != nil {
		ofr.File.store(ofr.Index, new)
	}
	if n := ksmNodeOf(nfr); n != nil {
		n.kpfn = new
	}
	if pm, ok := m.rm.(PageMigrator); ok {
		pm.PageMigrate(old, new)
	}
	ofr.Anon = nil
	ofr.Flags &^= FrameKsm
}

// isolateForMigration takes f off the reclaim lists (isolate_lru_page)
// and reports whether it goes back as an active page: PG_active under the
// two-list LRU; under the multi-gen LRU, whether its generation was one
// of the two youngest (lru_gen_del_folio sets PG_active for those).
func (m *Machine) isolateForMigration(f FrameID) (active bool) {
	fr := &m.pm.frames[f]
	switch m.rs.aging {
	case AgingLRU:
		if fr.lru != 0 {
			m.lruDel(f)
		}
		return fr.Flags&FrameActive != 0
	case AgingMGLRU:
		if fr.gen == 0 {
			return false
		}
		g := &m.rs.mg
		gen := int(fr.gen - 1)
		active = gen == genFromSeq(g.maxSeq) || gen == genFromSeq(g.maxSeq-1)
		m.lruDel(f)
		m.mgForget(f)
	}
	return active
}

// putbackMigrated puts f on the reclaim lists after a migration
// (putback_lru_page): the head of the active or inactive list; under the
// multi-gen LRU, lru_gen_add_folio's choice: the youngest generation for
// an active page, the second oldest for an anonymous page outside the
// swap cache, the oldest for the rest.
func (m *Machine) putbackMigrated(f FrameID, active bool) {
	fr := &m.pm.frames[f]
	switch m.rs.aging {
	case AgingLRU:
		m.lruAddTwoList(f, active)
	case AgingMGLRU:
		g := &m.rs.mg
		typ := frameType(fr)
		seq := g.minSeq[typ]
		switch {
		case active:
			seq = g.maxSeq
		case typ == lruGenAnon && fr.Flags&FrameSwapCache == 0:
			seq++
		}
		m.mgAddAt(f, seq)
	}
}

// checkMigrateUnmap checks, after try_to_migrate of f reported unmapped
// or not, rule 4 (success means no PTE maps f), rule 3 (MapCount equals
// the shadow count), and rule 2 for the walk: it left no mapping outside
// nonlinear VMAs, since it passes VM_LOCKED and young PTEs by.
func (m *Machine) checkMigrateUnmap(f FrameID, unmapped bool) error {
	defer m.outsideOp()()
	v := m.state()
	_, end := m.scope(&v.freeSpent, 0)
	defer end()
	left, err := m.checkUnmapResult(f, unmapped, "try_to_migrate")
	if err != nil || left <= m.nonlinearOf(f) {
		return err
	}
	oracle := m.oracleOf(f)
	msg := "the try_to_migrate walk leaves mappings outside nonlinear VMAs"
	for _, e := range oracle {
		if !e.nonlinear {
			msg = fmt.Sprintf("the try_to_migrate walk misses %v", e.Mapping)
			break
		}
	}
	return &VerifyError{Rule: 2, Frame: f, Msg: msg, Oracle: mappingsOf(oracle)}
}

// outsideOp leaves a check made inside Migrate out of the operation's
// time, as reclaim nested in an operation is (its walks are left out of
// the counters by scope or CheckReported).
func (m *Machine) outsideOp() func() {
	start := time.Now()
	return func() { m.nested += time.Since(start) }
}

// errMigrationEntry is the panic of an MMU path that meets a migration
// entry, which no Migrate call leaves behind.
const errMigrationEntry = "core: a migration entry outlived Machine.Migrate"
