package itree

// Node is one interval in a Tree. The caller allocates it (typically embedded
// in or owned by the object it indexes, as the kernel embeds the rb_node in the
// vma) and sets Value. A Node may be in at most one Tree at a time; once
// removed it may be inserted again, into the same tree or another.
type Node[T any] struct {
	// The fields a query reads come first so that they share the node's first
	// cache line whatever the size of Value.
	start, last uint64
	subtreeLast uint64 // max last over this node and its descendants
	left, right *Node[T]
	parent      *Node[T]
	red         bool
	owner       *Tree[T] // the tree holding this node, nil when unlinked

	// Value is the caller's payload; the tree never reads or writes it.
	Value T
}

// Start returns the first point of the node's closed interval.
func (n *Node[T]) Start() uint64 { return n.start }

// Last returns the final point of the node's closed interval [Start, Last].
func (n *Node[T]) Last() uint64 { return n.last }

// InTree reports whether the node is currently linked into some Tree.
func (n *Node[T]) InTree() bool { return n.owner != nil }

// Tree is an augmented red-black interval tree. The zero value is an empty
// tree ready to use. A Tree must not be copied after first use: its nodes
// point back at it.
type Tree[T any] struct {
	root  *Node[T]
	count int
	// Seen, if set, is called with the value of every node a query
	// examines, once per node it counts: the owner hands it to its
	// machine's cost model (core.Machine.Step).
	Seen func(T)
}

func (t *Tree[T]) see(n *Node[T]) {
	if t.Seen != nil {
		t.Seen(n.Value)
	}
}

// Len returns the number of nodes in the tree.
func (t *Tree[T]) Len() int { return t.count }

// Insert links n into the tree with the closed interval [start, last]. Among
// nodes with equal starts, n goes after those already present. It panics if
// start > last or if n is already in a tree.
func (t *Tree[T]) Insert(n *Node[T], start, last uint64) {
	if start > last {
		panic("itree: Insert with start > last")
	}
	if n.owner != nil {
		panic("itree: Insert of a node that is already in a tree")
	}
	n.start, n.last, n.subtreeLast = start, last, last
	n.left, n.right = nil, nil
	n.red = true
	n.owner = t

	var parent *Node[T]
	goLeft := false
	for cur := t.root; cur != nil; {
		// Every node on the descent path gains n as a descendant, so raise
		// its cached maximum now instead of in a second pass.
		if cur.subtreeLast < last {
			cur.subtreeLast = last
		}
		parent = cur
		goLeft = start < cur.start
		if goLeft {
			cur = cur.left
		} else {
			cur = cur.right
		}
	}
	n.parent = parent
	switch {
	case parent == nil:
		t.root = n
	case goLeft:
		parent.left = n
	default:
		parent.right = n
	}
	t.count++
	t.insertFixup(n)
}

// InsertAfter links n into the tree with prev's interval, immediately after
// prev in start order, without searching from the root: n becomes the leftmost
// node of prev's right subtree, or prev's right child if it has none. This is
// the kernel's vma_interval_tree_insert_after, used by fork to place the
// child's vma next to the parent's. It panics if n is already in a tree or
// prev is not in t.
func (t *Tree[T]) InsertAfter(n, prev *Node[T]) {
	if n.owner != nil {
		panic("itree: InsertAfter of a node that is already in a tree")
	}
	if prev.owner != t {
		panic("itree: InsertAfter with prev not in this tree")
	}
	last := prev.last
	n.start, n.last, n.subtreeLast = prev.start, last, last
	n.left, n.right = nil, nil
	n.red = true
	n.owner = t

	if prev.right == nil {
		prev.right = n
		n.parent = prev
	} else {
		parent := prev.right
		for parent.left != nil {
			parent = parent.left
		}
		parent.left = n
		n.parent = parent
	}
	// The nodes from n's parent up to prev are the only ones whose subtree
	// changed below prev; prev itself already covers last, so the climb
	// ends there at the latest.
	for p := n.parent; p.subtreeLast < last; p = p.parent {
		p.subtreeLast = last
	}
	t.count++
	t.insertFixup(n)
}

