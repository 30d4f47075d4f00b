// Package rbtree is a red-black tree shaped like the kernel's lib/rbtree.c
// and include/linux/rbtree.h: the tree does not compare keys. The caller
// descends from Root itself, comparing whatever it keys the nodes by, and
// links a new node where the descent ended (rb_link_node followed by
// rb_insert_color); Erase and Replace (rb_erase, rb_replace_node) take a
// node the caller holds. KSM needs exactly that: its trees are keyed by
// page contents that it compares while it descends (memcmp_pages), and
// the unstable tree's keys may change under it (core/ksm_tree.go).
//
//	      black
//	     /     \          every node is red or black; the root is black;
//	   red     red        a red node has no red child; every path from
//	  /  \     /  \       the root down to a missing child crosses the
//	blk  blk blk  blk     same number of black nodes (so the height is
//	                      at most 2·log2(n+1))
//
// Nodes are owned by the caller (the kernel embeds its rb_node in the
// structure it indexes), so linking and erasing never allocate. Each node
// keeps its two children in an array indexed by side (0 left, 1 right),
// which lets every rebalancing case be written once for both mirror
// images. Reset forgets every node at once (root = RB_ROOT), leaving the
// nodes' own fields stale, as KSM's unstable tree is dropped at every
// full scan.
//
// Costs: Link and Erase are O(log n), with at most two rotations on
// insertion and three on erasure; Replace is O(1).
package rbtree

import "fmt"

// Left and Right name the sides of a node, for Link.
const (
	Left  = 0
	Right = 1
)

// Node is an rb_node with the value it indexes.
type Node[T any] struct {
	child  [2]*Node[T]
	parent *Node[T]
	red    bool
	Value  T
}

// Child returns the child on side (Left or Right), or nil.
func (n *Node[T]) Child(side int) *Node[T] { return n.child[side] }

// side is the side of its parent n hangs on; n must have a parent.
func (n *Node[T]) side() int {
	if n.parent.child[Right] == n {
		return Right
	}
	return Left
}

func isRed[T any](n *Node[T]) bool { return n != nil && n.red }

// Tree is an rb_root.
type Tree[T any] struct {
	root *Node[T]
	n    int
}

// Root returns the root node, or nil for an empty tree.
func (t *Tree[T]) Root() *Node[T] { return t.root }

// Len returns the number of linked nodes.
func (t *Tree[T]) Len() int { return t.n }

// Reset empties the tree without touching its nodes (root = RB_ROOT).
func (t *Tree[T]) Reset() { t.root, t.n = nil, 0 }

// Link puts n, which must not be in any tree, as the child on side of
// parent (parent nil: n becomes the root of an empty tree), where the
// caller's descent ended, and rebalances (rb_link_node + rb_insert_color).
func (t *Tree[T]) Link(n, parent *Node[T], side int) {
	n.child = [2]*Node[T]{}
	n.parent = parent
	n.red = true
	if parent == nil {
		t.root = n
	} else {
		parent.child[side] = n
	}
	t.n++
	t.insertColor(n)
}

// setChild makes parent point at to where it pointed at from (parent nil:
// the root), without touching to.parent.
func (t *Tree[T]) setChild(parent, from, to *Node[T]) {
	switch {
	case parent == nil:
		t.root = to
	case parent.child[Left] == from:
		parent.child[Left] = to
	default:
		parent.child[Right] = to
	}
}

// rotate moves x down to side, lifting its child from the other side
// into its place: rotate(x, Left) is a left rotation.
func (t *Tree[T]) rotate(x *Node[T], side int) {
	y := x.child[1-side]
	x.child[1-side] = y.child[side]
	if c := y.child[side]; c != nil {
		c.parent = x
	}
	y.parent = x.parent
	t.setChild(x.parent, x, y)
	y.child[side] = x
	x.parent = y
}

// insertColor repairs a red node with a red parent, from n up.
func (t *Tree[T]) insertColor(n *Node[T]) {
	for {
		p := n.parent
		if p == nil {
			n.red = false
			return
		}
		if !p.red {
			return
		}
		g := p.parent // p is red, so not the root
		s := p.side()
		if u := g.child[1-s]; isRed(u) {
			// A red uncle: push the red up two levels and go on there.
			p.red, u.red, g.red = false, false, true
			n = g
			continue
		}
		if n.side() != s {
			// n is the inner grandchild: turn it into the outer one.
			t.rotate(p, s)
			n, p = p, n
		}
		t.rotate(g, 1-s)
		p.red, g.red = false, true
		return
	}
}

