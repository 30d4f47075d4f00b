package priotree

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// shape describes a tree by pre-order interval, depth and side, with vm_set
// lists, so tests can pin exact kernel placements.
func shape[T any](t *Tree[T]) []string {
	var out []string
	var rec func(n *Node[T], depth int, side string)
	rec = func(n *Node[T], depth int, side string) {
		if n == nil {
			return
		}
		s := fmt.Sprintf("%d%s %v[%d,%d]", depth, side, n.Value, n.radix, n.heap)
		if h := n.setHead; h != nil {
			for x := h; ; {
				s += fmt.Sprintf(" %v", x.Value)
				x = x.next
				if x == h {
					break
				}
			}
		}
		out = append(out, s)
		rec(n.left, depth+1, "L")
		rec(n.right, depth+1, "R")
	}
	rec(t.root, 0, "")
	return out
}

// treeStats reports the tree's height and how many tree nodes lie in
// overflow sub-trees (deeper than index_bits).
func treeStats[T any](t *Tree[T]) (height, overflowNodes int) {
	var rec func(n *Node[T], depth int)
	rec = func(n *Node[T], depth int) {
		if n == nil {
			return
		}
		height = max(height, depth+1)
		if depth > t.IndexBits() {
			overflowNodes++
		}
		rec(n.left, depth+1)
		rec(n.right, depth+1)
	}
	rec(t.root, 0)
	return height, overflowNodes
}

