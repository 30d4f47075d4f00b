package core

// ObjKind names one kind of kernel object in the space model (a pte_chain
// block, an anon_vma, ...). Strategies register the kinds they allocate and
// report every allocation and free of a real object of theirs, so the
// counts are those of their structures, never a formula.
type ObjKind int

type objKind struct {
	name string
	size int64 // bytes per object on the machine's arch
	rmap bool  // counted in rmap-B
	live int64
	peak int64
}

// Space counts live and peak objects by kernel struct name and the bytes
// of the rmap structures among them.
type Space struct {
	kinds     []objKind
	rmapBytes int64
	rmapPeak  int64
}

// Register returns the kind for name, creating it with the given size.
// rmap says whether the objects are rmap structures (counted in rmap-B).
// Registering a name again returns the existing kind.
func (s *Space) Register(name string, size int, rmap bool) ObjKind {
	for i, k := range s.kinds {
		if k.name == name {
			return ObjKind(i)
		}
	}
	s.kinds = append(s.kinds, objKind{name: name, size: int64(size), rmap: rmap})
	return ObjKind(len(s.kinds) - 1)
}

// Alloc records n new objects of kind k.
func (s *Space) Alloc(k ObjKind, n int) {
	o := &s.kinds[k]
	o.live += int64(n)
	if o.live > o.peak {
		o.peak = o.live
	}
	if o.rmap {
		s.rmapBytes += int64(n) * o.size
		if s.rmapBytes > s.rmapPeak {
			s.rmapPeak = s.rmapBytes
		}
	}
}

// Free records n objects of kind k freed.
func (s *Space) Free(k ObjKind, n int) {
	o := &s.kinds[k]
	o.live -= int64(n)
	if o.live < 0 {
		panic("core: space: more " + o.name + " freed than allocated")
	}
	if o.rmap {
		s.rmapBytes -= int64(n) * o.size
	}
}

// Live returns the live count of kind k.
func (s *Space) Live(k ObjKind) int64 { return s.kinds[k].live }

// ObjCount is one line of the object report.
type ObjCount struct {
	Name       string
	Live, Peak int64
}

// Objects lists every registered kind with its live and peak counts, in
// registration order.
func (s *Space) Objects() []ObjCount {
	out := make([]ObjCount, len(s.kinds))
	for i, k := range s.kinds {
		out[i] = ObjCount{Name: k.name, Live: k.live, Peak: k.peak}
	}
	return out
}

// RmapBytes returns the modelled bytes of live rmap structures and their peak.
func (s *Space) RmapBytes() (now, peak int64) { return s.rmapBytes, s.rmapPeak }
