package ptechains

import (
	"fmt"
	"testing"
)

// Steady-state add and remove, including the ones that take a block from and
// return it to the slab (direct <-> chain, pushing and freeing a head), must
// not allocate on the Go heap; neither may the walks.
func TestNoAllocsInSteadyState(t *testing.T) {
	s := New(7)
	heads := make([]Head, 64)
	for i := range heads {
		for j := 1; j <= i; j++ {
			s.Add(&heads[i], p(i*1000+j))
		}
	}
	extra := func(k int) PTE { return p(900000 + k) }
	cycle := func() {
		for i := range heads {
			// Crosses every boundary: 0->direct, direct->chain, a full
			// head -> pushed block, and back.
			for k := 1; k <= 9; k++ {
				s.Add(&heads[i], extra(k))
			}
			for k := 9; k >= 1; k-- {
				if found, _ := s.Remove(&heads[i], extra(k)); !found {
					panic("lost pte")
				}
			}
		}
	}
	cycle() // warm up: the slab reaches its peak
	if a := testing.AllocsPerRun(50, cycle); a != 0 {
		t.Errorf("Add/Remove: %v allocs per run, want 0", a)
	}

	var n int
	walk := func() {
		for i := range heads {
			s.Each(heads[i], func(PTE) bool { n++; return true })
		}
	}
	if a := testing.AllocsPerRun(50, walk); a != 0 {
		t.Errorf("Each: %v allocs per run, want 0", a)
	}

	unmapAndRestore := func() {
		for i := 20; i < 30; i++ {
			s.UnmapEach(&heads[i], func(x PTE) (bool, bool) { return x&8 != 0, false })
		}
		for i := 20; i < 30; i++ {
			for j := 1; j <= i; j++ {
				if x := p(i*1000 + j); x&8 != 0 {
					s.Add(&heads[i], x)
				}
			}
		}
	}
	unmapAndRestore()
	if a := testing.AllocsPerRun(50, unmapAndRestore); a != 0 {
		t.Errorf("UnmapEach: %v allocs per run, want 0", a)
	}

	collapse := func() {
		var h Head
		s.Add(&h, p(1))
		s.Add(&h, p(2))
		s.Remove(&h, p(1))
		s.Collapse(&h)
		s.Remove(&h, p(2))
	}
	if a := testing.AllocsPerRun(50, collapse); a != 0 {
		t.Errorf("Collapse: %v allocs per run, want 0", a)
	}
	if err := s.CheckAll(heads); err != nil {
		t.Fatal(err)
	}
}

func benchChain(s *Store, n int) Head {
	var h Head
	for j := 1; j <= n; j++ {
		s.Add(&h, p(j))
	}
	return h
}

// BenchmarkAdd: one Add per op into pages of growing chains; every 64 adds the
// page's chain is dropped (not timed separately, so the figure is add plus an
// amortised remove of the newest pte, O(1) each).
func BenchmarkAdd(b *testing.B) {
	for _, nrpte := range []int{7, 15, 31} {
		b.Run(fmt.Sprintf("nrpte=%d", nrpte), func(b *testing.B) {
			s := New(nrpte)
			var h Head
			k := 0
			for b.Loop() {
				k++
				s.Add(&h, p(k))
				if k == 64 {
					// Removing newest-first hits the head's first used
					// slot at once: O(1) per pte.
					for ; k > 0; k-- {
						s.Remove(&h, p(k))
					}
				}
			}
		})
	}
}

// BenchmarkRemove: remove and re-add a pte of a page mapped n times, cycling
// through the ptes in add order. Re-adds go to the head and holes are filled
// from the head, so the ptes get shuffled; the blocks-searched/op metric
// reports how deep the search went (about half the chain for long chains).
func BenchmarkRemove(b *testing.B) {
	for _, nrpte := range []int{7, 31} {
		for _, n := range []int{2, 8, 50, 500} {
			b.Run(fmt.Sprintf("nrpte=%d/len=%d", nrpte, n), func(b *testing.B) {
				s := New(nrpte)
				h := benchChain(s, n)
				i, searched := 0, 0
				for b.Loop() {
					i = i%n + 1
					_, steps := s.Remove(&h, p(i))
					searched += steps
					s.Add(&h, p(i))
				}
				b.ReportMetric(float64(searched)/float64(b.N), "blocks-searched/op")
			})
		}
	}
}

// BenchmarkEach: walk a page mapped n times (page_referenced's cost).
func BenchmarkEach(b *testing.B) {
	for _, nrpte := range []int{7, 31} {
		for _, n := range []int{1, 2, 8, 50, 500} {
			b.Run(fmt.Sprintf("nrpte=%d/len=%d", nrpte, n), func(b *testing.B) {
				s := New(nrpte)
				h := benchChain(s, n)
				var sum PTE
				for b.Loop() {
					s.Each(h, func(x PTE) bool { sum += x; return true })
				}
				if sum == 0 {
					b.Fatal("no ptes")
				}
			})
		}
	}
}

// BenchmarkUnmapEach: try_to_unmap of a page mapped n times, removing every
// pte, then rebuilding the chain with n Adds (included in the time: O(n)
// too).
func BenchmarkUnmapEach(b *testing.B) {
	for _, n := range []int{8, 50, 500} {
		b.Run(fmt.Sprintf("nrpte=7/len=%d", n), func(b *testing.B) {
			s := New(7)
			h := benchChain(s, n)
			for b.Loop() {
				s.UnmapEach(&h, func(PTE) (bool, bool) { return true, false })
				for j := 1; j <= n; j++ {
					s.Add(&h, p(j))
				}
			}
		})
	}
}
