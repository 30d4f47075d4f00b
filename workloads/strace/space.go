package strace

import (
	"sort"

	"rmapbench/workloads/trace"
)

// piece is a range of an address space with one set of attributes. The
// importer's model of an address space is a sorted list of pieces that
// covers exactly what the simulator has mapped, with the same protection,
// because every change to it mirrors an event the importer emits. Pieces
// never merge, so a piece always lies inside one simulator VMA (the
// simulator merges VMAs, but only splits them where an event put an edge,
// and every such edge is an edge between pieces here).
type piece struct {
	start, end uint64
	prot       trace.Prot
	shared     bool
	file       string // "" for anonymous memory
	offset     uint64 // the file byte offset mapped at start
	// sameVMA marks a piece that is known to continue its predecessor
	// (which ends where it starts) inside one simulator VMA: the grown part
	// of an mremap. Any edge made at start clears it.
	sameVMA bool
	// pending: the touch policy has not yet touched this piece.
	pending bool
	// What the touch policy needs to know about where the piece came
	// from.
	execStack bool // the synthetic stack made at exec
	stackLike bool // MAP_STACK or MAP_GROWSDOWN
	noReserve bool // MAP_NORESERVE: a reservation, not memory in use
	populate  bool // MAP_POPULATE: the kernel faulted it all in
}

func (p *piece) length() uint64 { return p.end - p.start }

// space is one address space's pieces, sorted by start, not overlapping.
type space struct {
	pieces []piece
}

// index returns the index of the first piece that ends above addr.
func (s *space) index(addr uint64) int {
	return sort.Search(len(s.pieces), func(i int) bool { return s.pieces[i].end > addr })
}

// at returns the piece containing addr, or nil.
func (s *space) at(addr uint64) *piece {
	if i := s.index(addr); i < len(s.pieces) && s.pieces[i].start <= addr {
		return &s.pieces[i]
	}
	return nil
}

// splitAt cuts the piece that strictly contains addr in two. The upper
// part does not continue the lower one in a known VMA any more: the
// simulator may split there too.
func (s *space) splitAt(addr uint64) {
	i := s.index(addr)
	if i == len(s.pieces) || s.pieces[i].start >= addr {
		return
	}
	upper := s.pieces[i]
	upper.start = addr
	upper.sameVMA = false
	if upper.file != "" {
		upper.offset += addr - s.pieces[i].start
	}
	s.pieces[i].end = addr
	s.pieces = append(s.pieces, piece{})
	copy(s.pieces[i+2:], s.pieces[i+1:])
	s.pieces[i+1] = upper
}

// cutEdge makes addr an edge: the piece containing addr is split there
// and a piece starting there no longer continues its predecessor.
func (s *space) cutEdge(addr uint64) {
	s.splitAt(addr)
	if i := s.index(addr); i < len(s.pieces) && s.pieces[i].start == addr {
		s.pieces[i].sameVMA = false
	}
}

// remove unmaps [start, end), as munmap.
func (s *space) remove(start, end uint64) {
	s.cutEdge(start)
	s.cutEdge(end)
	i := s.index(start)
	j := i
	for j < len(s.pieces) && s.pieces[j].start < end {
		j++
	}
	s.pieces = append(s.pieces[:i], s.pieces[j:]...)
}

// insert maps p, replacing whatever was there (MAP_FIXED semantics).
func (s *space) insert(p piece) {
	s.remove(p.start, p.end)
	i := s.index(p.start)
	s.pieces = append(s.pieces, piece{})
	copy(s.pieces[i+1:], s.pieces[i:])
	s.pieces[i] = p
}

// protect sets the protection of the mapped parts of [start, end), as
// mprotect.
func (s *space) protect(start, end uint64, prot trace.Prot) {
	s.cutEdge(start)
	s.cutEdge(end)
	for i := s.index(start); i < len(s.pieces) && s.pieces[i].start < end; i++ {
		s.pieces[i].prot = prot
	}
}

