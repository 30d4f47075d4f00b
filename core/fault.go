package core

// Touch accesses every page of [addr, addr+length) in pid, faulting where
// no PTE allows the access: a read maps the zero page (anonymous) or the
// page-cache page (file); a write allocates, or breaks copy-on-write, and
// gives every page a content no other page has (content.go). The whole
// range is checked before anything is touched.
func (m *Machine) Touch(pid, addr, length uint64, write bool) error {
	return m.touch(pid, addr, length, write, contentFresh)
}

// TouchValue writes every page of [addr, addr+length) in pid as Touch
// does, giving each the content value (at most MaxContentValue): pages
// written with the same value are identical, which KSM can merge.
func (m *Machine) TouchValue(pid, addr, length, value uint64) error {
	if value > MaxContentValue {
		return inputErr("touch: value %d is not below 2^63", value)
	}
	return m.touch(pid, addr, length, true, value)
}

func (m *Machine) touch(pid, addr, length uint64, write bool, content uint64) error {
	mm, err := m.Process(pid)
	if err != nil {
		return err
	}
	end := addr + length
	for a := addr; a < end; {
		v := mm.FindVMA(a)
		if v == nil {
			return inputErr("touch of %#x: no VMA of process %d covers it", a, pid)
		}
		if write && v.Prot&ProtWrite == 0 {
			return inputErr("write touch of %#x: the VMA [%#x, %#x) is %s", a, v.Start, v.End, v.Prot)
		}
		if !write && v.Prot&ProtRead == 0 {
			return inputErr("read touch of %#x: the VMA [%#x, %#x) is %s", a, v.Start, v.End, v.Prot)
		}
		a = v.End
	}
	if err := m.checkTables(mm, addr, end, "touching"); err != nil {
		return err
	}
	t := m.startOp(OpFault)
	mm.agingUsed = true
	var faults int64
	var v *VMA
	for a := addr; a < end; a += PageSize {
		if v == nil || a >= v.End {
			v = mm.FindVMA(a)
		}
		faulted, err := m.access(v, a, write, content)
		if err == nil {
			err = m.poll()
		}
		if err != nil {
			m.endOp(t, OpFault, faults)
			return err
		}
		if faulted {
			faults++
		}
	}
	m.endOp(t, OpFault, faults)
	return nil
}

// access performs one access and reports whether it faulted; a write
// leaves content in the page (content.go).
func (m *Machine) access(v *VMA, addr uint64, write bool, content uint64) (bool, error) {
	if pa := m.pmdAt(v.MM.pgd, addr); pa != 0 && m.pmdAccess(v, addr, pa, write, content) {
		return false, nil
	}
	if write && m.thpFault(v, addr, content) {
		return true, nil
	}
	leaf := m.pt.ensureLeaf(v.MM, addr)
	pa := makePTEAddr(leaf, levelIndex(addr, 0))
	p := m.PTE(pa)
	switch {
	case p.Present():
		if !write {
			*m.pt.pte(pa) = p | pteAccessed
			return false, nil
		}
		if p.Writable() {
			*m.pt.pte(pa) = p | pteAccessed | pteDirty
			m.pm.frames[p.Frame()].Content = m.written(content)
			return false, nil
		}
		return true, m.writeProtectFault(v, addr, pa, p, content)
	case p.IsMigration():
		panic(errMigrationEntry) // migration_entry_wait: never here
	case p.IsSwap():
		return true, m.swapFault(v, addr, pa, p, write, content)
	case p.IsFile():
		return true, m.fileFault(v, addr, pa, p.filePgoff(), write, content)
	case v.File == nil:
		return true, m.anonFault(v, addr, pa, write, content)
	default:
		return true, m.fileFault(v, addr, pa, v.LinearPgOff(addr), write, content)
	}
}

// anonFault is do_anonymous_page.
func (m *Machine) anonFault(v *VMA, addr uint64, pa PTEAddr, write bool, content uint64) error {
	if !write {
		m.pt.set(pa, mkPTE(ZeroFrame, false))
		return nil
	}
	if m.folioOrder > 0 {
		if done, err := m.anonFolioFault(v, addr, pa.table(), content); done || err != nil {
			return err
		}
	}
	f, err := m.allocAnon(v, 0, m.written(content))
	if err != nil {
		return err
	}
	m.markAccessed(f)
	return m.mapPage(v, addr, pa, f, true, AddAnon)
}

