package priotree

import "math/bits"

// Node is one interval (one vma) in a Tree. The caller allocates it, usually
// embedded in or owned by the object it stands for, as the kernel embeds the
// prio_tree_node in the vm_area_struct, and sets Value. A linked Node is in
// exactly one of three roles (the vma rules of mm/prio_tree.c):
//
//	tree node    parent != nil; setHead is the head of its vm_set list or nil
//	list head    parent == nil, setHead != nil (points back at the tree node)
//	list member  parent == nil, setHead == nil, linked into the list ring
//
// A Node may be in at most one Tree at a time; once removed it may be
// inserted again, into the same tree or another.
type Node[T any] struct {
	// The interval comes first: a walk reads it on every node it examines.
	radix uint64 // first page (vm_pgoff)
	heap  uint64 // last page, inclusive (vm_pgoff + npages - 1)

	// Tree links, valid only for a tree node. The root's parent is the root
	// itself, as in lib/prio_tree.c, so that parent != nil is exactly "this
	// is a tree node" (the kernel's vm_set.parent test).
	left, right, parent *Node[T]

	// vm_set: the tree node and the head of its list point at each other;
	// the head and the members form a ring through next/prev (the kernel's
	// struct list_head, which for the tree node is aliased by left/right
	// and so never part of the ring). A lone head's ring is itself.
	setHead    *Node[T]
	next, prev *Node[T]

	owner *Tree[T] // the tree holding this node, nil when unlinked

	// Value is the caller's payload; the tree never reads or writes it.
	Value T
}

// Start returns the radix index: the first page of the closed interval.
func (n *Node[T]) Start() uint64 { return n.radix }

// Last returns the heap index: the last page of the closed interval
// [Start, Last].
func (n *Node[T]) Last() uint64 { return n.heap }

// InTree reports whether n is linked into some Tree, as a tree node or as a
// member of a vm_set list.
func (n *Node[T]) InTree() bool { return n.owner != nil }

// IsTreeNode reports whether n currently occupies a position in the priority
// search tree itself, rather than hanging on another node's vm_set list.
// Removals elsewhere can promote a list member to tree node.
func (n *Node[T]) IsTreeNode() bool { return n.parent != nil }

func (n *Node[T]) isRoot() bool { return n.parent == n }

// outranks reports whether n belongs above other in the heap: the larger heap
// index wins and, between equal heap indices, the smaller radix index. Two
// tree nodes never have the same interval, so this is a strict total order.
func (n *Node[T]) outranks(other *Node[T]) bool {
	return n.heap > other.heap || (n.heap == other.heap && n.radix < other.radix)
}

// Tree is a radix priority search tree of closed intervals with vm_set lists
// for duplicates. The zero value is an empty tree ready to use. A Tree must
// not be copied after first use: its nodes point back at it.
type Tree[T any] struct {
	root *Node[T]
	// indexBits is the number of radix bits the tree distinguishes: every
	// heap index in the tree is at most 1<<indexBits - 1. Zero in the zero
	// value means 1, the kernel's INIT_PRIO_TREE_ROOT.
	indexBits uint
	count     int
	// Seen, if set, is called with the value of every node a query
	// examines (tree nodes and vm_set members), once per node it counts:
	// the owner hands it to its machine's cost model (core.Machine.Step).
	Seen func(T)
}

func (t *Tree[T]) see(n *Node[T]) {
	if t.Seen != nil {
		t.Seen(n.Value)
	}
}

// sizeBits is the number of size bits an overflow sub-tree can distinguish:
// BITS_PER_LONG on the 64-bit kernels this package models.
const sizeBits = 64

// Len returns the number of nodes in the tree: tree nodes plus vm_set members.
func (t *Tree[T]) Len() int { return t.count }

// IndexBits returns the current radix width of the tree (root->index_bits).
// It grows as larger heap indices arrive and, as in the kernel, shrinks back
// to 1 only when the tree becomes empty. The radix part of the tree is at
// most IndexBits levels deep; overflow sub-trees add at most 64 more.
func (t *Tree[T]) IndexBits() int { return int(t.effectiveIndexBits()) }

func (t *Tree[T]) effectiveIndexBits() uint {
	if t.indexBits == 0 {
		return 1
	}
	return t.indexBits
}

// maxIndex is the largest heap index a tree with the given radix width can
// hold (prio_tree_maxindex).
func maxIndex(indexBits uint) uint64 {
	if indexBits >= 64 {
		return ^uint64(0)
	}
	return 1<<indexBits - 1
}

// bitsFor is the smallest radix width that can hold heap index heap.
func bitsFor(heap uint64) uint {
	return max(1, uint(bits.Len64(heap)))
}

