package core

import "fmt"

func checkRange(op string, addr, length uint64) error {
	if addr%PageSize != 0 || length%PageSize != 0 || length == 0 {
		return inputErr("%s: address %#x and length %#x must be non-zero multiples of the page size", op, addr, length)
	}
	if addr >= UserLimit || length > UserLimit-addr {
		return inputErr("%s: [%#x, +%#x) passes the end of the user address space", op, addr, length)
	}
	return nil
}

// Mmap maps [addr, addr+length) with MAP_FIXED semantics: whatever was
// mapped there is unmapped first. file == "" maps anonymous memory; shared
// anonymous memory is a shmem file of its own, as in Linux. offset is the
// byte offset into the file. The new range merges with its neighbours where
// Linux's vma_merge would merge it.
func (m *Machine) Mmap(pid, addr, length uint64, prot Prot, shared bool, file string, offset uint64) error {
	if err := checkRange("mmap", addr, length); err != nil {
		return err
	}
	if offset%PageSize != 0 {
		return inputErr("mmap: file offset %#x is not page aligned", offset)
	}
	mm, err := m.Process(pid)
	if err != nil {
		return err
	}
	if err := m.checkFile(file); err != nil {
		return err
	}
	t := m.startOp(OpMmap)
	m.unmapRange(mm, addr, addr+length)
	v := &VMA{MM: mm, Start: addr, End: addr + length, Prot: prot, Shared: shared}
	switch {
	case file != "":
		v.File = m.FileByName(file)
		v.PgOff = offset >> pageShift
	case shared:
		m.shmemSeq++
		v.File = m.FileByName(fmt.Sprintf("shmem:%d", m.shmemSeq))
	default:
		v.PgOff = addr >> pageShift
	}
	m.insertMerging(v)
	m.endOp(t, OpMmap, 1)
	return nil
}

// mergeable reports whether next can continue prev as one VMA
// (is_mergeable_vma, can_vma_merge_after): same file, protection, sharing
// and flags, file offsets that run on, and anonymous state the strategy
// lets merge. Whether anonymous VMAs need contiguous vm_pgoff is the
// strategy's to say in CanMerge: before anon_vma (2.4 - 2.6.6 and rmap
// 10-37) vm_pgoff meant nothing for anonymous memory and they merged
// whatever it was; anon_vma (2.6.7+) finds a page at its offset.
func (m *Machine) mergeable(prev, next *VMA) bool {
	return prev != nil && next != nil && prev.End == next.Start &&
		prev.File == next.File && prev.Prot == next.Prot && prev.Shared == next.Shared &&
		prev.Locked == next.Locked && prev.Mergeable == next.Mergeable && !prev.Nonlinear && !next.Nonlinear &&
		(prev.File == nil || next.PgOff == prev.PgOff+prev.Pages()) &&
		m.rm.CanMerge(prev, next)
}

// insertMerging adds the new VMA v, or extends a neighbour over its range
// (vma_merge at mmap time: the new range has no anonymous state yet).
func (m *Machine) insertMerging(v *VMA) {
	mm := v.MM
	i := mm.vmaIndex(v.Start)
	var prev, next *VMA
	if i > 0 {
		prev = mm.vmas[i-1]
	}
	if i < len(mm.vmas) {
		next = mm.vmas[i]
	}
	switch {
	case m.mergeable(prev, v):
		m.resize(prev, prev.Start, v.End, prev.PgOff)
		if m.mergeable(prev, next) {
			m.absorb(prev, next)
		}
	case m.mergeable(v, next):
		m.resize(next, v.Start, next.End, v.PgOff)
	default:
		m.addVMA(v)
		m.rm.VMACreated(v)
	}
}

// resize changes v's range in place, keeping the i_mmap index in step
// (vma_adjust).
func (m *Machine) resize(v *VMA, start, end, pgoff uint64) {
	rekey(v, start, end, pgoff)
	m.rm.VMAAdjusted(v)
}

