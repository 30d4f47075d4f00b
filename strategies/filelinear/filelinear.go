// Package filelinear is Dave McCracken's partial object-based rmap, as it
// ran in -mm during 2003 and reached mainline as Hugh Dickins' "rmap 7"
// (HT:79603666b5; OLS 2004, section 3.1): file pages are found through
// their file's i_mmap, anonymous pages still carry pte chains.
//
// A file page keeps no per-mapping record: page_add_rmap for a file page
// only counts the mapping, so fork and exit pay nothing per file PTE; to
// find the page's mappings the walk goes through every VMA on the file's
// i_mmap list and checks with vma_address whether it covers the page
// (package objrmap; with -fileindex the same strategy runs over a prio or
// interval tree instead). Anonymous pages keep the pte chains of 2.6.0
// (package ptechain's Rmapper, the same chain store).
//
// Nonlinear VMAs (remap_file_pages) are handled as McCracken did, not
// with the cluster scan of Hugh's "rmap 8" that mainline took instead:
// a nonlinear VMA stays on the file's lists (its linear mappings are
// found like any other), and a page installed away from its linear place
// is converted to pte chains (page_convert_anon, in install_page): every
// mapping of it found through the lists goes on a chain, the page is
// marked PG_anon, and from then on all its mappings are chained until the
// page is freed. Walks of such pages are exact and find the nonlinear
// mappings too; the price is pte_chain blocks and the conversion at
// fault time. The -nonlinear policies do not apply. Sources: "[PATCH
// 2.5.66-mm3] New page_convert_anon" (McCracken, LKML, 2003-04-03) and
// the objrmap of Martin Bligh's tree as Hugh Dickins posted it in
// "anobjrmap 1/6 Dave McCracken's objrmap" (2004-03), whose
// try_to_unmap_obj_one also fails on a VM_LOCKED VMA (SWAP_FAIL).
//
// The rest is 2.6.0's: struct page keeps the pte union (with the file
// mapcount as one of its members), fork copies every PTE, and anonymous
// VMAs merge whatever their vm_pgoff.
//
// KSM (2.6.32+) came long after; a KSM page is anonymous, so its
// mappings are on its pte chain like any anonymous page's (KSMLink).
//
// Cost model: fork, exit and munmap cost what ptechain costs for
// anonymous PTEs and nothing per file PTE; a walk of a file page costs
// every VMA mapping any part of the file (the linear list), "rising
// linearly with the number of times any part of the file is mapped"
// (OLS 2004); a walk of an anonymous or converted page costs its
// mappings.
package filelinear

import (
	"rmapbench/core"
	"rmapbench/strategies/internal/objrmap"
	"rmapbench/strategies/ptechain"
)

// Strategy describes filelinear for the registry.
var Strategy = core.Strategy{
	Name:         "filelinear",
	Era:          "2.5.6x-mm (2003), mainline rmap 7",
	Summary:      "McCracken's partial objrmap: file pages through the i_mmap list, anonymous pages on pte chains",
	DefaultIndex: "linear",
	New:          func(m *core.Machine) core.Rmapper { return newRmapper(m) },
}

type rmapper struct {
	core.BaseRmapper
	m      *core.Machine
	chains *ptechain.Rmapper
	files  *objrmap.Files
}

func newRmapper(m *core.Machine) *rmapper {
	return &rmapper{m: m, chains: ptechain.New(m), files: objrmap.New(m, objrmap.Era{NonlinearOnList: true})}
}

// converted is the PG_anon that page_convert_anon set on a page-cache
// page, kept in Frame.Anon: from then on the page's mappings are on pte
// chains. The kernel cleared it only when the page was freed
// (free_pages_check), which here zeroes the frame.
type converted struct{}

// chained reports whether f's mappings are on pte chains: an anonymous
// page, or a file page converted by page_convert_anon.
func (r *rmapper) chained(f core.FrameID) bool {
	fr := r.m.Frame(f)
	return fr.Flags&core.FrameAnon != 0 || fr.Anon == converted{}
}

// PageAdd is page_add_rmap: a chain entry for an anonymous or converted
// page, the mapcount alone for another file page. A file page installed
// away from its linear place in a nonlinear VMA (install_page from
// remap_file_pages or a fault on a file PTE) is converted first.
func (r *rmapper) PageAdd(v *core.VMA, ref core.MapRef, kind core.AddKind) bool {
	if kind == core.AddFile && !r.chained(ref.Frame) {
		if !v.Nonlinear || r.m.Frame(ref.Frame).Index == v.LinearPgOff(ref.Addr) {
			return true
		}
		r.convert(ref.Frame)
	}
	r.chains.Add(ref)
	return true
}

// convert is page_convert_anon: mark the page, then find each of its
// mappings the object way (every VMA on the file's lists, nonlinear ones
// included, at the page's linear address) and put it on a pte chain. The
// mapping being installed is not among them (it is away from the linear
// place) and is added by the caller. The walk is fault-time work, not a
// reverse walk of reclaim: its lookups stay out of the walk counters.
func (r *rmapper) convert(f core.FrameID) {
	r.m.Frame(f).Anon = converted{}
	saved := r.m.Walk
	var found []core.MapRef
	r.files.Walk(f, func(v *core.VMA, addr uint64) bool {
		found = append(found, core.MapRef{Frame: f, PTE: r.m.LookupPTE(v.MM, addr), Addr: addr})
		return true
	})
	r.m.Walk = saved
	for _, ref := range found {
		r.chains.Add(ref)
	}
}

// KSMLink lets ksmd merge pages: a KSM page is anonymous, so its
// mappings are on its pte chain (the era had no KSM; core/ksm.go).
func (r *rmapper) KSMLink(v *core.VMA) (any, bool) { return r.chains.KSMLink(v) }

// KSMUnlink is never called: KSMLink hands out nothing.
func (r *rmapper) KSMUnlink(anon any) {}

func (r *rmapper) PagesDup(child *core.VMA, refs []core.MapRef) {
	for _, ref := range refs {
		if r.chained(ref.Frame) {
			r.chains.Add(ref)
		}
	}
}

func (r *rmapper) PagesRemove(v *core.VMA, refs []core.MapRef) {
	for _, ref := range refs {
		if r.chained(ref.Frame) {
			r.chains.Remove(ref)
		}
	}
}

func (r *rmapper) PageMove(dst, src *core.VMA, from, to core.MapRef) bool {
	if r.chained(from.Frame) {
		return r.chains.PageMove(dst, src, from, to)
	}
	return true
}

func (r *rmapper) Walk(f core.FrameID, visit func(v *core.VMA, addr uint64) bool) {
	if r.chained(f) {
		r.chains.Walk(f, visit)
		return
	}
	r.files.Walk(f, visit)
}

func (r *rmapper) TryToUnmap(f core.FrameID) bool {
	if r.chained(f) {
		return r.chains.TryToUnmap(f)
	}
	return r.files.TryToUnmap(f)
}

// PageMigrate moves the pte chain of an anonymous or converted page to
// its new frame (which the MMU has given the old one's flags and
// Frame.Anon, so it is chained too); other file pages keep no state.
func (r *rmapper) PageMigrate(old, new core.FrameID) {
	if r.chained(old) {
		r.chains.PageMigrate(old, new)
	}
}

// Audit checks the pte chains of anonymous and converted pages against
// the machine (ptechain.Rmapper.Audit); other file pages have none. For
// tests.
func (r *rmapper) Audit() error { return r.chains.Audit(r.chained) }
