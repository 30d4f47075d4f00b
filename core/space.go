package core

import (
	"fmt"
	"strings"
)

// The space model counts what reverse mapping costs in memory, in three
// places (docs/accounting.md):
//
//	objects   rmap-obj-B   structures a strategy allocates on their own
//	                       (pte_chain blocks, anonmm, anon_vma,
//	                       anon_vma_chain): live objects x their size, as
//	                       the strategy allocates and frees them
//	VMAs/mms  rmap-vma-B   rmap fields inside every vm_area_struct and
//	                       mm_struct (the anon_vma links, the i_mmap
//	                       linkage, anonmm's pointer): live VMAs and mms x
//	                       the bytes of the fields declared for them
//	pages     rmap-page-B  rmap fields inside struct page (the pte union
//	                       of 2.6.0, _mapcount later): frames in use x the
//	                       bytes of the fields declared for a page
//
// rmap-B is their sum. Every count is of live structures the machine
// holds, never a formula: the MMU reports each VMA, mm and frame it
// creates and frees, and the strategy each object. Each part keeps its
// peak, and the sum keeps its own peak, taken whenever any part changes
// (the parts need not peak at the same moment).

// ObjKind names one kind of kernel object in the space model (a pte_chain
// block, an anon_vma, ...). Strategies register the kinds they allocate and
// report every allocation and free of a real object of theirs, so the
// counts are those of their structures, never a formula.
type ObjKind int

type objKind struct {
	name string
	size int64 // bytes per object on the machine's arch
	rmap bool  // counted in rmap-obj-B
	live int64
	peak int64
	// freeSlots and nextSlot hand out slab slots (Space.New, cost.go).
	freeSlots []uint32
	nextSlot  uint32
}

// Where is a structure that holds rmap fields: every live one of them
// carries the fields declared for it.
type Where uint8

const (
	InVMA  Where = iota // vm_area_struct
	InMM                // mm_struct
	InPage              // struct page of a frame in use
	numWhere
)

var whereStructs = [numWhere]string{"vm_area_struct", "mm_struct", "page"}

func (w Where) String() string { return whereStructs[w] }

// Field is an rmap field declared in a structure of the space model.
type Field struct {
	Where Where
	Name  string // "struct.field", as Arch.FieldSize knows it
	Size  int64
}

// Space counts live and peak objects by kernel struct name, the rmap
// fields inside VMAs, mms and pages, and the bytes of each part.
type Space struct {
	// work, if set, counts the strategy's allocations and frees in the
	// operation running now (work.go).
	work   func() *OpWork
	kinds  []objKind
	fields []Field
	// per is the bytes of declared fields per structure; live the
	// structures alive (VMAs, mms, frames in use).
	per  [numWhere]int64
	live [numWhere]int64

	obj, objPeak   int64
	vma, vmaPeak   int64
	page, pagePeak int64
	sum, sumPeak   int64
}

// Register returns the kind for name, creating it with the given size.
// rmap says whether the objects are rmap structures (counted in
// rmap-obj-B). Registering a name again returns the existing kind.
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
		if s.work != nil {
			s.work().Allocs += int64(n)
		}
		s.obj += int64(n) * o.size
		s.objPeak = max(s.objPeak, s.obj)
		s.settle()
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
		if s.work != nil {
			s.work().Frees += int64(n)
		}
		s.obj -= int64(n) * o.size
		s.settle()
	}
}

// Live returns the live count of kind k.
func (s *Space) Live(k ObjKind) int64 { return s.kinds[k].live }

// Field declares an rmap field of size bytes in every structure where
// lives (a strategy declares its era's fields when the machine builds
// it). Declaring the same field again changes nothing.
func (s *Space) Field(where Where, name string, size int) {
	for _, f := range s.fields {
		if f.Where == where && f.Name == name {
			return
		}
	}
	s.fields = append(s.fields, Field{Where: where, Name: name, Size: int64(size)})
	s.per[where] += int64(size)
	s.settle()
}

// Fields lists the declared rmap fields in declaration order.
func (s *Space) Fields() []Field { return append([]Field(nil), s.fields...) }

// hold records n structures of where created (n < 0: freed). The MMU
// calls it for every VMA, mm and frame.
func (s *Space) hold(where Where, n int64) {
	s.live[where] += n
	if s.live[where] < 0 {
		panic("core: space: more " + where.String() + " freed than created")
	}
	if s.per[where] != 0 {
		s.settle()
	}
}

// settle recomputes the field bytes and every sum after a change, and
// keeps the peaks.
func (s *Space) settle() {
	s.vma = s.live[InVMA]*s.per[InVMA] + s.live[InMM]*s.per[InMM]
	s.page = s.live[InPage] * s.per[InPage]
	s.vmaPeak = max(s.vmaPeak, s.vma)
	s.pagePeak = max(s.pagePeak, s.page)
	s.sum = s.obj + s.vma + s.page
	s.sumPeak = max(s.sumPeak, s.sum)
}

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

// Bytes is the modelled rmap memory, now and at its peak, by where it
// lives. Obj + VMA + Page == Sum; the peaks are each part's own, and
// SumPeak the peak of the sum.
type Bytes struct {
	Obj, VMA, Page, Sum                 int64
	ObjPeak, VMAPeak, PagePeak, SumPeak int64
}

// Bytes returns the rmap bytes of every part, now and at their peaks.
func (s *Space) Bytes() Bytes {
	return Bytes{
		Obj: s.obj, VMA: s.vma, Page: s.page, Sum: s.sum,
		ObjPeak: s.objPeak, VMAPeak: s.vmaPeak, PagePeak: s.pagePeak, SumPeak: s.sumPeak,
	}
}

// RmapBytes returns the modelled bytes of all rmap state (objects and
// fields) and their peak: rmap-B and rmap-peak-B.
func (s *Space) RmapBytes() (now, peak int64) { return s.sum, s.sumPeak }

// DeclareFields declares rmap fields ("struct.field") in the structures
// their names say, sized by the machine's Arch (FieldSize). A strategy
// calls it from its New with its era's fields; an unknown name is a
// programming error and panics.
func (m *Machine) DeclareFields(names ...string) {
	for _, name := range names {
		size, ok := m.Arch.FieldSize(name)
		st, _, _ := strings.Cut(name, ".")
		where := Where(0)
		for ; where < numWhere && whereStructs[where] != st; where++ {
		}
		if !ok || where == numWhere {
			panic(fmt.Sprintf("core: space: unknown rmap field %q (known: %s)", name, strings.Join(m.Arch.FieldNames(), ", ")))
		}
		m.Space.Field(where, name, size)
	}
}
