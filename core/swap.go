package core

// The simulated swap device is unbounded. A slot holds a page's content
// while the page is out, and counts the swap PTEs that refer to it
// (swap_duplicate / swap_free). While a page is also resident, the slot
// names its frame: that frame is in the swap cache, and every fault on a
// swap PTE of the slot maps that one frame, as do_swap_page finds the page
// in the swap cache.

type swapSlot struct {
	refs    uint32  // swap PTEs referring to the slot
	cache   FrameID // the resident copy, or 0
	content uint64  // what the page holds while it is out
	// ksm marks a slot a KSM page was swapped out to: its PTEs may lie in
	// unrelated processes, at unrelated addresses (ksm.go).
	ksm bool
}

type swapSpace struct {
	slots []swapSlot // slot 0 is never used
	free  []uint32
	live  int
}

// ensureSlot gives the anonymous frame f a swap slot (add_to_swap).
func (s *swapSpace) ensureSlot(m *Machine, f FrameID) uint32 {
	fr := &m.pm.frames[f]
	if fr.Flags&FrameSwapCache != 0 {
		return fr.swapSlot
	}
	if len(s.slots) == 0 {
		s.slots = append(s.slots, swapSlot{})
	}
	var slot uint32
	if n := len(s.free); n > 0 {
		slot = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		slot = uint32(len(s.slots))
		s.slots = append(s.slots, swapSlot{})
	}
	s.slots[slot] = swapSlot{cache: f}
	fr.Flags |= FrameSwapCache
	fr.swapSlot = slot
	s.live++
	return slot
}

// put drops one swap PTE's reference to slot (swap_free). A slot nobody
// refers to is freed; its resident frame leaves the swap cache and is freed
// if nothing maps it either.
func (s *swapSpace) put(m *Machine, slot uint32) {
	sl := &s.slots[slot]
	sl.refs--
	if sl.refs > 0 {
		return
	}
	s.release(m, slot)
}

func (s *swapSpace) release(m *Machine, slot uint32) {
	f := s.slots[slot].cache
	s.slots[slot] = swapSlot{}
	s.free = append(s.free, slot)
	s.live--
	if f != 0 {
		fr := &m.pm.frames[f]
		fr.Flags &^= FrameSwapCache
		fr.swapSlot = 0
		m.putAnonIfUnused(f)
	}
}

// shared reports whether swap PTEs still refer to the swap-cache page fr,
// so writing to it in place would be seen by them.
func (s *swapSpace) shared(fr *Frame) bool {
	return fr.Flags&FrameSwapCache != 0 && s.slots[fr.swapSlot].refs > 0
}

// heldKsm reports whether fr is in the swap cache of a slot that a KSM
// page was swapped out to.
func (s *swapSpace) heldKsm(fr *Frame) bool {
	return fr.Flags&FrameSwapCache != 0 && s.slots[fr.swapSlot].ksm
}
