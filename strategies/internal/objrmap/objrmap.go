// Package objrmap is the object-based reverse mapping of file pages that
// every object-based strategy shares: Dave McCracken's partial objrmap
// (rmap 7, HT:79603666b5) as Hugh Dickins merged it, and its descendants
// through 3.x (page_referenced_file, try_to_unmap_file).
//
// A file page keeps no per-mapping state: page->mapping is the file and
// page->index its offset. To find its mappings, walk the file's i_mmap
// index for VMAs that may cover the offset, compute where the page would
// sit in each (vma_address), and look at the page table there. The index
// decides the cost: a list visits every VMA of the file, a prio or
// interval tree only those that overlap the offset (package fileindex).
//
// VMAs rearranged by remap_file_pages are nonlinear: the offset no longer
// says where the page is, so they sit on the file's nonlinear list and the
// walk cannot find their mappings. try_to_unmap_file then falls back on a
// policy (-nonlinear):
//
//   - hugh (mainline 2.6.7 - 3.19, "rmap 8", HT:2a6053ea95): unmap
//     clusters of 32 neighbouring PTEs (CLUSTER_SIZE = 32 pages) from a
//     cursor kept per VMA (vm_private_data), whatever pages they map,
//     skipping (and ageing) young PTEs, until as many PTEs as the page had
//     mappings have gone; the page itself may stay mapped.
//   - andrea: walk every nonlinear VMA of the file and unmap every PTE of
//     it until the page has no mapping left (the OLS 2004 paper's
//     description; the reference found no primary source, so treat it as
//     reported, not verified).
//
// McCracken's objrmap (2003 -mm, the mjb tree it came from) had no
// nonlinear list and no policy: a nonlinear VMA stayed on the i_mmap
// lists, and a page installed at a nonlinear place was converted to pte
// chains (page_convert_anon) — strategy filelinear does that, and asks
// this package (Era.NonlinearOnList) to check nonlinear VMAs at their
// linear addresses like the others.
//
// Each era's try_to_unmap_one also decides two things besides finding
// the PTE (Era): a VMA whose mm has no resident pages is skipped before
// any page-table lookup in rmap 10-37 and 2.6.7 - 2.6.12 (`if
// (!mm->rss)`); and a PTE found in a VM_LOCKED VMA fails the whole
// walk (SWAP_FAIL, which ends try_to_unmap_anon and try_to_unmap_file
// in every era; try_to_unmap_file's nonlinear part skips locked VMAs).
// Migration's try_to_unmap passes VM_LOCKED by (core.Machine.Mlocked), as
// 2.6.17's did when migrating.
//
// Walk counters: each VMA taken from the index or the nonlinear list
// counts in vmas/walk, each page-table lookup or PTE examined in
// ptes/walk, each index node examined in chain-steps/walk.
package objrmap

import (
	"fmt"

	"rmapbench/core"
)

// Nonlinear is a policy for pages of nonlinear VMAs.
type Nonlinear int

const (
	Hugh Nonlinear = iota
	Andrea
)

// NonlinearNames are the policy names, Hugh's first (the default).
var NonlinearNames = []string{"hugh", "andrea"}

func (n Nonlinear) String() string { return NonlinearNames[n] }

// ParseNonlinear parses a policy name.
func ParseNonlinear(s string) (Nonlinear, error) {
	for i, name := range NonlinearNames {
		if s == name {
			return Nonlinear(i), nil
		}
	}
	return 0, fmt.Errorf("unknown nonlinear policy %q (valid: hugh, andrea)", s)
}

// clusterPages is CLUSTER_SIZE: min(32 pages, PMD_SIZE).
const clusterPages = 32

// Era is what the walks of a strategy's kernel did besides finding PTEs.
type Era struct {
	// SkipEmptyMM skips, without a page-table lookup, a VMA whose mm
	// has no resident page (page_referenced_one and try_to_unmap_one of
	// rmap 10-37 and 2.6.7 - 2.6.12: `if (!mm->rss) goto out`).
	SkipEmptyMM bool
	// NonlinearOnList keeps nonlinear VMAs in every walk, checked at
	// their linear address like the others (McCracken's objrmap, where
	// they stayed on i_mmap_shared); the -nonlinear policy then does
	// not apply.
	NonlinearOnList bool
}

