package core

// The reverse walk of a KSM page (rmap_walk_ksm, 2.6.33+; ksm.go has
// the overview). A KSM page has no anonymous object of its own: its
// page->mapping is its stable node. Each rmap_item on the node names an
// mm, an address and the anonymous object of the VMA the page was merged
// in (rmap_item->anon_vma), which every VMA that may since have come to
// cover the address (a split, a merge) is linked to. The walk goes
// through the rmap_items, newest first, and for each through every VMA
// of its object (the whole anon_vma list in 2.6.33; in the
// anon_vma_chain era the whole interval tree, [0, ULONG_MAX]), looking
// at the VMA of the rmap_item's mm that covers its address.
//
// Cost: for each rmap_item, every VMA of its anonymous object, plus one
// page-table look-up where the VMA is the right one. max_page_sharing
// (4.13+) bounds the rmap_items of one KSM page, and so the walk.
//
// The kernel walks the rmap_items a second time (search_new_forks),
// looking at the VMAs of the other mms, for mappings fork made since
// ksmd last passed; the simulator gives those mappings their own
// rmap_items at fork (ksm.go), so one pass finds every mapping.
//
// Strategies whose anonymous walk goes through an anon_vma (anonvma,
// anonvma-avc, and whatever follows them) call KSMWalk from it for a page
// with FrameKsm, giving the walk over one of their anonymous objects.

// KSMWalk is rmap_walk_ksm for the KSM page f: vmas calls its fn with
// every VMA linked to the anonymous object anon (what KSMLink returned),
// until fn returns false, counting its own steps in Machine.Walk; KSMWalk
// calls fn with each mapping of f it finds, until fn returns false. It
// counts one chain step per rmap_item, one VMA per VMA vmas gives, and
// one PTE per page-table look-up.
func (m *Machine) KSMWalk(f FrameID, vmas func(anon any, fn func(v *VMA) bool), fn func(v *VMA, addr uint64, a PTEAddr) bool) {
	n := ksmNodeOf(&m.pm.frames[f])
	if n == nil {
		return
	}
	for it := n.items; it != nil; it = it.h.next {
		m.Step(it.obj)
		if it.anon == nil {
			continue
		}
		stop := false
		vmas(it.anon, func(v *VMA) bool {
			m.Walk.VMAs++
			if it.addr < v.Start || it.addr >= v.End || v.MM != it.mm {
				return true
			}
			a, ok := m.CheckAddress(v, it.addr, f)
			if ok && !fn(v, it.addr, a) {
				stop = true
			}
			return !stop
		})
		if stop {
			return
		}
	}
}