// Remove unlinks n from the tree. It panics if n is not in t.
func (t *Tree[T]) Remove(n *Node[T]) {
	if n.owner != t {
		panic("itree: Remove of a node that is not in this tree")
	}
	// child is the subtree that moves into the slot vacated by the node
	// physically unlinked from its position (n itself, or n's in-order
	// successor when n has two children); parent is that slot's parent.
	// If the unlinked position held a black node, one path is now short of
	// a black node and removeFixup repairs it.
	var child, parent *Node[T]
	var removedBlack bool

	if n.left == nil || n.right == nil {
		child = n.left
		if child == nil {
			child = n.right
		}
		parent = n.parent
		removedBlack = !n.red
		t.replaceChild(parent, n, child)
		if child != nil {
			child.parent = parent
		}
		// parent's subtree lost n.last; everything below parent is intact.
		propagate(parent)
	} else {
		// Two children: the in-order successor (leftmost of the right
		// subtree, which has no left child) takes n's place and colour.
		succ := n.right
		for succ.left != nil {
			succ = succ.left
		}
		removedBlack = !succ.red
		child = succ.right
		if succ == n.right {
			parent = succ
		} else {
			parent = succ.parent
			parent.left = child
			if child != nil {
				child.parent = parent
			}
			succ.right = n.right
			succ.right.parent = succ
		}
		succ.left = n.left
		succ.left.parent = succ
		succ.red = n.red
		t.replaceChild(n.parent, n, succ)
		succ.parent = n.parent

		// Below succ's new position the subtrees only lost succ itself, so
		// the early-stopping propagate is exact there (the kernel's
		// propagate(parent, successor)). succ's cached value describes its
		// old subtree, unrelated to its new one, so it is recomputed
		// unconditionally; above it only n.last disappeared.
		propagateUntil(parent, succ)
		succ.subtreeLast = succ.computeSubtreeLast()
		propagate(succ.parent)
	}

	if removedBlack {
		t.removeFixup(child, parent)
	}
	n.left, n.right, n.parent, n.owner = nil, nil, nil, nil
	n.red = false
	t.count--
}

// computeSubtreeLast derives n's cached maximum from n and its children,
// which must already be correct.
func (n *Node[T]) computeSubtreeLast() uint64 {
	m := n.last
	if l := n.left; l != nil && l.subtreeLast > m {
		m = l.subtreeLast
	}
	if r := n.right; r != nil && r.subtreeLast > m {
		m = r.subtreeLast
	}
	return m
}

// propagate refreshes subtreeLast from n up to the root after n's subtree
// changed. It stops at the first node whose value does not change: the
// values above depend on the path below only through that node. (The
// kernel's augment->propagate.)
func propagate[T any](n *Node[T]) { propagateUntil(n, nil) }

// propagateUntil is propagate that also stops on reaching stop, leaving stop
// and the nodes above it untouched.
func propagateUntil[T any](n, stop *Node[T]) {
	for ; n != stop; n = n.parent {
		m := n.computeSubtreeLast()
		if m == n.subtreeLast {
			return
		}
		n.subtreeLast = m
	}
}

// replaceChild makes parent point at newChild where it pointed at oldChild,
// or makes newChild the root when parent is nil. It does not set
// newChild.parent.
func (t *Tree[T]) replaceChild(parent, oldChild, newChild *Node[T]) {
	switch {
	case parent == nil:
		t.root = newChild
	case parent.left == oldChild:
		parent.left = newChild
	default:
		parent.right = newChild
	}
}

// rotateLeft lifts x's right child y into x's place:
//
//	  x              y
//	 / \            / \
//	a   y    =>    x   c
//	   / \        / \
//	  b   c      a   b
//
// y now roots exactly the nodes x rooted, so it inherits x's cached maximum;
// x lost y and c and is recomputed from a, b and itself (the kernel's
// augment->rotate).
func (t *Tree[T]) rotateLeft(x *Node[T]) {
	y := x.right
	b := y.left
	x.right = b
	if b != nil {
		b.parent = x
	}
	y.parent = x.parent
	t.replaceChild(x.parent, x, y)
	y.left = x
	x.parent = y
	y.subtreeLast = x.subtreeLast
	x.subtreeLast = x.computeSubtreeLast()
}

