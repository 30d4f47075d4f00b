package anonmm

import (
	"fmt"

	"rmapbench/core"
	"rmapbench/strategies/internal/objrmap"
)

// Strategy describes anonmm for the registry.
var Strategy = core.Strategy{
	Name:         "anonmm",
	Era:          "2.6.6-mm / 2.6.7-rc1 (rmap 10-37, never released)",
	Summary:      "one anonmm per mm chained by fork from its exec head, anon page->index = virtual address (mremap copies shared pages); files by i_mmap",
	DefaultIndex: "prio",
	New:          func(m *core.Machine) core.Rmapper { return New(m) },
}

// anonmm is struct anonmm of rmap 10-37.
type anonmm struct {
	// count is the reference count: one from the mm while it lives, one
	// per page whose mapping this is, and for a head one from itself plus
	// one per other anonmm on its list.
	count int
	// mm is the address space, nil once it has exited.
	mm *core.MM
	// head is the anonmm that exec_rmap created for the chain; a head
	// points to itself.
	head *anonmm
	// prev and next are the list_head: a circular list through the head
	// and every anonmm forked from it.
	prev, next *anonmm
	obj        core.Obj // its slot in the anonmm slab
}

// Rmapper is the anonmm rmap of one machine.
type Rmapper struct {
	core.BaseRmapper // anonmm keeps no per-VMA state
	m                *core.Machine
	files            *objrmap.Files
	kind             core.ObjKind
}

// New makes the anonmm rmap for m.
func New(m *core.Machine) *Rmapper {
	// rmap 9's struct page keeps a mapcount; rmap 10 adds mm->anonmm.
	m.DeclareFields("page._mapcount", "mm_struct.anonmm")
	size, _ := m.Arch.StructSize("anonmm")
	return &Rmapper{
		m:     m,
		files: objrmap.New(m, objrmap.Era{SkipEmptyMM: true}),
		kind:  m.Space.Register("anonmm", size, true),
	}
}

func of(mm *core.MM) *anonmm {
	a, ok := mm.Rmap.(*anonmm)
	if !ok {
		panic(fmt.Sprintf("anonmm: process %d has no anonmm", mm.PID))
	}
	return a
}

// pageAnonmm returns page->mapping of an anonymous frame, or nil.
func pageAnonmm(fr *core.Frame) *anonmm {
	a, _ := fr.Anon.(*anonmm)
	return a
}

func (r *Rmapper) alloc() *anonmm {
	return &anonmm{obj: r.m.Space.New(r.kind)}
}

// free is kmem_cache_free: the object is poisoned so that a use after
// free panics instead of passing unnoticed.
func (r *Rmapper) free(a *anonmm) {
	obj := a.obj
	*a = anonmm{count: -1}
	r.m.Space.Delete(obj)
}

// MMInit is exec_rmap for a new process or an exec (parent == nil) and
// dup_rmap for a fork.
func (r *Rmapper) MMInit(mm, parent *core.MM) {
	a := r.alloc()
	a.mm = mm
	if parent == nil {
		// exec starts a new chain: referenced by its mm and as head.
		a.count = 2
		a.head = a
		a.prev, a.next = a, a
	} else {
		// fork appends to the parent's chain (list_add_tail under the
		// head): O(1) whatever the size of the family.
		hd := of(parent).head
		// list_add_tail writes the new anonmm, the head and the tail.
		r.m.Step(a.obj)
		r.m.Step(hd.obj)
		r.m.Step(hd.prev.obj)
		a.count = 1
		a.head = hd
		hd.count++
		a.prev, a.next = hd.prev, hd
		hd.prev.next = a
		hd.prev = a
	}
	mm.Rmap = a
}

// MMExit is exit_rmap, called after exit_mmap has dropped every page the
// mm mapped: the anonmm forgets its mm and loses the mm's reference; it
// goes now if no page refers to it, and the head goes with the last
// member of its chain.
func (r *Rmapper) MMExit(mm *core.MM) {
	a := of(mm)
	hd := a.head
	mm.Rmap = nil
	a.mm = nil
	a.count--
	if a.count == 0 {
		if a == hd {
			panic("anonmm: exit_rmap dropped the last reference of a head")
		}
		r.unlinkFree(a)
	}
	if hd.count == 1 {
		if hd.mm != nil || hd.next != hd {
			panic("anonmm: head down to its own reference with a live mm or members")
		}
		r.free(hd)
	}
}

