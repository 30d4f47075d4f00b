package objrmap_test

import (
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/anonvma"
	"rmapbench/strategies/fileindex"
)

const pg = core.PageSize

// nonlinearSetup maps 64 pages of a shared file and remaps the first 32
// addresses to file pages 32..63, so page 32 is mapped twice: at the
// VMA's start (nonlinear) and at its linear place, 32 pages in.
func nonlinearSetup(t *testing.T, policy string) (*core.Machine, core.FrameID) {
	t.Helper()
	m := core.NewMachine(core.Config{Seed: 1, NewIndex: fileindex.NewPrio, Verify: true,
		Options: map[string]string{"nonlinear": policy}}, anonvma.Strategy.New)
	const a = 0x100000
	for _, err := range []error{
		m.Mmap(1, a, 64*pg, core.ProtRead|core.ProtWrite, true, "db", 0),
		m.Remap(1, a, 32*pg, 32),
		m.Touch(1, a, 64*pg, false),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	f, _, _ := m.Resolve(1, a)
	if g, _, _ := m.Resolve(1, a+32*pg); g != f || m.Frame(f).MapCount != 2 {
		t.Fatalf("setup: page 32 is not mapped twice")
	}
	return m, f
}

func resident(m *core.Machine, from, pages uint64) int {
	n := 0
	for i := uint64(0); i < pages; i++ {
		if _, _, ok := m.Resolve(1, from+i*pg); ok {
			n++
		}
	}
	return n
}

// Hugh's policy: clusters of 32 PTEs from a rotating cursor; young PTEs
// are aged, not unmapped; stop once the page's mapcount worth is gone.
func TestHughClusters(t *testing.T) {
	m, f := nonlinearSetup(t, "hugh")
	rm := m.Rmapper()
	// Every PTE is young: the first try only ages them.
	if rm.TryToUnmap(f) || resident(m, 0x100000, 64) != 64 {
		t.Fatalf("first try: unmapped something, %d resident", resident(m, 0x100000, 64))
	}
	// Second try: the first cluster goes (32 PTEs >= mapcount 2), which
	// takes page 32's nonlinear mapping but not its linear one.
	if rm.TryToUnmap(f) {
		t.Fatal("second try reported the page unmapped")
	}
	if got := resident(m, 0x100000, 64); got != 32 || m.Frame(f).MapCount != 1 {
		t.Fatalf("second try: %d resident, mapcount %d; want 32 and 1", got, m.Frame(f).MapCount)
	}
	// Third try: the cursor moved on to the second cluster.
	if !rm.TryToUnmap(f) || resident(m, 0x100000, 64) != 0 {
		t.Fatalf("third try: %d resident", resident(m, 0x100000, 64))
	}
	if err := m.Verify(0); err != nil {
		t.Fatal(err)
	}
	// The unmapped nonlinear PTEs remember their file pages.
	if err := m.Touch(1, 0x100000, pg, false); err != nil {
		t.Fatal(err)
	}
	if g, _, _ := m.Resolve(1, 0x100000); m.Frame(g).Index != 32 {
		t.Fatalf("refault after cluster unmap maps page %d, want 32", m.Frame(g).Index)
	}
}

// Andrea's policy: unmap every nonlinear PTE of the file until the page
// has no mapping left.
func TestAndreaUnmapsUntilGone(t *testing.T) {
	m, f := nonlinearSetup(t, "andrea")
	if !m.Rmapper().TryToUnmap(f) {
		t.Fatal("andrea left the page mapped")
	}
	// The scan stops at page 32's linear place, the 33rd PTE.
	if got := resident(m, 0x100000, 64); got != 31 {
		t.Fatalf("%d pages resident, want 31", got)
	}
	if err := m.Verify(0); err != nil {
		t.Fatal(err)
	}
}