// fileFault is do_no_page (and do_file_page for a nonlinear file PTE).
func (m *Machine) fileFault(v *VMA, addr uint64, pa PTEAddr, pgoff uint64, write bool, content uint64) error {
	file := v.File
	f := file.lookup(pgoff)
	if f == 0 {
		var err error
		if f, err = m.allocFrame(); err != nil {
			return err
		}
		fr := &m.pm.frames[f]
		fr.File = file
		fr.Index = pgoff
		fr.Content = file.content(pgoff)
		file.store(pgoff, f)
		m.fileRefault(file, pgoff)
		m.lruAdd(f, false)
	}
	m.markAccessed(f) // filemap_nopage
	if write && !v.Shared {
		// A private write copies straight from the page cache.
		nf, err := m.allocAnon(v, f, m.written(content))
		if err != nil {
			return err
		}
		return m.mapPage(v, addr, pa, nf, true, AddAnon)
	}
	if write {
		fr := &m.pm.frames[f]
		fr.Flags |= FrameDirty
		fr.Content = m.written(content)
	}
	return m.mapPage(v, addr, pa, f, write && v.Shared, AddFile)
}

// writeProtectFault is do_wp_page: a write to a present read-only PTE in a
// writable VMA. A KSM page is never reused, however few map it: it is
// copied (2.6.32 - 5.0 and 5.9+; 5.1 - 5.8's reuse_ksm_page is left out).
func (m *Machine) writeProtectFault(v *VMA, addr uint64, pa PTEAddr, p PTE, content uint64) error {
	f := p.Frame()
	fr := &m.pm.frames[f]
	if v.Shared && f != ZeroFrame {
		*m.pt.pte(pa) = p | pteWrite | pteDirty | pteAccessed
		fr.Flags |= FrameDirty
		fr.Content = m.written(content)
		return nil
	}
	if f != ZeroFrame && fr.Flags&(FrameAnon|FrameKsm) == FrameAnon && m.PageMapCount(f) == 1 && !m.swap.shared(fr) {
		// The page is ours alone: reuse it.
		*m.pt.pte(pa) = p | pteWrite | pteDirty | pteAccessed
		fr.Content = m.written(content)
		if pr, ok := m.rm.(PageReuser); ok {
			pr.PageReuse(v, MapRef{Frame: f, PTE: pa, Addr: addr})
		}
		return nil
	}
	return m.breakCOW(v, addr, pa, f, m.written(content))
}

// breakCOW replaces the page at addr by a private anonymous copy whose
// content is content.
func (m *Machine) breakCOW(v *VMA, addr uint64, pa PTEAddr, old FrameID, content uint64) error {
	nf, err := m.allocAnon(v, old, content)
	if err != nil {
		return err
	}
	writable := v.Prot&ProtWrite != 0
	if old != ZeroFrame {
		m.pt.set(pa, 0)
		ofr := &m.pm.frames[old]
		m.mapCountDown(ofr)
		m.mapped--
		v.MM.RSS--
		m.one[0] = MapRef{Frame: old, PTE: pa, Addr: addr}
		m.rmapCalls(1)
		m.hookPage(old)
		m.rm.PagesRemove(v, m.one[:])
		m.putAnonIfUnused(old)
	}
	return m.mapPage(v, addr, pa, nf, writable, AddAnon)
}

