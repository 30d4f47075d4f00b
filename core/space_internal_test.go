package core

import "testing"

// The parts of the space model add up, each keeps its own peak, and the
// peak of the sum is taken when the sum is highest, not as the sum of
// the parts' peaks.
func TestSpacePartsAndPeaks(t *testing.T) {
	var s Space
	chain := s.Register("pte_chain", 64, true)
	vma := s.Register("vma", 176, false) // not rmap: no bytes
	s.Field(InVMA, "vm_area_struct.anon_vma", 8)
	s.Field(InVMA, "vm_area_struct.anon_vma_node", 16)
	s.Field(InVMA, "vm_area_struct.anon_vma", 8) // again: no change
	s.Field(InMM, "mm_struct.anonmm", 8)
	s.Field(InPage, "page._mapcount", 4)

	s.Alloc(vma, 3)
	s.hold(InVMA, 3)
	s.hold(InMM, 1)
	s.hold(InPage, 10)
	s.Alloc(chain, 2)
	want := Bytes{Obj: 128, VMA: 3*24 + 8, Page: 40, Sum: 128 + 80 + 40,
		ObjPeak: 128, VMAPeak: 80, PagePeak: 40, SumPeak: 248}
	if got := s.Bytes(); got != want {
		t.Fatalf("after setup: %+v, want %+v", got, want)
	}
	// The objects go, then pages come: the sum never again reaches 248,
	// though the page part peaks later.
	s.Free(chain, 2)
	s.hold(InPage, 20)
	b := s.Bytes()
	if b.Sum != 80+120 || b.PagePeak != 120 || b.ObjPeak != 128 || b.SumPeak != 248 {
		t.Fatalf("after free and growth: %+v", b)
	}
	if now, peak := s.RmapBytes(); now != b.Sum || peak != b.SumPeak {
		t.Fatalf("RmapBytes = %d, %d, want %d, %d", now, peak, b.Sum, b.SumPeak)
	}
	if len(s.Fields()) != 4 {
		t.Fatalf("fields %v: a field declared twice counts once", s.Fields())
	}
	s.hold(InVMA, -3)
	s.hold(InMM, -1)
	s.hold(InPage, -30)
	if b := s.Bytes(); b.Sum != 0 || b.VMA != 0 || b.Page != 0 {
		t.Fatalf("all freed: %+v", b)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("freeing a page that does not exist did not panic")
		}
	}()
	s.hold(InPage, -1)
}

// Every rmap field is a whole number of words of its arch (a pointer, a
// list head of two, the shared union of four) except the 4-byte mapcount,
// and every name says where the field lives.
func TestFieldSizesFollowTheWord(t *testing.T) {
	for _, name := range ArchNames() {
		a, _ := ArchByName(name)
		for _, f := range a.FieldNames() {
			size, _ := a.FieldSize(f)
			want := a.PointerSize * rmapFields[f]
			if f == "page._mapcount" {
				want = 4
			}
			if size != want || size == 0 {
				t.Errorf("%s: %s is %d B, want %d", name, f, size, want)
			}
		}
	}
}

// noIndex is an index that holds nothing, for machines that map no file.
type noIndex struct{}

func (noIndex) Insert(*VMA)                       {}
func (noIndex) InsertAfter(_, _ *VMA)             {}
func (noIndex) Remove(*VMA)                       {}
func (noIndex) Visit(uint64, func(*VMA) bool) int { return 0 }
func (noIndex) Len() int                          { return 0 }
func (noIndex) VMAField() string                  { return "vm_area_struct.shared:list" }

// DeclareFields places a field by its struct and sizes it by the arch;
// the index's linkage is declared for every machine.
func TestDeclareFields(t *testing.T) {
	a, _ := ArchByName("i386")
	m := NewMachine(Config{Arch: a, NewIndex: func() FileIndex { return noIndex{} }}, func(m *Machine) Rmapper {
		m.DeclareFields("page.pte", "mm_struct.anonmm")
		return nullRmapper{}
	})
	want := []Field{{InVMA, "vm_area_struct.shared:list", 8}, {InPage, "page.pte", 4}, {InMM, "mm_struct.anonmm", 4}}
	got := m.Space.Fields()
	if len(got) != len(want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("fields %v, want %v", got, want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("an unknown field did not panic")
		}
	}()
	m.DeclareFields("vm_area_struct.vm_next")
}

// nullRmapper keeps no reverse map at all.
type nullRmapper struct{ BaseRmapper }

func (nullRmapper) PageAdd(*VMA, MapRef, AddKind) bool    { return true }
func (nullRmapper) PagesDup(*VMA, []MapRef)               {}
func (nullRmapper) PagesRemove(*VMA, []MapRef)            {}
func (nullRmapper) PageMove(_, _ *VMA, _, _ MapRef) bool  { return true }
func (nullRmapper) Walk(FrameID, func(*VMA, uint64) bool) {}
func (nullRmapper) TryToUnmap(FrameID) bool               { return false }
func (nullRmapper) PageReferenced(FrameID) int            { return 0 }
