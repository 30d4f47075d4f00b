package perf

import (
	"rmapbench/workloads/internal/mirror"
	"rmapbench/workloads/trace"
)

const (
	pageSize  = trace.PageSize
	addrLimit = trace.AddrLimit

	// stackLimit is the most a stack grows to: RLIMIT_STACK's usual 8 MiB
	// (the recording does not show the program's limit).
	stackLimit = 8 << 20
	// stackGuardGap is the gap the kernel keeps between a growing stack
	// and the mapping below it (stack_guard_gap, 256 pages since 4.12).
	stackGuardGap = 256 * pageSize

	errWrite = 2 // x86 page fault error code: the access was a write
)

// fault handles exceptions:page_fault_user: a touch of the faulting page,
// a write if the error code says so, at this place in the event order. A
// fault no mapping allows is counted and skipped.
func (im *importer) fault(r *record) error {
	im.stats.Faults++
	t := im.task(r.tid)
	t.fresh = false
	addr, write := r.args[0], r.args[1]&errWrite != 0
	mm := t.mm
	if mm == nil || addr >= addrLimit {
		im.stats.Uncovered++
		return nil
	}
	page := addr &^ (pageSize - 1)
	p := mm.space.At(page)
	if p == nil {
		grown, err := im.growStack(mm, page)
		if err != nil {
			return err
		}
		if !grown {
			if inSpecial(mm, page) {
				im.stats.Special++
			} else {
				im.stats.Uncovered++
			}
			return nil
		}
		p = mm.space.At(page)
	}
	if (write && p.Prot&trace.ProtWrite == 0) || (!write && p.Prot&trace.ProtRead == 0) {
		im.stats.Denied++
		return nil
	}
	return im.emit(mm, trace.Event{Op: trace.OpTouch, Addr: page, Len: pageSize, Write: write})
}

// growStack grows a stack down to page when page lies below a mapping
// that grows down, within the stack limit, and at least the guard gap
// above the mapping below, as expand_downwards does. It reports whether
// it did.
func (im *importer) growStack(mm *addrSpace, page uint64) (bool, error) {
	above := mm.space.Above(page)
	if above == nil || above.Marks&markGrowsDown == 0 {
		return false, nil
	}
	top := above.End // the stack's top: the end of its run of pieces
	for p := mm.space.At(top); p != nil && p.Marks&markGrowsDown != 0; p = mm.space.At(top) {
		top = p.End
	}
	if top-page > stackLimit {
		return false, nil
	}
	if below := mm.space.Below(page); below != nil && page-below.End < stackGuardGap {
		return false, nil
	}
	grown := mirror.Piece{Start: page, End: above.Start, Prot: above.Prot, Marks: markGrowsDown}
	if err := mm.space.Map(grown, im.emitter(mm)); err != nil {
		return false, err
	}
	im.stats.StackGrowth++
	return true, nil
}

func inSpecial(mm *addrSpace, page uint64) bool {
	for _, r := range mm.special {
		if page >= r[0] && page < r[1] {
			return true
		}
	}
	return false
}
