package ptechains

import (
	"slices"
	"testing"
)

func eachList(s *Store, h Head) []PTE {
	var out []PTE
	s.Each(h, func(x PTE) bool { out = append(out, x); return true })
	return out
}

// ceilDiv is the block count of an n-pte chain.
func ceilDiv(n, d int) int { return (n + d - 1) / d }

// TestUnmapEachExhaustive tries every remove pattern on every chain of up to
// 11 ptes (every head fill level, up to 6 blocks at NRPTE 2), with and without
// stopping, and checks try_to_unmap's promises: every pte is seen once, in
// the order Each showed before the walk; exactly the removed ones are gone;
// the chain keeps its invariants; freed blocks go back to the slab.
func TestUnmapEachExhaustive(t *testing.T) {
	for _, nrpte := range []int{2, 3, 7} {
		for n := 1; n <= 11; n++ {
			for mask := 0; mask < 1<<n; mask++ {
				for _, stopAt := range []int{-1, 0, n / 2, n - 1} {
					unmapCase(t, nrpte, n, mask, stopAt)
				}
			}
		}
	}
}

func unmapCase(t *testing.T, nrpte, n, mask, stopAt int) {
	t.Helper()
	s := New(nrpte)
	var h Head
	for i := 1; i <= n; i++ {
		s.Add(&h, p(i))
	}
	order := eachList(s, h)
	blocksBefore := s.Blocks(h)
	// Which block each walk position is in: the head holds the first
	// n - (blocks-1)*nrpte, every other block nrpte.
	headCount := n - (blocksBefore-1)*nrpte

	var seen []PTE
	pos := 0
	steps := s.UnmapEach(&h, func(x PTE) (bool, bool) {
		rm := mask>>pos&1 == 1
		stop := pos == stopAt
		seen = append(seen, x)
		pos++
		return rm, stop
	})
	last := n
	if stopAt >= 0 {
		last = stopAt + 1
	}
	if !slices.Equal(seen, order[:last]) {
		t.Fatalf("NRPTE %d n %d mask %b stop %d: walk saw %#x, want %#x", nrpte, n, mask, stopAt, seen, order[:last])
	}
	wantSteps := 0
	if n > 1 {
		wantSteps = 1
		if last > headCount {
			wantSteps += ceilDiv(last-headCount, nrpte)
		}
	}
	if steps != wantSteps {
		t.Fatalf("NRPTE %d n %d mask %b stop %d: steps %d, want %d", nrpte, n, mask, stopAt, steps, wantSteps)
	}
	// Check first: a corrupted chain may cycle, and Each would never return.
	if err := s.CheckAll([]Head{h}); err != nil {
		t.Fatalf("NRPTE %d n %d mask %b stop %d: %v", nrpte, n, mask, stopAt, err)
	}
	var want []PTE
	for i, x := range order {
		if i >= last || mask>>i&1 == 0 {
			want = append(want, x)
		}
	}
	got := eachList(s, h)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("NRPTE %d n %d mask %b stop %d: left %#x, want %#x", nrpte, n, mask, stopAt, got, want)
	}
	switch {
	case len(want) == 0 && !h.IsEmpty():
		t.Fatalf("all unmapped but head %#x", uint64(h))
	case n == 1 && len(want) == 1 && !h.IsDirect():
		t.Fatal("direct page left non-direct")
	case n > 1 && len(want) > 0 && s.Blocks(h) != ceilDiv(len(want), nrpte):
		t.Fatalf("%d ptes left in %d blocks", len(want), s.Blocks(h))
	}
}

// The walk may change other pages' chains, even reusing the blocks it frees.
func TestUnmapEachCallbackTouchesOtherPages(t *testing.T) {
	s := New(3)
	var a, b Head
	for i := 1; i <= 10; i++ {
		s.Add(&a, p(i))
	}
	s.Add(&b, p(100))
	next := 101
	seen := 0
	s.UnmapEach(&a, func(x PTE) (bool, bool) {
		seen++
		// Each added pte may need a block: the ones a frees come first.
		s.Add(&b, p(next))
		next++
		if next%3 == 0 {
			s.Remove(&b, p(next-2))
		}
		return x != p(5), false
	})
	if seen != 10 {
		t.Fatalf("saw %d ptes", seen)
	}
	if got := eachList(s, a); !slices.Equal(got, []PTE{p(5)}) {
		t.Fatalf("a = %v", got)
	}
	if err := s.CheckAll([]Head{a, b}); err != nil {
		t.Fatal(err)
	}
	// Growing the slab under the walk is also fine.
	var c Head
	for i := 1; i <= 20; i++ {
		s.Add(&c, p(1000+i))
	}
	var others [50]Head
	s.UnmapEach(&c, func(x PTE) (bool, bool) {
		for k := range others {
			s.Add(&others[k], x+PTE(k+1)*8192)
			s.Add(&others[k], x+PTE(k+1)*8192+4096)
		}
		return true, false
	})
	if !c.IsEmpty() {
		t.Fatal("c not emptied")
	}
	if err := s.CheckAll(append([]Head{a, b, c}, others[:]...)); err != nil {
		t.Fatal(err)
	}
}

func TestUnmapEachDirect(t *testing.T) {
	s := New(7)
	var h Head
	s.Add(&h, p(1))
	if steps := s.UnmapEach(&h, func(PTE) (bool, bool) { return false, false }); steps != 0 || !h.IsDirect() {
		t.Fatal("kept direct pte was removed")
	}
	s.UnmapEach(&h, func(x PTE) (bool, bool) { return x == p(1), false })
	if !h.IsEmpty() {
		t.Fatal("direct pte not removed")
	}
	s.UnmapEach(&h, func(PTE) (bool, bool) { t.Fatal("called for unmapped page"); return false, false })
}
