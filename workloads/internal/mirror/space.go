package mirror

import (
	"sort"

	"rmapbench/workloads/trace"
)

// Piece is a range of an address space with one set of attributes. The
// model of an address space is a sorted list of pieces that covers exactly
// what the simulator has mapped, with the same protection, because every
// change to it mirrors an event the importer emits. Pieces never merge, so
// a piece always lies inside one simulator VMA (the simulator merges VMAs,
// but only splits them where an event put an edge, and every such edge is
// an edge between pieces here).
type Piece struct {
	Start, End uint64
	Prot       trace.Prot
	Shared     bool
	File       string // "" for anonymous memory
	Offset     uint64 // the file byte offset mapped at Start
	// Marks are bits the importer defines for its own bookkeeping (a touch
	// policy's state, where the piece came from). The model copies them
	// with the piece and never reads them.
	Marks uint16
	// sameVMA marks a piece that is known to continue its predecessor
	// (which ends where it starts) inside one simulator VMA: the grown part
	// of an mremap. Any edge made at Start clears it.
	sameVMA bool
}

// Len is the piece's length in bytes.
func (p *Piece) Len() uint64 { return p.End - p.Start }

// Space is one address space's pieces, sorted by Start, not overlapping.
// The zero Space is empty.
type Space struct {
	pieces []Piece
}

// Pieces returns the pieces in address order. The caller may change their
// Marks, nothing else.
func (s *Space) Pieces() []Piece { return s.pieces }

// index returns the index of the first piece that ends above addr.
func (s *Space) index(addr uint64) int {
	return sort.Search(len(s.pieces), func(i int) bool { return s.pieces[i].End > addr })
}

// At returns the piece containing addr, or nil. The caller may change its
// Marks, nothing else.
func (s *Space) At(addr uint64) *Piece {
	if i := s.index(addr); i < len(s.pieces) && s.pieces[i].Start <= addr {
		return &s.pieces[i]
	}
	return nil
}

// Below returns the piece that ends highest at or below addr, or nil.
func (s *Space) Below(addr uint64) *Piece {
	i := s.index(addr)
	if i < len(s.pieces) && s.pieces[i].Start <= addr {
		return nil // addr is inside a piece
	}
	if i == 0 {
		return nil
	}
	return &s.pieces[i-1]
}

// Above returns the lowest piece that starts above addr, or nil.
func (s *Space) Above(addr uint64) *Piece {
	i := s.index(addr)
	if i < len(s.pieces) && s.pieces[i].Start <= addr {
		i++
	}
	if i == len(s.pieces) {
		return nil
	}
	return &s.pieces[i]
}

// splitAt cuts the piece that strictly contains addr in two. The upper
// part does not continue the lower one in a known VMA any more: the
// simulator may split there too.
func (s *Space) splitAt(addr uint64) {
	i := s.index(addr)
	if i == len(s.pieces) || s.pieces[i].Start >= addr {
		return
	}
	upper := s.pieces[i]
	upper.Start = addr
	upper.sameVMA = false
	if upper.File != "" {
		upper.Offset += addr - s.pieces[i].Start
	}
	s.pieces[i].End = addr
	s.pieces = append(s.pieces, Piece{})
	copy(s.pieces[i+2:], s.pieces[i+1:])
	s.pieces[i+1] = upper
}

// cutEdge makes addr an edge: the piece containing addr is split there
// and a piece starting there no longer continues its predecessor.
func (s *Space) cutEdge(addr uint64) {
	s.splitAt(addr)
	if i := s.index(addr); i < len(s.pieces) && s.pieces[i].Start == addr {
		s.pieces[i].sameVMA = false
	}
}

// Remove unmaps [start, end), as munmap.
func (s *Space) Remove(start, end uint64) {
	s.cutEdge(start)
	s.cutEdge(end)
	i := s.index(start)
	j := i
	for j < len(s.pieces) && s.pieces[j].Start < end {
		j++
	}
	s.pieces = append(s.pieces[:i], s.pieces[j:]...)
}

// Insert maps p, replacing whatever was there (MAP_FIXED semantics). p is
// a VMA of its own: it does not continue its predecessor.
func (s *Space) Insert(p Piece) {
	s.Remove(p.Start, p.End)
	p.sameVMA = false
	i := s.index(p.Start)
	s.pieces = append(s.pieces, Piece{})
	copy(s.pieces[i+1:], s.pieces[i:])
	s.pieces[i] = p
}

// Protect sets the protection of the mapped parts of [start, end), as
// mprotect.
func (s *Space) Protect(start, end uint64, prot trace.Prot) {
	s.cutEdge(start)
	s.cutEdge(end)
	for i := s.index(start); i < len(s.pieces) && s.pieces[i].Start < end; i++ {
		s.pieces[i].Prot = prot
	}
}

