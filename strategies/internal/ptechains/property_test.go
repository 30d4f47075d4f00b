package ptechains

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// model is the reference: the multiset of ptes mapping each page.
type model struct {
	t     *testing.T
	s     *Store
	rng   *rand.Rand
	heads []Head
	ptes  []map[PTE]int
	next  int
}

func (m *model) newPTE() PTE {
	m.next++
	return p(m.next)
}

func (m *model) add(i int) {
	x := m.newPTE()
	steps := m.s.Add(&m.heads[i], x)
	if steps < 0 || steps > 2 {
		m.t.Fatalf("Add steps %d", steps)
	}
	m.ptes[i][x]++
}

// pick returns a random pte of page i (which must be mapped).
func (m *model) pick(i int) PTE {
	keys := make([]PTE, 0, len(m.ptes[i]))
	for x := range m.ptes[i] {
		keys = append(keys, x)
	}
	slices.Sort(keys) // map order is random; keep runs reproducible
	return keys[m.rng.IntN(len(keys))]
}

func (m *model) drop(i int, x PTE) {
	m.ptes[i][x]--
	if m.ptes[i][x] == 0 {
		delete(m.ptes[i], x)
	}
}

func (m *model) size(i int) int {
	n := 0
	for _, c := range m.ptes[i] {
		n += c
	}
	return n
}

// verify compares page i with the model.
func (m *model) verify(i int, what string) {
	m.t.Helper()
	s, h := m.s, m.heads[i]
	if err := s.Check(h); err != nil {
		m.t.Fatalf("%s: page %d: %v", what, i, err)
	}
	got := map[PTE]int{}
	s.Each(h, func(x PTE) bool { got[x]++; return true })
	if fmt.Sprint(got) != fmt.Sprint(m.ptes[i]) {
		m.t.Fatalf("%s: page %d holds %v, model %v", what, i, got, m.ptes[i])
	}
	n := m.size(i)
	if s.Len(h) != n {
		m.t.Fatalf("%s: page %d Len %d, model %d", what, i, s.Len(h), n)
	}
	switch {
	case n == 0 && !h.IsEmpty():
		m.t.Fatalf("%s: page %d unmapped but head %#x", what, i, uint64(h))
	case n >= 2 && !h.IsChain():
		m.t.Fatalf("%s: page %d has %d ptes but no chain", what, i, n)
	}
	wantBlocks := 0
	if h.IsChain() {
		wantBlocks = ceilDiv(n, s.NRPTE())
	}
	if s.Blocks(h) != wantBlocks {
		m.t.Fatalf("%s: page %d: %d ptes in %d blocks, want %d", what, i, n, s.Blocks(h), wantBlocks)
	}
}

func (m *model) verifyAll(what string) {
	m.t.Helper()
	sum := 0
	for i := range m.heads {
		m.verify(i, what)
		sum += m.s.Blocks(m.heads[i])
	}
	if m.s.LiveBlocks() != sum {
		m.t.Fatalf("%s: LiveBlocks %d, sum of Blocks %d", what, m.s.LiveBlocks(), sum)
	}
	if m.s.PeakBlocks() < sum {
		m.t.Fatalf("%s: PeakBlocks %d < live %d", what, m.s.PeakBlocks(), sum)
	}
	if err := m.s.CheckAll(m.heads); err != nil {
		m.t.Fatalf("%s: %v", what, err)
	}
}

func TestPropertyAgainstModel(t *testing.T) {
	ops := 30000
	if testing.Short() {
		ops = 5000
	}
	for _, nrpte := range []int{2, 3, 7, 15, 31} {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("nrpte=%d/seed=%d", nrpte, seed), func(t *testing.T) {
				runModel(t, nrpte, seed, ops)
			})
		}
	}
}

