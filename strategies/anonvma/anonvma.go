// Package anonvma is Andrea Arcangeli's anon_vma as Linux ran it from
// 2.6.7 to 2.6.33 (rmap 39-40 of the 2.6.7-rc1 series), following
// mm/rmap.c, mm/mmap.c and mm/memory.c of 2.6.12-rc2 (torvalds/linux
// 1da177e4c3f4), with file pages found through i_mmap (package objrmap).
//
// An anon_vma is a lock and a list of the VMAs whose anonymous pages it
// may hold: a VMA gets one at its first anonymous fault (anon_vma_prepare),
// sharing a compatible neighbour's if it has one (find_mergeable_anon_vma,
// Hugh's "better anon_vma sharing", rmap 40); fork links the child's VMA
// onto the parent's anon_vma (anon_vma_link), so a whole family of forked
// VMAs shares one list. A page points at the anon_vma (page->mapping with
// PAGE_MAPPING_ANON) and stores its linear offset (page->index =
// vm_pgoff + page number in the VMA). Anonymous VMAs keep vm_pgoff across
// mremap, so a moved page is still found at its offset without copying.
// There is no reference count: the anon_vma is freed when its list
// empties.
//
// As in 2.6.12:
//   - every link (anon_vma_prepare, anon_vma_link at fork, __anon_vma_link
//     at split and mremap) is a list_add at the head, so a walk meets the
//     newest VMA first, and stops as soon as the page is unmapped
//     (try_to_unmap_anon) or its mapcount is used up;
//   - try_to_unmap_one and page_referenced_one pass by a VMA whose mm has
//     no rss without looking at its page tables;
//   - a mapping found in a VM_LOCKED VMA makes try_to_unmap fail
//     (SWAP_FAIL ends the walk);
//   - anonymous VMAs merge only if their vm_pgoff run on
//     (can_vma_merge_after), and fork copies every PTE (copy_page_range
//     skips VMAs without an anon_vma only from 2.6.14, d992895ba2b2:
//     -fork-copy anon gives that later half of the era).
//
// Cost model:
//   - fault: the first anonymous fault of a VMA links it (O(1)); a page
//     costs nothing but two stores;
//   - fork: one list insert per VMA with an anon_vma, nothing per PTE;
//   - exit, munmap: one list delete per VMA;
//   - walk: every VMA on the anon_vma's list — the page's own process and
//     every VMA forked from it, whether or not it still maps the page —
//     each checked with vma_address and a page-table lookup. That O(N)
//     walk for a page mapped once is what anon_vma_chain (2.6.34) fixed.
//
// KSM (2.6.32+, reclaimable from 2.6.33; core/ksm.go) came at the end of
// this era: an rmap_item of a KSM page holds its VMA's anon_vma
// (ksm_refcount, so an anon_vma may outlive its list), a KSM page's walk
// visits every VMA on the list of each of its rmap_items' anon_vmas
// (rmap_walk_ksm, Machine.KSMWalk), and a page KSM shared across families
// comes back from swap as a copy for each anon_vma but the first
// (ksm_might_need_to_copy).
//
// Walk counters: vmas/walk counts list entries visited, chain-steps/walk
// the list nodes followed (and a KSM page's rmap_items), ptes/walk
// page-table lookups.
package anonvma

import (
	"rmapbench/core"
	"rmapbench/strategies/internal/objrmap"
)

// Strategy describes anonvma for the registry.
var Strategy = core.Strategy{
	Name:         "anonvma",
	Era:          "2.6.7 - 2.6.33",
	Summary:      "anon_vma: one list of VMAs per forked family; page index is its offset, kept across mremap",
	DefaultIndex: "prio",
	New:          func(m *core.Machine) core.Rmapper { return newRmapper(m) },
}

// anonVMA is struct anon_vma: a list of VMAs (the spinlock has no cost
// in a single-threaded simulator).
type anonVMA struct {
	head vmaLink // sentinel of the VMA list
	n    int
	// ksmRefs is 2.6.33's ksm_refcount: rmap_items of KSM pages that
	// hold the anon_vma (the first reference count an anon_vma had).
	ksmRefs int
	obj     core.Obj // its slot in the anon_vma slab
}

// vmaLink is a VMA's anon_vma_node; it is also the per-VMA state in
// VMA.Rmap (vma->anon_vma is av).
type vmaLink struct {
	vma        *core.VMA
	av         *anonVMA
	prev, next *vmaLink
}

type rmapper struct {
	m     *core.Machine
	files *objrmap.Files
	kind  core.ObjKind
}

