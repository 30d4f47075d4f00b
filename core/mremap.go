package core

// Mremap moves and/or resizes the mapping covering [old, old+oldLen),
// which must lie inside one VMA, to [new, new+newLen).
//
//   - new == old: shrink by unmapping the tail, or grow in place; growing
//     first unmaps whatever lies in the way, as MAP_FIXED would.
//   - new != old: the destination is unmapped first (MREMAP_FIXED), the
//     range becomes a VMA of its own, and a copy of it at new keeps its
//     PgOff (copy_vma), so pages keep their offsets; then every PTE moves
//     (move_page_tables), the strategy being told of each present one; the
//     old VMA is unlinked; a longer newLen grows the moved VMA.
func (m *Machine) Mremap(pid, old, oldLen, new, newLen uint64) error {
	if err := checkRange("mremap", old, oldLen); err != nil {
		return err
	}
	if err := checkRange("mremap", new, newLen); err != nil {
		return err
	}
	mm, err := m.Process(pid)
	if err != nil {
		return err
	}
	v := mm.FindVMA(old)
	if v == nil || old+oldLen > v.End {
		return inputErr("mremap of [%#x, +%#x): the range is not inside one VMA", old, oldLen)
	}
	if new != old && new < old+oldLen && old < new+newLen {
		return inputErr("mremap: the new range [%#x, +%#x) overlaps the old one", new, newLen)
	}
	if new != old {
		if err := m.checkMove(mm, old, old+min(oldLen, newLen)); err != nil {
			return err
		}
	}
	t := m.startOp(OpMremap)
	defer m.endOp(t, OpMremap, 1)
	if new == old {
		switch {
		case newLen < oldLen:
			m.unmapRange(mm, old+newLen, old+oldLen)
		case newLen > oldLen:
			if v.End > old+oldLen {
				m.split(v, old+oldLen)
			}
			m.unmapRange(mm, old+oldLen, old+newLen)
			m.resize(v, v.Start, old+newLen, v.PgOff)
			m.mergeRange(mm, v.Start, v.End)
		}
		return nil
	}
	m.unmapRange(mm, new, new+newLen)
	moveLen := min(oldLen, newLen)
	if newLen < oldLen {
		m.unmapRange(mm, old+newLen, old+oldLen)
	}
	m.splitPMDRange(mm, old, old+moveLen) // move_huge_pmd is not modelled (thp.go)
	m.isolate(mm, old, old+moveLen)
	src := mm.FindVMA(old)
	if src.Mergeable && m.hasAnonState(src) {
		// move_vma's ksm_madvise(MADV_UNMERGEABLE): KSM pages are copied
		// before they move, leaving VM_MERGEABLE as it was (ksm.go).
		if err := m.ksmUnmerge(src, src.Start, src.End); err != nil {
			return err
		}
	}
	dst := &VMA{
		MM: mm, Start: new, End: new + moveLen, PgOff: src.PgOff,
		Prot: src.Prot, Shared: src.Shared, File: src.File, Nonlinear: src.Nonlinear,
		Locked: src.Locked, Mergeable: src.Mergeable, anonPrepared: src.anonPrepared,
	}
	m.addVMA(dst)
	m.rm.VMAMove(dst, src)
	if err := m.movePTEs(dst, src); err != nil {
		return err
	}
	m.dropVMA(src)
	m.rm.VMAUnlink(src)
	m.pt.pruneEmpty(mm.pgd, levels-1, 0, old, old+moveLen)
	if newLen > moveLen {
		m.resize(dst, dst.Start, new+newLen, dst.PgOff)
	}
	m.mergeRange(mm, dst.Start, dst.End)
	return nil
}

// movePTEs is move_page_tables from src to dst, which have the same length.
func (m *Machine) movePTEs(dst, src *VMA) error {
	mm := src.MM
	delta := dst.Start - src.Start // modular arithmetic: works both ways
	// Collect first: moving while walking src's tables could allocate the
	// tables being walked.
	var moves []MapRef
	m.pt.forEachLeaf(mm.pgd, src.Start, src.End, func(pt tableID, lo, hi int) {
		tab := m.pt.tables[pt]
		base := m.pt.meta[pt].base
		for i := lo; i < hi; i++ {
			if tab[i] != 0 {
				moves = append(moves, MapRef{PTE: makePTEAddr(pt, i), Addr: base + uint64(i)<<pageShift})
			}
		}
	})
	for _, from := range moves {
		p := m.PTE(from.PTE)
		if p.IsMigration() {
			panic(errMigrationEntry)
		}
		to := from.Addr + delta
		leaf := m.pt.ensureLeaf(mm, to)
		toPA := makePTEAddr(leaf, levelIndex(to, 0))
		if p.Present() && p.Frame() != ZeroFrame {
			from.Frame = p.Frame()
			toRef := MapRef{Frame: from.Frame, PTE: toPA, Addr: to}
			m.rmapCalls(1)
			m.hookPage(from.Frame)
			if !m.rm.PageMove(dst, src, from, toRef) {
				// The strategy cannot move a shared page: break COW
				// here first (make_page_exclusive), then move the copy.
				fr := &m.pm.frames[from.Frame]
				if err := m.breakCOW(src, from.Addr, from.PTE, from.Frame, fr.Content); err != nil {
					return err
				}
				m.Stats.MremapCopies++
				p = m.PTE(from.PTE)
				from.Frame, toRef.Frame = p.Frame(), p.Frame()
				m.rmapCalls(1)
				m.hookPage(from.Frame)
				if !m.rm.PageMove(dst, src, from, toRef) {
					panic("core: strategy refused to move an exclusive page")
				}
			}
		}
		m.pt.set(from.PTE, 0)
		m.pt.set(toPA, p)
		m.ptes(1)
		m.touchPTE(from.PTE)
		m.touchPTE(toPA)
	}
	return nil
}