// OneVMA reports whether [start, end) is known to lie inside one
// simulator VMA: inside one piece, or a run of pieces each continuing the
// one before.
func (s *Space) OneVMA(start, end uint64) bool {
	i := s.index(start)
	if i == len(s.pieces) || s.pieces[i].Start > start {
		return false
	}
	for covered := s.pieces[i].End; covered < end; covered = s.pieces[i].End {
		i++
		if i == len(s.pieces) || s.pieces[i].Start != covered || !s.pieces[i].sameVMA {
			return false
		}
	}
	return true
}

// Uniform reports whether [start, end) is mapped without a hole by
// pieces of identical attributes whose file offsets run on, so that one
// mmap of the first piece's attributes would recreate it.
func (s *Space) Uniform(start, end uint64) (first Piece, ok bool) {
	i := s.index(start)
	if i == len(s.pieces) || s.pieces[i].Start > start {
		return Piece{}, false
	}
	first = s.pieces[i]
	for covered := first.End; covered < end; {
		i++
		if i == len(s.pieces) {
			return Piece{}, false
		}
		p := &s.pieces[i]
		if p.Start != covered || p.Prot != first.Prot || p.Shared != first.Shared || p.File != first.File ||
			(p.File != "" && p.Offset != first.Offset+(p.Start-first.Start)) {
			return Piece{}, false
		}
		covered = p.End
	}
	return first, true
}

// grownPiece is the piece that continues last from start to end when an
// mremap grows a mapping: same attributes, file offset running on, with
// marks added.
func grownPiece(last Piece, start, end uint64, marks uint16) Piece {
	g := last
	if g.File != "" {
		g.Offset += start - last.Start
	}
	g.Start, g.End = start, end
	g.sameVMA = true
	g.Marks |= marks
	return g
}

// Mremap moves and/or resizes [old, old+oldLen), which OneVMA accepts, to
// [new, new+newLen), the way the simulator does (core.Machine.Mremap). A
// moving new range must not overlap the old one. The part a longer newLen
// adds gets the marks of the piece it continues, plus grownMarks.
func (s *Space) Mremap(old, oldLen, new, newLen uint64, grownMarks uint16) {
	if new == old {
		switch {
		case newLen < oldLen:
			s.Remove(old+newLen, old+oldLen)
		case newLen > oldLen:
			last := *s.At(old + oldLen - 1)
			s.Remove(old+oldLen, old+newLen)
			s.insertGrown(grownPiece(last, old+oldLen, old+newLen, grownMarks))
		}
		return
	}
	moveLen := min(oldLen, newLen)
	s.Remove(new, new+newLen)
	if newLen < oldLen {
		s.Remove(old+newLen, old+oldLen)
	}
	s.cutEdge(old)
	s.cutEdge(old + moveLen)
	i := s.index(old)
	j := i
	for j < len(s.pieces) && s.pieces[j].Start < old+moveLen {
		j++
	}
	moved := append([]Piece(nil), s.pieces[i:j]...)
	s.pieces = append(s.pieces[:i], s.pieces[j:]...)
	for k := range moved {
		moved[k].Start = moved[k].Start - old + new
		moved[k].End = moved[k].End - old + new
		// The destination is one VMA in the simulator.
		moved[k].sameVMA = k > 0
	}
	at := s.index(new)
	s.pieces = append(s.pieces[:at], append(moved, s.pieces[at:]...)...)
	s.cutEdge(new + moveLen)
	if newLen > moveLen {
		s.insertGrown(grownPiece(moved[len(moved)-1], new+moveLen, new+newLen, grownMarks))
	}
}

// insertGrown inserts g into a hole that fits it, keeping its sameVMA.
func (s *Space) insertGrown(g Piece) {
	i := s.index(g.Start)
	s.pieces = append(s.pieces, Piece{})
	copy(s.pieces[i+1:], s.pieces[i:])
	s.pieces[i] = g
	s.cutEdge(g.End)
}

// Clone returns a copy of s, as fork copies the VMAs.
func (s *Space) Clone() Space {
	return Space{pieces: append([]Piece(nil), s.pieces...)}
}

// Run is a stretch of contiguous pieces.
type Run struct{ Start, End uint64 }

// Runs makes start and end edges (the simulator splits VMAs there, as
// mlock does) and returns the runs of contiguous pieces inside [start,
// end), and whether any part of the range is not mapped.
func (s *Space) Runs(start, end uint64) (runs []Run, hole bool) {
	s.cutEdge(start)
	s.cutEdge(end)
	cur := Run{start, start}
	for i := s.index(start); i < len(s.pieces) && s.pieces[i].Start < end; i++ {
		p := s.pieces[i]
		if p.Start != cur.End {
			hole = true
			if cur.End > cur.Start {
				runs = append(runs, cur)
			}
			cur.Start = p.Start
		}
		cur.End = p.End
	}
	if cur.End != end {
		hole = true
	}
	if cur.End > cur.Start {
		runs = append(runs, cur)
	}
	return runs, hole
}
