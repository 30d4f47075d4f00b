package itree

// Overlap calls fn for every node whose interval intersects [lo, hi], in start
// order (ties in tree order), until fn returns false. It returns the number of
// distinct tree nodes the search examined, including the ones it reported and
// children it read only to prune them; rmapbench reports this as the walk's
// cost. An empty query (lo > hi) examines nothing.
//
// The walk is the pruned in-order traversal of the kernel's
// interval_tree_iter_first/iter_next, done with parent pointers so that it
// needs no stack and allocates nothing:
//   - a subtree whose subtreeLast < lo holds nothing that reaches lo and is
//     skipped after reading its root;
//   - the first node met in order whose start > hi ends the whole walk, since
//     every later node starts at least as late.
//
// Duplicated starts need no special case: the descent into a left subtree is
// decided by subtreeLast alone, never by comparing starts, so equal starts on
// either side of a node are found.
//
// The tree must not be modified while the walk is in progress, including from
// fn.
func (t *Tree[T]) Overlap(lo, hi uint64, fn func(*Node[T]) bool) (visited int) {
	n := t.root
	if n == nil || lo > hi {
		return 0
	}
	visited = 1
	t.see(n)
	if n.subtreeLast < lo {
		return visited
	}
	// Loop invariant at the top of descend: n has been counted and its
	// subtree holds an interval that ends at or after lo.
descend:
	for {
		// Go to the first node in order that can still matter.
		for l := n.left; l != nil; l = n.left {
			visited++
			t.see(l)
			if l.subtreeLast < lo {
				break
			}
			n = l
		}
		// n is the next node in order; everything before it is done.
		for {
			if n.start > hi {
				return visited
			}
			if n.last >= lo && !fn(n) {
				return visited
			}
			if r := n.right; r != nil {
				visited++
				t.see(r)
				if r.subtreeLast >= lo {
					n = r
					continue descend
				}
			}
			// n's subtree is finished. Climb to the first ancestor reached
			// from its left side: that ancestor is next in order. The
			// climb revisits nodes already counted, so it adds nothing.
			for {
				p := n.parent
				if p == nil {
					return visited
				}
				if p.left == n {
					n = p
					break
				}
				n = p
			}
		}
	}
}

// Stab calls fn for every node whose interval contains point, in start order,
// until fn returns false, and returns the number of nodes examined. It is
// Overlap(point, point, fn).
func (t *Tree[T]) Stab(point uint64, fn func(*Node[T]) bool) (visited int) {
	return t.Overlap(point, point, fn)
}

// Each calls fn for every node in start order (ties in tree order) until fn
// returns false. The tree must not be modified during the walk.
func (t *Tree[T]) Each(fn func(*Node[T]) bool) {
	for n := t.First(); n != nil; n = n.Next() {
		if !fn(n) {
			return
		}
	}
}

// First returns the node with the smallest start (the first of those in tree
// order), or nil if the tree is empty.
func (t *Tree[T]) First() *Node[T] {
	n := t.root
	if n == nil {
		return nil
	}
	for n.left != nil {
		n = n.left
	}
	return n
}

// Next returns the node following n in tree order, or nil if n is the last
// node or is not in a tree.
func (n *Node[T]) Next() *Node[T] {
	if n.owner == nil {
		return nil
	}
	if r := n.right; r != nil {
		for r.left != nil {
			r = r.left
		}
		return r
	}
	for {
		p := n.parent
		if p == nil || p.left == n {
			return p
		}
		n = p
	}
}
