package anonmm

import (
	"testing"

	"rmapbench/core"
)

// page_referenced_anon moves a page off the anonmm of an exited mm to the
// first live mm it finds mapping it; the exited mm's anonmm, losing its
// last page, is freed. try_to_unmap and Walk leave it alone.
func TestPageReferencedMigratesOffAnExitedMM(t *testing.T) {
	h := newHarness(t, 0)
	m := h.m
	const a = 0x100000
	h.do(m.Fork(1, 2)) // pid 2's anonmm is a member of pid 1's chain
	h.do(m.Mmap(2, a, 2*pg, rw, false, "", 0))
	h.do(m.Touch(2, a, 2*pg, true))
	h.do(m.Fork(2, 3))
	h.do(m.Exit(2)) // the pages still point at pid 2's anonmm
	h.do(m.Touch(3, a, 2*pg, false))
	h.wantObjs("after pid 2's exit", 3)
	f := h.frame(3, a)
	old := pageAnonmm(m.Frame(f))
	if old.mm != nil {
		t.Fatal("the page's anonmm has a live mm")
	}
	m.Rmapper().Walk(f, func(*core.VMA, uint64) bool { return true })
	if pageAnonmm(m.Frame(f)) != old {
		t.Fatal("Walk moved the page")
	}
	if young := m.Rmapper().PageReferenced(f); young != 1 {
		t.Errorf("page_referenced found %d young PTEs, want 1", young)
	}
	if a := pageAnonmm(m.Frame(f)); a == old || a.mm != m.Lookup(3) {
		t.Fatal("the page was not moved to pid 3's anonmm")
	}
	h.check()
	h.wantObjs("after one page moved", 3) // pid 2's still holds the other page
	m.Rmapper().PageReferenced(h.frame(3, a+pg))
	h.wantObjs("after both pages moved", 2)
	h.check()
}
