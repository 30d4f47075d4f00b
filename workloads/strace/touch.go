package strace

import "rmapbench/workloads/trace"

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
	for i := range mm.space.pieces {
		p := &mm.space.pieces[i]
		if !p.pending || p.prot == 0 {
			continue // PROT_NONE stays pending until it is made accessible
		}
		p.pending = false
		if err := im.touchPiece(mm, *p); err != nil {
			return err
		}
	}
	return nil
}

// touchPiece emits the policy's touches of p. A touch writes when p is
// writable and reads otherwise, so that every touch is valid.
func (im *importer) touchPiece(mm *addrSpace, p piece) error {
	write := p.prot&trace.ProtWrite != 0
	if !write && p.prot&trace.ProtRead == 0 {
		return nil // execute-only
	}
	limit := im.opts.maxTouch()
	bounded := p.start + min(p.length(), limit)
	switch im.opts.Touch {
	case TouchNone:
		return nil
	case TouchAll:
		return im.touch(mm, p.start, bounded, write)
	case TouchFraction:
		return im.touchFraction(mm, p.start, bounded, write)
	}
	start, end := knownExtent(&p)
	end = min(end, start+limit)
	if start >= end {
		return nil
	}
	return im.touch(mm, start, end, write)
}

// knownExtent is the part of p the known policy touches.
func knownExtent(p *piece) (start, end uint64) {
	switch {
	case p.populate:
		return p.start, p.end
	case p.prot&trace.ProtWrite != 0:
		switch {
		case p.execStack || p.stackLike:
			return max(p.start, p.end-knownStackBytes), p.end
		case p.noReserve:
			return 0, 0
		}
		return p.start, p.end
	case p.file == "" && !p.shared:
		// Reading private anonymous memory only maps the zero page.
		return 0, 0
	}
	half := (p.length()/pageSize + 1) / 2 * pageSize
	return p.start, p.start + half
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
	p := mm.space.at(stackTop - 1)
	if p == nil || !p.execStack || p.prot&trace.ProtWrite == 0 {
		return nil
	}
	return im.touch(mm, max(p.start, stackTop-knownStackBytes), stackTop, true)
}

func (im *importer) touch(mm *addrSpace, start, end uint64, write bool) error {
	return im.emit(mm, trace.Event{Op: trace.OpTouch, Addr: start, Len: end - start, Write: write})
}