// swapFault is do_swap_page.
func (m *Machine) swapFault(v *VMA, addr uint64, pa PTEAddr, p PTE, write bool, content uint64) error {
	slot := p.swapSlot()
	s := &m.swap.slots[slot]
	f := s.cache
	if f == 0 {
		var err error
		if f, err = m.allocFrame(); err != nil {
			return err
		}
		s = &m.swap.slots[slot]
		fr := &m.pm.frames[f]
		fr.Flags |= FrameAnon | FrameSwapCache
		fr.Content = s.content
		fr.swapSlot = slot
		s.cache = f
		m.Stats.SwapIns++
		m.rs.mg.refaulted[lruGenAnon]++
		m.lruAdd(f, true) // read_swap_cache_async: lru_cache_add_active
	}
	m.markAccessed(f) // do_swap_page
	fr := &m.pm.frames[f]
	if fr.Flags&FrameKsm != 0 {
		return m.swapInKsmCopy(v, addr, pa, f, slot, write, content)
	}
	exclusive := write && s.refs == 1 && fr.MapCount == 0
	kind := AddSwapIn
	if exclusive {
		kind = AddSwapInExclusive
	}
	m.anonPrepare(v)
	m.pinned = f
	err := m.mapPage(v, addr, pa, f, exclusive, kind)
	m.pinned = 0
	if err != nil {
		return err
	}
	// Only now that the page is mapped may the PTE's reference to the
	// slot go: dropping the last one frees the slot and, were the page
	// still unmapped, the page with it.
	m.swap.put(m, slot)
	np := m.PTE(pa)
	if exclusive {
		m.pm.frames[np.Frame()].Content = m.written(content)
		return nil
	}
	if write {
		return m.writeProtectFault(v, addr, pa, np, content)
	}
	return nil
}

// swapInKsmCopy faults in a swap PTE whose page is a KSM page still in the
// swap cache (try_to_unmap unmapped some of its mappings, then failed at a
// VM_LOCKED one). The kernel maps the KSM page itself and leaves the new
// mapping to be found through the rmap_items (ksm_might_need_to_copy); the
// simulator maps a private copy, counted in ksm-copies, so that every
// mapping of a KSM page comes from ksmd or fork (docs/ksm.md).
func (m *Machine) swapInKsmCopy(v *VMA, addr uint64, pa PTEAddr, f FrameID, slot uint32, write bool, content uint64) error {
	c, err := m.allocAnon(v, f, m.pm.frames[f].Content)
	if err != nil {
		return err
	}
	m.Stats.KSMCopies++
	if err := m.mapPage(v, addr, pa, c, v.Prot&ProtWrite != 0, AddAnon); err != nil {
		m.putAnonIfUnused(c)
		return err
	}
	m.swap.put(m, slot)
	if write {
		m.pm.frames[c].Content = m.written(content)
	}
	return nil
}

// allocAnon allocates an anonymous frame holding content for v, after
// anon_vma_prepare. pin is a frame being copied from, which reclaim must
// not take while it looks for memory (0 for none).
func (m *Machine) allocAnon(v *VMA, pin FrameID, content uint64) (FrameID, error) {
	m.anonPrepare(v)
	m.pinned = pin
	f, err := m.allocFrame()
	m.pinned = 0
	if err != nil {
		return 0, err
	}
	fr := &m.pm.frames[f]
	fr.Flags |= FrameAnon
	fr.Content = content
	m.lruAdd(f, true) // lru_cache_add_active
	return f, nil
}

// mapPage installs a PTE for f at addr and tells the strategy. If the
// strategy cannot record f at this address, a private copy is mapped.
func (m *Machine) mapPage(v *VMA, addr uint64, pa PTEAddr, f FrameID, writable bool, kind AddKind) error {
	m.pt.set(pa, mkPTE(f, writable))
	m.rmapCalls(1)
	m.hookPage(f)
	if !m.rm.PageAdd(v, MapRef{Frame: f, PTE: pa, Addr: addr}, kind) {
		// A swap-cache page of a slot KSM swapped out: the strategy's
		// ksm_might_need_to_copy; anonmm: a page mremap moved.
		fromKsm := m.swap.heldKsm(&m.pm.frames[f])
		c, err := m.allocAnon(v, f, m.pm.frames[f].Content)
		if err != nil {
			m.pt.set(pa, 0)
			return err
		}
		if fromKsm {
			m.Stats.KSMCopies++
		} else {
			m.Stats.MremapCopies++
		}
		m.pt.set(pa, mkPTE(c, v.Prot&ProtWrite != 0))
		m.rmapCalls(1)
		m.hookPage(c)
		if !m.rm.PageAdd(v, MapRef{Frame: c, PTE: pa, Addr: addr}, AddAnon) {
			panic("core: strategy refused a new exclusive anonymous page")
		}
		m.putAnonIfUnused(f)
		f = c
	}
	m.mapCountUp(&m.pm.frames[f])
	m.addMapped(1)
	v.MM.RSS++
	return nil
}
