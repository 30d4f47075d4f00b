// Package ptechain is Rik van Riel's pte-chain reverse mapping, as Linux
// ran it from 2.5.27 to 2.6.6 (mm/rmap.c of 2.6.0): every mapped page,
// anonymous or file, records the address of every PTE that maps it.
//
// A page mapped once is PageDirect: its struct page holds the single PTE
// address and no chain exists. From the second mapping on, the addresses
// live in pte_chain blocks of NRPTE entries, one L1 cache line each
// (NRPTE = 7 on x86-64 and on i386 with 32-byte lines), allocated from the
// "pte_chain" slab; only the head block has free slots. The blocks are
// those of package strategies/internal/ptechains, shared with filelinear.
//
// Cost model (what this era paid, and what the simulator makes it pay):
//   - fault: page_add_rmap, O(1), allocating a block per NRPTE mappings;
//   - fork: page_add_rmap for every present PTE copied (copy_page_range
//     in 2.6.0 mm/memory.c) — the fork tax of the OLS 2004 paper;
//   - munmap, exit: page_remove_rmap for every PTE zapped, each a linear
//     search of the page's chain;
//   - mremap: page_remove_rmap + page_add_rmap per moved PTE;
//   - walk (try_to_unmap): O(mappings): each PTE address leads to its mm
//     and address through the page-table page (ptep_to_mm,
//     ptep_to_address), then find_vma; no VMA that does not map the page
//     is ever visited.
//
// Chains are never collapsed back to PageDirect on removal; 2.6.0 did that
// only in page_referenced, under memory pressure (referenced.go).
//
// KSM (2.6.32+) came long after this era; the strategy can run it all
// the same, since a KSM page's mappings are on its chain like any page's
// (KSMLink).
//
// Walk counters: vmas/walk counts find_vma calls, ptes/walk the PTEs
// examined, chain-steps/walk the chain blocks followed.
package ptechain

import (
	"fmt"

	"rmapbench/core"
	"rmapbench/strategies/internal/ptechains"
)

// Strategy describes ptechain for the registry.
var Strategy = core.Strategy{
	Name:         "ptechain",
	Era:          "2.5.27 - 2.6.6",
	Summary:      "pte chains for every page: PageDirect, then NRPTE-entry cache-line blocks",
	DefaultIndex: "linear",
	New:          func(m *core.Machine) core.Rmapper { return New(m) },
}

// Rmapper keeps a pte chain for every mapped frame in Frame.Slot. It is
// exported so that the partial object rmap can use it for anonymous pages.
type Rmapper struct {
	core.BaseRmapper
	m     *core.Machine
	store *ptechains.Store
	kind  core.ObjKind
	// allocs and frees are the slab's counts the space model has been
	// told about.
	allocs, frees uint64
}

// New makes the pte-chain rmap for m, with blocks sized to m's arch.
func New(m *core.Machine) *Rmapper {
	// struct page of 2.6.0 carries the pte union in every frame.
	m.DeclareFields("page.pte")
	size, _ := m.Arch.StructSize("pte_chain")
	r := &Rmapper{
		m:     m,
		store: ptechains.New(m.Arch.NRPTE()),
		kind:  m.Space.Register("pte_chain", size, true),
	}
	// Every block a chain operation reads or writes is a step on the
	// block's line of the pte_chain slab.
	r.store.Touch = func(b uint32) { m.Step(core.ObjAt(r.kind, b)) }
	return r
}

func (r *Rmapper) head(f core.FrameID) *ptechains.Head {
	return (*ptechains.Head)(&r.m.Frame(f).Slot)
}

// account brings the space model in step with the slab.
func (r *Rmapper) account() {
	st := r.store.Stats()
	if st.Allocs > r.allocs {
		r.m.Space.Alloc(r.kind, int(st.Allocs-r.allocs))
		r.allocs = st.Allocs
	}
	if st.Frees > r.frees {
		r.m.Space.Free(r.kind, int(st.Frees-r.frees))
		r.frees = st.Frees
	}
}

// Add records one mapping (page_add_rmap).
func (r *Rmapper) Add(ref core.MapRef) {
	r.store.Add(r.head(ref.Frame), ptechains.PTE(ref.PTE))
	r.account()
}

// Remove drops one mapping (page_remove_rmap).
func (r *Rmapper) Remove(ref core.MapRef) {
	if found, _ := r.store.Remove(r.head(ref.Frame), ptechains.PTE(ref.PTE)); !found {
		panic(fmt.Sprintf("ptechain: PTE %#x of frame %d is not on its chain", ref.PTE, ref.Frame))
	}
	r.account()
}

func (r *Rmapper) PageAdd(v *core.VMA, ref core.MapRef, kind core.AddKind) bool {
	r.Add(ref)
	return true
}