// Insert links n into the tree with the closed interval [start, last]
// (vma_prio_tree_insert). If a tree node with exactly that interval exists, n
// joins its vm_set list instead of getting a tree position of its own. It
// panics if start > last or if n is already in a tree.
func (t *Tree[T]) Insert(n *Node[T], start, last uint64) {
	if start > last {
		panic("priotree: Insert with start > last")
	}
	if n.owner != nil {
		panic("priotree: Insert of a node that is already in a tree")
	}
	n.radix, n.heap = start, last
	n.setHead, n.next, n.prev = nil, nil, nil
	n.owner = t
	t.count++
	if existing := t.insertTreeNode(n); existing != n {
		t.joinSet(n, existing)
	}
}

// InsertAfter links n into the tree as a duplicate of existing, taking its
// interval, in O(1) and without touching the tree (vma_prio_tree_add, which
// fork's dup_mmap uses to put the child's vma beside the parent's). If
// existing is a tree node, n goes to the end of its vm_set list (or becomes
// the list head); if existing is on a list, n goes right after it. It panics
// if n is already in a tree or existing is not in t.
func (t *Tree[T]) InsertAfter(n, existing *Node[T]) {
	if n.owner != nil {
		panic("priotree: InsertAfter of a node that is already in a tree")
	}
	if existing.owner != t {
		panic("priotree: InsertAfter with existing not in this tree")
	}
	n.radix, n.heap = existing.radix, existing.heap
	n.owner = t
	t.count++
	t.joinSet(n, existing)
}

// joinSet hangs n, not linked anywhere yet, on the vm_set of old, which has
// the same interval.
func (t *Tree[T]) joinSet(n, old *Node[T]) {
	n.left, n.right, n.parent, n.setHead = nil, nil, nil, nil
	switch {
	case old.parent == nil:
		// old is a list head or member: n follows it in the ring.
		ringInsertAfter(n, old)
	case old.setHead != nil:
		// old is a tree node with a list: n goes last, just before the head.
		ringInsertAfter(n, old.setHead.prev)
	default:
		// old is a tree node without a list: n starts one.
		n.next, n.prev = n, n
		n.setHead = old
		old.setHead = n
	}
}

func ringInsertAfter[T any](n, at *Node[T]) {
	n.prev, n.next = at, at.next
	at.next.prev = n
	at.next = n
}

// ringUnlink takes n out of its ring and leaves it unlinked.
func ringUnlink[T any](n *Node[T]) {
	n.prev.next = n.next
	n.next.prev = n.prev
	n.next, n.prev = nil, nil
}

// Remove unlinks n from the tree (vma_prio_tree_remove). A list member just
// leaves the ring; a list head hands the head role to the next member; a tree
// node with a vm_set list is replaced in its tree position by the list head,
// so that the tree shape is untouched; only a tree node without duplicates
// costs a real tree removal. It panics if n is not in t.
func (t *Tree[T]) Remove(n *Node[T]) {
	if n.owner != t {
		panic("priotree: Remove of a node that is not in this tree")
	}
	switch {
	case n.parent == nil && n.setHead == nil:
		// list member
		ringUnlink(n)
	case n.parent == nil:
		// list head: the tree node must learn its new head.
		treeNode := n.setHead
		if n.next != n {
			newHead := n.next
			ringUnlink(n)
			treeNode.setHead = newHead
			newHead.setHead = treeNode
		} else {
			n.next, n.prev = nil, nil
			treeNode.setHead = nil
		}
	case n.setHead != nil:
		// tree node with duplicates: promote the head (prio_tree_replace).
		head := n.setHead
		var newHead *Node[T]
		if head.next != head {
			newHead = head.next
			ringUnlink(head)
		} else {
			head.next, head.prev = nil, nil
		}
		t.replace(n, head)
		head.setHead = newHead
		if newHead != nil {
			newHead.setHead = head
		}
	default:
		t.removeTreeNode(n)
	}
	n.left, n.right, n.parent, n.setHead, n.next, n.prev = nil, nil, nil, nil, nil, nil
	n.owner = nil
	t.count--
}

// insertTreeNode is lib/prio_tree.c's prio_tree_insert: it gives n a tree
// position and returns n, or returns the tree node that already has n's
// interval and leaves the tree alone.
//
// The descent follows n's radix index one bit per level, most significant
// first. At every level the node carried down is compared with the node in
// place; whichever outranks the other keeps (or takes) the position and the
// loser is carried further down along its own bits. When the radix bits run
// out, the carried node is at the position its radix index fully determines,
// and everything that still collides there has that same radix index; the
// descent goes on in that position's overflow sub-tree, indexed by the size
// (heap - radix) from bit 63 down. Distinct intervals with equal radix index
// have distinct sizes, so a free slot is always found within 64 levels.
func (t *Tree[T]) insertTreeNode(n *Node[T]) *Node[T] {
	if t.root == nil || n.heap > maxIndex(t.effectiveIndexBits()) {
		t.expand(n)
		return n
	}
	pos := t.root // the node holding the position under consideration
	carried := n  // the node looking for a position below pos
	mask := uint64(1) << (t.effectiveIndexBits() - 1)
	bySize := false
	for {
		// A duplicate of n lies on n's own path and outranks everything n
		// could displace before reaching it, so it is met before any swap,
		// while carried is still n.
		if pos.radix == carried.radix && pos.heap == carried.heap {
			return pos
		}
		if carried.outranks(pos) {
			t.replace(pos, carried)
			pos, carried = carried, pos
		}
		if mask == 0 {
			// pos is 64 levels into an overflow sub-tree, where the path
			// spells the whole size: carried would have pos's interval.
			panic("priotree: overflow sub-tree exhausted (corrupt tree)")
		}
		key := carried.radix
		if bySize {
			key = carried.heap - carried.radix
		}
		slot := &pos.left
		if key&mask != 0 {
			slot = &pos.right
		}
		if *slot == nil {
			carried.left, carried.right = nil, nil
			carried.parent = pos
			*slot = carried
			return n
		}
		pos = *slot
		mask >>= 1
		if mask == 0 && !bySize {
			bySize = true
			mask = 1 << (sizeBits - 1)
		}
	}
}