// rekey changes v's range, moving it in its file's i_mmap index.
func rekey(v *VMA, start, end, pgoff uint64) {
	linear := v.File != nil && !v.Nonlinear
	if linear {
		v.File.Index.Remove(v)
	}
	v.Start, v.End, v.PgOff = start, end, pgoff
	if linear {
		v.File.Index.Insert(v)
	}
}

// absorb merges next into prev, its neighbour (vma_merge's remove_next).
func (m *Machine) absorb(prev, next *VMA) {
	prev.anonPrepared = prev.anonPrepared || next.anonPrepared
	m.dropVMA(next)
	m.resize(prev, prev.Start, next.End, prev.PgOff)
	m.rm.VMAMerge(prev, next)
}

// split cuts v at addr and returns the new upper part (split_vma).
func (m *Machine) split(v *VMA, addr uint64) *VMA {
	m.splitPMD(v.MM, addr) // vma_adjust_trans_huge (thp.go)
	tail := &VMA{
		MM: v.MM, Start: addr, End: v.End, PgOff: v.PgOff + (addr-v.Start)>>pageShift,
		Prot: v.Prot, Shared: v.Shared, File: v.File, Nonlinear: v.Nonlinear,
		Locked: v.Locked, Mergeable: v.Mergeable, anonPrepared: v.anonPrepared,
	}
	rekey(v, v.Start, addr, v.PgOff)
	m.addVMA(tail)
	m.rm.VMASplit(v, tail)
	return tail
}

// isolate splits VMAs so that no VMA crosses start or end.
func (m *Machine) isolate(mm *MM, start, end uint64) {
	if v := mm.FindVMA(start); v != nil && v.Start < start {
		m.split(v, start)
	}
	if v := mm.FindVMA(end - 1); v != nil && v.End > end {
		m.split(v, end)
	}
}

// vmasIn returns the VMAs that overlap [start, end): the VMAs inside it
// once the range is isolated.
func vmasIn(mm *MM, start, end uint64) []*VMA {
	i := mm.vmaIndex(start)
	j := i
	for j < len(mm.vmas) && mm.vmas[j].Start < end {
		j++
	}
	return append([]*VMA(nil), mm.vmas[i:j]...)
}

// unmapRange is do_munmap: split at the edges, zap, unlink, free tables.
func (m *Machine) unmapRange(mm *MM, start, end uint64) {
	if first := mm.vmaIndex(start); first == len(mm.vmas) || mm.vmas[first].Start >= end {
		return
	}
	m.isolate(mm, start, end)
	gone := vmasIn(mm, start, end)
	for _, v := range gone {
		m.zap(v, v.Start, v.End)
	}
	for _, v := range gone {
		m.dropVMA(v)
		m.rm.VMAUnlink(v)
	}
	m.pt.pruneEmpty(mm.pgd, levels-1, 0, start, end)
}

// Munmap unmaps [addr, addr+length); unmapping nothing is not an error.
func (m *Machine) Munmap(pid, addr, length uint64) error {
	if err := checkRange("munmap", addr, length); err != nil {
		return err
	}
	mm, err := m.Process(pid)
	if err != nil {
		return err
	}
	t := m.startOp(OpMunmap)
	m.unmapRange(mm, addr, addr+length)
	m.endOp(t, OpMunmap, 1)
	return nil
}

