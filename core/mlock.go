package core

// mlock(2) sets VM_LOCKED on the VMAs of a range (mlock_fixup), splitting
// and merging them as mprotect does, and faults the range in
// (make_pages_present). A page mapped in a VM_LOCKED VMA may not be
// unmapped by reclaim: try_to_unmap_one returned SWAP_FAIL on such a VMA
// in every era this simulator models (2.6.0 and McCracken's objrmap after
// find_vma, rmap 10-37 and 2.6.12 after the PTE check, 4.19 as well), and
// 2.4's swap_out skipped the VMA's PTEs. Each strategy's try_to_unmap
// applies its era's rule; VMA.Locked is the flag. Fork does not inherit
// it (dup_mmap clears VM_LOCKED); mremap and split keep it; VMAs merge
// only with the same flag (is_mergeable_vma compares vm_flags).

// Mlock is mlock(2) over [addr, addr+length): every page of the range
// must be mapped (mlock fails with ENOMEM otherwise). After locking, the
// range is populated as populate_vma_page_range does: a write fault on
// each page of a private writable VMA (which breaks copy-on-write), a
// read fault in other readable VMAs, nothing in an inaccessible one.
func (m *Machine) Mlock(pid, addr, length uint64) error {
	mm, err := m.lockRange("mlock", pid, addr, length)
	if err != nil {
		return err
	}
	t := m.startOp(OpMlock)
	defer m.endOp(t, OpMlock, 1)
	end := addr + length
	m.setLocked(mm, addr, end, true)
	var v *VMA
	for a := addr; a < end; a += PageSize {
		if v == nil || a >= v.End {
			v = mm.FindVMA(a)
		}
		write := v.Prot&ProtWrite != 0 && !v.Shared
		if !write && v.Prot&ProtRead == 0 {
			continue
		}
		if _, err := m.access(v, a, write, contentFresh); err != nil {
			return err
		}
		if err := m.poll(); err != nil {
			return err
		}
	}
	return nil
}

// Munlock is munlock(2) over [addr, addr+length), which must be mapped.
func (m *Machine) Munlock(pid, addr, length uint64) error {
	mm, err := m.lockRange("munlock", pid, addr, length)
	if err != nil {
		return err
	}
	t := m.startOp(OpMlock)
	m.setLocked(mm, addr, addr+length, false)
	m.endOp(t, OpMlock, 1)
	return nil
}

// lockRange checks an mlock or munlock range: valid, and mapped in full.
func (m *Machine) lockRange(op string, pid, addr, length uint64) (*MM, error) {
	if err := checkRange(op, addr, length); err != nil {
		return nil, err
	}
	mm, err := m.Process(pid)
	if err != nil {
		return nil, err
	}
	for a := addr; a < addr+length; {
		v := mm.FindVMA(a)
		if v == nil {
			return nil, inputErr("%s of [%#x, +%#x): %#x is not mapped in process %d", op, addr, length, a, pid)
		}
		a = v.End
	}
	return mm, nil
}

// setLocked is mlock_fixup over [start, end): split at the edges where
// the flag changes, set it, merge with the neighbours.
func (m *Machine) setLocked(mm *MM, start, end uint64, locked bool) {
	changed := false
	for v := mm.FindVMA(start); v != nil && v.Start < end; v = mm.FindVMA(v.End) {
		changed = changed || v.Locked != locked
	}
	if !changed {
		return
	}
	m.isolate(mm, start, end)
	for _, v := range vmasIn(mm, start, end) {
		v.Locked = locked
	}
	m.mergeRange(mm, start, end)
}
