package itree

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
)

// intervalShape generates intervals of one flavour for the random tests.
type intervalShape struct {
	name string
	gen  func(r *rand.Rand) (start, last uint64)
}

var shapes = []intervalShape{
	// A tiny coordinate space: most intervals are duplicates of others
	// or share a start.
	{"duplicates", func(r *rand.Rand) (uint64, uint64) {
		a, b := r.Uint64N(8), r.Uint64N(8)
		return min(a, b), max(a, b)
	}},
	// Every interval contains 1000: the anon_vma shape after many forks.
	{"nested", func(r *rand.Rand) (uint64, uint64) {
		return 1000 - r.Uint64N(1000), 1000 + r.Uint64N(1000)
	}},
	// Short intervals scattered over a wide space: the i_mmap shape.
	{"scattered", func(r *rand.Rand) (uint64, uint64) {
		start := r.Uint64N(1 << 20)
		return start, start + r.Uint64N(64)
	}},
	// Points, zero-length intervals and the ends of the uint64 range.
	{"edges", func(r *rand.Rand) (uint64, uint64) {
		pick := func() uint64 {
			if r.IntN(2) == 0 {
				return r.Uint64N(4)
			}
			return math.MaxUint64 - r.Uint64N(4)
		}
		a, b := pick(), pick()
		return min(a, b), max(a, b)
	}},
}

// queryRange picks a query that is usually near the shape's intervals, and
// sometimes empty (lo > hi) or covering everything.
func queryRange(r *rand.Rand, shape intervalShape) (lo, hi uint64) {
	switch r.IntN(16) {
	case 0:
		return 0, math.MaxUint64
	case 1:
		a, b := shape.gen(r)
		return b + 1, a // lo > hi unless b is MaxUint64: an empty query
	}
	a, b := shape.gen(r)
	c, d := shape.gen(r)
	lo, hi = min(a, c), min(b, d)
	if lo > hi {
		lo, hi = hi, lo
	}
	return lo, hi
}

// runRandom grows a tree to about target nodes, churns it, and drains it,
// checking every step against the model.
func runRandom(t *testing.T, seed uint64, shape intervalShape, target, fullCheckEvery int) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, uint64(target)))
	m := newModel()
	m.fullCheckEvery = fullCheckEvery
	// Queries are a third of the steps for small trees; in big ones every
	// brute-force answer costs O(n), so they are made four times rarer.
	scale := 1
	if target > 2000 {
		scale = 4
	}
	step := func(phase string, insertWeight, removeWeight int) {
		var err error
		insertWeight *= scale
		removeWeight *= scale
		switch k := r.IntN(insertWeight + removeWeight + 4); {
		case k < insertWeight:
			if r.IntN(3) == 0 {
				err = m.insertAfter(r.IntN(1 << 30))
			} else {
				err = m.insert(shape.gen(r))
			}
		case k < insertWeight+removeWeight:
			err = m.remove(r.IntN(1 << 30))
		default:
			lo, hi := queryRange(r, shape)
			limit := 0
			if r.IntN(4) == 0 {
				limit = 1 + r.IntN(3)
			}
			err = m.query(lo, hi, r.IntN(2) == 0, limit)
		}
		if err != nil {
			t.Fatalf("seed %d, %s, %s phase, %d nodes: %v", seed, shape.name, phase, len(m.linked), err)
		}
	}
	for len(m.linked) < target {
		step("grow", 6, 2)
	}
	// Churn long enough to cycle small trees many times over; for the big
	// ones each query's brute-force answer costs O(n), so churn less.
	churn := 4 * target
	if target > 2000 {
		churn = target
	}
	for range churn {
		step("churn", 3, 3)
	}
	for len(m.linked) > 0 {
		step("drain", 1, 4)
	}
	if err := m.tree.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestRandomAgainstBruteForce(t *testing.T) {
	sizes := []struct {
		target, seeds, fullCheckEvery int
	}{
		{1, 50, 1}, {3, 50, 1}, {8, 40, 1}, {40, 20, 1}, {300, 6, 1}, {2000, 1, 1}, {10000, 1, 97},
	}
	for _, shape := range shapes {
		for _, size := range sizes {
			if testing.Short() && size.target > 2000 {
				continue
			}
			t.Run(fmt.Sprintf("%s/n=%d", shape.name, size.target), func(t *testing.T) {
				for seed := range size.seeds {
					runRandom(t, uint64(seed), shape, size.target, size.fullCheckEvery)
				}
			})
		}
	}
}

