package anonvma_test

import (
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/anonvma"
	"rmapbench/strategies/fileindex"
)

const pg = core.PageSize

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newMachine() *core.Machine {
	// Random aging: the tests call try_to_unmap on pages just touched,
	// whose young PTEs would make it fail under the LRU policies.
	return core.NewMachineFor(core.Config{Seed: 1, NewIndex: fileindex.NewPrio, Verify: true, Aging: core.AgingRandom}, anonvma.Strategy)
}

// 2.6.12 links every VMA at the head of its anon_vma's list (list_add),
// so a walk meets the youngest VMA first. The parent's page, mapped by
// the parent alone after two children broke COW, is found last: the walk
// examines both children first (a page-table lookup each, vma_address
// being in range).
func TestListAddPutsTheNewestFirst(t *testing.T) {
	m := newMachine()
	const a = 0x100000
	must(t, m.Mmap(1, a, pg, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Touch(1, a, pg, true))
	f, _, _ := m.Resolve(1, a)
	for c := uint64(2); c <= 3; c++ {
		must(t, m.Fork(1, c))
		must(t, m.Touch(c, a, pg, true)) // COW: the child's own copy
	}
	var order []uint64
	m.Rmapper().Walk(f, func(v *core.VMA, addr uint64) bool {
		order = append(order, v.MM.PID)
		return true
	})
	if len(order) != 1 || order[0] != 1 {
		t.Fatalf("walk found %v, want the parent alone", order)
	}
	m.Walk = core.WalkCounters{}
	if !m.Rmapper().TryToUnmap(f) {
		t.Fatal("try_to_unmap failed")
	}
	if m.Walk.VMAs != 3 || m.Walk.PTEs != 3 {
		t.Fatalf("try_to_unmap examined %d VMAs with %d lookups, want 3 and 3 (children first)", m.Walk.VMAs, m.Walk.PTEs)
	}
	// A child's copy is found at once: its VMA heads the list.
	g, _, _ := m.Resolve(3, a)
	m.Walk = core.WalkCounters{}
	if !m.Rmapper().TryToUnmap(g) || m.Walk.VMAs != 1 {
		t.Fatalf("the youngest child's page took %d VMAs, want 1", m.Walk.VMAs)
	}
	must(t, m.Verify(0))
}

// try_to_unmap_one and page_referenced_one of 2.6.12 pass by a VMA whose
// mm has no rss, before any page-table lookup; for anonymous pages and
// for file pages.
func TestWalksSkipMMsWithoutRSS(t *testing.T) {
	for _, file := range []string{"", "data"} {
		m := newMachine()
		const a = 0x100000
		must(t, m.Mmap(1, a, pg, core.ProtRead|core.ProtWrite, file != "", file, 0))
		must(t, m.Touch(1, a, pg, file == ""))
		f, _, _ := m.Resolve(1, a)
		must(t, m.Fork(1, 2))
		must(t, m.DontNeed(2, a, pg)) // the child keeps the VMA, maps nothing
		if rss := m.Lookup(2).RSS; rss != 0 {
			t.Fatalf("child rss %d", rss)
		}
		m.Walk = core.WalkCounters{}
		n := 0
		m.Rmapper().Walk(f, func(*core.VMA, uint64) bool { n++; return true })
		if n != 1 || m.Walk.VMAs != 2 || m.Walk.PTEs != 1 {
			t.Fatalf("%q: walk found %d, examined %d VMAs with %d lookups; want 1, 2, 1 (the child's mm skipped)", file, n, m.Walk.VMAs, m.Walk.PTEs)
		}
		m.Walk = core.WalkCounters{}
		if !m.Rmapper().TryToUnmap(f) || m.Walk.PTEs != 1 {
			t.Fatalf("%q: try_to_unmap made %d lookups, want 1", file, m.Walk.PTEs)
		}
		must(t, m.Verify(0))
	}
}