// unlinkFree takes a non-head anonmm off its chain and frees it, giving
// back the reference it held on its head (list_del in exit_rmap and
// free_anonmm).
func (r *Rmapper) unlinkFree(a *anonmm) {
	hd := a.head
	// list_del writes both neighbours; the head's count is written too.
	r.m.Step(a.prev.obj)
	r.m.Step(a.next.obj)
	r.m.Step(hd.obj)
	a.prev.next = a.next
	a.next.prev = a.prev
	r.free(a)
	hd.count--
	if hd.count == 0 {
		panic("anonmm: head lost its own reference")
	}
}

// put drops one page's reference (clear_page_anon). A non-head anonmm
// whose count reaches zero is freed (free_anonmm). The head cannot be
// left with only its own reference here: the page was mapped by a live
// mm of the chain until now, and that mm still holds the head (by its
// own anonmm on the list, or as the head's mm); exit_rmap frees heads.
func (r *Rmapper) put(a *anonmm) {
	a.count--
	if a.count > 0 {
		return
	}
	if a == a.head || a.mm != nil {
		panic("anonmm: last page reference dropped from a head or a live mm's anonmm")
	}
	hd := a.head
	r.unlinkFree(a)
	if hd.count == 1 {
		panic("anonmm: a page reference held the last member of a chain")
	}
}

// clearPageAnon undoes the anonymous identity of a frame that no PTE maps
// any more and drops its reference. Frame.Index keeps the stale address,
// as page->index did: only a mapped page's index means anything.
func (r *Rmapper) clearPageAnon(fr *core.Frame) {
	a := pageAnonmm(fr)
	fr.Anon = nil
	r.put(a)
}

// PageAdd is page_add_anon_rmap (page_add_file_rmap for a page-cache
// page, which is the mapcount alone). The first mapping of an anonymous
// page gives it its identity: the anonmm of the faulting mm, referenced,
// and the faulting address. A page brought back from the swap cache
// while other PTEs map it keeps its identity, and must then be at the
// same address: if its swap PTE was moved by mremap while the page was
// out, the address clashes and the fault maps a private copy instead
// (mremap_moved_anon_rmap in do_swap_page).
func (r *Rmapper) PageAdd(v *core.VMA, ref core.MapRef, kind core.AddKind) bool {
	if kind == core.AddFile {
		return true
	}
	fr := r.m.Frame(ref.Frame)
	if fr.MapCount > 0 {
		if kind != core.AddSwapIn || pageAnonmm(fr) == nil {
			panic(fmt.Sprintf("anonmm: frame %d added as %d with mapcount %d and mapping %v", ref.Frame, kind, fr.MapCount, fr.Anon))
		}
		return fr.Index == ref.Addr
	}
	if fr.Anon != nil {
		panic(fmt.Sprintf("anonmm: unmapped frame %d still has an anonmm", ref.Frame)) // BUG_ON(page->mapping)
	}
	a := of(v.MM)
	a.count++
	fr.Anon = a
	fr.Index = ref.Addr
	return true
}

// KSMLink refuses every merge: a KSM page is mapped at many addresses by
// processes of many families, which an anonmm (one chain of mms, one
// address per page) cannot describe. Under anonmm ksmd scans and keeps
// its trees, but merges nothing (core/ksm.go, docs/ksm.md).
func (r *Rmapper) KSMLink(v *core.VMA) (any, bool) { return nil, false }

// KSMUnlink is never called: KSMLink refuses.
func (r *Rmapper) KSMUnlink(anon any) {}

// PagesDup is page_dup_rmap: the mapcount alone, which the MMU keeps.
// Fork costs nothing per page here; the child's PTEs are at the same
// addresses, in an mm on the same chain.
func (r *Rmapper) PagesDup(child *core.VMA, refs []core.MapRef) {}

// PagesRemove is page_remove_rmap for a batch: a page left with no
// mapping loses its identity and its anonmm reference. A frame may occur
// more than once in a batch; clearing makes the next occurrence a no-op.
func (r *Rmapper) PagesRemove(v *core.VMA, refs []core.MapRef) {
	for _, ref := range refs {
		fr := r.m.Frame(ref.Frame)
		if fr.MapCount == 0 && fr.Anon != nil {
			r.clearPageAnon(fr)
		}
	}
}