// Files is the file-page rmap of one machine.
type Files struct {
	m      *core.Machine
	policy Nonlinear
	era    Era
}

// New returns the file rmap for m with the walks of era and the policy
// of its "nonlinear" option (default hugh). An unknown policy panics: the
// command checks it.
func New(m *core.Machine, era Era) *Files {
	p, err := ParseNonlinear(m.Option("nonlinear", "hugh"))
	if err != nil {
		panic(err)
	}
	return &Files{m: m, policy: p, era: era}
}

// Skips reports whether the era's walks pass v by without looking at
// its page tables: its mm has nothing resident (Era.SkipEmptyMM).
func (fs *Files) Skips(v *core.VMA) bool { return fs.era.SkipEmptyMM && v.MM.RSS == 0 }

// candidates calls fn with every VMA that the era's file walk of page
// pgoff of file looks at, until fn returns false: the index's VMAs over
// the page, then for Era.NonlinearOnList every nonlinear VMA. It counts
// index steps and VMAs.
func (fs *Files) candidates(file *core.File, pgoff uint64, fn func(v *core.VMA) bool) {
	m := fs.m
	stop := false
	// The index steps on every node it examines (core.IndexStepper).
	file.Index.Visit(pgoff, func(v *core.VMA) bool {
		m.Walk.VMAs++
		stop = !fn(v)
		return !stop
	})
	if stop || !fs.era.NonlinearOnList {
		return
	}
	for _, v := range file.Nonlinear {
		m.Step(v.Obj())
		m.Walk.VMAs++
		if !fn(v) {
			return
		}
	}
}

// mapping finds where file page f would be in v and whether a present
// PTE there maps it: vma_address, then page_check_address (one lookup),
// unless the era skips v.
func (fs *Files) mapping(v *core.VMA, f core.FrameID, pgoff uint64) (uint64, core.PTEAddr, bool) {
	if fs.Skips(v) {
		return 0, 0, false
	}
	addr, ok := v.Address(pgoff)
	if !ok {
		return 0, 0, false // a list holds VMAs that do not cover the page
	}
	a, ok := fs.m.CheckAddress(v, addr, f)
	return addr, a, ok
}

// Walk visits every mapping of file page f that i_mmap can find
// (page_referenced_file without the ageing).
func (fs *Files) Walk(f core.FrameID, visit func(v *core.VMA, addr uint64) bool) {
	fr := fs.m.Frame(f)
	fs.m.TouchPage(f) // page->mapping, page->index
	fs.candidates(fr.File, fr.Index, func(v *core.VMA) bool {
		addr, _, ok := fs.mapping(v, f, fr.Index)
		return !ok || visit(v, addr)
	})
}

// TryToUnmap is try_to_unmap_file: unmap f from every linear VMA i_mmap
// finds, failing at a VM_LOCKED one that maps it or at a young PTE
// (try_to_unmap_one's SWAP_FAIL, UnmapOneIfOld), then, if it is still
// mapped, apply the nonlinear policy.
func (fs *Files) TryToUnmap(f core.FrameID) bool {
	m := fs.m
	fr := m.Frame(f)
	m.TouchPage(f) // page->mapping, page->index
	failed := false
	fs.candidates(fr.File, fr.Index, func(v *core.VMA) bool {
		addr, a, ok := fs.mapping(v, f, fr.Index)
		if ok {
			if m.Mlocked(v) {
				failed = true // SWAP_FAIL
				return false
			}
			_, failed = m.UnmapOneIfOld(v, addr, a, f)
		}
		return !failed && fr.MapCount > 0
	})
	if failed {
		return false
	}
	if fr.MapCount > 0 && len(fr.File.Nonlinear) > 0 && !fs.era.NonlinearOnList {
		switch fs.policy {
		case Hugh:
			fs.unmapClusters(fr)
		case Andrea:
			fs.unmapAllNonlinear(f)
		}
	}
	return fr.MapCount == 0
}