// expand is prio_tree_expand: n's heap index is too large for the current
// radix width (or the tree is empty), so the width grows to the smallest
// that fits n, and n, which outranks every node in the tree, becomes the
// root.
//
// Every existing radix index is below 1<<oldBits, so with the wider radix
// every node's extra leading bits are zero: the old tree belongs on the
// left-most path. Growing by one bit, the old tree simply hangs as the new
// root's left child and each of its nodes keeps its mask. Growing by k bits,
// the old tree has to start k levels down; the k-1 levels in between are
// filled with the old tree's top nodes, popped off one after another (each
// pop a full removal, so they come out in heap order), chained as left
// children. Hence the O((log n)^2) worst case; it happens at most
// O(log maxindex) times over a tree's life.
func (t *Tree[T]) expand(n *Node[T]) {
	oldBits := t.effectiveIndexBits()
	newBits := max(oldBits, bitsFor(n.heap))

	var chainTop, chainBottom *Node[T]
	for b := oldBits + 1; b < newBits && t.root != nil; b++ {
		top := t.root
		t.removeTreeNode(top)
		top.left, top.right = nil, nil
		if chainTop == nil {
			chainTop = top
		} else {
			chainBottom.left = top
			top.parent = chainBottom
		}
		chainBottom = top
	}
	// removeTreeNode resets the width when it empties the tree; the old tree
	// is now chainTop..chainBottom plus whatever is left at t.root.
	t.indexBits = newBits

	n.left, n.right = nil, nil
	n.parent = n
	attach := n
	if chainTop != nil {
		n.left = chainTop
		chainTop.parent = n
		attach = chainBottom
	}
	if rest := t.root; rest != nil {
		attach.left = rest
		rest.parent = attach
	}
	t.root = n
}

// replace puts node, which is not linked into the tree, into old's position
// with old's children (prio_tree_replace). old keeps stale links that the
// caller either reuses or clears.
func (t *Tree[T]) replace(old, node *Node[T]) {
	if old.isRoot() {
		node.parent = node
		t.root = node
	} else {
		parent := old.parent
		node.parent = parent
		if parent.left == old {
			parent.left = node
		} else {
			parent.right = node
		}
	}
	node.left, node.right = old.left, old.right
	if node.left != nil {
		node.left.parent = node
	}
	if node.right != nil {
		node.right.parent = node
	}
}

// removeTreeNode takes tree node n out of the tree (prio_tree_remove). The
// hole left by n is filled by its higher-ranking child, that child's hole by
// its own higher-ranking child, and so on down to a leaf. Moving a node up
// one level only drops the lowest of the bits its position fixes (a radix
// bit, or inside an overflow sub-tree a size bit; an overflow sub-tree's
// members share the radix index of its root's position), so every moved node
// is still correctly placed and the heap order holds.
//
// The width is not reduced (the kernel deemed it not worth the trouble)
// except that an emptied tree starts over at 1.
func (t *Tree[T]) removeTreeNode(n *Node[T]) {
	leaf := n
	for {
		l, r := leaf.left, leaf.right
		if l == nil && r == nil {
			break
		}
		// Siblings never tie: in the radix part the left one has the
		// smaller radix index, in an overflow sub-tree they share the
		// radix index and so differ in heap index.
		if r == nil || (l != nil && l.outranks(r)) {
			leaf = l
		} else {
			leaf = r
		}
	}
	if leaf.isRoot() {
		// leaf == n: it was the only tree node.
		t.root = nil
		t.indexBits = 1
		n.parent = nil
		return
	}
	if p := leaf.parent; p.left == leaf {
		p.left = nil
	} else {
		p.right = nil
	}
	// Shift the path up, bottom first: each node takes its parent's position.
	// cur.parent still names the position cur is to take, because replace
	// does not touch the links of the node it evicts.
	for cur := leaf; cur != n; {
		up := cur.parent
		t.replace(up, cur)
		cur = up
	}
	n.left, n.right, n.parent = nil, nil, nil
}
