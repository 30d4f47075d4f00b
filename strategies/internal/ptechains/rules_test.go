package ptechains

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// block is a test view of one pte_chain block.
type block struct {
	handle uint32
	next   uint32
	idx    int
	ptes   []PTE
}

func (b block) String() string {
	return fmt.Sprintf("{h%d next=%d idx=%d %#x}", b.handle, b.next, b.idx, b.ptes)
}

// layout returns the chain's blocks, head first, exactly as stored.
func layout(t *testing.T, s *Store, h Head) []block {
	t.Helper()
	if !h.IsChain() {
		return nil
	}
	var out []block
	for b := uint32(h); b != 0; b = s.next(b) {
		if len(out) > 1000 {
			t.Fatal("chain too long (cycle?)")
		}
		o := s.base(b)
		out = append(out, block{handle: b, next: s.next(b), idx: s.idx(b), ptes: slices.Clone(s.mem[o+1 : o+1+s.nrpte])})
	}
	return out
}

func mustCheck(t *testing.T, s *Store, h Head) {
	t.Helper()
	if err := s.Check(h); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func wantSlots(t *testing.T, got block, idx int, ptes ...PTE) {
	t.Helper()
	if got.idx != idx || !slices.Equal(got.ptes, ptes) {
		t.Fatalf("block = idx %d %#x, want idx %d %#x", got.idx, got.ptes, idx, ptes)
	}
}

// p returns a pte address that looks like one (8-byte aligned, in a page
// table page), so tests do not rely on small values.
func p(i int) PTE { return 0xffff_8800_0000_0000&MaxPTE | PTE(i)*8 }

func TestDirectForOneMapping(t *testing.T) {
	s := New(7)
	var h Head
	if !h.IsEmpty() || h.IsDirect() || h.IsChain() {
		t.Fatal("zero Head is not empty")
	}
	if steps := s.Add(&h, p(1)); steps != 0 {
		t.Errorf("direct add touched %d blocks, want 0", steps)
	}
	if !h.IsDirect() || h.IsEmpty() || h.IsChain() {
		t.Fatalf("head %#x not direct", uint64(h))
	}
	if got, ok := h.Direct(); !ok || got != p(1) {
		t.Fatalf("Direct() = %#x, %v", got, ok)
	}
	if s.LiveBlocks() != 0 || s.Blocks(h) != 0 || s.Len(h) != 1 || s.AddNeedsBlock(Head(0)) {
		t.Fatalf("direct page: live %d blocks %d len %d", s.LiveBlocks(), s.Blocks(h), s.Len(h))
	}
	mustCheck(t, s, h)
	found, steps := s.Remove(&h, p(2))
	if found || steps != 0 || !h.IsDirect() {
		t.Fatalf("remove of another pte from a direct page: found %v steps %d head %#x", found, steps, uint64(h))
	}
	found, _ = s.Remove(&h, p(1))
	if !found || !h.IsEmpty() {
		t.Fatalf("remove of the direct pte: found %v head %#x", found, uint64(h))
	}
	if found, steps := s.Remove(&h, p(1)); found || steps != 0 {
		t.Fatal("remove from an unmapped page found something")
	}
}

func TestSecondAddConvertsToChain(t *testing.T) {
	s := New(7)
	var h Head
	s.Add(&h, p(1))
	if !s.AddNeedsBlock(h) {
		t.Error("AddNeedsBlock(direct) = false")
	}
	if steps := s.Add(&h, p(2)); steps != 1 {
		t.Errorf("convert touched %d blocks, want 1", steps)
	}
	if h.IsDirect() || !h.IsChain() {
		t.Fatalf("head %#x still direct", uint64(h))
	}
	if _, ok := h.Direct(); ok {
		t.Fatal("Direct() ok on a chain")
	}
	l := layout(t, s, h)
	if len(l) != 1 || l[0].next != 0 {
		t.Fatalf("layout %v, want one block", l)
	}
	// Old direct pte in ptes[NRPTE-1], new one in ptes[NRPTE-2].
	wantSlots(t, l[0], 5, 0, 0, 0, 0, 0, p(2), p(1))
	if s.LiveBlocks() != 1 || s.Len(h) != 2 || s.Blocks(h) != 1 {
		t.Fatalf("live %d len %d blocks %d", s.LiveBlocks(), s.Len(h), s.Blocks(h))
	}
	mustCheck(t, s, h)
}

func TestAddFillsDownwardThenPushesNewHead(t *testing.T) {
	s := New(7)
	var h Head
	for i := 1; i <= 7; i++ {
		s.Add(&h, p(i))
	}
	l := layout(t, s, h)
	if len(l) != 1 {
		t.Fatalf("7 ptes in %d blocks", len(l))
	}
	wantSlots(t, l[0], 0, p(7), p(6), p(5), p(4), p(3), p(2), p(1))
	old := l[0].handle
	if !s.AddNeedsBlock(h) {
		t.Error("AddNeedsBlock(full head) = false")
	}

	// The 8th pte finds ptes[0] used and pushes a new head.
	if steps := s.Add(&h, p(8)); steps != 2 {
		t.Errorf("push touched %d blocks, want 2", steps)
	}
	l = layout(t, s, h)
	if len(l) != 2 || l[0].next != old || l[1].handle != old {
		t.Fatalf("layout %v, want new head in front of block %d", l, old)
	}
	wantSlots(t, l[0], 6, 0, 0, 0, 0, 0, 0, p(8))
	wantSlots(t, l[1], 0, p(7), p(6), p(5), p(4), p(3), p(2), p(1))
	if s.AddNeedsBlock(h) {
		t.Error("AddNeedsBlock(head with room) = true")
	}
	if steps := s.Add(&h, p(9)); steps != 1 {
		t.Errorf("add into head touched %d blocks, want 1", steps)
	}
	wantSlots(t, layout(t, s, h)[0], 5, 0, 0, 0, 0, 0, p(9), p(8))
	if s.LiveBlocks() != 2 || s.Len(h) != 9 {
		t.Fatalf("live %d len %d", s.LiveBlocks(), s.Len(h))
	}
	mustCheck(t, s, h)
}

// tenPtes builds the chain of doc.go's diagram.
func tenPtes(t *testing.T) (*Store, Head) {
	s := New(7)
	var h Head
	for i := 1; i <= 10; i++ {
		s.Add(&h, p(i))
	}
	l := layout(t, s, h)
	wantSlots(t, l[0], 4, 0, 0, 0, 0, p(10), p(9), p(8))
	wantSlots(t, l[1], 0, p(7), p(6), p(5), p(4), p(3), p(2), p(1))
	return s, h
}

func TestRemoveFillsHoleFromHead(t *testing.T) {
	s, h := tenPtes(t)
	found, steps := s.Remove(&h, p(3))
	if !found || steps != 2 {
		t.Fatalf("Remove(p3) = %v, %d; want true, 2", found, steps)
	}
	l := layout(t, s, h)
	wantSlots(t, l[0], 5, 0, 0, 0, 0, 0, p(9), p(8))
	wantSlots(t, l[1], 0, p(7), p(6), p(5), p(4), p(10), p(2), p(1))
	mustCheck(t, s, h)

	// Removing the head's own first used pte just clears it.
	found, steps = s.Remove(&h, p(9))
	if !found || steps != 1 {
		t.Fatalf("Remove(p9) = %v, %d; want true, 1", found, steps)
	}
	l = layout(t, s, h)
	wantSlots(t, l[0], 6, 0, 0, 0, 0, 0, 0, p(8))
	// A pte in the head above the first used one: filled from below.
	s.Add(&h, p(11))
	s.Remove(&h, p(8))
	wantSlots(t, layout(t, s, h)[0], 6, 0, 0, 0, 0, 0, 0, p(11))
	mustCheck(t, s, h)
}

func TestHeadFreedWhenEmpty(t *testing.T) {
	s, h := tenPtes(t)
	head := layout(t, s, h)[0].handle
	tail := layout(t, s, h)[1].handle
	s.Remove(&h, p(10))
	s.Remove(&h, p(9))
	if s.LiveBlocks() != 2 {
		t.Fatal("head freed early")
	}
	// The head holds only p8; removing p1 (tail) moves p8 into p1's slot
	// and empties the head, which is freed.
	found, steps := s.Remove(&h, p(1))
	if !found || steps != 2 {
		t.Fatalf("Remove(p1) = %v, %d", found, steps)
	}
	if uint32(h) != tail || s.LiveBlocks() != 1 || s.Blocks(h) != 1 {
		t.Fatalf("head %d (want %d), live %d", uint32(h), tail, s.LiveBlocks())
	}
	wantSlots(t, layout(t, s, h)[0], 0, p(7), p(6), p(5), p(4), p(3), p(2), p(8))
	mustCheck(t, s, h)
	st := s.Stats()
	if st.Free != 1 || st.Frees != 1 || st.Allocs != 2 || st.Slab != 2 || st.Peak != 2 {
		t.Fatalf("stats %+v", st)
	}
	// The freed block is zeroed and is the next one handed out.
	if err := s.CheckAll([]Head{h}); err != nil {
		t.Fatal(err)
	}
	s.Add(&h, p(20))
	if uint32(h) != head {
		t.Fatalf("new head %d, want the freed block %d reused", uint32(h), head)
	}
	wantSlots(t, layout(t, s, h)[0], 6, 0, 0, 0, 0, 0, 0, p(20))
}

func TestNoCollapseOnRemove(t *testing.T) {
	s := New(7)
	var h Head
	s.Add(&h, p(1))
	s.Add(&h, p(2))
	if found, _ := s.Remove(&h, p(1)); !found {
		t.Fatal("p1 not found")
	}
	if h.IsDirect() || s.LiveBlocks() != 1 || s.Len(h) != 1 {
		t.Fatalf("after remove: direct %v live %d len %d; want a one-pte chain", h.IsDirect(), s.LiveBlocks(), s.Len(h))
	}
	// p2 was the head's first used pte: it moved into p1's slot.
	wantSlots(t, layout(t, s, h)[0], 6, 0, 0, 0, 0, 0, 0, p(2))
	mustCheck(t, s, h)
	if found, _ := s.Remove(&h, p(2)); !found || !h.IsEmpty() || s.LiveBlocks() != 0 {
		t.Fatalf("last remove: head %#x live %d", uint64(h), s.LiveBlocks())
	}
	// A one-pte chain takes a direct-style add back into its block.
	s.Add(&h, p(1))
	s.Add(&h, p(2))
	s.Remove(&h, p(2))
	s.Add(&h, p(3))
	wantSlots(t, layout(t, s, h)[0], 5, 0, 0, 0, 0, 0, p(3), p(1))
}

func TestCollapse(t *testing.T) {
	s := New(7)
	var h Head
	if s.Collapse(&h) {
		t.Fatal("collapsed an unmapped page")
	}
	s.Add(&h, p(1))
	if s.Collapse(&h) || !h.IsDirect() {
		t.Fatal("collapsed a direct page")
	}
	s.Add(&h, p(2))
	if s.Collapse(&h) {
		t.Fatal("collapsed a block with two ptes")
	}
	for i := 3; i <= 8; i++ {
		s.Add(&h, p(i))
	}
	if s.Collapse(&h) {
		t.Fatal("collapsed a two-block chain")
	}
	// Back to one block, but with two ptes: still no.
	for i := 2; i <= 7; i++ {
		s.Remove(&h, p(i))
	}
	if s.Len(h) != 2 || s.Collapse(&h) {
		t.Fatalf("len %d; collapsed a two-pte chain", s.Len(h))
	}
	s.Remove(&h, p(1))
	if s.Len(h) != 1 || s.Blocks(h) != 1 || s.LiveBlocks() != 1 {
		t.Fatalf("len %d blocks %d", s.Len(h), s.Blocks(h))
	}
	if !s.Collapse(&h) {
		t.Fatal("did not collapse one block with one pte")
	}
	if got, ok := h.Direct(); !ok || got != p(8) {
		t.Fatalf("collapsed to %#x, %v; want direct p8", got, ok)
	}
	if s.LiveBlocks() != 0 || s.Stats().Free != 2 {
		t.Fatalf("live %d after collapse, stats %+v", s.LiveBlocks(), s.Stats())
	}
	if s.Collapse(&h) {
		t.Fatal("collapsed twice")
	}
	if err := s.CheckAll([]Head{h}); err != nil {
		t.Fatal(err)
	}
	// The page behaves as any direct page afterwards.
	s.Add(&h, p(9))
	wantSlots(t, layout(t, s, h)[0], 5, 0, 0, 0, 0, 0, p(9), p(8))
}

func TestRemoveNotFound(t *testing.T) {
	s, h := tenPtes(t)
	before := layout(t, s, h)
	found, steps := s.Remove(&h, p(99))
	if found || steps != 2 {
		t.Fatalf("Remove(absent) = %v, %d; want false, 2 (searched all)", found, steps)
	}
	if found, steps := s.Remove(&h, 0); found || steps != 0 {
		t.Fatal("Remove(0) found something")
	}
	if fmt.Sprint(layout(t, s, h)) != fmt.Sprint(before) {
		t.Fatal("failed remove changed the chain")
	}
	// Found in the second block: both searched.
	if found, steps := s.Remove(&h, p(1)); !found || steps != 2 {
		t.Fatalf("Remove(p1) = %v, %d", found, steps)
	}
	if found, steps := s.Remove(&h, p(8)); !found || steps != 1 {
		t.Fatalf("Remove(p8) = %v, %d", found, steps)
	}
}

func TestAddRejectsInvalidPTE(t *testing.T) {
	for _, bad := range []PTE{0, MaxPTE + 1, ^PTE(0)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Add(%#x) did not panic", bad)
				}
			}()
			s := New(7)
			var h Head
			s.Add(&h, bad)
		}()
	}
	s := New(7)
	var h Head
	s.Add(&h, MaxPTE)
	s.Add(&h, 1)
	mustCheck(t, s, h)
}