func newRmapper(m *core.Machine) *rmapper {
	m.DeclareFields("page._mapcount", "vm_area_struct.anon_vma_node", "vm_area_struct.anon_vma")
	size, _ := m.Arch.StructSize("anon_vma")
	return &rmapper{m: m, files: objrmap.New(m, objrmap.Era{SkipEmptyMM: true}), kind: m.Space.Register("anon_vma", size, true)}
}

func state(v *core.VMA) *vmaLink {
	if l, ok := v.Rmap.(*vmaLink); ok {
		return l
	}
	l := &vmaLink{vma: v}
	v.Rmap = l
	return l
}

func anonOf(v *core.VMA) *anonVMA {
	if l, ok := v.Rmap.(*vmaLink); ok {
		return l.av
	}
	return nil
}

func (r *rmapper) alloc() *anonVMA {
	av := &anonVMA{}
	av.head.prev, av.head.next = &av.head, &av.head
	av.obj = r.m.Space.New(r.kind)
	return av
}

// link is anon_vma_link, __anon_vma_link and anon_vma_prepare's
// list_add: v joins av's list at the head, so walks meet the newest VMA
// first (2.6.12-rc2 mm/rmap.c).
func (r *rmapper) link(v *core.VMA, av *anonVMA) {
	l := state(v)
	l.av = av
	// list_add writes the head in the anon_vma, the new node in v and
	// the old first node (the head again when the list was empty).
	r.m.Step(av.obj)
	r.m.Step(v.Obj())
	r.nodeStep(av, av.head.next)
	l.prev, l.next = &av.head, av.head.next
	av.head.next.prev = l
	av.head.next = l
	av.n++
}

// unlink is anon_vma_unlink: v leaves its list; an empty anon_vma is freed.
func (r *rmapper) unlink(v *core.VMA) {
	l, ok := v.Rmap.(*vmaLink)
	if !ok || l.av == nil {
		return
	}
	av := l.av
	// list_del writes v's node and both neighbours.
	r.m.Step(v.Obj())
	r.nodeStep(av, l.prev)
	r.nodeStep(av, l.next)
	l.prev.next = l.next
	l.next.prev = l.prev
	l.prev, l.next, l.av = nil, nil, nil
	av.n--
	if av.n == 0 && av.ksmRefs == 0 {
		r.m.Space.Delete(av.obj)
	}
}

// nodeStep steps on the object holding list node l of av: the anon_vma
// for its head, else the VMA.
func (r *rmapper) nodeStep(av *anonVMA, l *vmaLink) {
	if l == &av.head {
		r.m.Step(av.obj)
	} else {
		r.m.Step(l.vma.Obj())
	}
}

func (r *rmapper) MMInit(mm, parent *core.MM) {}
func (r *rmapper) MMExit(mm *core.MM)         {}
func (r *rmapper) VMACreated(v *core.VMA)     {}
func (r *rmapper) VMAAdjusted(v *core.VMA)    {}

// AnonPrepare is anon_vma_prepare with find_mergeable_anon_vma: the next
// VMA is tried first, then the previous one.
func (r *rmapper) AnonPrepare(v *core.VMA) {
	if anonOf(v) != nil {
		return
	}
	prev, next := objrmap.Neighbours(v)
	var av *anonVMA
	switch {
	case next != nil && anonOf(next) != nil && objrmap.AnonCompatible(v, next):
		av = anonOf(next)
	case prev != nil && anonOf(prev) != nil && objrmap.AnonCompatible(prev, v):
		av = anonOf(prev)
	default:
		av = r.alloc()
	}
	r.link(v, av)
}

// VMAFork is dup_mmap's anon_vma_link: the child shares the parent's list.
func (r *rmapper) VMAFork(child, parent *core.VMA) {
	if av := anonOf(parent); av != nil {
		r.link(child, av)
	}
}

// VMASplit: the new VMA is linked on the same anon_vma.
func (r *rmapper) VMASplit(v, tail *core.VMA) {
	if av := anonOf(v); av != nil {
		r.link(tail, av)
	}
}

// CanMerge is is_mergeable_anon_vma, with can_vma_merge_after's offset
// rule for anonymous VMAs.
func (r *rmapper) CanMerge(prev, next *core.VMA) bool {
	a, b := anonOf(prev), anonOf(next)
	return (a == nil || b == nil || a == b) && objrmap.OffsetsRunOn(prev, next)
}

// VMAMerge: kept takes gone's anon_vma if it had none, then gone leaves
// the list (__anon_vma_merge).
func (r *rmapper) VMAMerge(kept, gone *core.VMA) {
	if anonOf(kept) == nil && anonOf(gone) != nil {
		r.link(kept, anonOf(gone))
	}
	r.unlink(gone)
}