// oneVMA reports whether [start, end) is known to lie inside one
// simulator VMA: inside one piece, or a run of pieces each continuing the
// one before.
func (s *space) oneVMA(start, end uint64) bool {
	i := s.index(start)
	if i == len(s.pieces) || s.pieces[i].start > start {
		return false
	}
	for covered := s.pieces[i].end; covered < end; covered = s.pieces[i].end {
		i++
		if i == len(s.pieces) || s.pieces[i].start != covered || !s.pieces[i].sameVMA {
			return false
		}
	}
	return true
}

// uniform reports whether [start, end) is mapped without a hole by
// pieces of identical attributes whose file offsets run on, so that one
// mmap of the first piece's attributes would recreate it.
func (s *space) uniform(start, end uint64) (first piece, ok bool) {
	i := s.index(start)
	if i == len(s.pieces) || s.pieces[i].start > start {
		return piece{}, false
	}
	first = s.pieces[i]
	for covered := first.end; covered < end; {
		i++
		if i == len(s.pieces) {
			return piece{}, false
		}
		p := &s.pieces[i]
		if p.start != covered || p.prot != first.prot || p.shared != first.shared || p.file != first.file ||
			(p.file != "" && p.offset != first.offset+(p.start-first.start)) {
			return piece{}, false
		}
		covered = p.end
	}
	return first, true
}

// grownPiece is the piece that continues last from start to end when an
// mremap grows a mapping: same attributes, file offset running on, not
// yet touched.
func grownPiece(last piece, start, end uint64) piece {
	g := last
	if g.file != "" {
		g.offset += start - last.start
	}
	g.start, g.end = start, end
	g.sameVMA = true
	g.pending = true
	return g
}

// mremap moves and/or resizes [old, old+oldLen), which oneVMA accepts, to
// [new, new+newLen), the way the simulator does (core.Machine.Mremap). A
// moving new range must not overlap the old one.
func (s *space) mremap(old, oldLen, new, newLen uint64) {
	if new == old {
		switch {
		case newLen < oldLen:
			s.remove(old+newLen, old+oldLen)
		case newLen > oldLen:
			last := *s.at(old + oldLen - 1)
			s.remove(old+oldLen, old+newLen)
			s.insertGrown(grownPiece(last, old+oldLen, old+newLen))
		}
		return
	}
	moveLen := min(oldLen, newLen)
	s.remove(new, new+newLen)
	if newLen < oldLen {
		s.remove(old+newLen, old+oldLen)
	}
	s.cutEdge(old)
	s.cutEdge(old + moveLen)
	i := s.index(old)
	j := i
	for j < len(s.pieces) && s.pieces[j].start < old+moveLen {
		j++
	}
	moved := append([]piece(nil), s.pieces[i:j]...)
	s.pieces = append(s.pieces[:i], s.pieces[j:]...)
	for k := range moved {
		moved[k].start = moved[k].start - old + new
		moved[k].end = moved[k].end - old + new
		// The destination is one VMA in the simulator.
		moved[k].sameVMA = k > 0
	}
	at := s.index(new)
	s.pieces = append(s.pieces[:at], append(moved, s.pieces[at:]...)...)
	s.cutEdge(new + moveLen)
	if newLen > moveLen {
		s.insertGrown(grownPiece(moved[len(moved)-1], new+moveLen, new+newLen))
	}
}

// insertGrown inserts g into a hole that fits it, keeping its sameVMA.
func (s *space) insertGrown(g piece) {
	i := s.index(g.start)
	s.pieces = append(s.pieces, piece{})
	copy(s.pieces[i+1:], s.pieces[i:])
	s.pieces[i] = g
	s.cutEdge(g.end)
}

// clone returns a copy of s, as fork copies the VMAs.
func (s *space) clone() space {
	return space{pieces: append([]piece(nil), s.pieces...)}
}
