// Package pagescan is the baseline with no reverse map at all, as in Linux
// 2.4: to find where a frame is mapped, scan the page tables of every
// process (2.4's swap_out walked mms and their page tables the same way,
// choosing pages to unmap as it met them).
//
// Cost model: nothing at fork, fault, munmap or exit beyond the MMU's own
// work; a reverse walk examines every VMA of every process and every PTE
// slot their page tables hold, whatever the frame. vmas/walk is the
// number of VMAs in the system, ptes/walk the PTE slots scanned. KSM
// (2.6.32+) pages are found by the same scan.
package pagescan

import "rmapbench/core"

// Strategy describes pagescan for the registry.
var Strategy = core.Strategy{
	Name:         "pagescan",
	Era:          "2.4 (no rmap)",
	Summary:      "no reverse map: every walk scans all page tables (the 2.4 baseline and the oracle's method)",
	DefaultIndex: "linear",
	New:          func(m *core.Machine) core.Rmapper { return &rmapper{m: m} },
}

type rmapper struct {
	core.BaseRmapper
	m    *core.Machine
	aged pass // referenced.go
}

func (r *rmapper) PageAdd(v *core.VMA, ref core.MapRef, kind core.AddKind) bool { return true }

// KSMLink lets ksmd merge pages: a scan of every page table finds a KSM
// page like any other (2.4 had no KSM; core/ksm.go).
func (r *rmapper) KSMLink(v *core.VMA) (any, bool) { return nil, true }

// KSMUnlink is never called: KSMLink hands out nothing.
func (r *rmapper) KSMUnlink(anon any) {}

func (r *rmapper) PagesDup(child *core.VMA, refs []core.MapRef)           {}
func (r *rmapper) PagesRemove(v *core.VMA, refs []core.MapRef)            {}
func (r *rmapper) PageMove(dst, src *core.VMA, from, to core.MapRef) bool { return true }

// scan visits every present PTE mapping f in every process.
func (r *rmapper) scan(f core.FrameID, fn func(v *core.VMA, addr uint64, a core.PTEAddr) bool) {
	stop := false
	for _, mm := range r.m.MMs() {
		for _, v := range mm.VMAs() {
			r.m.Walk.VMAs++
			r.m.Walk.PTEs += r.m.ScanPTEs(v, func(addr uint64, a core.PTEAddr, p core.PTE) bool {
				if p.Frame() != f {
					return true
				}
				if !fn(v, addr, a) {
					stop = true
					return false
				}
				return true
			})
			if stop {
				return
			}
		}
	}
}

func (r *rmapper) Walk(f core.FrameID, visit func(v *core.VMA, addr uint64) bool) {
	r.scan(f, func(v *core.VMA, addr uint64, _ core.PTEAddr) bool { return visit(v, addr) })
}

// TryToUnmap scans for f and unmaps every mapping but those in VM_LOCKED
// VMAs, which 2.4's try_to_swap_out passed by and went on scanning
// (migration, which 2.4 did not have, unmaps those too).
func (r *rmapper) TryToUnmap(f core.FrameID) bool {
	fr := r.m.Frame(f)
	r.scan(f, func(v *core.VMA, addr uint64, a core.PTEAddr) bool {
		if r.m.Mlocked(v) {
			return fr.MapCount > 0 // 2.4 skipped VM_LOCKED VMAs and went on
		}
		_, young := r.m.UnmapOneIfOld(v, addr, a, f)
		return !young && fr.MapCount > 0
	})
	return fr.MapCount == 0
}