// TestDocExample builds the tree drawn in doc.go and checks that it has
// exactly that shape.
func TestDocExample(t *testing.T) {
	var tr Tree[string]
	nodes := map[string]*Node[string]{}
	for _, iv := range []struct {
		name        string
		start, last uint64
	}{{"A", 0, 7}, {"B", 1, 6}, {"C", 4, 5}, {"D", 2, 4}, {"E", 2, 3}, {"F", 2, 2}, {"C2", 4, 5}, {"C3", 4, 5}} {
		n := &Node[string]{Value: iv.name}
		nodes[iv.name] = n
		tr.Insert(n, iv.start, iv.last)
		if err := tr.Check(); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"0 A[0,7]",
		"1L B[1,6]",
		"2R D[2,4]",
		"3L E[2,3]",
		"4L F[2,2]",
		"1R C[4,5] C2 C3",
	}
	if got := shape(&tr); !slices.Equal(got, want) {
		t.Fatalf("shape:\n%q\nwant\n%q", got, want)
	}
	if tr.IndexBits() != 3 || tr.Len() != 8 {
		t.Fatalf("IndexBits %d Len %d, want 3 and 8", tr.IndexBits(), tr.Len())
	}
	if _, overflow := treeStats(&tr); overflow != 1 {
		t.Fatalf("%d overflow nodes, want 1 (F)", overflow)
	}

	var got []string
	visited := tr.Stab(4, func(n *Node[string]) bool { got = append(got, n.Value); return true })
	// Pre-order: A, B, D, (E and F start at 2 and end before 4: E is read
	// and pruned), C with its list.
	if want := []string{"A", "B", "D", "C", "C2", "C3"}; !slices.Equal(got, want) {
		t.Fatalf("Stab(4) = %v, want %v", got, want)
	}
	// Read: A, B, D, E (pruned), C; plus list members C2, C3.
	if visited != 7 {
		t.Fatalf("Stab(4) visited %d, want 7", visited)
	}

	// Removing D pulls E up, and F up behind it, into E's old position.
	tr.Remove(nodes["D"])
	want = []string{"0 A[0,7]", "1L B[1,6]", "2R E[2,3]", "3L F[2,2]", "1R C[4,5] C2 C3"}
	if got := shape(&tr); !slices.Equal(got, want) {
		t.Fatalf("after Remove(D):\n%q\nwant\n%q", got, want)
	}
	// Removing C promotes its list head C2 into the tree position.
	tr.Remove(nodes["C"])
	want = []string{"0 A[0,7]", "1L B[1,6]", "2R E[2,3]", "3L F[2,2]", "1R C2[4,5] C3"}
	if got := shape(&tr); !slices.Equal(got, want) {
		t.Fatalf("after Remove(C):\n%q\nwant\n%q", got, want)
	}
	if err := tr.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestForkOrder checks vma_prio_tree_add's placement and the promotions on
// removal.
func TestForkOrder(t *testing.T) {
	var tr Tree[string]
	mk := func(s string) *Node[string] { return &Node[string]{Value: s} }
	order := func() []string {
		var got []string
		tr.Stab(10, func(n *Node[string]) bool { got = append(got, n.Value); return true })
		return got
	}
	expect := func(want ...string) {
		t.Helper()
		if err := tr.Check(); err != nil {
			t.Fatal(err)
		}
		if got := order(); !slices.Equal(got, want) {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	a, b, c, d, e := mk("a"), mk("b"), mk("c"), mk("d"), mk("e")
	tr.Insert(a, 10, 19)
	tr.InsertAfter(b, a) // a has no list: b becomes its head
	expect("a", "b")
	tr.InsertAfter(c, a) // a has a list: c goes last
	expect("a", "b", "c")
	tr.InsertAfter(d, b) // b is on the list: d goes right after b
	expect("a", "b", "d", "c")
	tr.Insert(e, 10, 19) // plain insert of a duplicate joins the list too, last
	expect("a", "b", "d", "c", "e")
	if !a.IsTreeNode() || b.IsTreeNode() || tr.Len() != 5 {
		t.Fatal("only a should be a tree node")
	}

	tr.Remove(a) // head b takes a's tree position, d becomes head
	expect("b", "d", "c", "e")
	if !b.IsTreeNode() || b.setHead != d || d.setHead != b {
		t.Fatal("b should be the tree node with head d")
	}
	tr.Remove(d) // remove the head: c becomes head
	expect("b", "c", "e")
	if b.setHead != c || c.setHead != b {
		t.Fatal("c should be the head")
	}
	tr.Remove(e) // plain member
	expect("b", "c")
	tr.Remove(c) // last head: b has no list any more
	expect("b")
	if b.setHead != nil {
		t.Fatal("b should have no list")
	}
	tr.Remove(b)
	expect()
	if tr.Len() != 0 || tr.IndexBits() != 1 {
		t.Fatalf("emptied tree: Len %d IndexBits %d", tr.Len(), tr.IndexBits())
	}
	// The nodes are reusable.
	tr.Insert(a, 1, 2)
	tr.InsertAfter(b, a)
	if err := tr.Check(); err != nil || tr.Len() != 2 {
		t.Fatal(err, tr.Len())
	}
}

// TestExpand checks index_bits growth: a one-bit step hangs the old tree
// under the new root, a k-bit step first pops k-1 nodes into a left chain.
func TestExpand(t *testing.T) {
	var tr Tree[int]
	nodes := make([]*Node[int], 0, 64)
	add := func(start, last uint64) {
		n := &Node[int]{Value: len(nodes)}
		nodes = append(nodes, n)
		tr.Insert(n, start, last)
		if err := tr.Check(); err != nil {
			t.Fatalf("after [%d,%d]: %v\n%s", start, last, err, dumpTree(&tr))
		}
	}
	for i := uint64(0); i < 8; i++ {
		add(i, i)
	}
	if tr.IndexBits() != 3 {
		t.Fatalf("IndexBits %d, want 3", tr.IndexBits())
	}
	add(2, 8) // one more bit
	if tr.IndexBits() != 4 || tr.root != nodes[8] || tr.root.left == nil || tr.root.right != nil {
		t.Fatalf("one-bit expansion:\n%s", dumpTree(&tr))
	}
	add(3, 1<<10) // six more bits: five nodes popped into a chain
	if tr.IndexBits() != 11 || tr.root != nodes[9] {
		t.Fatalf("six-bit expansion:\n%s", dumpTree(&tr))
	}
	chain := []*Node[int]{}
	for n := tr.root.left; n != nil && len(chain) < 6; n = n.left {
		chain = append(chain, n)
	}
	// The chain holds the old tree's top nodes in heap order: [2,8], [7,7], ...
	if chain[0] != nodes[8] || chain[1] != nodes[7] || chain[2] != nodes[6] {
		t.Fatalf("chain head wrong:\n%s", dumpTree(&tr))
	}
	add(0, math.MaxUint64) // to the full 64 bits
	if tr.IndexBits() != 64 {
		t.Fatalf("IndexBits %d, want 64", tr.IndexBits())
	}
	for p := uint64(0); p < 12; p++ {
		count := 0
		tr.Stab(p, func(*Node[int]) bool { count++; return true })
		want := 0
		for _, n := range nodes {
			if n.radix <= p && p <= n.heap {
				want++
			}
		}
		if count != want {
			t.Fatalf("Stab(%d) found %d, want %d", p, count, want)
		}
	}
	// Drain: index_bits stays until the tree is empty.
	for _, n := range nodes {
		tr.Remove(n)
		if err := tr.Check(); err != nil {
			t.Fatal(err)
		}
		if tr.Len() > 0 && tr.IndexBits() != 64 {
			t.Fatalf("IndexBits shrank to %d with %d nodes left", tr.IndexBits(), tr.Len())
		}
	}
	if tr.IndexBits() != 1 {
		t.Fatalf("emptied tree has IndexBits %d", tr.IndexBits())
	}
}

// TestOverflowSubtrees crowds one start with many lengths, the case the
// overflow sub-trees exist for, and checks that they are used and searched.
func TestOverflowSubtrees(t *testing.T) {
	for _, maxLen := range []uint64{1 << 10, 1 << 30, math.MaxUint64 - 100} {
		t.Run(fmt.Sprint(bits.Len64(maxLen)), func(t *testing.T) {
			m := newModel(t)
			rng := rand.New(rand.NewPCG(7, maxLen))
			for range 600 {
				m.insert(100, 100+rng.Uint64N(maxLen))
			}
			_, overflow := treeStats(&m.tree)
			if overflow == 0 {
				t.Fatalf("no overflow sub-tree nodes among %d tree nodes", m.tree.Len())
			}
			for range 300 {
				p := 100 + rng.Uint64N(maxLen)
				m.query(p, p)
				m.query(p/2, p)
			}
			for len(m.live) > 0 {
				m.remove(rng.Uint64())
			}
		})
	}
}

// TestRandomAgainstModel runs long random operation sequences per regime
// against the brute-force model, checking the invariants after every
// mutation.
func TestRandomAgainstModel(t *testing.T) {
	steps := 6000
	if testing.Short() {
		steps = 1500
	}
	for r := range numRegimes + 1 {
		name := "mixed"
		if r < numRegimes {
			name = regimeNames[r]
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= 3; seed++ {
				m := newModel(t)
				rng := rand.New(rand.NewPCG(seed, uint64(r)))
				pick := func() regime {
					if r == numRegimes {
						return regime(rng.IntN(int(numRegimes)))
					}
					return r
				}
				maxBitsJump, maxOverflow := 0, 0
				for step := range steps {
					// Alternate growing and shrinking phases (net +-40% of
					// the steps) so that trees get to a few hundred nodes
					// and also empty out now and then.
					insertWeight, forkWeight := 45, 10
					if (step/800)%2 == 1 {
						insertWeight, forkWeight = 15, 5
					}
					before := m.tree.IndexBits()
					nonEmpty := m.tree.Len() > 0
					switch x := rng.IntN(100); {
					case x < insertWeight:
						m.insert(pick().interval(rng.Uint64(), rng.Uint64()))
					case x < insertWeight+forkWeight:
						m.insertAfter(rng.Uint64())
					case x < 70:
						m.remove(rng.Uint64())
					case x < 98:
						m.query(pick().query(rng.Uint64(), rng.Uint64()))
					default:
						m.each()
					}
					if nonEmpty {
						maxBitsJump = max(maxBitsJump, m.tree.IndexBits()-before)
					}
					if step%100 == 0 {
						_, overflow := treeStats(&m.tree)
						maxOverflow = max(maxOverflow, overflow)
					}
				}
				// The heavy cases must really have happened.
				switch r {
				case regimeSameStart:
					if maxOverflow == 0 {
						t.Errorf("seed %d: overflow sub-trees never used", seed)
					}
				case regimeExpand:
					if maxBitsJump < 2 {
						t.Errorf("seed %d: no multi-bit expansion of a non-empty tree", seed)
					}
				}
			}
		})
	}
}

// TestStabCostLogarithmic: a stab among N disjoint intervals examines
// O(log N) nodes, whatever the insertion order.
func TestStabCostLogarithmic(t *testing.T) {
	for _, n := range []int{64, 4096, 1 << 15} {
		for _, order := range []string{"ascending", "descending", "random"} {
			t.Run(fmt.Sprintf("N=%d/%s", n, order), func(t *testing.T) {
				var tr Tree[int]
				nodes := make([]Node[int], n)
				idx := make([]int, n)
				for i := range idx {
					idx[i] = i
				}
				switch order {
				case "descending":
					slices.Reverse(idx)
				case "random":
					rand.New(rand.NewPCG(1, uint64(n))).Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
				}
				// Interval i covers pages [10i, 10i+4]: gaps between them.
				for _, i := range idx {
					nodes[i].Value = i
					tr.Insert(&nodes[i], uint64(10*i), uint64(10*i+4))
				}
				if err := tr.Check(); err != nil {
					t.Fatal(err)
				}
				limit := 4*bits.Len(uint(n-1)) + 8 // 4*log2(N)+8
				worst, total := 0, 0
				for p := uint64(0); p < uint64(10*n); p++ {
					found := 0
					v := tr.Stab(p, func(*Node[int]) bool { found++; return true })
					if want := 0; p%10 <= 4 {
						want = 1
						if found != want {
							t.Fatalf("Stab(%d) found %d", p, found)
						}
					} else if found != 0 {
						t.Fatalf("Stab(%d) found %d in a gap", p, found)
					}
					worst = max(worst, v)
					total += v
				}
				t.Logf("N=%d %s: index_bits %d, stab visits worst %d, mean %.1f (limit %d)",
					n, order, tr.IndexBits(), worst, float64(total)/float64(10*n), limit)
				if worst > limit {
					t.Fatalf("a stab visited %d nodes, limit %d", worst, limit)
				}
			})
		}
	}
}

// TestFullWalkVisitsEachOnce: a walk over [0, 2^64-1] prunes nothing and
// must examine every node exactly once.
func TestFullWalkVisitsEachOnce(t *testing.T) {
	m := newModel(t)
	rng := rand.New(rand.NewPCG(3, 3))
	for range 2000 {
		r := regime(rng.IntN(int(numRegimes)))
		n := m.newNode()
		if rng.IntN(4) == 0 && len(m.live) > 0 {
			m.tree.InsertAfter(n, m.live[rng.IntN(len(m.live))])
		} else {
			start, last := r.interval(rng.Uint64(), rng.Uint64())
			m.tree.Insert(n, start, last)
		}
		m.live = append(m.live, n)
	}
	m.check()
	m.query(0, math.MaxUint64)
	m.each()
}

func TestEmptyAndEdges(t *testing.T) {
	var tr Tree[int]
	if v := tr.Stab(0, func(*Node[int]) bool { t.Fatal("callback on empty tree"); return true }); v != 0 {
		t.Fatalf("empty tree visited %d", v)
	}
	if err := tr.Check(); err != nil || tr.IndexBits() != 1 {
		t.Fatal(err, tr.IndexBits())
	}
	m := newModel(t)
	m.insert(math.MaxUint64, math.MaxUint64)
	m.insert(0, math.MaxUint64)
	m.insert(0, 0)
	m.insert(math.MaxUint64-1, math.MaxUint64)
	m.insert(0, math.MaxUint64) // duplicate of a full-range node
	for _, q := range [][2]uint64{{0, 0}, {math.MaxUint64, math.MaxUint64}, {1, math.MaxUint64 - 1}, {0, math.MaxUint64}, {3, 2}} {
		m.query(q[0], q[1])
	}
	for len(m.live) > 0 {
		m.remove(0)
	}
}

func TestPanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	var tr, other Tree[int]
	a, b, c := &Node[int]{}, &Node[int]{}, &Node[int]{}
	mustPanic("Insert start > last", func() { tr.Insert(a, 5, 4) })
	tr.Insert(a, 1, 2)
	mustPanic("Insert twice", func() { tr.Insert(a, 1, 2) })
	mustPanic("Insert into another tree", func() { other.Insert(a, 1, 2) })
	mustPanic("InsertAfter of a linked node", func() { tr.InsertAfter(a, a) })
	mustPanic("InsertAfter an unlinked node", func() { tr.InsertAfter(b, c) })
	mustPanic("InsertAfter a node of another tree", func() { other.InsertAfter(b, a) })
	mustPanic("Remove an unlinked node", func() { tr.Remove(b) })
	mustPanic("Remove from the wrong tree", func() { other.Remove(a) })
	if err := tr.Check(); err != nil || tr.Len() != 1 {
		t.Fatal("failed calls changed the tree:", err, tr.Len())
	}
}

// TestCheckDetects corrupts trees and expects Check to notice, so that the
// random tests can be trusted.
func TestCheckDetects(t *testing.T) {
	build := func() (*Tree[int], []*Node[int]) {
		tr := &Tree[int]{}
		var nodes []*Node[int]
		for _, iv := range [][2]uint64{{0, 7}, {1, 6}, {4, 5}, {2, 4}, {2, 3}, {2, 2}, {4, 5}, {4, 5}} {
			n := &Node[int]{Value: len(nodes)}
			nodes = append(nodes, n)
			tr.Insert(n, iv[0], iv[1])
		}
		if err := tr.Check(); err != nil {
			t.Fatal(err)
		}
		return tr, nodes
	}
	// nodes: 0 A[0,7] root, 1 B[1,6] L, 2 C[4,5] R with list 6,7,
	// 3 D[2,4] B.R, 4 E[2,3] D.L, 5 F[2,2] E.L (overflow).
	corruptions := map[string]func(tr *Tree[int], n []*Node[int]){
		"heap order":        func(tr *Tree[int], n []*Node[int]) { n[3].heap = 7 },
		"heap tie rule":     func(tr *Tree[int], n []*Node[int]) { n[1].radix, n[1].heap = 3, 4 },
		"radix placement":   func(tr *Tree[int], n []*Node[int]) { n[1].radix = 5 },
		"deep radix":        func(tr *Tree[int], n []*Node[int]) { n[4].radix, n[4].heap = 3, 3 },
		"overflow radix":    func(tr *Tree[int], n []*Node[int]) { n[5].radix, n[5].heap = 3, 3 },
		"overflow size":     func(tr *Tree[int], n []*Node[int]) { n[4].left, n[4].right = nil, n[5] },
		"parent pointer":    func(tr *Tree[int], n []*Node[int]) { n[3].parent = n[0] },
		"root parent":       func(tr *Tree[int], n []*Node[int]) { tr.root.parent = nil },
		"max index":         func(tr *Tree[int], n []*Node[int]) { tr.indexBits = 2 },
		"len":               func(tr *Tree[int], n []*Node[int]) { tr.count++ },
		"list interval":     func(tr *Tree[int], n []*Node[int]) { n[7].heap = 6 },
		"list back pointer": func(tr *Tree[int], n []*Node[int]) { n[6].setHead = n[0] },
		"list ring":         func(tr *Tree[int], n []*Node[int]) { n[7].next = n[7] },
		"member as head":    func(tr *Tree[int], n []*Node[int]) { n[7].setHead = n[2] },
		"duplicate tree node": func(tr *Tree[int], n []*Node[int]) {
			n[5].heap = 3
			n[4].left = nil
			n[3].right = n[5]
			n[5].parent = n[3]
		},
		"owner": func(tr *Tree[int], n []*Node[int]) { n[4].owner = nil },
	}
	for name, corrupt := range corruptions {
		tr, nodes := build()
		corrupt(tr, nodes)
		if err := tr.Check(); err == nil {
			t.Errorf("%s: Check passed a corrupt tree", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestNoAllocations: updates and queries must not allocate.
func TestNoAllocations(t *testing.T) {
	var tr Tree[int]
	nodes := make([]Node[int], 1024)
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range nodes {
		s := rng.Uint64N(1 << 20)
		tr.Insert(&nodes[i], s, s+rng.Uint64N(1<<12))
	}
	var extra, fork Node[int]
	count := 0
	fn := func(*Node[int]) bool { count++; return true }
	allocs := testing.AllocsPerRun(200, func() {
		s := rng.Uint64N(1 << 20)
		l := s + rng.Uint64N(1<<40) // may expand
		tr.Insert(&extra, s, l)
		tr.InsertAfter(&fork, &extra)
		tr.Stab(rng.Uint64N(1<<20), fn)
		tr.Overlap(s, s+1000, fn)
		tr.Remove(&extra)
		tr.Remove(&fork)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Insert+InsertAfter+Stab+Overlap+Remove", allocs)
	}
}
