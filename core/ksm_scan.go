package core

// ksmd's scan (ksm_do_scan, scan_get_next_rmap_item, cmp_and_merge_page;
// ksm.go has the overview). ksmd visits the mms of its list in order,
// each one's VM_MERGEABLE VMAs that have an anon_vma in address order,
// and in each the addresses that map an anonymous page; it keeps one
// rmap_item per such (mm, address), in the mm's list by address, and
// frees those of addresses it no longer finds a page at. Each page
// found is compared with the stable tree first, then, if its checksum
// did not change since the last full scan, with the unstable tree:
//
//	page is a KSM page with its rmap_item on it       nothing to do
//	the stable tree has its content with room         map the KSM page here
//	checksum changed since the last full scan         remember it, go on
//	the unstable tree has its content                 make one a KSM page,
//	                                                  map it at both places
//	else                                              insert it in the unstable tree
//
// A full scan ends when the cursor passes the list's head: the unstable
// tree is dropped then, and an mm with no VM_MERGEABLE VMA left leaves
// the list.

// KSMScan is the trace's `ksm N`: ksmd scans up to n pages, as many
// ksm_do_scan batches as that takes. It stops early when a whole scan
// changed nothing (no rmap_item made or freed, no checksum changed,
// nothing merged): ksmd's state is then what it was when that scan
// began, and more scans would do the same again, so `ksm N` with a huge
// N ends.
func (m *Machine) KSMScan(n int) error {
	t := m.startOp(OpKsm)
	defer m.endOp(t, OpKsm, 1)
	k := m.ksm
	if k == nil {
		return nil
	}
	began := false // a whole scan began during this call
	var atStart uint64
	for scanned := 0; scanned < n; {
		it, f, err := m.ksmNextItem()
		if err != nil {
			return err
		}
		if it == nil {
			if k.head.next == &k.head || began && k.progress == atStart {
				return nil
			}
			began, atStart = true, k.progress
			continue
		}
		if err := m.ksmCmpAndMerge(f, it); err != nil {
			return err
		}
		scanned++
		if err := m.poll(); err != nil {
			return err
		}
	}
	return nil
}

// ksmNextItem is scan_get_next_rmap_item: the rmap_item of the next
// anonymous page ksmd finds, and the page; nil at the end of a full scan.
// Addresses no page table covers are passed over a missing table at a
// time (the kernel's follow_page looks at each).
func (m *Machine) ksmNextItem() (*rmapItem, FrameID, error) {
	k := m.ksm
	if k.head.next == &k.head {
		return nil, 0, nil
	}
	if k.cursor == &k.head {
		k.unstable.Reset()
		k.moveCursor(k.head.next)
	}
	for {
		s := k.cursor
		mm := s.mm
		for i := mm.vmaIndex(k.addr); i < len(mm.vmas); i++ {
			v := mm.vmas[i]
			if !v.Mergeable {
				continue
			}
			k.addr = max(k.addr, v.Start)
			if !m.hasAnonState(v) {
				k.addr = v.End
			}
			for k.addr < v.End {
				if err := m.poll(); err != nil {
					return nil, 0, err
				}
				a, p := m.ksmPTE(mm, k.addr)
				if a == 0 {
					k.addr = min(v.End, m.ksmSkipAbsent(mm, k.addr))
					continue
				}
				f := p.Frame()
				if p.Present() && f != ZeroFrame && m.pm.frames[f].Flags&FrameAnon != 0 {
					it := m.ksmGetNextItem(s, k.addr)
					k.next = &it.next
					k.addr += PageSize
					return it, f, nil
				}
				k.addr += PageSize
			}
		}
		// The end of this mm: its rmap_items past the last page found go.
		m.ksmFreeItems(k.next)
		next := s.next
		if k.addr == 0 {
			m.ksmDropSlot(s) // no VM_MERGEABLE VMA left
		}
		k.moveCursor(next)
		if next == &k.head {
			return nil, 0, nil
		}
	}
}

// ksmSkipAbsent returns where ksmd's scan of mm goes on from addr, which
// no PTE table covers: the end of the missing page-table subtree
// around it (a PTE table's 2 MiB, a PMD's 1 GiB, a PUD's 512 GiB).
func (m *Machine) ksmSkipAbsent(mm *MM, addr uint64) uint64 {
	t := mm.pgd
	for level := uint8(levels - 1); level > 0; level-- {
		e := m.pt.tables[t][levelIndex(addr, level)]
		if e == 0 {
			span := uint64(1) << levelShift(level)
			return (addr + span) &^ (span - 1)
		}
		t = tableID(e)
	}
	return addr + PageSize
}

// ksmGetNextItem is get_next_rmap_item: the rmap_item of addr in s's
// list at the cursor, freeing those of addresses the scan passed by.
func (m *Machine) ksmGetNextItem(s *ksmSlot, addr uint64) *rmapItem {
	k := m.ksm
	for *k.next != nil {
		it := *k.next
		if it.addr == addr {
			return it
		}
		if it.addr > addr {
			break
		}
		*k.next = it.next
		it.next = nil
		m.ksmFreeItems(&it)
	}
	it := m.ksmNewItem(s.mm, addr)
	it.next = *k.next
	*k.next = it
	return it
}

// ksmChecksum is calc_checksum: a 32-bit hash of the page (here of its
// content token). rmap_items start at 0, so a page enters the unstable
// tree at the second full scan that finds it unchanged.
func ksmChecksum(content uint64) uint32 {
	content ^= content >> 33
	content *= 0xff51afd7ed558ccd
	content ^= content >> 33
	content *= 0xc4ceb9fe1a85ec53
	content ^= content >> 33
	return uint32(content)
}

// ksmCmpAndMerge is cmp_and_merge_page for page f, found at it's address.
func (m *Machine) ksmCmpAndMerge(f FrameID, it *rmapItem) error {
	k := m.ksm
	if n := ksmNodeOf(&m.pm.frames[f]); n != nil && it.state == itemStable && it.head == n {
		return nil // already on the page's stable node
	}
	if kpage := m.ksmStableSearch(f); kpage != 0 {
		m.ksmRemoveItem(it)
		if m.ksmMergeWithKsmPage(it, f, kpage) {
			m.ksmAppend(it, ksmNodeOf(&m.pm.frames[kpage]))
			k.merged++
			k.progress++
		}
		return nil
	}
	m.ksmRemoveItem(it)
	if sum := ksmChecksum(m.pm.frames[f].Content); it.checksum != sum {
		it.checksum = sum // the page changed since the last scan
		k.progress++
		return nil
	}
	tree, tf := m.ksmUnstableSearchInsert(it, f)
	if tree == nil {
		return nil
	}
	kpage, err := m.ksmMergeTwo(it, f, tree, tf)
	if kpage != 0 {
		k.progress++
		n := m.ksmStableInsert(kpage)
		m.ksmAppend(tree, n)
		m.ksmAppend(it, n)
		k.merged += 2
	}
	return err
}
