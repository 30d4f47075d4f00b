package mirror

import "rmapbench/workloads/trace"

const (
	pageSize  = trace.PageSize
	addrLimit = trace.AddrLimit
)

// Emit writes one event of the address space being mirrored; the importer
// fills in the PID and counts it.
type Emit func(trace.Event) error

// Outcome says how faithfully a call was mirrored.
type Outcome int

const (
	// Exact: the events do what the call did.
	Exact Outcome = iota
	// Approximated: the model could not mirror the call exactly (an mremap
	// of a range it does not know as one mapping); the events come close.
	Approximated
	// OutOfRange: the call's range is not page aligned or passes 2^47; it
	// was skipped or cut at 2^47.
	OutOfRange
)

// MarkRule says what becomes of the marks of a piece made from another
// one by mremap: Clear is taken away from every such piece, and Fresh
// added to those whose pages are new to the address space (the grown part,
// a moved or duplicated mapping), not to the emptied range MREMAP_DONTUNMAP
// leaves behind.
type MarkRule struct{ Fresh, Clear uint16 }

func (r MarkRule) derive(marks uint16, fresh bool) uint16 {
	marks &^= r.Clear
	if fresh {
		marks |= r.Fresh
	}
	return marks
}

// RoundUp rounds a length up to whole pages; lengths past 2^47 come back
// as 2^47 + a page, more than any range can hold, without wrapping.
func RoundUp(length uint64) uint64 {
	if length > addrLimit {
		return addrLimit + pageSize
	}
	return (length + pageSize - 1) &^ (pageSize - 1)
}

// Span returns the pages [start, end) that a call's (addr, length) covers:
// the length rounded up to pages, the end cut at 2^47 (then the outcome is
// OutOfRange). ok is false, and the call to be skipped, if addr is not
// page aligned, the length is 0 (the kernel refuses both), or the range
// starts at or past 2^47.
func Span(addr, length uint64) (start, end uint64, out Outcome, ok bool) {
	if addr%pageSize != 0 || length == 0 || addr >= addrLimit {
		return 0, 0, OutOfRange, false
	}
	n := RoundUp(length)
	if n > addrLimit-addr {
		return addr, addrLimit, OutOfRange, true
	}
	return addr, addr + n, Exact, true
}

// InRange reports whether [addr, addr+length) is a range a trace can hold.
func InRange(addr, length uint64) bool {
	return addr%pageSize == 0 && length > 0 && addr < addrLimit && length <= addrLimit-addr
}

// Map emits the mmap of p and maps it in the model.
func (s *Space) Map(p Piece, emit Emit) error {
	ev := trace.Event{Op: trace.OpMmap, Addr: p.Start, Len: p.Len(), Prot: p.Prot, Shared: p.Shared}
	if p.File != "" {
		ev.File, ev.Offset = p.File, p.Offset
	}
	if err := emit(ev); err != nil {
		return err
	}
	s.Insert(p)
	return nil
}

// Unmap emits the munmap of [start, end) and unmaps it in the model.
func (s *Space) Unmap(start, end uint64, emit Emit) error {
	if err := emit(trace.Event{Op: trace.OpMunmap, Addr: start, Len: end - start}); err != nil {
		return err
	}
	s.Remove(start, end)
	return nil
}

// SetProt emits the mprotect of [start, end) and changes the model.
func (s *Space) SetProt(start, end uint64, prot trace.Prot, emit Emit) error {
	if err := emit(trace.Event{Op: trace.OpMprotect, Addr: start, Len: end - start, Prot: prot}); err != nil {
		return err
	}
	s.Protect(start, end, prot)
	return nil
}

