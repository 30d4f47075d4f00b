package rbtree

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// insert descends by key as a caller of the package does, and links a
// new node where the descent ends (equal keys go right).
func insert(t *Tree[int], key int) *Node[int] {
	var parent *Node[int]
	side := Left
	for n := t.Root(); n != nil; n = n.Child(side) {
		parent = n
		side = Left
		if key >= n.Value {
			side = Right
		}
	}
	n := &Node[int]{Value: key}
	t.Link(n, parent, side)
	return n
}

func inOrder(t *Tree[int]) []int {
	var out []int
	t.Each(func(n *Node[int]) bool {
		out = append(out, n.Value)
		return true
	})
	return out
}

// Random links, erasures and replacements keep the red-black rules and
// the order of a sorted model, brute force after every step.
func TestAgainstSortedModel(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		var tr Tree[int]
		var nodes []*Node[int]
		var model []int
		for step := 0; step < 400; step++ {
			switch k := rng.IntN(10); {
			case k < 5 || len(nodes) == 0:
				key := rng.IntN(60)
				nodes = append(nodes, insert(&tr, key))
				model = append(model, key)
			case k < 9:
				i := rng.IntN(len(nodes))
				tr.Erase(nodes[i])
				model = slices.Delete(model, slices.Index(model, nodes[i].Value), slices.Index(model, nodes[i].Value)+1)
				nodes = slices.Delete(nodes, i, i+1)
			default:
				// Replace by a node of the same key: order is kept.
				i := rng.IntN(len(nodes))
				n := &Node[int]{Value: nodes[i].Value}
				tr.Replace(nodes[i], n)
				nodes[i] = n
			}
			if err := tr.Check(); err != nil {
				t.Fatalf("seed %d step %d: %v", seed, step, err)
			}
			slices.Sort(model)
			if got := inOrder(&tr); !slices.Equal(got, model) {
				t.Fatalf("seed %d step %d: in order %v, want %v", seed, step, got, model)
			}
		}
	}
}

// Reset forgets every node; the nodes can be linked again afterwards.
func TestResetAndRelink(t *testing.T) {
	var tr Tree[int]
	var nodes []*Node[int]
	for i := 0; i < 20; i++ {
		nodes = append(nodes, insert(&tr, i))
	}
	tr.Reset()
	if tr.Len() != 0 || tr.Root() != nil {
		t.Fatalf("after Reset: Len %d", tr.Len())
	}
	for i := 19; i >= 0; i-- {
		// A stale node is linked afresh, as KSM relinks its rmap_items.
		var parent *Node[int]
		side := Left
		for n := tr.Root(); n != nil; n = n.Child(side) {
			parent = n
			side = Left
			if nodes[i].Value >= n.Value {
				side = Right
			}
		}
		tr.Link(nodes[i], parent, side)
	}
	if err := tr.Check(); err != nil {
		t.Fatal(err)
	}
	if got := inOrder(&tr); len(got) != 20 || got[0] != 0 || got[19] != 19 {
		t.Fatalf("relinked in order: %v", got)
	}
}

// The height stays within 2·log2(n+1) for keys inserted in order, the
// case an unbalanced tree gets worst.
func TestHeightBound(t *testing.T) {
	var tr Tree[int]
	for i := 0; i < 1023; i++ {
		insert(&tr, i)
	}
	var height func(n *Node[int]) int
	height = func(n *Node[int]) int {
		if n == nil {
			return 0
		}
		return 1 + max(height(n.Child(Left)), height(n.Child(Right)))
	}
	if h := height(tr.Root()); h > 20 {
		t.Fatalf("height %d for 1023 ordered keys, want at most 20", h)
	}
}

// Check says no to a broken tree.
func TestCheckCatchesDamage(t *testing.T) {
	var tr Tree[int]
	for i := 0; i < 8; i++ {
		insert(&tr, i)
	}
	tr.root.red = true
	if tr.Check() == nil {
		t.Fatal("a red root passed Check")
	}
	tr.root.red = false
	tr.n++
	if tr.Check() == nil {
		t.Fatal("a wrong Len passed Check")
	}
}