// unmapClusters is the nonlinear half of 2.6.7-3.19's try_to_unmap_file.
func (fs *Files) unmapClusters(fr *core.Frame) {
	m := fs.m
	// VM_LOCKED VMAs are left alone, except by migration; if all are
	// locked, give up (max_nl_size == 0: SWAP_FAIL).
	var nl []*core.VMA
	for _, v := range fr.File.Nonlinear {
		if !m.Mlocked(v) {
			nl = append(nl, v)
		}
	}
	const cluster = clusterPages * core.PageSize
	var maxSize, maxCursor uint64
	for _, v := range nl {
		maxCursor = max(maxCursor, v.NonlinearCursor)
		maxSize = max(maxSize, v.End-v.Start)
	}
	if maxSize == 0 {
		return
	}
	mapcount := int(fr.MapCount)
	maxSize = (maxSize + cluster - 1) &^ (cluster - 1)
	if maxCursor == 0 {
		maxCursor = cluster
	}
	for {
		for _, v := range nl {
			m.Walk.VMAs++
			for !fs.Skips(v) && v.NonlinearCursor < maxCursor && v.NonlinearCursor < v.End-v.Start {
				mapcount -= fs.unmapCluster(v, v.NonlinearCursor)
				v.NonlinearCursor += cluster
				if mapcount <= 0 {
					return
				}
			}
			v.NonlinearCursor = maxCursor
		}
		maxCursor += cluster
		if maxCursor > maxSize {
			break
		}
	}
	// Do not loop for ever: forget where each VMA had got to.
	for _, v := range nl {
		v.NonlinearCursor = 0
	}
}

// unmapCluster is try_to_unmap_cluster: unmap the old PTEs of one cluster
// of v, whatever they map, and return how many it unmapped.
func (fs *Files) unmapCluster(v *core.VMA, cursor uint64) int {
	m := fs.m
	const cluster = clusterPages * core.PageSize
	start := max((v.Start+cursor)&^(cluster-1), v.Start)
	end := min(start+cluster, v.End)
	unmapped := 0
	m.Step(v.Obj())
	m.Walk.PTEs += m.ScanRange(v, start, end, func(addr uint64, a core.PTEAddr, p core.PTE) bool {
		if m.ClearYoung(a) {
			return true
		}
		if m.UnmapOne(v, addr, a, p.Frame()) {
			unmapped++
		}
		return true
	})
	return unmapped
}

// unmapAllNonlinear is Andrea's policy: unmap every PTE of the file's
// nonlinear VMAs until f has no mapping left.
func (fs *Files) unmapAllNonlinear(f core.FrameID) {
	m := fs.m
	fr := m.Frame(f)
	for _, v := range fr.File.Nonlinear {
		m.Walk.VMAs++
		if m.Mlocked(v) {
			continue
		}
		m.Walk.PTEs += m.ScanPTEs(v, func(addr uint64, a core.PTEAddr, p core.PTE) bool {
			m.UnmapOne(v, addr, a, p.Frame())
			return fr.MapCount > 0
		})
		if fr.MapCount == 0 {
			return
		}
	}
}

// AnonWalk visits the VMAs where an anonymous page may be mapped, with
// the page's address and PTE in each (found by page_check_address), until
// fn returns false. It is a strategy's own anonymous walk.
type AnonWalk func(f core.FrameID, fn func(v *core.VMA, addr uint64, a core.PTEAddr) bool)

// WalkPage is rmap_walk for a strategy whose anonymous walk is anon:
// file pages go through i_mmap.
func (fs *Files) WalkPage(f core.FrameID, anon AnonWalk, visit func(v *core.VMA, addr uint64) bool) {
	if fs.m.Frame(f).Flags&core.FrameAnon == 0 {
		fs.Walk(f, visit)
		return
	}
	fs.m.TouchPage(f) // page->mapping, page->index
	anon(f, func(v *core.VMA, addr uint64, _ core.PTEAddr) bool { return visit(v, addr) })
}

// TryToUnmapPage is try_to_unmap for such a strategy: try_to_unmap_one
// on every mapping the walk finds until the page has none left, or
// until one is in a VM_LOCKED VMA (SWAP_FAIL ends the walk).
func (fs *Files) TryToUnmapPage(f core.FrameID, anon AnonWalk) bool {
	fr := fs.m.Frame(f)
	if fr.Flags&core.FrameAnon == 0 {
		return fs.TryToUnmap(f)
	}
	fs.m.TouchPage(f) // page->mapping, page->index
	anon(f, func(v *core.VMA, addr uint64, a core.PTEAddr) bool {
		if fs.m.Mlocked(v) {
			return false
		}
		_, young := fs.m.UnmapOneIfOld(v, addr, a, f)
		return !young && fr.MapCount > 0
	})
	return fr.MapCount == 0
}