// Mprotect changes the protection of the mapped parts of [addr,
// addr+length), splitting and merging VMAs as Linux does. Present PTEs are
// rewritten as change_pte_range does: a private mapping's PTEs lose write
// permission (a later write reuses or copies the page), a shared mapping's
// keep theirs only if the new protection allows writing.
func (m *Machine) Mprotect(pid, addr, length uint64, prot Prot) error {
	if err := checkRange("mprotect", addr, length); err != nil {
		return err
	}
	mm, err := m.Process(pid)
	if err != nil {
		return err
	}
	t := m.startOp(OpMprotect)
	end := addr + length
	changed := false
	for a := addr; a < end; {
		v := mm.FindVMA(a)
		if v == nil {
			i := mm.vmaIndex(a)
			if i == len(mm.vmas) || mm.vmas[i].Start >= end {
				break
			}
			a = mm.vmas[i].Start
			continue
		}
		if v.Prot != prot {
			changed = true
		}
		a = v.End
	}
	if changed {
		m.isolate(mm, addr, end)
		for _, v := range vmasIn(mm, addr, end) {
			if v.Prot == prot {
				continue
			}
			v.Prot = prot
			keepWrite := v.Shared && prot&ProtWrite != 0
			if !keepWrite {
				m.pt.forEachEntry(mm.pgd, v.Start, v.End, func(pt tableID, lo, hi int) {
					tab := m.pt.tables[pt]
					for i := lo; i < hi; i++ {
						if p := PTE(tab[i]); p.Present() {
							tab[i] = uint64(p &^ pteWrite)
						}
					}
				}, func(t tableID, slot int) { m.pt.tables[t][slot] &^= uint64(pteWrite) }) // change_huge_pmd
			}
		}
		m.mergeRange(mm, addr, end)
	}
	m.endOp(t, OpMprotect, 1)
	return nil
}

// mergeRange merges the VMAs touching [start, end) with their neighbours
// wherever they allow it.
func (m *Machine) mergeRange(mm *MM, start, end uint64) {
	i := mm.vmaIndex(start)
	if i > 0 {
		i--
	}
	for i+1 < len(mm.vmas) && mm.vmas[i].Start <= end {
		prev, next := mm.vmas[i], mm.vmas[i+1]
		if m.mergeable(prev, next) {
			m.absorb(prev, next)
			continue
		}
		i++
	}
}

// DontNeed is MADV_DONTNEED: the range's PTEs are zapped; VMAs stay.
func (m *Machine) DontNeed(pid, addr, length uint64) error {
	if err := checkRange("dontneed", addr, length); err != nil {
		return err
	}
	mm, err := m.Process(pid)
	if err != nil {
		return err
	}
	t := m.startOp(OpDontNeed)
	end := addr + length
	for i := mm.vmaIndex(addr); i < len(mm.vmas) && mm.vmas[i].Start < end; i++ {
		v := mm.vmas[i]
		m.zap(v, max(v.Start, addr), min(v.End, end))
	}
	m.endOp(t, OpDontNeed, 1)
	return nil
}

// Remap is remap_file_pages: inside one shared file VMA, [addr,
// addr+length) is made to map file pages pgoff onward. A VMA whose layout
// stops being linear leaves the i_mmap index for its file's nonlinear list
// (2.6.7, rmap 18). The range's PTEs become file PTEs: the next touch
// faults in the page they name.
func (m *Machine) Remap(pid, addr, length, pgoff uint64) error {
	if err := checkRange("remap", addr, length); err != nil {
		return err
	}
	mm, err := m.Process(pid)
	if err != nil {
		return err
	}
	v := mm.FindVMA(addr)
	if v == nil || addr+length > v.End || !v.Shared || v.File == nil {
		return inputErr("remap of [%#x, +%#x): not inside one shared file VMA", addr, length)
	}
	if err := m.checkTables(mm, addr, addr+length, "remapping"); err != nil {
		return err
	}
	t := m.startOp(OpRemap)
	if !v.Nonlinear && pgoff != v.LinearPgOff(addr) {
		v.File.Index.Remove(v)
		v.Nonlinear = true
		v.File.Nonlinear = append(v.File.Nonlinear, v)
	}
	m.zap(v, addr, addr+length)
	for i := uint64(0); i < length>>pageShift; i++ {
		a := addr + i<<pageShift
		leaf := m.pt.ensureLeaf(mm, a)
		m.pt.set(makePTEAddr(leaf, levelIndex(a, 0)), mkFilePTE(pgoff+i))
		if err := m.poll(); err != nil {
			m.endOp(t, OpRemap, 1)
			return err
		}
	}
	m.endOp(t, OpRemap, 1)
	return nil
}
