package fileindex

import "rmapbench/core"

// listNode is a VMA's place in a linear i_mmap (vma->shared).
type listNode struct {
	vma        *core.VMA
	prev, next *listNode
}

// Linear is the i_mmap list.
type Linear struct {
	head listNode // sentinel
	n    int
	step func(*core.VMA)
}

// StepWith makes Visit report every node it examines (core.IndexStepper).
func (l *Linear) StepWith(step func(*core.VMA)) { l.step = step }

// NewLinear returns an empty list.
func NewLinear() core.FileIndex {
	l := &Linear{}
	l.head.prev, l.head.next = &l.head, &l.head
	return l
}

// touch steps on the VMA holding node n (the list head lives in the
// address_space, which the cost model does not place).
func (l *Linear) touch(n *listNode) {
	if l.step != nil && n != &l.head {
		l.step(n.vma)
	}
}

func (l *Linear) link(n, after *listNode) {
	// list_add writes the new node and both neighbours.
	l.touch(n)
	l.touch(after)
	l.touch(after.next)
	n.prev, n.next = after, after.next
	after.next.prev = n
	after.next = n
	l.n++
}

func listNodeOf(v *core.VMA) *listNode {
	if n, ok := v.IndexNode.(*listNode); ok {
		return n
	}
	n := &listNode{vma: v}
	v.IndexNode = n
	return n
}

// Insert appends v at the tail (__vma_link_file's list_add_tail).
func (l *Linear) Insert(v *core.VMA) { l.link(listNodeOf(v), l.head.prev) }

// InsertAfter puts v next to existing, in O(1), as 2.6.0's dup_mmap did.
func (l *Linear) InsertAfter(v, existing *core.VMA) {
	l.link(listNodeOf(v), existing.IndexNode.(*listNode))
}

// Remove unlinks v.
func (l *Linear) Remove(v *core.VMA) {
	n := v.IndexNode.(*listNode)
	l.touch(n)
	l.touch(n.prev)
	l.touch(n.next)
	n.prev.next = n.next
	n.next.prev = n.prev
	n.prev, n.next = nil, nil
	l.n--
}

// Visit calls fn for every VMA of the file: a list cannot tell which VMAs
// cover pgoff.
func (l *Linear) Visit(pgoff uint64, fn func(*core.VMA) bool) (steps int) {
	for n := l.head.next; n != &l.head; {
		next := n.next // fn may unlink nothing, but be safe against reordering
		steps++
		l.touch(n)
		if !fn(n.vma) {
			break
		}
		n = next
	}
	return steps
}

// Len is the number of VMAs on the list.
func (l *Linear) Len() int { return l.n }

// VMAField is 2.6.0's struct list_head shared.
func (l *Linear) VMAField() string { return "vm_area_struct.shared:list" }
