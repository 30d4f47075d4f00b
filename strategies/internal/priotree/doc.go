// Package priotree is the radix priority search tree that indexed a file's
// i_mmap (the set of vmas mapping the file, by page-offset range) in Linux
// from 2.6.7 to 3.6, with the vm_set lists that hold vmas mapping exactly the
// same range. rmapbench's object-based reverse-mapping strategies of that era
// keep their file mappings in it, so that a reverse-map walk examines the
// nodes the kernel's walk examined.
//
// # The data structure
//
// Each vma is a closed interval [radix index, heap index] = [vm_pgoff,
// vm_pgoff + npages - 1]. The tree (McCreight's radix priority search tree
// as Rajesh Venkatasubramanian adapted it in mm/prio_tree.c, later
// lib/prio_tree.c) is at once
//
//   - a max-heap on the heap index (ties: smaller radix index above), so a
//     subtree whose root ends before a query starts can be skipped; and
//   - a binary radix trie on the radix index: the root's children split on
//     bit index_bits-1 of the radix index, their children on the next bit,
//     and so on, so a right subtree that starts after the query can be
//     skipped. A node may sit anywhere on the path of its own radix bits;
//     the heap order decides how high.
//
// index_bits is the smallest width holding every heap index; it grows when a
// larger heap index arrives (prio_tree_expand) and is not reduced until the
// tree empties. Many vmas share a vm_pgoff (every mapping of a file from
// offset 0), so radix bits alone cannot separate them: below the level where
// the radix bits run out, all nodes of a position share its radix index and
// the descent continues in that position's overflow sub-tree, which splits
// on the size (heap - radix) from bit 63 down. vmas with identical intervals
// (fork's copies above all) get no tree position of their own: the first is
// the tree node and the rest hang on its vm_set list (mm/prio_tree.c).
//
// An example with index_bits = 3 (heap indices up to 7), each node shown as
// [radix, heap]:
//
//	depth 0        A[0,7]
//	              /      \          (children split on radix bit 2)
//	depth 1   B[1,6]    C[4,5] ---> C2 <--> C3   vm_set list: also [4,5]
//	              \                 (children split on radix bit 1)
//	depth 2      D[2,4]
//	             /                  (children split on radix bit 0)
//	depth 3   E[2,3]                position 010: radix 2 in full
//	          /                     (overflow: split on size bit 63, 62, ...)
//	depth 4  F[2,2]
//
// A is the root because no interval ends later. D, E and F all start at
// page 2: D outranks the others and sits higher, at depth 2 (radix bits
// "01"); E takes the position that radix 010 fully determines; F, sharing
// E's radix index, continues into E's overflow sub-tree by its size 0.
//
// # Invariants
//
// Check verifies all of them:
//
//  1. Heap order: a tree node outranks its children (larger heap index, or
//     equal heap index and smaller radix index).
//  2. Radix placement: a node at depth d <= index_bits has as the top d of
//     its index_bits radix bits the left/right turns of its path; a node
//     deeper than index_bits lies in an overflow sub-tree: its radix index
//     is the one its position spells in full, and the top (d - index_bits)
//     bits of its 64-bit size are the turns of its path inside the sub-tree.
//     Hence the depth is at most index_bits + 64.
//  3. Every heap index is at most 2^index_bits - 1.
//  4. No two tree nodes have the same interval; every vm_set member has its
//     tree node's interval. The tree node and the list head point at each
//     other; the members (head included) form a ring. A tree node's parent
//     is never nil (the root is its own parent, as in the kernel), a list
//     node's parent always is: that is how the roles are told apart.
//  5. Parent pointers mirror child pointers; Len counts tree nodes and
//     vm_set members.
//
// # Costs
//
// The height is at most index_bits (about log2 of the file size in pages)
// plus the depth of an overflow sub-tree; it does not depend on the number
// of intervals, and there is no rebalancing. Only vmas sharing one start
// with different lengths populate overflow sub-trees, and they populate them
// badly: sizes rarely use their top bits, so the first 64 - bitlen(size)
// levels of a sub-tree all turn left and its nodes form a chain, up to about
// 64 deep. The kernel accepted that skew as rare; so does this model, and it
// shows in the walk costs.
//
//   - Insert: one descent, O(height), swapping nodes down along the radix
//     path. If it must widen index_bits by k > 1 bits, it first pops k-1
//     nodes off the top, O(k * height) (prio_tree_expand). If the interval
//     is already present, the vma just joins the vm_set list.
//   - InsertAfter (fork, vma_prio_tree_add): O(1), no descent at all.
//   - Remove: O(1) for a vm_set member or head, and for a tree node whose
//     list head can take over its position; otherwise the higher-ranking
//     child is pulled up, repeatedly, down to a leaf: O(height).
//   - Overlap and Stab: a pruned pre-order walk, O(height + m) for m
//     reported nodes; a vm_set list costs one step per member. They return
//     the number of nodes examined (every tree node whose interval was read,
//     pruned children included, plus every vm_set member), which rmapbench
//     reports as the walk's chain-steps.
//
// Nothing allocates: nodes are embedded in or owned by the caller's objects,
// as prio_tree_node was embedded in vm_area_struct, and the walk keeps its
// state on the stack. A Tree is not safe for concurrent use; the kernel
// serialised i_mmap with i_mmap_lock, and so must the caller.
//
// # Sources
//
//   - mm/prio_tree.c of Linux 2.6.7, by Rajesh Venkatasubramanian, which
//     held both halves; later 2.6 kernels moved the generic tree to
//     lib/prio_tree.c and include/linux/prio_tree.h and kept the vma layer
//     (vm_set lists, vma_prio_tree_add/insert/remove/next) in
//     mm/prio_tree.c, unchanged in substance up to 3.6. Overflow sub-trees
//     split on the size from bit BITS_PER_LONG-1 since his
//     prio_tree_expand corner-case fix of October 2004 (2.6.10); before it
//     they started at bit index_bits-1 and were misplaced when expansion
//     changed index_bits.
//   - rmap 16 ("pretend prio_tree"), rmap 17 ("real prio_tree") and rmap 18
//     ("i_mmap_nonlinear") of Hugh Dickins's object-based reverse-mapping
//     series, merged for 2.6.7 (2.6.7-rc1), which put the tree under
//     i_mmap and gave fork its O(1) vma_prio_tree_add.
//   - Documentation/prio_tree.txt.
//   - E. M. McCreight, "Priority search trees", SIAM Journal on Computing
//     14(2):257-276, May 1985.
//
// The tree was replaced in 3.7 by the augmented red-black interval tree of
// package itree (commit 6b2dbba8b6ac, "mm: replace vma prio_tree with an
// interval tree").
package priotree
