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
// Cost model: fork, exit and munmap cost what ptechain costs for
// anonymous PTEs and nothing per file PTE; a walk of a file page costs
// every VMA mapping any part of the file (the linear list), "rising
// linearly with the number of times any part of the file is mapped"
// (OLS 2004); a walk of an anonymous page costs its mappings.
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
	return &rmapper{m: m, chains: ptechain.New(m), files: objrmap.New(m)}
}

func (r *rmapper) anon(f core.FrameID) bool { return r.m.Frame(f).Flags&core.FrameAnon != 0 }

func (r *rmapper) PageAdd(v *core.VMA, ref core.MapRef, kind core.AddKind) bool {
	if kind != core.AddFile {
		r.chains.Add(ref)
	}
	return true
}

func (r *rmapper) PagesDup(child *core.VMA, refs []core.MapRef) {
	for _, ref := range refs {
		if r.anon(ref.Frame) {
			r.chains.Add(ref)
		}
	}
}

func (r *rmapper) PagesRemove(v *core.VMA, refs []core.MapRef) {
	for _, ref := range refs {
		if r.anon(ref.Frame) {
			r.chains.Remove(ref)
		}
	}
}

func (r *rmapper) PageMove(dst, src *core.VMA, from, to core.MapRef) bool {
	if r.anon(from.Frame) {
		return r.chains.PageMove(dst, src, from, to)
	}
	return true
}

func (r *rmapper) Walk(f core.FrameID, visit func(v *core.VMA, addr uint64) bool) {
	if r.anon(f) {
		r.chains.Walk(f, visit)
		return
	}
	r.files.Walk(f, visit)
}

func (r *rmapper) TryToUnmap(f core.FrameID) bool {
	if r.anon(f) {
		return r.chains.TryToUnmap(f)
	}
	return r.files.TryToUnmap(f)
}
