package core

// Fork creates child as a copy of pid's address space (dup_mmap): every
// VMA is duplicated, without VM_LOCKED (mlock is not inherited), and the
// PTEs of the VMAs that the machine's fork copy policy copies
// (forkcopy.go), private writable pages becoming copy-on-write in both
// processes. The cost is proportional to the PTEs copied, plus what the
// strategy does per VMA and per PTE.
func (m *Machine) Fork(pid, child uint64) error {
	parent, err := m.Process(pid)
	if err != nil {
		return err
	}
	if m.procs[child] != nil {
		return inputErr("fork to process %d, which exists", child)
	}
	if err := m.checkFork(parent); err != nil {
		return err
	}
	delete(m.exited, child) // a pid may be reused after exit
	t := m.startOp(OpFork)
	cm := m.newMM(child, parent)
	m.ksmFork(parent, cm)
	cm.vmas = make([]*VMA, 0, len(parent.vmas))
	for _, pv := range parent.vmas {
		cv := &VMA{
			MM: cm, Start: pv.Start, End: pv.End, PgOff: pv.PgOff,
			Prot: pv.Prot, Shared: pv.Shared, File: pv.File, Nonlinear: pv.Nonlinear,
			Mergeable: pv.Mergeable, anonPrepared: pv.anonPrepared,
		}
		cm.vmas = append(cm.vmas, cv)
		m.countVMA(cv, 1)
		m.rm.VMAFork(cv, pv)
		if pv.File != nil {
			if pv.Nonlinear {
				pv.File.Nonlinear = append(pv.File.Nonlinear, cv)
			} else {
				pv.File.Index.InsertAfter(cv, pv)
			}
		}
		if m.copiesAtFork(pv) {
			m.copyPTEs(cv, pv)
		}
	}
	if m.ksm != nil {
		m.ksm.tail = nil
	}
	m.endOp(t, OpFork, 1)
	return nil
}

// copyPTEs is copy_page_range for one VMA.
func (m *Machine) copyPTEs(cv, pv *VMA) {
	cow := !pv.Shared
	batch := m.batch[:0]
	hw := m.hw != nil
	m.pt.forEachEntry(pv.MM.pgd, pv.Start, pv.End, func(pt tableID, lo, hi int) {
		if m.pt.meta[pt].used == 0 {
			return
		}
		src := m.pt.tables[pt]
		base := m.pt.meta[pt].base
		ct := m.pt.ensureLeaf(cv.MM, base)
		dst := m.pt.tables[ct]
		copied := 0
		for i := lo; i < hi; i++ {
			p := PTE(src[i])
			if p == 0 {
				continue
			}
			copied++
			if hw {
				m.hwPTE(makePTEAddr(pt, i))
				m.hwPTE(makePTEAddr(ct, i))
			}
			switch {
			case p.Present():
				if cow && p.Writable() {
					p &^= pteWrite
					src[i] = uint64(p)
				}
				if !cow {
					p &^= pteDirty // the parent's PTE keeps the dirt
				}
				p &^= pteAccessed
				if f := p.Frame(); f != ZeroFrame {
					batch = append(batch, MapRef{Frame: f, PTE: makePTEAddr(ct, i), Addr: base + uint64(i)<<pageShift})
				}
			case p.IsSwap():
				m.swap.slots[p.swapSlot()].refs++
			case p.IsMigration():
				panic(errMigrationEntry)
			}
			dst[i] = uint64(p)
		}
		m.pt.meta[ct].used += uint16(copied)
		m.ptes(copied)
		if len(batch) > 0 {
			m.pt.shadow.mapped(batch)
			m.dupRmap(cv, batch)
			for _, r := range batch {
				fr := &m.pm.frames[r.Frame]
				m.mapCountUp(fr)
				if fr.Flags&FrameKsm != 0 {
					m.ksmForkAttach(cv, r.Addr, r.Frame)
				}
			}
			cv.MM.RSS += int64(len(batch))
			m.addMapped(int64(len(batch)))
			batch = batch[:0]
		}
	}, func(t tableID, slot int) { m.copyPMD(cv, t, slot, cow) })
	m.batch = batch
}