func (r *Rmapper) PagesDup(child *core.VMA, refs []core.MapRef) {
	for _, ref := range refs {
		r.store.Add(r.head(ref.Frame), ptechains.PTE(ref.PTE))
	}
	r.account()
}

func (r *Rmapper) PagesRemove(v *core.VMA, refs []core.MapRef) {
	for _, ref := range refs {
		if found, _ := r.store.Remove(r.head(ref.Frame), ptechains.PTE(ref.PTE)); !found {
			panic(fmt.Sprintf("ptechain: PTE %#x of frame %d is not on its chain", ref.PTE, ref.Frame))
		}
	}
	r.account()
}

// KSMLink lets ksmd merge pages: 2.6.0 had no KSM, but a pte chain
// records every mapping of any page, so a KSM page's mappings are on its
// chain like any other's and its rmap_items need nothing (core/ksm.go).
func (r *Rmapper) KSMLink(v *core.VMA) (any, bool) { return nil, true }

// KSMUnlink is never called: KSMLink hands out nothing.
func (r *Rmapper) KSMUnlink(anon any) {}

// PageMove is 2.6.0's move_one_page: the chain entry for the old PTE goes,
// one for the new PTE comes.
func (r *Rmapper) PageMove(dst, src *core.VMA, from, to core.MapRef) bool {
	r.Remove(from)
	r.Add(to)
	return true
}

// owner resolves a chain entry to its VMA and address, counting the
// find_vma.
func (r *Rmapper) owner(pte ptechains.PTE) (*core.VMA, uint64) {
	mm, addr := r.m.PTEOwner(core.PTEAddr(pte))
	r.m.Walk.VMAs++
	r.m.Walk.PTEs++
	return mm.FindVMA(addr), addr
}

// Walk visits every PTE on f's chain.
func (r *Rmapper) Walk(f core.FrameID, visit func(v *core.VMA, addr uint64) bool) {
	r.m.TouchPage(f)
	r.store.Each(*r.head(f), func(pte ptechains.PTE) bool {
		v, addr := r.owner(pte)
		return visit(v, addr)
	})
}

// TryToUnmap unmaps every PTE on f's chain, removing each entry as it goes
// (try_to_unmap with try_to_unmap_one). A PTE in a VM_LOCKED VMA ends the
// walk: 2.6.0's try_to_unmap_one returns SWAP_FAIL after find_vma, and
// try_to_unmap stops there. As try_to_migrate (pte chains had no
// migration; core/migrate.go), a PTE left holding a migration entry keeps
// its entry: it still refers to the page, and the chain goes to the new
// page (PageMigrate).
func (r *Rmapper) TryToUnmap(f core.FrameID) bool {
	r.m.TouchPage(f)
	r.store.UnmapEach(r.head(f), func(pte ptechains.PTE) (bool, bool) {
		v, addr := r.owner(pte)
		if r.m.Mlocked(v) {
			return false, true
		}
		a := core.PTEAddr(pte)
		return r.m.UnmapOne(v, addr, a, f) && !r.m.PTE(a).IsMigration(), false
	})
	r.account()
	return r.m.Frame(f).MapCount == 0
}

// PageMigrate moves f's chain to the new frame: its entries are the
// addresses of the PTEs that hold migration entries and will map new.
// Moving the head is O(1); no block changes.
func (r *Rmapper) PageMigrate(old, new core.FrameID) {
	*r.head(new) = *r.head(old)
	*r.head(old) = 0
}

// Audit checks the chains against the machine: the slab with CheckAll
// over every frame's head (no block outside a chain, none leaked), the
// space model's count, and each frame's chain against its mappings: a
// chained frame (chained(f) true; every frame for ptechain) holds exactly
// MapCount PTEs, any other frame none. A block that outlived the mappings
// it recorded would be one the kernel had freed (page_remove_rmap frees
// an emptied block at once). For tests.
func (r *Rmapper) Audit(chained func(core.FrameID) bool) error {
	heads := make([]ptechains.Head, 0, r.m.FrameCount())
	for f := core.FrameID(1); int(f) < r.m.FrameCount(); f++ {
		h := *r.head(f)
		heads = append(heads, h)
		want := 0
		if chained(f) {
			want = int(r.m.Frame(f).MapCount)
		}
		if n := r.store.Len(h); n != want {
			return fmt.Errorf("ptechain: frame %d has %d PTEs on its chain and %d mappings to record", f, n, want)
		}
	}
	if err := r.store.CheckAll(heads); err != nil {
		return fmt.Errorf("ptechain: %w", err)
	}
	if live := r.m.Space.Live(r.kind); live != int64(r.store.LiveBlocks()) {
		return fmt.Errorf("ptechain: the space model counts %d blocks, the slab holds %d", live, r.store.LiveBlocks())
	}
	return nil
}

// AuditAll is Audit for the ptechain strategy: every frame is chained.
func (r *Rmapper) AuditAll() error { return r.Audit(func(core.FrameID) bool { return true }) }
