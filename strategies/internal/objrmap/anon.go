package objrmap

import "rmapbench/core"

// Neighbours returns the VMAs just below and just above v in its mm, or
// nil where there is none.
func Neighbours(v *core.VMA) (prev, next *core.VMA) {
	vs := v.MM.VMAs()
	lo, hi := 0, len(vs)
	for lo < hi { // first VMA starting at or after v.Start
		mid := (lo + hi) / 2
		if vs[mid].Start < v.Start {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	i := lo
	if i > 0 {
		prev = vs[i-1]
	}
	if i < len(vs) && vs[i] == v {
		i++
	}
	if i < len(vs) {
		next = vs[i]
	}
	return prev, next
}

// OffsetsRunOn reports whether next's vm_pgoff continues prev's, which
// anon_vma (2.6.7+, can_vma_merge_after) requires of anonymous VMAs too
// before they merge: their pages are found at their linear offsets.
func OffsetsRunOn(prev, next *core.VMA) bool { return next.PgOff == prev.PgOff+prev.Pages() }

// AnonCompatible reports whether b continues a so that they could share
// one anonymous object (anon_vma_compatible): adjacent, same file, same
// sharing, and page offsets that run on. Unlike a merge, the protections
// may differ (mprotect splits a VMA without changing its pages' anon_vma).
func AnonCompatible(a, b *core.VMA) bool {
	return a.End == b.Start && a.File == b.File && a.Shared == b.Shared &&
		a.Nonlinear == b.Nonlinear &&
		b.PgOff == a.PgOff+(b.Start-a.Start)/core.PageSize
}