// TestCheckDetectsCorruption makes sure Check is able to fail: each
// corruption of a valid tree must be reported.
func TestCheckDetectsCorruption(t *testing.T) {
	build := func() (*Tree[int], []*Node[int]) {
		var tr Tree[int]
		nodes := make([]*Node[int], 64)
		for i := range nodes {
			nodes[i] = &Node[int]{Value: i}
			tr.Insert(nodes[i], uint64(i*10), uint64(i*10+5))
		}
		if err := tr.Check(); err != nil {
			t.Fatal(err)
		}
		return &tr, nodes
	}
	corruptions := []struct {
		name string
		want string
		do   func(tr *Tree[int], nodes []*Node[int])
	}{
		{"stale subtreeLast", "subtreeLast", func(tr *Tree[int], _ []*Node[int]) { tr.root.subtreeLast++ }},
		{"red root", "is red", func(tr *Tree[int], _ []*Node[int]) { tr.root.red = true }},
		{"order", "out of order", func(tr *Tree[int], _ []*Node[int]) {
			l := tr.root.left
			l.start, l.last = tr.root.start+1, tr.root.start+1 // keep start <= last
		}},
		{"len", "Len()", func(tr *Tree[int], _ []*Node[int]) { tr.count++ }},
		{"parent", "parent", func(tr *Tree[int], _ []*Node[int]) { tr.root.left.parent = tr.root.right }},
		{"black height", "black height", func(tr *Tree[int], _ []*Node[int]) {
			n := tr.root
			for n.left != nil {
				n = n.left
			}
			n.red = !n.red
			if n.red && n.parent.red {
				n.parent.red = false // keep the red rule, break only black height
			}
		}},
		{"red-red", "red child", func(tr *Tree[int], _ []*Node[int]) {
			// Find a red node and paint its parent red.
			for n := tr.First(); n != nil; n = n.Next() {
				if n.red && n.parent != nil && n.parent != tr.root {
					n.parent.red = true
					return
				}
			}
		}},
		{"owner", "owner", func(tr *Tree[int], nodes []*Node[int]) { nodes[5].owner = nil }},
	}
	for _, c := range corruptions {
		tr, nodes := build()
		c.do(tr, nodes)
		err := tr.Check()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Check() = %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
}

// TestStabVisitsLogarithmic checks the cost the simulator reports: a stab
// into N disjoint intervals must examine O(log N) nodes, not N, whatever the
// insertion order.
func TestStabVisitsLogarithmic(t *testing.T) {
	for _, n := range []int{16, 256, 4096, 65536} {
		for _, order := range []string{"ascending", "descending", "random"} {
			idx := make([]int, n)
			for i := range idx {
				idx[i] = i
			}
			switch order {
			case "descending":
				for i := range idx {
					idx[i] = n - 1 - i
				}
			case "random":
				rand.New(rand.NewPCG(1, uint64(n))).Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
			}
			var tr Tree[int]
			nodes := make([]Node[int], n)
			for _, i := range idx {
				// [10i, 10i+5]: disjoint, with gaps between them.
				tr.Insert(&nodes[i], uint64(10*i), uint64(10*i+5))
			}
			bound := 4*bits.Len(uint(n-1)) + 4 // 4*log2(N)+4
			maxVisited, total, queries := 0, 0, 0
			for p := uint64(0); p < uint64(10*n+10); p++ {
				if n > 4096 && p%7 != 0 {
					continue // sample the biggest tree
				}
				reported := 0
				visited := tr.Stab(p, func(*Node[int]) bool { reported++; return true })
				wantReported := 0
				if p < uint64(10*n) && p%10 <= 5 {
					wantReported = 1
				}
				if reported != wantReported {
					t.Fatalf("N=%d %s: Stab(%d) reported %d, want %d", n, order, p, reported, wantReported)
				}
				maxVisited = max(maxVisited, visited)
				total += visited
				queries++
			}
			t.Logf("N=%-6d %-10s height bound %2d: stab visits max %2d, mean %.1f (limit %d)",
				n, order, 2*bits.Len(uint(n)), maxVisited, float64(total)/float64(queries), bound)
			if maxVisited > bound {
				t.Errorf("N=%d %s: a stab visited %d nodes, want <= %d", n, order, maxVisited, bound)
			}
		}
	}
}

// TestVisitedCountsEveryReport: when every interval overlaps, the walk must
// examine, and count, every node exactly once.
func TestVisitedCountsEveryReport(t *testing.T) {
	var tr Tree[int]
	nodes := make([]Node[int], 1000)
	for i := range nodes {
		tr.Insert(&nodes[i], uint64(i%7), 100+uint64(i%5))
	}
	reported := 0
	visited := tr.Stab(50, func(*Node[int]) bool { reported++; return true })
	if reported != len(nodes) || visited != len(nodes) {
		t.Fatalf("Stab reported %d and visited %d, want %d and %d", reported, visited, len(nodes), len(nodes))
	}
	// Stopping early must stop the walk, not only the reporting.
	reported = 0
	visited = tr.Stab(50, func(*Node[int]) bool { reported++; return reported < 3 })
	if reported != 3 || visited > 3+2*2*bits.Len(uint(len(nodes))) {
		t.Fatalf("early stop: reported %d visited %d", reported, visited)
	}
	// A query beyond every interval prunes at the root.
	if v := tr.Stab(1000, func(*Node[int]) bool { t.Fatal("reported"); return true }); v != 1 {
		t.Fatalf("Stab beyond all intervals visited %d, want 1", v)
	}
}

// TestForkChain models fork: each new node is inserted after its parent's,
// giving long runs of identical intervals, and removal order is random.
func TestForkChain(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	m := newModel()
	for range 50 {
		if err := m.insert(shapes[2].gen(r)); err != nil {
			t.Fatal(err)
		}
	}
	for range 3000 {
		var err error
		if r.IntN(4) == 0 {
			err = m.remove(r.IntN(1 << 30))
		} else {
			err = m.insertAfter(r.IntN(1 << 30))
		}
		if err == nil {
			lo, hi := queryRange(r, shapes[2])
			err = m.query(lo, hi, false, 0)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestReinsertIntoAnotherTree(t *testing.T) {
	var a, b Tree[string]
	n := &Node[string]{Value: "vma"}
	a.Insert(n, 1, 2)
	a.Remove(n)
	b.Insert(n, 3, 4)
	if a.Len() != 0 || b.Len() != 1 || a.Check() != nil || b.Check() != nil {
		t.Fatalf("a.Len %d b.Len %d", a.Len(), b.Len())
	}
	var got []string
	b.Stab(3, func(n *Node[string]) bool { got = append(got, n.Value); return true })
	if len(got) != 1 || got[0] != "vma" {
		t.Fatalf("Stab(3) = %v", got)
	}
}

func TestPanics(t *testing.T) {
	expectPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	var a, b Tree[int]
	n, other := &Node[int]{}, &Node[int]{}
	a.Insert(n, 5, 9)
	expectPanic("Insert with start > last", func() { a.Insert(&Node[int]{}, 2, 1) })
	expectPanic("Insert of a linked node", func() { b.Insert(n, 1, 2) })
	expectPanic("InsertAfter of a linked node", func() { a.InsertAfter(n, n) })
	expectPanic("InsertAfter with foreign prev", func() { b.InsertAfter(other, n) })
	expectPanic("Remove of an unlinked node", func() { a.Remove(other) })
	expectPanic("Remove from the wrong tree", func() { b.Remove(n) })
	if err := a.Check(); err != nil || a.Len() != 1 || b.Len() != 0 {
		t.Fatalf("failed calls changed the trees: %v", err)
	}
}

func TestAllocationFree(t *testing.T) {
	var tr Tree[int]
	nodes := make([]Node[int], 1024)
	for i := range nodes {
		tr.Insert(&nodes[i], uint64(i*3), uint64(i*3+7))
	}
	extra := &Node[int]{}
	i := 0
	count := 0
	allocs := testing.AllocsPerRun(1000, func() {
		n := &nodes[i%len(nodes)]
		i += 37
		tr.Remove(n)
		tr.Insert(n, uint64(i%3000), uint64(i%3000)+5)
		tr.InsertAfter(extra, n)
		tr.Remove(extra)
		tr.Stab(uint64(i%3000), func(*Node[int]) bool { count++; return true })
		tr.Overlap(100, 200, func(*Node[int]) bool { count++; return true })
	})
	if allocs != 0 {
		t.Fatalf("mutations and queries allocate %.1f times per run", allocs)
	}
	if err := tr.Check(); err != nil {
		t.Fatal(err)
	}
}
