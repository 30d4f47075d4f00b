package ptechain_test

import (
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/ptechain"
)

// 2.6.0's page_referenced tests and clears the accessed bit of every PTE
// on the chain and collapses a chain that holds a single PTE back to
// PageDirect, freeing its block; removal alone never does.
func TestPageReferencedCollapsesOneEntryChains(t *testing.T) {
	m := core.NewMachine(core.Config{Seed: 1, NewIndex: fileindex.NewLinear, Verify: true}, ptechain.Strategy.New)
	const base, pages = 0x100000, 4
	rw := core.ProtRead | core.ProtWrite
	if err := m.Mmap(1, base, pages*core.PageSize, rw, false, "", 0); err != nil {
		t.Fatal(err)
	}
	if err := m.Touch(1, base, pages*core.PageSize, true); err != nil {
		t.Fatal(err)
	}
	if err := m.Fork(1, 2); err != nil {
		t.Fatal(err)
	}
	if err := m.Exit(2); err != nil {
		t.Fatal(err)
	}
	if live, _ := objs(m, "pte_chain"); live != pages {
		t.Fatalf("pte_chain-objs = %d after the child's exit, want %d (no collapse on remove)", live, pages)
	}
	f, _, _ := m.Resolve(1, base)
	before := m.Walk
	if young := m.Rmapper().PageReferenced(f); young != 1 {
		t.Errorf("page_referenced: %d young PTEs, want 1", young)
	}
	if d := m.Walk.PTEs - before.PTEs; d != 1 || m.Walk.VMAs != before.VMAs {
		t.Errorf("page_referenced tested %d PTEs and looked up %d VMAs, want 1 and none", d, m.Walk.VMAs-before.VMAs)
	}
	if live, _ := objs(m, "pte_chain"); live != pages-1 {
		t.Fatalf("pte_chain-objs = %d after page_referenced, want %d (the chain collapsed)", live, pages-1)
	}
	if young := m.Rmapper().PageReferenced(f); young != 0 {
		t.Errorf("second page_referenced: %d young PTEs, want 0", young)
	}
	if err := m.Verify(0); err != nil {
		t.Fatal(err)
	}
	if !m.Rmapper().TryToUnmap(f) {
		t.Fatal("try_to_unmap of the collapsed page failed")
	}
}