// VMAMove is copy_vma: the new VMA joins the same anon_vma.
func (r *rmapper) VMAMove(dst, src *core.VMA) {
	if av := anonOf(src); av != nil {
		r.link(dst, av)
	}
}

func (r *rmapper) VMAUnlink(v *core.VMA) { r.unlink(v) }

// HasAnonState is vma->anon_vma != NULL, which fork asks under
// -fork-copy anon (2.6.14+, when this era's kernels skipped the rest).
func (r *rmapper) HasAnonState(v *core.VMA) bool { return anonOf(v) != nil }

// PageAdd is page_add_anon_rmap: on the first mapping the page gets the
// VMA's anon_vma and its linear offset. File pages keep no rmap state,
// and a KSM page keeps its stable node. A page from swap that another
// anon_vma or offset already describes (page->mapping stays after the
// last unmapping) is refused, and the MMU maps a copy (2.6.33's
// ksm_might_need_to_copy: only a page KSM shared across families before
// it was swapped out can be such a page).
func (r *rmapper) PageAdd(v *core.VMA, ref core.MapRef, kind core.AddKind) bool {
	if kind == core.AddFile || kind == core.AddKsm {
		return true
	}
	fr := r.m.Frame(ref.Frame)
	if old, ok := fr.Anon.(*anonVMA); ok && (kind == core.AddSwapIn || kind == core.AddSwapInExclusive) &&
		(old != anonOf(v) || fr.Index != v.LinearPgOff(ref.Addr)) {
		return false // ksm_might_need_to_copy: the MMU maps a copy
	}
	if fr.MapCount == 0 {
		fr.Anon = anonOf(v)
		fr.Index = v.LinearPgOff(ref.Addr)
	}
	return true
}

// KSMLink is try_to_merge_with_ksm_page's hold_anon_vma (2.6.33): an
// rmap_item of a KSM page keeps its VMA's anon_vma, which now outlives
// its list until the last such rmap_item lets go.
func (r *rmapper) KSMLink(v *core.VMA) (any, bool) {
	av := anonOf(v)
	if av == nil {
		return nil, false
	}
	av.ksmRefs++
	return av, true
}

// KSMUnlink is drop_anon_vma: the anon_vma goes with its last reference
// if its list is empty.
func (r *rmapper) KSMUnlink(anon any) {
	av := anon.(*anonVMA)
	av.ksmRefs--
	if av.ksmRefs == 0 && av.n == 0 {
		r.m.Space.Delete(av.obj)
	}
}

// ksmVMAs is rmap_walk_ksm's list_for_each_entry over an rmap_item's
// anon_vma: every VMA on the list.
func (r *rmapper) ksmVMAs(anon any, fn func(v *core.VMA) bool) {
	av := anon.(*anonVMA)
	for l := av.head.next; l != &av.head; l = l.next {
		r.m.Step(l.vma.Obj())
		if !fn(l.vma) {
			return
		}
	}
}

func (r *rmapper) PagesDup(child *core.VMA, refs []core.MapRef)           {}
func (r *rmapper) PagesRemove(v *core.VMA, refs []core.MapRef)            {}
func (r *rmapper) PageMove(dst, src *core.VMA, from, to core.MapRef) bool { return true }

// anonWalk visits the VMAs of f's anon_vma where f may be mapped; a KSM
// page's walk goes through its rmap_items (rmap_walk_ksm).
func (r *rmapper) anonWalk(f core.FrameID, fn func(v *core.VMA, addr uint64, a core.PTEAddr) bool) {
	m := r.m
	fr := m.Frame(f)
	if fr.Flags&core.FrameKsm != 0 {
		m.KSMWalk(f, r.ksmVMAs, fn)
		return
	}
	av := fr.Anon.(*anonVMA)
	for l := av.head.next; l != &av.head; l = l.next {
		m.Step(l.vma.Obj())
		m.Walk.VMAs++
		v := l.vma
		if r.files.Skips(v) {
			continue // try_to_unmap_one: the mm has no rss
		}
		addr, ok := v.Address(fr.Index)
		if !ok {
			continue // vma_address: -EFAULT, the page cannot be here
		}
		a, ok := m.CheckAddress(v, addr, f)
		if !ok {
			continue
		}
		if !fn(v, addr, a) {
			return
		}
	}
}

// Walk is rmap_walk: file pages through i_mmap, anonymous pages through
// their anon_vma.
func (r *rmapper) Walk(f core.FrameID, visit func(v *core.VMA, addr uint64) bool) {
	r.files.WalkPage(f, r.anonWalk, visit)
}

// TryToUnmap is try_to_unmap_anon / try_to_unmap_file.
func (r *rmapper) TryToUnmap(f core.FrameID) bool { return r.files.TryToUnmapPage(f, r.anonWalk) }