// Erase unlinks n and rebalances (rb_erase). n's own fields are cleared.
func (t *Tree[T]) Erase(n *Node[T]) {
	var x, xp *Node[T] // what took the removed position, and its parent
	removedRed := n.red
	switch {
	case n.child[Left] == nil || n.child[Right] == nil:
		x = n.child[Left]
		if x == nil {
			x = n.child[Right]
		}
		xp = n.parent
		t.transplant(n, x)
	default:
		// Two children: n's successor y takes n's place and colour.
		y := n.child[Right]
		for y.child[Left] != nil {
			y = y.child[Left]
		}
		removedRed = y.red
		x = y.child[Right]
		if y.parent == n {
			xp = y
		} else {
			xp = y.parent
			t.transplant(y, x)
			y.child[Right] = n.child[Right]
			y.child[Right].parent = y
		}
		t.transplant(n, y)
		y.child[Left] = n.child[Left]
		y.child[Left].parent = y
		y.red = n.red
	}
	t.n--
	n.child, n.parent, n.red = [2]*Node[T]{}, nil, false
	if !removedRed {
		t.eraseColor(x, xp)
	}
}

// transplant puts v (possibly nil) where u hangs.
func (t *Tree[T]) transplant(u, v *Node[T]) {
	t.setChild(u.parent, u, v)
	if v != nil {
		v.parent = u.parent
	}
}

// eraseColor gives back the black node that every path through x (whose
// parent is p; x may be nil) lost.
func (t *Tree[T]) eraseColor(x, p *Node[T]) {
	for x != t.root && !isRed(x) {
		// x's side: when x is nil, the side that has lost a black node
		// is the one whose child is missing (the other side, having one
		// black node more, cannot be empty).
		s := Right
		if p.child[Left] == x {
			s = Left
		}
		w := p.child[1-s] // never nil: its side has a black node to spare
		if w.red {
			w.red, p.red = false, true
			t.rotate(p, s)
			w = p.child[1-s]
		}
		if !isRed(w.child[Left]) && !isRed(w.child[Right]) {
			w.red = true
			x, p = p, p.parent
			continue
		}
		if !isRed(w.child[1-s]) {
			// Make the sibling's outer child the red one.
			w.child[s].red, w.red = false, true
			t.rotate(w, 1-s)
			w = p.child[1-s]
		}
		w.red, p.red = p.red, false
		w.child[1-s].red = false
		t.rotate(p, s)
		x = t.root
		break
	}
	if x != nil {
		x.red = false
	}
}

// Replace puts n, which must not be in any tree, in old's place, with
// old's colour and children (rb_replace_node); old's fields are cleared.
func (t *Tree[T]) Replace(old, n *Node[T]) {
	n.child, n.parent, n.red = old.child, old.parent, old.red
	for _, c := range n.child {
		if c != nil {
			c.parent = n
		}
	}
	t.setChild(old.parent, old, n)
	old.child, old.parent, old.red = [2]*Node[T]{}, nil, false
}

// Each calls fn for every node in order (left to right), until fn returns
// false.
func (t *Tree[T]) Each(fn func(*Node[T]) bool) {
	var walk func(n *Node[T]) bool
	walk = func(n *Node[T]) bool {
		return n == nil || walk(n.child[Left]) && fn(n) && walk(n.child[Right])
	}
	walk(t.root)
}

// Check verifies the tree's shape: parent links, the red-black rules, and
// Len. Ordering is the caller's to check (the tree knows no keys).
func (t *Tree[T]) Check() error {
	if isRed(t.root) {
		return fmt.Errorf("rbtree: red root")
	}
	if t.root != nil && t.root.parent != nil {
		return fmt.Errorf("rbtree: the root has a parent")
	}
	count := 0
	var check func(n *Node[T]) (int, error)
	check = func(n *Node[T]) (int, error) {
		if n == nil {
			return 1, nil
		}
		count++
		for _, c := range n.child {
			if c != nil && c.parent != n {
				return 0, fmt.Errorf("rbtree: a child's parent link does not lead back")
			}
			if n.red && isRed(c) {
				return 0, fmt.Errorf("rbtree: a red node has a red child")
			}
		}
		l, err := check(n.child[Left])
		if err != nil {
			return 0, err
		}
		r, err := check(n.child[Right])
		if err != nil {
			return 0, err
		}
		if l != r {
			return 0, fmt.Errorf("rbtree: black heights %d and %d below one node", l, r)
		}
		if !n.red {
			l++
		}
		return l, nil
	}
	if _, err := check(t.root); err != nil {
		return err
	}
	if count != t.n {
		return fmt.Errorf("rbtree: %d nodes linked, Len says %d", count, t.n)
	}
	return nil
}