func runModel(t *testing.T, nrpte int, seed uint64, ops int) {
	const npages = 40
	m := &model{
		t:     t,
		s:     New(nrpte),
		rng:   rand.New(rand.NewPCG(seed, uint64(nrpte))),
		heads: make([]Head, npages),
		ptes:  make([]map[PTE]int, npages),
	}
	for i := range m.ptes {
		m.ptes[i] = map[PTE]int{}
	}
	s, rng := m.s, m.rng
	// Pages get a skewed share of the adds so that some chains grow long
	// (many blocks) while others hover around 0, 1 and 2 ptes, where the
	// direct/chain transitions are.
	page := func() int {
		if rng.IntN(4) == 0 {
			return rng.IntN(4)
		}
		return rng.IntN(npages)
	}
	for op := 0; op < ops; op++ {
		i := page()
		var what string
		switch r := rng.IntN(100); {
		case r < 42:
			what = "add"
			m.add(i)
		case r < 67:
			what = "remove"
			if m.size(i) == 0 {
				continue
			}
			x := m.pick(i)
			blocks := s.Blocks(m.heads[i])
			found, steps := s.Remove(&m.heads[i], x)
			if !found || steps > blocks || (blocks > 0 && steps < 1) {
				t.Fatalf("op %d: Remove(%#x) = %v, %d steps of %d blocks", op, x, found, steps, blocks)
			}
			m.drop(i, x)
		case r < 72:
			what = "remove absent"
			blocks := s.Blocks(m.heads[i])
			found, steps := s.Remove(&m.heads[i], m.newPTE())
			if found || steps != blocks {
				t.Fatalf("op %d: Remove(absent) = %v, %d steps of %d blocks", op, found, steps, blocks)
			}
		case r < 84:
			what = "unmap"
			m.unmap(i, op)
		case r < 90:
			what = "collapse"
			h := m.heads[i]
			want := h.IsChain() && m.size(i) == 1
			if got := s.Collapse(&m.heads[i]); got != want {
				t.Fatalf("op %d: Collapse = %v with %d ptes, chain %v", op, got, m.size(i), h.IsChain())
			}
			if want && !m.heads[i].IsDirect() {
				t.Fatalf("op %d: collapsed page not direct", op)
			}
		case r < 95:
			what = "each"
			h := m.heads[i]
			stopAfter := 1 + rng.IntN(20)
			seen := 0
			steps := s.Each(h, func(PTE) bool { seen++; return seen < stopAfter })
			n := m.size(i)
			if seen != min(n, stopAfter) {
				t.Fatalf("op %d: Each saw %d of %d (stop after %d)", op, seen, n, stopAfter)
			}
			if seen == n && steps != s.Blocks(h) {
				t.Fatalf("op %d: full Each visited %d blocks of %d", op, steps, s.Blocks(h))
			}
		default:
			what = "drain"
			for m.size(i) > 0 {
				x := m.pick(i)
				if found, _ := s.Remove(&m.heads[i], x); !found {
					t.Fatalf("op %d: drain lost %#x", op, x)
				}
				m.drop(i, x)
			}
		}
		m.verify(i, fmt.Sprintf("op %d (%s)", op, what))
		if op%997 == 0 {
			m.verifyAll(fmt.Sprintf("op %d", op))
		}
	}
	m.verifyAll("end")

	// Unmap everything: every block goes back to the free list.
	for i := range m.heads {
		s.UnmapEach(&m.heads[i], func(x PTE) (bool, bool) { m.drop(i, x); return true, false })
	}
	m.verifyAll("all unmapped")
	st := s.Stats()
	if st.Live != 0 || st.Free != st.Slab || st.Allocs != st.Frees {
		t.Fatalf("after unmapping all: %+v", st)
	}
	// Building a new load reuses freed blocks: the slab grows only when more
	// blocks are live at once than it ever held.
	slab := st.Slab
	s.ResetPeak()
	if s.PeakBlocks() != 0 {
		t.Fatalf("ResetPeak with nothing live: peak %d", s.PeakBlocks())
	}
	for range st.Peak * nrpte {
		m.add(page())
	}
	if got, want := s.Stats().Slab, max(slab, s.PeakBlocks()); got != want {
		t.Fatalf("slab %d after rebuild, want max(old slab %d, new peak %d)", got, slab, s.PeakBlocks())
	}
	m.verifyAll("rebuilt")
}

// unmap runs UnmapEach on page i with a random policy; the callback sometimes
// adds ptes to other pages, as long as it leaves page i alone.
func (m *model) unmap(i, op int) {
	t, s, rng := m.t, m.s, m.rng
	before := eachList(s, m.heads[i])
	policy := rng.IntN(4) // 0 keep all, 1 remove ~1/3, 2 remove ~2/3, 3 remove all
	stopAt := -1
	if rng.IntN(3) == 0 && len(before) > 0 {
		stopAt = rng.IntN(len(before))
	}
	var seen []PTE
	s.UnmapEach(&m.heads[i], func(x PTE) (bool, bool) {
		pos := len(seen)
		seen = append(seen, x)
		if rng.IntN(8) == 0 {
			o := rng.IntN(len(m.heads))
			if o != i {
				m.add(o)
			}
		}
		var rm bool
		switch policy {
		case 1:
			rm = rng.IntN(3) == 0
		case 2:
			rm = rng.IntN(3) != 0
		case 3:
			rm = true
		}
		if rm {
			m.drop(i, x)
		}
		return rm, pos == stopAt
	})
	want := before
	if stopAt >= 0 {
		want = before[:stopAt+1]
	}
	if !slices.Equal(seen, want) {
		t.Fatalf("op %d: UnmapEach saw %v, want %v", op, seen, want)
	}
}
