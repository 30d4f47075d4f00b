package strace

import (
	"rmapbench/workloads/internal/mirror"
	"rmapbench/workloads/trace"
)

// The marks of a piece of the model (mirror.Piece.Marks): what the touch
// policy needs to know about where it came from.
const (
	markPending   uint16 = 1 << iota // the touch policy has not yet touched it
	markExecStack                    // the synthetic stack made at exec
	markStackLike                    // MAP_STACK or MAP_GROWSDOWN
	markNoReserve                    // MAP_NORESERVE: a reservation, not memory in use
	markPopulate                     // MAP_POPULATE: the kernel faulted it all in
)

// fromMremap is what becomes of the marks of a piece that mremap makes
// from another: new pages wait for the policy; only the exec stack itself
// is the exec stack.
var fromMremap = mirror.MarkRule{Fresh: markPending, Clear: markPending | markExecStack}

// flushTouches applies the touch policy to the pieces of mm that are
// waiting for it: those mapped (or made accessible) since the address
// space last made a call other than mmap. Deferring the touches to that
// point lets the dynamic loader's pattern play out first: it maps a whole
// library read-only, then maps the segments over it with MAP_FIXED, and
// only the parts still mapped afterwards are touched. It also puts every
// write to a data segment before the mprotect that makes it read-only
// (RELRO), and the parent's writes before a fork.
func (im *importer) flushTouches(mm *addrSpace) error {
	if mm == nil {
		return nil
	}
	pieces := mm.space.Pieces()
	for i := range pieces {
		p := &pieces[i]
		if p.Marks&markPending == 0 || p.Prot == 0 {
			continue // PROT_NONE stays pending until it is made accessible
		}
		p.Marks &^= markPending
		if err := im.touchPiece(mm, *p); err != nil {
			return err
		}
	}
	return nil
}

// touchPiece emits the policy's touches of p. A touch writes when p is
// writable and reads otherwise, so that every touch is valid.
func (im *importer) touchPiece(mm *addrSpace, p mirror.Piece) error {
	write := p.Prot&trace.ProtWrite != 0
	if !write && p.Prot&trace.ProtRead == 0 {
		return nil // execute-only
	}
	limit := im.opts.maxTouch()
	bounded := p.Start + min(p.Len(), limit)
	switch im.opts.Touch {
	case TouchNone:
		return nil
	case TouchAll:
		return im.touch(mm, p.Start, bounded, write)
	case TouchFraction:
		return im.touchFraction(mm, p.Start, bounded, write)
	}
	start, end := knownExtent(&p)
	end = min(end, start+limit)
	if start >= end {
		return nil
	}
	return im.touch(mm, start, end, write)
}

// knownExtent is the part of p the known policy touches.
func knownExtent(p *mirror.Piece) (start, end uint64) {
	switch {
	case p.Marks&markPopulate != 0:
		return p.Start, p.End
	case p.Prot&trace.ProtWrite != 0:
		switch {
		case p.Marks&(markExecStack|markStackLike) != 0:
			return max(p.Start, p.End-knownStackBytes), p.End
		case p.Marks&markNoReserve != 0:
			return 0, 0
		}
		return p.Start, p.End
	case p.File == "" && !p.Shared:
		// Reading private anonymous memory only maps the zero page.
		return 0, 0
	}
	half := (p.Len()/pageSize + 1) / 2 * pageSize
	return p.Start, p.Start + half
}

// touchFraction touches each page of [start, end) with probability
// Options.Fraction, one event per run of chosen pages.
func (im *importer) touchFraction(mm *addrSpace, start, end uint64, write bool) error {
	run := start
	for a := start; a < end; a += pageSize {
		if im.rng.Float64() < im.opts.Fraction {
			continue
		}
		if run < a {
			if err := im.touch(mm, run, a, write); err != nil {
				return err
			}
		}
		run = a + pageSize
	}
	if run < end {
		return im.touch(mm, run, end, write)
	}
	return nil
}

// touchStackTop writes the top of mm's exec stack, if it has one that is
// writable there.
func (im *importer) touchStackTop(mm *addrSpace) error {
	p := mm.space.At(stackTop - 1)
	if p == nil || p.Marks&markExecStack == 0 || p.Prot&trace.ProtWrite == 0 {
		return nil
	}
	return im.touch(mm, max(p.Start, stackTop-knownStackBytes), stackTop, true)
}

func (im *importer) touch(mm *addrSpace, start, end uint64, write bool) error {
	return im.emit(mm, trace.Event{Op: trace.OpTouch, Addr: start, Len: end - start, Write: write})
}
