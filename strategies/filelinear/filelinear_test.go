package filelinear_test

import (
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/filelinear"
)

const pg = core.PageSize

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func chainObjs(m *core.Machine) int64 {
	for _, o := range m.Space.Objects() {
		if o.Name == "pte_chain" {
			return o.Live
		}
	}
	return -1
}

func mappings(m *core.Machine, f core.FrameID) map[[2]uint64]bool {
	got := map[[2]uint64]bool{}
	m.Rmapper().Walk(f, func(v *core.VMA, addr uint64) bool {
		got[[2]uint64{v.MM.PID, addr}] = true
		return true
	})
	return got
}

// McCracken's objrmap converts a file page installed away from its
// linear place in a nonlinear VMA to pte chains (page_convert_anon):
// its walks then find every mapping, the nonlinear ones included, and
// try_to_unmap frees it at once, with no cluster scan. The 64-page VMA
// maps file pages 32..63 twice: nonlinear at the start, linear at +32.
func TestNonlinearPagesGoOnChains(t *testing.T) {
	m := core.NewMachineFor(core.Config{Seed: 1, NewIndex: fileindex.NewLinear, Verify: true}, filelinear.Strategy)
	const a = 0x100000
	must(t, m.Mmap(1, a, 64*pg, core.ProtRead|core.ProtWrite, true, "db", 0))
	must(t, m.Remap(1, a, 32*pg, 32))
	must(t, m.Touch(1, a, 64*pg, false))
	must(t, m.Verify(0))
	// 32 pages mapped twice: one block each.
	if n := chainObjs(m); n != 32 {
		t.Fatalf("pte_chain-objs %d, want 32", n)
	}
	f, _, _ := m.Resolve(1, a)
	if got := mappings(m, f); len(got) != 2 || !got[[2]uint64{1, a}] || !got[[2]uint64{1, a + 32*pg}] {
		t.Fatalf("walk of the converted page found %v, want its nonlinear and its linear mapping", got)
	}
	// Young or not, the page goes in one try.
	if !m.Rmapper().TryToUnmap(f) || m.Frame(f).MapCount != 0 {
		t.Fatalf("try_to_unmap left %d mappings", m.Frame(f).MapCount)
	}
	if n := chainObjs(m); n != 31 {
		t.Fatalf("after the unmap pte_chain-objs %d, want 31", n)
	}
	must(t, m.Verify(0))
}

// A page mapped linearly by another process when it is installed at a
// nonlinear place is converted with that mapping on its chain; a page at
// its linear place inside a nonlinear VMA stays object-based and is
// found through the lists, where a nonlinear VMA stays in McCracken's
// design.
func TestConversionFindsExistingMappings(t *testing.T) {
	m := core.NewMachineFor(core.Config{Seed: 1, NewIndex: fileindex.NewLinear, Verify: true}, filelinear.Strategy)
	const a, b = 0x100000, 0x800000
	must(t, m.Mmap(2, b, 64*pg, core.ProtRead, true, "db", 0))
	must(t, m.Touch(2, b+40*pg, pg, false))
	must(t, m.Mmap(1, a, 64*pg, core.ProtRead|core.ProtWrite, true, "db", 0))
	must(t, m.Touch(1, a+10*pg, pg, false))
	must(t, m.Remap(1, a, pg, 40))
	must(t, m.Touch(1, a, pg, false))
	must(t, m.Verify(0))
	p40, _, _ := m.Resolve(2, b+40*pg)
	if got := mappings(m, p40); len(got) != 2 || !got[[2]uint64{1, a}] || !got[[2]uint64{2, b + 40*pg}] {
		t.Fatalf("converted page 40: walk found %v", got)
	}
	if n := chainObjs(m); n != 1 {
		t.Fatalf("pte_chain-objs %d, want 1 (page 40's two mappings)", n)
	}
	p10, _, _ := m.Resolve(1, a+10*pg)
	if got := mappings(m, p10); len(got) != 1 || !got[[2]uint64{1, a + 10*pg}] {
		t.Fatalf("page 10 at its linear place in the nonlinear VMA: walk found %v", got)
	}
	// Later mappings of a converted page are chained too.
	must(t, m.Fork(2, 3))
	if got := mappings(m, p40); len(got) != 3 {
		t.Fatalf("after fork the converted page's walk found %v, want 3", got)
	}
	for _, pid := range []uint64{1, 2, 3} {
		must(t, m.Exit(pid))
	}
	if n := chainObjs(m); n != 0 {
		t.Fatalf("after every exit pte_chain-objs %d", n)
	}
}
