package main

import (
	"slices"

	"rmapbench/core"
	"rmapbench/strategies/filermap"
)

// Strategy describes anonmm-chain for strategies.Register.
var Strategy = core.Strategy{
	Name:         "anonmm-chain",
	Era:          "anonmm with rmap chains for mremapped pages (LKML, March 2004; never merged)",
	Summary:      "anonmm's walk of the mms forked from one exec at the page's address, plus a chain of the extra locations of pages mremap moved while shared (no copies)",
	DefaultIndex: "prio",
	New:          func(m *core.Machine) core.Rmapper { return newRmapper(m) },
}

// family is the mms forked from one exec: Hugh's head anonmm and its list.
type family struct {
	members []*core.MM
	// pages is the number of pages whose identity this family is.
	pages int
}

// location is one rmap chain entry: a place where a page is mapped other
// than at its recorded address.
type location struct {
	mm   *core.MM
	addr uint64
	// obj is the rmap_chain entry's slot in its slab: every read or
	// write of the entry is a Machine.Step on it (docs/cost-model.md).
	obj core.Obj
}

// rmapper is anonmm-chain on one machine.
type rmapper struct {
	core.BaseRmapper // nothing per VMA: anonymous pages are found by mm and address
	m                *core.Machine
	files            *filermap.Files
	anonmm, chain    core.ObjKind
	// chains holds each page's chain (page->pte.chain in 2.6.0's struct
	// page; a map here, keyed by frame).
	chains map[core.FrameID][]location
}

func newRmapper(m *core.Machine) *rmapper {
	anonmmSize, _ := m.Arch.StructSize("anonmm")
	// The fields anonmm's era put in existing structures: mm->anonmm, and
	// struct page's _mapcount (docs/accounting.md).
	m.DeclareFields("page._mapcount", "mm_struct.anonmm")
	return &rmapper{
		m:      m,
		files:  filermap.New(m, filermap.Era{SkipEmptyMM: true}),
		anonmm: m.Space.Register("anonmm", anonmmSize, true),
		chain:  m.Space.Register("rmap_chain", 3*m.Arch.PointerSize, true),
		chains: map[core.FrameID][]location{},
	}
}

func familyOf(mm *core.MM) *family { return mm.Rmap.(*family) }

// MMInit is exec_rmap (a new family) and dup_rmap (join the parent's).
func (r *rmapper) MMInit(mm, parent *core.MM) {
	var fam *family
	if parent == nil {
		fam = &family{}
		r.m.Space.Alloc(r.anonmm, 1) // the family's head
	} else {
		fam = familyOf(parent)
	}
	fam.members = append(fam.members, mm)
	r.m.Space.Alloc(r.anonmm, 1) // the mm's own anonmm
	mm.Rmap = fam
}

// MMExit is exit_rmap: the mm, whose pages are all gone, leaves its family.
func (r *rmapper) MMExit(mm *core.MM) {
	fam := familyOf(mm)
	fam.members = slices.DeleteFunc(fam.members, func(x *core.MM) bool { return x == mm })
	r.m.Space.Free(r.anonmm, 1)
	mm.Rmap = nil
	r.putFamily(fam)
}

// putFamily frees a family no mm and no page refers to.
func (r *rmapper) putFamily(fam *family) {
	if len(fam.members) == 0 && fam.pages == 0 {
		r.m.Space.Free(r.anonmm, 1)
	}
}

// PageAdd records where an anonymous page is: its first mapping gives it
// its family and address; a mapping elsewhere (a swapped-in page faulted
// by a process whose copy mremap moved) joins its chain. Never refuses.
func (r *rmapper) PageAdd(v *core.VMA, ref core.MapRef, kind core.AddKind) bool {
	fr := r.m.Frame(ref.Frame)
	if fr.Flags&core.FrameAnon == 0 {
		return true // file pages: i_mmap finds them
	}
	if fr.Anon == nil {
		fam := familyOf(v.MM)
		fam.pages++
		fr.Anon, fr.Index = fam, ref.Addr
		return true
	}
	if ref.Addr != fr.Index {
		r.addLocation(ref.Frame, location{mm: v.MM, addr: ref.Addr})
	}
	return true
}

// PagesDup is fork's copy of each PTE: the child's mapping is at the same
// address in a member of the same family, so only chained locations are
// copied (the "persistent dynamic overhead" Andrea objected to).
func (r *rmapper) PagesDup(child *core.VMA, refs []core.MapRef) {
	for _, ref := range refs {
		if fr := r.m.Frame(ref.Frame); fr.Flags&core.FrameAnon != 0 && ref.Addr != fr.Index {
			r.addLocation(ref.Frame, location{mm: child.MM, addr: ref.Addr})
		}
	}
}

// PagesRemove is page_remove_rmap: a chained location goes from the
// chain; a page left unmapped loses its identity.
func (r *rmapper) PagesRemove(v *core.VMA, refs []core.MapRef) {
	for _, ref := range refs {
		fr := r.m.Frame(ref.Frame)
		if fr.Flags&core.FrameAnon == 0 || fr.Anon == nil {
			continue
		}
		if ref.Addr != fr.Index {
			r.removeLocation(ref.Frame, location{mm: v.MM, addr: ref.Addr})
		}
		if fr.MapCount == 0 {
			r.forget(ref.Frame)
		}
	}
}