// rotateRight is the mirror image of rotateLeft: x's left child y takes x's
// place and x becomes y's right child.
func (t *Tree[T]) rotateRight(x *Node[T]) {
	y := x.left
	b := y.right
	x.left = b
	if b != nil {
		b.parent = x
	}
	y.parent = x.parent
	t.replaceChild(x.parent, x, y)
	y.right = x
	x.parent = y
	y.subtreeLast = x.subtreeLast
	x.subtreeLast = x.computeSubtreeLast()
}

// insertFixup restores the red-black rules after the red leaf n was linked
// in. Only "red node with red parent" (or a red root) can be wrong; it is
// pushed up by recolouring while the uncle is red and settled by at most two
// rotations otherwise.
func (t *Tree[T]) insertFixup(n *Node[T]) {
	for {
		parent := n.parent
		if parent == nil {
			n.red = false // the root is always black
			return
		}
		if !parent.red {
			return
		}
		// parent is red, so it is not the root and grandparent exists.
		grand := parent.parent
		if parent == grand.left {
			uncle := grand.right
			if uncle != nil && uncle.red {
				// Move the redness two levels up and retry there.
				parent.red, uncle.red, grand.red = false, false, true
				n = grand
				continue
			}
			if n == parent.right {
				// Straighten the zig-zag so that n, parent, grand lie on
				// one line; then a single rotation at grand finishes.
				t.rotateLeft(parent)
				n, parent = parent, n
			}
			t.rotateRight(grand)
			parent.red, grand.red = false, true
			return
		}
		uncle := grand.left
		if uncle != nil && uncle.red {
			parent.red, uncle.red, grand.red = false, false, true
			n = grand
			continue
		}
		if n == parent.left {
			t.rotateRight(parent)
			n, parent = parent, n
		}
		t.rotateLeft(grand)
		parent.red, grand.red = false, true
		return
	}
}

func isBlack[T any](n *Node[T]) bool { return n == nil || !n.red }

// removeFixup repairs the black height after a black node was unlinked.
// x (possibly nil) occupies the slot that lost a black node and parent is its
// parent; every path through x is one black node short. The sibling w is
// never nil because its side of parent has black height at least one.
func (t *Tree[T]) removeFixup(x, parent *Node[T]) {
	for x != t.root && isBlack(x) {
		if x == parent.left {
			w := parent.right
			if w.red {
				// Turn a red sibling into a black one by rotating it
				// above parent; x's new sibling is one of w's black
				// children.
				w.red, parent.red = false, true
				t.rotateLeft(parent)
				w = parent.right
			}
			if isBlack(w.left) && isBlack(w.right) {
				// Take one black off the sibling's side too; parent's
				// subtree is now short as a whole, so move the deficit up.
				w.red = true
				x, parent = parent, parent.parent
				continue
			}
			if isBlack(w.right) {
				// Make the sibling's far child red so that the final
				// rotation can borrow it.
				w.left.red, w.red = false, true
				t.rotateRight(w)
				w = parent.right
			}
			w.red, parent.red, w.right.red = parent.red, false, false
			t.rotateLeft(parent)
			x = t.root
			break
		}
		w := parent.left
		if w.red {
			w.red, parent.red = false, true
			t.rotateRight(parent)
			w = parent.left
		}
		if isBlack(w.left) && isBlack(w.right) {
			w.red = true
			x, parent = parent, parent.parent
			continue
		}
		if isBlack(w.left) {
			w.right.red, w.red = false, true
			t.rotateLeft(w)
			w = parent.left
		}
		w.red, parent.red, w.left.red = parent.red, false, false
		t.rotateRight(parent)
		x = t.root
		break
	}
	if x != nil {
		// A red node absorbing the deficit turns black; the root stays black.
		x.red = false
	}
}