func TestNewRejectsBadNRPTE(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 1<<16 + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%d) did not panic", n)
				}
			}()
			New(n)
		}()
	}
}

func TestNRPTEFor(t *testing.T) {
	for _, c := range []struct{ line, long, pte, want int }{
		{64, 8, 8, 7},   // x86-64
		{32, 4, 4, 7},   // i386, 32-byte lines (P6)
		{64, 4, 4, 15},  // i386, 64-byte lines
		{128, 4, 4, 31}, // i386, 128-byte lines (P4)
		{64, 4, 8, 7},   // i386 PAE
	} {
		if got := NRPTEFor(c.line, c.long, c.pte); got != c.want {
			t.Errorf("NRPTEFor(%d, %d, %d) = %d, want %d", c.line, c.long, c.pte, got, c.want)
		}
	}
	if New(7).BlockWords()*8 != 64 {
		t.Error("x86-64 block is not one 64-byte line")
	}
}

// The encoding matches the kernel's pointer|idx when NRPTE+1 is a power of two:
// the handle shifted is the block's word offset in the slab.
func TestNextAndIdxIsKernelEncoding(t *testing.T) {
	for _, n := range []int{7, 15, 31} {
		s := New(n)
		var h Head
		for i := 1; i <= 3*n; i++ {
			s.Add(&h, p(i))
		}
		for _, b := range layout(t, s, h) {
			w := s.mem[s.base(b.handle)]
			if b.next != 0 && int(w&^uint64(n)) != s.base(b.next) {
				t.Fatalf("NRPTE %d: next_and_idx %#x, next block at word %d", n, w, s.base(b.next))
			}
			if int(w&uint64(n)) != b.idx {
				t.Fatalf("NRPTE %d: next_and_idx & NRPTE = %d, idx %d", n, w&uint64(n), b.idx)
			}
		}
	}
}