// PageMove is mremap_move_anon_rmap, called by move_page_tables through
// can_move_one_pte: an anonymous page mapped once changes its address;
// a shared one is refused, and the MMU copies it (make_page_exclusive)
// and moves the copy. File pages move freely: their index is an offset.
func (r *Rmapper) PageMove(dst, src *core.VMA, from, to core.MapRef) bool {
	fr := r.m.Frame(from.Frame)
	if fr.Flags&core.FrameAnon == 0 {
		return true
	}
	if fr.MapCount != 1 {
		return false
	}
	fr.Index = to.Addr
	return true
}

// tryMM is the part of page_referenced_one / try_to_unmap_one that
// finds whether mm maps frame f at addr: one find_vma and one page-table
// lookup.
func (r *Rmapper) tryMM(mm *core.MM, addr uint64, f core.FrameID) (*core.VMA, core.PTEAddr, bool) {
	r.m.Walk.VMAs++
	v := mm.FindVMA(addr)
	if v == nil {
		// No VMA, so no PTE maps the page here; the kernel's
		// page_check_address walked the tables all the same.
		r.m.LookupPTE(mm, addr)
		return nil, 0, false
	}
	a, ok := r.m.CheckAddress(v, addr, f)
	return v, a, ok
}

// eachCandidate calls try with every mm that may map the anonymous page
// fr, in try_to_unmap_anon's order, until try returns false: first the
// mm recorded in page->mapping, then every other anonmm on its list,
// going round from the recorded one (not from the head: a page faulted
// back from swap is recorded in whichever mm took it first, which need
// not be the oldest). Exited mms and mms with no RSS are skipped without
// a lookup.
func (r *Rmapper) eachCandidate(fr *core.Frame, try func(mm *core.MM) bool) {
	first := pageAnonmm(fr)
	if first == nil {
		panic(fmt.Sprintf("anonmm: mapped anonymous frame (mapcount %d) has no anonmm", fr.MapCount))
	}
	if first.mm != nil && first.mm.RSS > 0 && !try(first.mm) {
		return
	}
	for a := first.next; a != first; a = a.next {
		r.m.Step(a.obj)
		if a.mm == nil || a.mm.RSS == 0 {
			continue
		}
		if !try(a.mm) {
			return
		}
	}
}

// Walk visits the mappings of f: file pages through i_mmap, anonymous
// pages along their anonmm chain (page_referenced_anon without the
// ageing), stopping once all mapcount mappings have been found.
func (r *Rmapper) Walk(f core.FrameID, visit func(v *core.VMA, addr uint64) bool) {
	fr := r.m.Frame(f)
	if fr.Flags&core.FrameAnon == 0 {
		r.files.Walk(f, visit)
		return
	}
	left := fr.MapCount
	if left == 0 {
		return
	}
	addr := fr.Index
	r.m.TouchPage(f) // page->mapping, page->index
	r.eachCandidate(fr, func(mm *core.MM) bool {
		v, _, ok := r.tryMM(mm, addr, f)
		if !ok {
			return true
		}
		left--
		return visit(v, addr) && left > 0
	})
}

// TryToUnmap is try_to_unmap: try_to_unmap_anon along the chain until the
// mapcount reaches zero, or until a mapping is found in a VM_LOCKED VMA
// (try_to_unmap_one's SWAP_FAIL ends the walk), then, as try_to_unmap
// did, clear the anonymous identity of a page left unmapped; file pages
// go to try_to_unmap_file. As try_to_migrate (anonmm never had migration;
// core/migrate.go) it keeps the identity, anonmm reference and virtual
// address, which the new page takes over.
func (r *Rmapper) TryToUnmap(f core.FrameID) bool {
	fr := r.m.Frame(f)
	if fr.Flags&core.FrameAnon == 0 {
		return r.files.TryToUnmap(f)
	}
	if fr.MapCount == 0 {
		return true
	}
	addr := fr.Index
	r.m.TouchPage(f) // page->mapping, page->index
	r.eachCandidate(fr, func(mm *core.MM) bool {
		if v, a, ok := r.tryMM(mm, addr, f); ok {
			if r.m.Mlocked(v) {
				return false
			}
			if _, young := r.m.UnmapOneIfOld(v, addr, a, f); young {
				return false // SWAP_FAIL
			}
		}
		return fr.MapCount > 0
	})
	if fr.MapCount > 0 {
		return false
	}
	if !r.m.Migrating() {
		r.clearPageAnon(fr)
	}
	return true
}
