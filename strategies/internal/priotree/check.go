package priotree

import "fmt"

// Check verifies every structural invariant of the tree and returns an error
// describing the first violation found, or nil. It costs O(n) time and
// allocates; it is meant for tests.
//
// The invariants are those listed in the package documentation: radix width
// large enough for every heap index, heap order with the tie rule, the
// radix placement of every node given its depth, the size placement inside
// overflow sub-trees, no two tree nodes with one interval, consistent parent
// pointers (the root being its own parent), well-formed vm_set lists whose
// members all carry their tree node's interval, and Len.
func (t *Tree[T]) Check() error {
	if t.root == nil {
		if t.count != 0 {
			return fmt.Errorf("empty tree has Len %d", t.count)
		}
		if t.indexBits > 1 {
			return fmt.Errorf("empty tree has index_bits %d, want 1", t.indexBits)
		}
		return nil
	}
	c := checker[T]{
		tree:      t,
		indexBits: t.effectiveIndexBits(),
		seen:      make(map[[2]uint64]*Node[T]),
	}
	if t.indexBits > 64 {
		return fmt.Errorf("index_bits %d > 64", t.indexBits)
	}
	if t.root.parent != t.root {
		return fmt.Errorf("root [%d,%d] is not its own parent", t.root.radix, t.root.heap)
	}
	if err := c.node(t.root, 0, 0, 0); err != nil {
		return err
	}
	if c.count != t.count {
		return fmt.Errorf("found %d nodes (%d tree nodes), Len is %d", c.count, len(c.seen), t.count)
	}
	return nil
}

type checker[T any] struct {
	tree      *Tree[T]
	indexBits uint
	seen      map[[2]uint64]*Node[T] // tree node by interval
	count     int
}

// node checks tree node n at the given depth. radixPath holds the radix bits
// its position fixes (the top min(depth, indexBits) bits of the radix
// index, right-aligned); sizePath holds the size bits fixed by the path
// inside an overflow sub-tree (the top depth-indexBits bits of the size,
// right-aligned), meaningful only when depth > indexBits.
func (c *checker[T]) node(n *Node[T], depth uint, radixPath, sizePath uint64) error {
	if depth > c.indexBits+sizeBits {
		return fmt.Errorf("node at depth %d, deeper than index_bits %d + %d", depth, c.indexBits, sizeBits)
	}
	// where names n in error messages; built only when one is returned.
	where := func() string { return fmt.Sprintf("tree node [%d,%d] at depth %d", n.radix, n.heap, depth) }
	if n.owner != c.tree {
		return fmt.Errorf("%s: owner is not this tree", where())
	}
	if n.radix > n.heap {
		return fmt.Errorf("%s: start > last", where())
	}
	if n.heap > maxIndex(c.indexBits) {
		return fmt.Errorf("%s: heap index exceeds max %d of index_bits %d", where(), maxIndex(c.indexBits), c.indexBits)
	}
	if n.next != nil || n.prev != nil {
		return fmt.Errorf("%s: tree node is linked into a vm_set ring", where())
	}
	if other, dup := c.seen[[2]uint64{n.radix, n.heap}]; dup {
		return fmt.Errorf("%s: interval already held by tree node %p", where(), other)
	}
	c.seen[[2]uint64{n.radix, n.heap}] = n
	c.count++

	// Placement. Above the radix limit the position fixes the top depth
	// bits of the radix index; at and below it, the whole radix index, and
	// in an overflow sub-tree additionally the top bits of the size.
	if depth <= c.indexBits {
		if got := n.radix >> (c.indexBits - depth); depth > 0 && got != radixPath {
			return fmt.Errorf("%s: radix bits %#x, position wants %#x", where(), got, radixPath)
		}
	} else {
		if n.radix != radixPath {
			return fmt.Errorf("%s: overflow sub-tree node has radix %#x, position wants %#x", where(), n.radix, radixPath)
		}
		sizeLevels := depth - c.indexBits
		if got := (n.heap - n.radix) >> (sizeBits - sizeLevels); got != sizePath {
			return fmt.Errorf("%s: size %#x has top %d bits %#x, position wants %#x", where(), n.heap-n.radix, sizeLevels, got, sizePath)
		}
	}

	if err := c.set(n, where); err != nil {
		return err
	}

	for dir, child := range [2]*Node[T]{n.left, n.right} {
		if child == nil {
			continue
		}
		if child.parent != n {
			return fmt.Errorf("%s: child [%d,%d] has a different parent", where(), child.radix, child.heap)
		}
		if child == c.tree.root {
			return fmt.Errorf("%s: the root is its child", where())
		}
		if !n.outranks(child) {
			return fmt.Errorf("%s: heap order violated by child [%d,%d]", where(), child.radix, child.heap)
		}
		childRadix, childSize := radixPath, sizePath
		if depth < c.indexBits {
			childRadix = radixPath<<1 | uint64(dir)
		} else {
			childSize = sizePath<<1 | uint64(dir)
		}
		if err := c.node(child, depth+1, childRadix, childSize); err != nil {
			return err
		}
	}
	return nil
}

// set checks tree node n's vm_set list.
func (c *checker[T]) set(n *Node[T], where func() string) error {
	head := n.setHead
	if head == nil {
		return nil
	}
	if head.parent != nil || head.left != nil || head.right != nil {
		return fmt.Errorf("%s: vm_set head has tree links", where())
	}
	if head.setHead != n {
		return fmt.Errorf("%s: vm_set head does not point back at its tree node", where())
	}
	m := head
	for steps := 0; ; steps++ {
		if steps > c.tree.count {
			return fmt.Errorf("%s: vm_set ring does not close", where())
		}
		if m.owner != c.tree {
			return fmt.Errorf("%s: vm_set member not owned by this tree", where())
		}
		if m.radix != n.radix || m.heap != n.heap {
			return fmt.Errorf("%s: vm_set member has interval [%d,%d]", where(), m.radix, m.heap)
		}
		if m.next == nil || m.prev == nil || m.next.prev != m || m.prev.next != m {
			return fmt.Errorf("%s: vm_set ring links broken", where())
		}
		if m != head && (m.parent != nil || m.setHead != nil || m.left != nil || m.right != nil) {
			return fmt.Errorf("%s: vm_set member has tree or head links", where())
		}
		c.count++
		m = m.next
		if m == head {
			return nil
		}
	}
}
