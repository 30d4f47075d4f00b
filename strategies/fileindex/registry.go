package fileindex

import "rmapbench/core"

// All lists the indexes in historical order.
func All() []core.IndexKind {
	return []core.IndexKind{
		{Name: "linear", Era: "2.4 - 2.6.6", Summary: "i_mmap as a list: a walk visits every VMA of the file", New: NewLinear},
		{Name: "prio", Era: "2.6.7 - 3.6", Summary: "radix priority search tree with vm_set lists: a walk visits the VMAs over the page and O(log n) nodes", New: NewPrio},
		{Name: "interval", Era: "3.7+", Summary: "augmented red-black interval tree: a walk visits the VMAs over the page and O(log n) nodes", New: NewInterval},
	}
}
