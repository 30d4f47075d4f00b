package fileindex

import (
	"rmapbench/core"
	"rmapbench/strategies/internal/itree"
	"rmapbench/strategies/internal/priotree"
)

// A VMA's tree node lives in v.IndexNode and stays there after Remove, so
// that re-inserting a VMA whose range changed (vma_adjust) reuses it, as
// the kernel reuses the node embedded in the vma.

// Prio is i_mmap as a radix priority search tree (2.6.7 - 3.6).
type Prio struct{ t priotree.Tree[*core.VMA] }

// NewPrio returns an empty prio tree.
func NewPrio() core.FileIndex { return &Prio{} }

func prioNode(v *core.VMA) *priotree.Node[*core.VMA] {
	if n, ok := v.IndexNode.(*priotree.Node[*core.VMA]); ok {
		return n
	}
	n := &priotree.Node[*core.VMA]{Value: v}
	v.IndexNode = n
	return n
}

// Insert adds v by its page range; an identical range joins a vm_set list.
func (p *Prio) Insert(v *core.VMA) { p.t.Insert(prioNode(v), v.PgOff, v.LastPgOff()) }

// InsertAfter is vma_prio_tree_add: O(1) onto existing's vm_set.
func (p *Prio) InsertAfter(v, existing *core.VMA) {
	p.t.InsertAfter(prioNode(v), existing.IndexNode.(*priotree.Node[*core.VMA]))
}

// Remove drops v.
func (p *Prio) Remove(v *core.VMA) { p.t.Remove(v.IndexNode.(*priotree.Node[*core.VMA])) }

// Visit calls fn for the VMAs whose range holds pgoff (vma_prio_tree_foreach).
func (p *Prio) Visit(pgoff uint64, fn func(*core.VMA) bool) int {
	return p.t.Stab(pgoff, func(n *priotree.Node[*core.VMA]) bool { return fn(n.Value) })
}

// Len is the number of VMAs indexed.
func (p *Prio) Len() int { return p.t.Len() }

// StepWith makes Visit report every node it examines (core.IndexStepper).
func (p *Prio) StepWith(step func(*core.VMA)) { p.t.Seen = step }

// VMAField is the shared union of 2.6.7-3.6: vm_set or prio_tree_node.
func (p *Prio) VMAField() string { return "vm_area_struct.shared:prio" }

// Interval is i_mmap as an augmented red-black interval tree (3.7+).
type Interval struct{ t itree.Tree[*core.VMA] }

// NewInterval returns an empty interval tree.
func NewInterval() core.FileIndex { return &Interval{} }

func intervalNode(v *core.VMA) *itree.Node[*core.VMA] {
	if n, ok := v.IndexNode.(*itree.Node[*core.VMA]); ok {
		return n
	}
	n := &itree.Node[*core.VMA]{Value: v}
	v.IndexNode = n
	return n
}

// Insert adds v by its page range.
func (it *Interval) Insert(v *core.VMA) { it.t.Insert(intervalNode(v), v.PgOff, v.LastPgOff()) }

// InsertAfter is vma_interval_tree_insert_after, the fork path.
func (it *Interval) InsertAfter(v, existing *core.VMA) {
	it.t.InsertAfter(intervalNode(v), existing.IndexNode.(*itree.Node[*core.VMA]))
}

// Remove drops v.
func (it *Interval) Remove(v *core.VMA) { it.t.Remove(v.IndexNode.(*itree.Node[*core.VMA])) }

// Visit calls fn for the VMAs whose range holds pgoff (vma_interval_tree_foreach).
func (it *Interval) Visit(pgoff uint64, fn func(*core.VMA) bool) int {
	return it.t.Stab(pgoff, func(n *itree.Node[*core.VMA]) bool { return fn(n.Value) })
}

// Len is the number of VMAs indexed.
func (it *Interval) Len() int { return it.t.Len() }

// StepWith makes Visit report every node it examines (core.IndexStepper).
func (it *Interval) StepWith(step func(*core.VMA)) { it.t.Seen = step }

// VMAField is 3.7+'s shared.linear: rb_node and rb_subtree_last.
func (it *Interval) VMAField() string { return "vm_area_struct.shared:interval" }
