package fileindex

import "rmapbench/core"

// All lists the indexes in historical order.
func All() []core.IndexKind {
	return []core.IndexKind{
		{Name: "linear", Era: "2.4 - 2.6.6", Summary: "i_mmap as a list: a walk visits every VMA of the file", New: NewLinear},
	}
}