// Exit tears down pid's address space; pid no longer exists.
func (m *Machine) Exit(pid uint64) error {
	mm, err := m.Process(pid)
	if err != nil {
		return err
	}
	t := m.startOp(OpExit)
	m.teardown(mm)
	m.exited[pid] = true
	m.endOp(t, OpExit, 1)
	return nil
}

// Exec replaces pid's address space by an empty one.
func (m *Machine) Exec(pid uint64) error {
	mm, err := m.Process(pid)
	if err != nil {
		return err
	}
	t := m.startOp(OpExec)
	m.teardown(mm)
	m.newMM(pid, nil)
	m.endOp(t, OpExec, 1)
	return nil
}

// teardown is exit_mmap: zap every VMA, then unlink them all, then free
// the page tables.
func (m *Machine) teardown(mm *MM) {
	for _, v := range mm.vmas {
		m.zap(v, v.Start, v.End)
	}
	for _, v := range mm.vmas {
		m.rm.VMAUnlink(v)
		if v.File != nil {
			v.File.unlinkIndex(v)
		}
		m.countVMA(v, -1)
	}
	mm.vmas = nil
	m.ksmExit(mm)
	m.pt.pruneEmpty(mm.pgd, levels-1, 0, 0, addrSpaceSize)
	m.pt.release(mm.pgd)
	mm.pgd = 0
	m.rm.MMExit(mm)
	delete(m.procs, mm.PID)
	m.Space.hold(InMM, -1)
	for i, x := range m.mmList {
		if x == mm {
			m.mmList = append(m.mmList[:i], m.mmList[i+1:]...)
			break
		}
	}
}

// zap is zap_pte_range over [start, end) of v: clear every PTE, drop swap
// references, tell the strategy one page table at a time, and free
// anonymous pages nobody maps any more. A table's swap references are
// dropped after its pages have left the rmap: the last reference to a
// slot frees its swap-cache page, which a PTE of the same table may have
// mapped a moment before (a KSM page at two addresses of one process;
// the kernel's pages wait in the mmu_gather until after the table).
func (m *Machine) zap(v *VMA, start, end uint64) {
	mm := v.MM
	batch := m.batch[:0]
	swaps := m.swapBatch[:0]
	hw := m.hw != nil
	cleared := 0
	m.splitPMDEdges(mm, start, end)
	m.pt.forEachEntry(mm.pgd, start, end, func(pt tableID, lo, hi int) {
		meta := &m.pt.meta[pt]
		if meta.used == 0 {
			return
		}
		tab := m.pt.tables[pt]
		// unmapped counts frames left with no mapping, which may now be
		// freed; a child's exit usually leaves none, and skips that pass.
		unmapped := 0
		for i := lo; i < hi; i++ {
			p := PTE(tab[i])
			if p == 0 {
				continue
			}
			tab[i] = 0
			meta.used--
			cleared++
			if hw {
				m.hwPTE(makePTEAddr(pt, i))
			}
			switch {
			case p.Present():
				f := p.Frame()
				if f == ZeroFrame {
					continue
				}
				fr := &m.pm.frames[f]
				if p.Dirty() {
					fr.Flags |= FrameDirty
				}
				m.mapCountDown(fr)
				if fr.MapCount == 0 {
					unmapped++
				}
				m.mapped--
				batch = append(batch, MapRef{Frame: f, PTE: makePTEAddr(pt, i), Addr: meta.base + uint64(i)<<pageShift})
			case p.IsSwap():
				swaps = append(swaps, p.swapSlot())
			case p.IsMigration():
				panic(errMigrationEntry)
			}
		}
		if len(batch) > 0 {
			m.pt.shadow.unmapped(batch)
			mm.RSS -= int64(len(batch))
			m.removeRmap(v, batch)
			if unmapped > 0 {
				for _, r := range batch {
					m.freeSwapAndPut(r.Frame)
				}
			}
			batch = batch[:0]
		}
		for _, slot := range swaps {
			m.swap.put(m, slot)
		}
		swaps = swaps[:0]
	}, func(t tableID, slot int) { m.zapPMD(v, t, slot) })
	m.batch = batch
	m.swapBatch = swaps
	m.ptes(cleared)
}
