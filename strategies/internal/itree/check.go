package itree

import (
	"fmt"
	"math"
)

// Check verifies every invariant of the tree and returns an error describing
// the first violation found, or nil. It walks the whole tree (O(n)) and is
// meant for tests and debugging:
//   - in-order starts are non-decreasing and every interval has start <= last;
//   - every node's subtreeLast is the maximum last of its subtree;
//   - the root is black, no red node has a red child, and all root-to-nil
//     paths have the same number of black nodes;
//   - parent pointers match child pointers, every node records this tree as
//     its owner, and Len equals the number of linked nodes.
func (t *Tree[T]) Check() error {
	if t.root == nil {
		if t.count != 0 {
			return fmt.Errorf("itree: empty tree but Len() = %d", t.count)
		}
		return nil
	}
	if t.root.parent != nil {
		return fmt.Errorf("itree: root [%d,%d] has a parent", t.root.start, t.root.last)
	}
	if t.root.red {
		return fmt.Errorf("itree: root [%d,%d] is red", t.root.start, t.root.last)
	}
	c := checker[T]{tree: t}
	if _, err := c.check(t.root, 0, math.MaxUint64, 0); err != nil {
		return err
	}
	if c.seen != t.count {
		return fmt.Errorf("itree: Len() = %d but %d nodes are linked", t.count, c.seen)
	}
	return nil
}

type checker[T any] struct {
	tree *Tree[T]
	seen int
}

// maxCheckDepth bounds the recursion so that a corrupted (cyclic) tree yields
// an error instead of a stack overflow; a valid red-black tree with 2^63 nodes
// is under 128 levels deep.
const maxCheckDepth = 130

// check verifies the subtree rooted at n, whose starts must lie within
// [minStart, maxStart], and returns its black height (nil children count as
// one black level).
func (c *checker[T]) check(n *Node[T], minStart, maxStart uint64, depth int) (blackHeight int, err error) {
	if n == nil {
		return 1, nil
	}
	c.seen++
	if depth > maxCheckDepth || c.seen > c.tree.count {
		return 0, fmt.Errorf("itree: more nodes reachable than Len() = %d, or depth > %d (cycle?)", c.tree.count, maxCheckDepth)
	}
	// Formatting is deferred to the error paths: Check runs after every
	// mutation in the tests and must stay cheap on valid trees.
	where := func() string { return fmt.Sprintf("node [%d,%d] at depth %d", n.start, n.last, depth) }
	if n.owner != c.tree {
		return 0, fmt.Errorf("itree: %s does not record this tree as its owner", where())
	}
	if n.start > n.last {
		return 0, fmt.Errorf("itree: %s has start > last", where())
	}
	if n.start < minStart || n.start > maxStart {
		return 0, fmt.Errorf("itree: %s is out of order: start must lie in [%d,%d]", where(), minStart, maxStart)
	}
	for _, child := range [2]*Node[T]{n.left, n.right} {
		if child == nil {
			continue
		}
		if child.parent != n {
			return 0, fmt.Errorf("itree: child [%d,%d] of %s has a wrong parent pointer", child.start, child.last, where())
		}
		if n.red && child.red {
			return 0, fmt.Errorf("itree: red %s has red child [%d,%d]", where(), child.start, child.last)
		}
	}
	leftHeight, err := c.check(n.left, minStart, n.start, depth+1)
	if err != nil {
		return 0, err
	}
	rightHeight, err := c.check(n.right, n.start, maxStart, depth+1)
	if err != nil {
		return 0, err
	}
	if leftHeight != rightHeight {
		return 0, fmt.Errorf("itree: %s has black height %d on the left but %d on the right", where(), leftHeight, rightHeight)
	}
	if want := n.computeSubtreeLast(); n.subtreeLast != want {
		return 0, fmt.Errorf("itree: %s caches subtreeLast %d, want %d", where(), n.subtreeLast, want)
	}
	if !n.red {
		leftHeight++
	}
	return leftHeight, nil
}
