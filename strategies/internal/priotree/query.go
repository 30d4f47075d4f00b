package priotree

// Overlap calls fn for every node whose interval intersects [lo, hi], until
// fn returns false: each overlapping tree node, immediately followed by the
// members of its vm_set list (head first, then in list order), exactly the
// sequence vma_prio_tree_next produces. Tree nodes come in pre-order.
//
// It returns the number of nodes the walk examined: every tree node whose
// interval it read, including children read only to be pruned, plus every
// vm_set list member it reported. rmapbench reports this as the walk's cost
// (chain-steps). An empty query (lo > hi) examines nothing.
//
// The walk is the iterator of lib/prio_tree.c (prio_tree_first and
// prio_tree_next), done with parent pointers and a few words of state on
// the stack, so it allocates nothing. It prunes with the two orders the tree
// keeps:
//   - heap order: a child whose heap index is below lo roots a subtree that
//     ends entirely before lo; it is read and skipped;
//   - radix order: a right subtree's radix indices are at least the path
//     prefix with the current bit set (in an overflow sub-tree, exactly the
//     prefix); if that lower bound exceeds hi the subtree is skipped without
//     even reading its root.
//
// A node the walk enters is at least as far right as lo reaches (its heap
// index is >= lo), so it either overlaps or starts after hi; in the latter
// case every subtree to its right starts after hi as well and is pruned by
// the radix bound. This is what bounds the cost by O(height + m).
//
// The tree must not be modified while the walk is in progress, including from
// fn.
func (t *Tree[T]) Overlap(lo, hi uint64, fn func(*Node[T]) bool) (visited int) {
	cur := t.root
	if cur == nil || lo > hi {
		return 0
	}
	visited = 1
	t.see(cur)
	if cur.heap < lo {
		return visited
	}
	indexBits := t.effectiveIndexBits()
	// depth is cur's distance from the root. prefix holds the radix bits
	// that cur's position fixes: the top depth bits of the indexBits-bit
	// radix index while depth < indexBits, and the whole radix index below
	// that, in the overflow sub-trees, where the path spells size bits and
	// leaves prefix alone.
	var depth uint
	var prefix uint64

walk:
	for {
		// cur has been counted and its heap index is >= lo.
		if cur.radix <= hi {
			n, more := reportSet(cur, fn, t.see)
			visited += n
			if !more {
				return visited
			}
		}
		if l := cur.left; l != nil {
			visited++
			t.see(l)
			if l.heap >= lo {
				cur = l
				depth++
				continue walk
			}
		}
		// The left subtree is done (or hopeless); try the right one, and
		// when that fails too climb to the nearest ancestor entered from
		// its left and try its right subtree.
		for {
			if r := cur.right; r != nil {
				var bit uint64
				if depth < indexBits {
					bit = 1 << (indexBits - 1 - depth)
				}
				if prefix|bit <= hi {
					visited++
					t.see(r)
					if r.heap >= lo {
						cur = r
						prefix |= bit
						depth++
						continue walk
					}
				}
			}
			for {
				if cur.isRoot() {
					return visited
				}
				parent := cur.parent
				depth--
				if depth < indexBits {
					// Forget the bit chosen at parent's level; it is
					// already clear if cur was the left child.
					prefix &^= 1 << (indexBits - 1 - depth)
				}
				fromLeft := parent.left == cur
				cur = parent
				if fromLeft {
					break
				}
			}
		}
	}
}

// Stab calls fn for every node whose interval contains point, in the order
// Overlap uses, until fn returns false, and returns the number of nodes
// examined. It is Overlap(point, point, fn).
func (t *Tree[T]) Stab(point uint64, fn func(*Node[T]) bool) (visited int) {
	return t.Overlap(point, point, fn)
}

// reportSet passes tree node n and then every node on its vm_set list to fn.
// It returns how many list nodes it passed (n itself was counted by the
// walk when it read n's interval) and false if fn asked to stop.
func reportSet[T any](n *Node[T], fn func(*Node[T]) bool, see func(*Node[T])) (members int, more bool) {
	if !fn(n) {
		return 0, false
	}
	head := n.setHead
	if head == nil {
		return 0, true
	}
	for m := head; ; {
		members++
		if see != nil {
			see(m)
		}
		if !fn(m) {
			return members, false
		}
		m = m.next
		if m == head {
			return members, true
		}
	}
}

// Each calls fn for every node in the tree, tree nodes in pre-order, each
// followed by its vm_set list, until fn returns false. The tree must not be
// modified during the walk.
func (t *Tree[T]) Each(fn func(*Node[T]) bool) {
	cur := t.root
	for cur != nil {
		if _, more := reportSet(cur, fn, nil); !more {
			return
		}
		if cur.left != nil {
			cur = cur.left
			continue
		}
		if cur.right != nil {
			cur = cur.right
			continue
		}
		for {
			if cur.isRoot() {
				return
			}
			parent := cur.parent
			if parent.left == cur && parent.right != nil {
				cur = parent.right
				break
			}
			cur = parent
		}
	}
}
