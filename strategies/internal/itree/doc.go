// Package itree is an augmented red-black interval tree: the data structure
// Linux has used since 3.7 for a file's i_mmap (the set of vmas mapping the
// file, keyed by page-offset range) and for an anon_vma's set of
// anon_vma_chains. rmapbench's tree-based reverse-mapping strategies index
// their mappings with it so that a reverse-map walk costs what the kernel's
// walk costs.
//
// # Design
//
// The tree follows the kernel's design rather than a textbook one:
//
//   - commit 6b2dbba8b6ac (Michel Lespinasse, "mm: replace vma prio_tree with
//     an interval tree") and commit bf181b9f9d8d (the same change for the
//     anon_vma_chain tree) replaced the old priority search tree with
//     interval trees generated from include/linux/interval_tree_generic.h;
//   - the red-black rebalancing and the augmentation hooks (propagate, copy,
//     rotate) are those of lib/rbtree.c and include/linux/rbtree_augmented.h.
//
// Nodes are ordered by interval start only. Each node caches subtreeLast, the
// largest interval end (Last) anywhere in its subtree; that single number is
// what lets a query skip whole subtrees. The caller owns the nodes (the kernel
// embeds its rb_node in the vma; a simulator object can embed or own a Node),
// so insertion and removal never allocate.
//
// # Invariants
//
// Check verifies all of them:
//
//  1. In-order traversal yields non-decreasing Start. Equal starts may sit on
//     either side of one another (rotations move them), so nothing may assume
//     "equal keys go right".
//  2. Every node's subtreeLast equals the maximum Last over the node and its
//     descendants.
//  3. Red-black shape: the root is black, a red node has no red child, and
//     every root-to-nil path crosses the same number of black nodes. Hence
//     the height is at most 2*log2(n+1).
//  4. Parent pointers mirror child pointers; Len counts the linked nodes.
//
// # Ordering of equal starts
//
// Insert descends left only when the new start is strictly smaller than the
// node's, so a node is placed after every node already present with the same
// start (insertion order among equal starts), exactly as the kernel's
// vma_interval_tree_insert does. InsertAfter, the fork helper
// (vma_interval_tree_insert_after), places the new node immediately after a
// given node in that order, so a child's vma follows its parent's.
//
// # Costs
//
// Insert, InsertAfter and Remove are O(log n): one descent (Insert only), at
// most two rotations on insert and three on removal, and one bottom-up pass
// refreshing subtreeLast on a single path. A query that reports m intervals
// costs O(log n + m) in the usual case: the walk finds the first overlapping
// node in O(log n), continues in start order, and stops at the first node
// whose start lies beyond the query. (The pathological bound for this family
// of trees is O(min(n, (m+1)·log n)) node visits, reached only when the
// reported intervals are scattered among many non-overlapping ones that the
// walk must step around.)
//
// Overlap and Stab return the number of distinct nodes the walk examined,
// counting a child whose subtreeLast was read only to prune it; this is the
// figure rmapbench reports as a walk's chain-steps, comparable with the
// number of list entries a linear anon_vma_chain walk touches.
//
// A Tree is not safe for concurrent use; the kernel serialises these trees
// with i_mmap_rwsem and the anon_vma lock, and so must the caller.
package itree