// The figure that matters: 100 pages mapped 50 times each.
func TestBlockCounts(t *testing.T) {
	for _, c := range []struct{ nrpte, want int }{{7, 800}, {15, 400}, {31, 200}, {2, 2500}, {50, 100}, {49, 200}} {
		s := New(c.nrpte)
		heads := make([]Head, 100)
		for pg := range heads {
			for m := range 50 {
				s.Add(&heads[pg], p(pg*1000+m+1))
			}
		}
		if s.LiveBlocks() != c.want || s.PeakBlocks() != c.want {
			t.Errorf("NRPTE %d: LiveBlocks %d Peak %d, want %d", c.nrpte, s.LiveBlocks(), s.PeakBlocks(), c.want)
		}
		for _, h := range heads {
			if s.Len(h) != 50 || s.Blocks(h) != c.want/100 {
				t.Fatalf("NRPTE %d: len %d blocks %d", c.nrpte, s.Len(h), s.Blocks(h))
			}
		}
		if err := s.CheckAll(heads); err != nil {
			t.Fatal(err)
		}
		for pg := range heads {
			for m := range 50 {
				if found, _ := s.Remove(&heads[pg], p(pg*1000+m+1)); !found {
					t.Fatal("lost a pte")
				}
			}
		}
		st := s.Stats()
		if s.LiveBlocks() != 0 || st.Free != st.Slab || st.Slab != c.want {
			t.Errorf("NRPTE %d after removing all: %+v", c.nrpte, st)
		}
		if err := s.CheckAll(heads); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEachOrderAndSteps(t *testing.T) {
	s, h := tenPtes(t)
	var got []PTE
	steps := s.Each(h, func(x PTE) bool { got = append(got, x); return true })
	want := []PTE{p(10), p(9), p(8), p(7), p(6), p(5), p(4), p(3), p(2), p(1)}
	if steps != 2 || !slices.Equal(got, want) {
		t.Fatalf("Each: steps %d, %v; want 2, %v", steps, got, want)
	}
	got = got[:0]
	steps = s.Each(h, func(x PTE) bool { got = append(got, x); return len(got) < 2 })
	if steps != 1 || len(got) != 2 {
		t.Fatalf("stopped Each: steps %d, %d ptes", steps, len(got))
	}
	var d Head
	s.Add(&d, p(5))
	got = got[:0]
	if steps := s.Each(d, func(x PTE) bool { got = append(got, x); return true }); steps != 0 || !slices.Equal(got, []PTE{p(5)}) {
		t.Fatalf("direct Each: %d %v", steps, got)
	}
	if steps := s.Each(0, func(PTE) bool { t.Fatal("called for an unmapped page"); return true }); steps != 0 {
		t.Fatal("steps for an unmapped page")
	}
}

func TestCheckCatchesCorruption(t *testing.T) {
	cases := []struct {
		name    string
		corrupt func(s *Store, h *Head, heads []Head) []Head
		want    string
	}{
		{"duplicate", func(s *Store, h *Head, heads []Head) []Head { s.Add(h, p(3)); return heads }, "twice"},
		{"hole in full block", func(s *Store, h *Head, heads []Head) []Head {
			s.mem[s.base(s.next(uint32(*h)))+3] = 0
			return heads
		}, "zero"},
		{"pte below head index", func(s *Store, h *Head, heads []Head) []Head {
			s.mem[s.base(uint32(*h))+1] = p(77)
			return heads
		}, "below first used"},
		{"free slot in tail", func(s *Store, h *Head, heads []Head) []Head {
			s.mem[s.base(s.next(uint32(*h)))]++
			return heads
		}, "not the head"},
		{"freed block", func(s *Store, h *Head, heads []Head) []Head {
			var o Head
			s.Add(&o, p(100))
			s.Add(&o, p(101))
			stale := o
			s.Remove(&o, p(100))
			s.Remove(&o, p(101))
			return append(heads, stale)
		}, "empty"},
		{"cycle", func(s *Store, h *Head, heads []Head) []Head {
			tail := s.next(uint32(*h))
			s.mem[s.base(tail)] = s.encode(uint32(*h), 0)
			return heads
		}, "cycle"},
		{"shared block", func(s *Store, h *Head, heads []Head) []Head {
			return append(heads, Head(s.next(uint32(*h))))
		}, "another chain"},
		{"leak", func(s *Store, h *Head, heads []Head) []Head { return nil }, "LiveBlocks"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, h := tenPtes(t)
			heads := c.corrupt(s, &h, []Head{h})
			if len(heads) > 0 {
				heads[0] = h
			}
			var err error
			for _, x := range heads {
				if err = s.Check(x); err != nil {
					break
				}
			}
			if err == nil {
				err = s.CheckAll(heads)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
}
