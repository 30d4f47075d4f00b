package core

// Touch accesses every page of [addr, addr+length) in pid, faulting where
// no PTE allows the access: a read maps the zero page (anonymous) or the
// page-cache page (file); a write allocates, or breaks copy-on-write.
// The whole range is checked before anything is touched.
func (m *Machine) Touch(pid, addr, length uint64, write bool) error {
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
	t := m.startOp()
	mm.agingUsed = true
	var faults int64
	var v *VMA
	for a := addr; a < end; a += PageSize {
		if v == nil || a >= v.End {
			v = mm.FindVMA(a)
		}
		faulted, err := m.access(v, a, write)
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

// access performs one access and reports whether it faulted.
func (m *Machine) access(v *VMA, addr uint64, write bool) (bool, error) {
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
			m.pm.frames[p.Frame()].Content = m.nextContent()
			return false, nil
		}
		return true, m.writeProtectFault(v, addr, pa, p)
	case p.IsMigration():
		panic(errMigrationEntry) // migration_entry_wait: never here
	case p.IsSwap():
		return true, m.swapFault(v, addr, pa, p, write)
	case p.IsFile():
		return true, m.fileFault(v, addr, pa, p.filePgoff(), write)
	case v.File == nil:
		return true, m.anonFault(v, addr, pa, write)
	default:
		return true, m.fileFault(v, addr, pa, v.LinearPgOff(addr), write)
	}
}

// anonFault is do_anonymous_page.
func (m *Machine) anonFault(v *VMA, addr uint64, pa PTEAddr, write bool) error {
	if !write {
		m.pt.set(pa, mkPTE(ZeroFrame, false))
		return nil
	}
	f, err := m.allocAnon(v, 0, m.nextContent())
	if err != nil {
		return err
	}
	m.markAccessed(f)
	return m.mapPage(v, addr, pa, f, true, AddAnon)
}

// fileFault is do_no_page (and do_file_page for a nonlinear file PTE).
func (m *Machine) fileFault(v *VMA, addr uint64, pa PTEAddr, pgoff uint64, write bool) error {
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
		nf, err := m.allocAnon(v, f, m.nextContent())
		if err != nil {
			return err
		}
		return m.mapPage(v, addr, pa, nf, true, AddAnon)
	}
	if write {
		fr := &m.pm.frames[f]
		fr.Flags |= FrameDirty
		fr.Content = m.nextContent()
	}
	return m.mapPage(v, addr, pa, f, write && v.Shared, AddFile)
}

// writeProtectFault is do_wp_page: a write to a present read-only PTE in a
// writable VMA.
func (m *Machine) writeProtectFault(v *VMA, addr uint64, pa PTEAddr, p PTE) error {
	f := p.Frame()
	fr := &m.pm.frames[f]
	if v.Shared && f != ZeroFrame {
		*m.pt.pte(pa) = p | pteWrite | pteDirty | pteAccessed
		fr.Flags |= FrameDirty
		fr.Content = m.nextContent()
		return nil
	}
	if f != ZeroFrame && fr.Flags&FrameAnon != 0 && fr.MapCount == 1 && !m.swap.shared(fr) {
		// The page is ours alone: reuse it.
		*m.pt.pte(pa) = p | pteWrite | pteDirty | pteAccessed
		fr.Content = m.nextContent()
		if pr, ok := m.rm.(PageReuser); ok {
			pr.PageReuse(v, MapRef{Frame: f, PTE: pa, Addr: addr})
		}
		return nil
	}
	return m.breakCOW(v, addr, pa, f, m.nextContent())
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
		m.rm.PagesRemove(v, m.one[:])
		m.putAnonIfUnused(old)
	}
	return m.mapPage(v, addr, pa, nf, writable, AddAnon)
}

// swapFault is do_swap_page.
func (m *Machine) swapFault(v *VMA, addr uint64, pa PTEAddr, p PTE, write bool) error {
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
		m.pm.frames[np.Frame()].Content = m.nextContent()
		return nil
	}
	if write {
		return m.writeProtectFault(v, addr, pa, np)
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
	if !m.rm.PageAdd(v, MapRef{Frame: f, PTE: pa, Addr: addr}, kind) {
		c, err := m.allocAnon(v, f, m.pm.frames[f].Content)
		if err != nil {
			m.pt.set(pa, 0)
			return err
		}
		m.Stats.MremapCopies++
		m.pt.set(pa, mkPTE(c, v.Prot&ProtWrite != 0))
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