// MirrorMremap mirrors a successful mremap(old, oldLen, newLen, flags) =
// nw, with both lengths already rounded up to pages (RoundUp). When the
// model knows [old, old+oldLen) as one mapping it emits mremap (and, for
// MREMAP_DONTUNMAP, an mmap that maps the old range again, empty). When
// not (the mapping predates what the importer saw, or was pieced together
// from several mmaps the kernel merged) it approximates: munmap of the old
// range, then an mmap of the new one with the old range's attributes if
// those are uniform, else munmap of the new range too (the mapping there
// is unknown to the model). An oldLen of 0 (a second mapping of shared
// pages) becomes an mmap of the same file pages when the model knows a
// shared file mapping at old, and an munmap of the new range otherwise.
func (s *Space) MirrorMremap(old, oldLen, nw, newLen uint64, dontUnmap bool, rule MarkRule, emit Emit) (Outcome, error) {
	if oldLen == 0 {
		if !InRange(old, pageSize) || !InRange(nw, newLen) {
			return OutOfRange, nil
		}
		if p := s.At(old); p != nil && p.Shared && p.File != "" {
			dup := *p
			dup.Offset += old - p.Start
			dup.Start, dup.End = nw, nw+newLen
			dup.Marks = rule.derive(dup.Marks, true)
			return Exact, s.Map(dup, emit)
		}
		return Approximated, s.Unmap(nw, nw+newLen, emit)
	}
	if !InRange(old, oldLen) || !InRange(nw, newLen) {
		for _, r := range [][2]uint64{{old, oldLen}, {nw, newLen}} {
			if r[0]%pageSize == 0 && r[0] < addrLimit && r[1] > 0 {
				if err := s.Unmap(r[0], r[0]+min(r[1], addrLimit-r[0]), emit); err != nil {
					return OutOfRange, err
				}
			}
		}
		return OutOfRange, nil
	}
	overlap := nw != old && nw < old+oldLen && old < nw+newLen
	if !overlap && s.OneVMA(old, old+oldLen) {
		ev := trace.Event{Op: trace.OpMremap, Addr: old, Len: oldLen, NewAddr: nw, NewLen: newLen}
		if err := emit(ev); err != nil {
			return Exact, err
		}
		s.Mremap(old, oldLen, nw, newLen, rule.Fresh)
		if dontUnmap && nw != old {
			// The old range stays mapped, emptied.
			kept := *s.At(nw)
			kept.Start, kept.End = old, old+oldLen
			kept.Marks = rule.derive(kept.Marks, false)
			return Exact, s.Map(kept, emit)
		}
		return Exact, nil
	}
	first, uniform := s.Uniform(old, old+oldLen)
	if err := s.Unmap(old, old+oldLen, emit); err != nil {
		return Approximated, err
	}
	if !uniform {
		return Approximated, s.Unmap(nw, nw+newLen, emit)
	}
	moved := first
	if moved.File != "" {
		moved.Offset += old - first.Start
	}
	moved.Start, moved.End = nw, nw+newLen
	moved.Marks = rule.derive(moved.Marks, true)
	return Approximated, s.Map(moved, emit)
}

// Heap follows brk: the first result of an address space (brk(NULL) after
// exec) is the start of its heap and its end; later results move the end,
// page rounded, never below the start. The zero Heap knows nothing yet;
// exec resets it, fork copies it.
type Heap struct {
	known      bool
	start, end uint64
}

// MirrorBrk mirrors a brk call that returned res. A result above the
// heap's end maps the new pages (anonymous, rw-, private: the simulator
// merges them with the heap) with the given marks; one below unmaps the
// pages past it. A failing brk returns the old end, and so changes
// nothing.
func (h *Heap) MirrorBrk(s *Space, res uint64, marks uint16, emit Emit) (Outcome, error) {
	if res >= addrLimit {
		return OutOfRange, nil
	}
	end := RoundUp(res)
	if !h.known {
		h.known = true
		h.start, h.end = end, end
		return Exact, nil
	}
	end = max(end, h.start)
	var err error
	switch {
	case end > h.end:
		err = s.Map(Piece{Start: h.end, End: end, Prot: trace.ProtRead | trace.ProtWrite, Marks: marks}, emit)
	case end < h.end:
		err = s.Unmap(end, h.end, emit)
	}
	h.end = end
	return Exact, err
}