// PageMove is mremap moving one PTE. A page mapped once just changes its
// address, as in anonmm; a shared page keeps its address and the moved
// mapping joins its chain, where anonmm copied it.
func (r *rmapper) PageMove(dst, src *core.VMA, from, to core.MapRef) bool {
	fr := r.m.Frame(from.Frame)
	if fr.Flags&core.FrameAnon == 0 || fr.Anon == nil {
		return true
	}
	if from.Addr != fr.Index {
		r.removeLocation(from.Frame, location{mm: src.MM, addr: from.Addr})
	}
	switch {
	case fr.MapCount == 1:
		r.dropChain(from.Frame) // nothing else maps it
		fr.Index = to.Addr
	case to.Addr != fr.Index:
		r.addLocation(from.Frame, location{mm: dst.MM, addr: to.Addr})
	}
	return true
}

// locations calls try with every place the anonymous page fr may be
// mapped, until try returns false: each member of its family at the
// page's address (anonmm's walk), then its chain.
func (r *rmapper) locations(f core.FrameID, try func(v *core.VMA, addr uint64, a core.PTEAddr) bool) {
	fr := r.m.Frame(f)
	fam := fr.Anon.(*family)
	tryAt := func(mm *core.MM, addr uint64) bool {
		r.m.Walk.VMAs++
		v := mm.FindVMA(addr)
		if v == nil {
			r.m.LookupPTE(mm, addr) // the kernel walked the tables all the same
			return true
		}
		a, ok := r.m.CheckAddress(v, addr, f)
		return !ok || try(v, addr, a)
	}
	for _, mm := range slices.Clone(fam.members) {
		if !tryAt(mm, fr.Index) {
			return
		}
	}
	for _, loc := range slices.Clone(r.chains[f]) {
		r.m.Step(loc.obj)
		if !tryAt(loc.mm, loc.addr) {
			return
		}
	}
}

// Walk visits every mapping of f, stopping once mapcount mappings were
// found: file pages through i_mmap, anonymous pages by locations.
func (r *rmapper) Walk(f core.FrameID, visit func(v *core.VMA, addr uint64) bool) {
	fr := r.m.Frame(f)
	if fr.Flags&core.FrameAnon == 0 {
		r.files.Walk(f, visit)
		return
	}
	left := fr.MapCount
	if left == 0 || fr.Anon == nil {
		return
	}
	r.locations(f, func(v *core.VMA, addr uint64, _ core.PTEAddr) bool {
		left--
		return visit(v, addr) && left > 0
	})
}

// PageReferenced is page_referenced: every mapping locations finds has
// its accessed bit tested and cleared through Machine.ReferencedOne,
// until mapcount mappings were found; file pages go through i_mmap.
func (r *rmapper) PageReferenced(f core.FrameID) int {
	fr := r.m.Frame(f)
	if fr.Flags&core.FrameAnon == 0 {
		return r.files.Referenced(f)
	}
	left, young := fr.MapCount, 0
	if left == 0 || fr.Anon == nil {
		return 0
	}
	r.locations(f, func(v *core.VMA, addr uint64, a core.PTEAddr) bool {
		if r.m.ReferencedOne(a, f) {
			young++
		}
		left--
		return left > 0
	})
	return young
}

// TryToUnmap unmaps f wherever locations finds it, failing at a VM_LOCKED
// VMA or a young PTE as anonmm's try_to_unmap_one did; a page left
// unmapped loses its identity and chain, as try_to_unmap cleared
// page->mapping. As try_to_migrate (core/migrate.go) it keeps them: the
// new page takes them over (PageMigrate).
func (r *rmapper) TryToUnmap(f core.FrameID) bool {
	fr := r.m.Frame(f)
	if fr.Flags&core.FrameAnon == 0 {
		return r.files.TryToUnmap(f)
	}
	if fr.MapCount == 0 || fr.Anon == nil {
		return fr.MapCount == 0
	}
	r.locations(f, func(v *core.VMA, addr uint64, a core.PTEAddr) bool {
		if r.m.Mlocked(v) {
			return false
		}
		_, young := r.m.UnmapOneIfOld(v, addr, a, f)
		return !young && fr.MapCount > 0
	})
	if fr.MapCount > 0 {
		return false
	}
	if !r.m.Migrating() {
		r.forget(f)
	}
	return true
}

// PageMigrate gives a migrated page's chain to its new frame: the MMU
// copies the identity (Frame.Anon, Frame.Index), but the chains are kept
// here, by frame.
func (r *rmapper) PageMigrate(old, new core.FrameID) {
	if c, ok := r.chains[old]; ok {
		r.chains[new] = c
		delete(r.chains, old)
	}
}

func (r *rmapper) addLocation(f core.FrameID, loc location) {
	loc.obj = r.m.Space.New(r.chain)
	r.m.Step(loc.obj)
	r.chains[f] = append(r.chains[f], loc)
}

func (r *rmapper) removeLocation(f core.FrameID, loc location) {
	c := r.chains[f]
	// The search reads every entry up to the one removed.
	i := slices.IndexFunc(c, func(x location) bool {
		r.m.Step(x.obj)
		return x.mm == loc.mm && x.addr == loc.addr
	})
	if i >= 0 {
		r.m.Space.Delete(c[i].obj)
		r.chains[f] = slices.Delete(c, i, i+1)
	}
	if len(r.chains[f]) == 0 {
		delete(r.chains, f)
	}
}

func (r *rmapper) dropChain(f core.FrameID) {
	for _, loc := range r.chains[f] {
		r.m.Space.Delete(loc.obj)
	}
	delete(r.chains, f)
}

// forget clears the identity of a page no PTE maps any more.
func (r *rmapper) forget(f core.FrameID) {
	fr := r.m.Frame(f)
	fam := fr.Anon.(*family)
	r.dropChain(f)
	fr.Anon, fr.Index = nil, 0
	fam.pages--
	r.putFamily(fam)
}
