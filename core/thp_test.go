package core_test

import (
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
)

// thpMachine is a verifying machine running the strategy called name
// with -thp always.
func thpMachine(t *testing.T, name string) *core.Machine {
	t.Helper()
	return strategyMachine(t, name, core.Config{Options: map[string]string{"thp": "always"}})
}

const thpSize = 2 << 20

// thpSetup maps 4 MiB at folioBase in pid 1 and writes one page of its
// first 2 MiB.
func thpSetup(t *testing.T, name string) *core.Machine {
	t.Helper()
	m := thpMachine(t, name)
	must(t, m.Mmap(1, folioBase, 2*thpSize, rw, false, "", 0))
	must(t, m.Touch(1, folioBase+5*pg, pg, true))
	return m
}

// A write fault maps the whole 2 MiB folio with one PMD and one rmap
// call; the per-page mapcounts stay 0 and the entire mapcount is 1.
func TestTHPFaultMapsOnePMD(t *testing.T) {
	m := thpSetup(t, "anonvma-folio")
	f, p, ok := m.Resolve(1, folioBase+7*pg)
	if !ok || !p.Huge() {
		t.Fatalf("page 7 is not mapped by a PMD (%v, %v)", ok, p)
	}
	head, nr := m.Folio(f)
	if nr != 512 || f != head+7 || m.Frame(f).MapCount != 0 || m.PageMapCount(f) != 1 || m.FolioMapCount(f) != 1 {
		t.Errorf("folio of %d pages, page 7 at %d of head %d, mapcount %d, page mapcount %d, folio mapcount %d; want 512 pages, 0, 1, 1",
			nr, f, head, m.Frame(f).MapCount, m.PageMapCount(f), m.FolioMapCount(f))
	}
	if got := m.WorkOf(core.OpFault).Calls; got != 1 {
		t.Errorf("%d rmap calls for the fault, want 1", got)
	}
	if m.Stats.THPMaps != 1 || m.Lookup(1).RSS != 512 {
		t.Errorf("%d PMD maps, RSS %d; want 1 and 512", m.Stats.THPMaps, m.Lookup(1).RSS)
	}
	if live, _ := m.PageTables(); live != 3 {
		t.Errorf("%d page tables, want 3 (PGD, PUD, PMD: no PTE table)", live)
	}
	must(t, m.Verify(0))
}

// A strategy without the folio rmap interface gets no PMD mapping.
func TestTHPFallsBackWithoutSupport(t *testing.T) {
	for _, name := range []string{"anonvma-avc", "anonvma", "anonmm", "ptechain", "pagescan", "filelinear"} {
		m := thpSetup(t, name)
		if _, p, ok := m.Resolve(1, folioBase+5*pg); !ok || p.Huge() || m.Stats.THPMaps != 0 {
			t.Errorf("%s: mapped %v, huge %v, %d PMD maps; want a PTE", name, ok, p.Huge(), m.Stats.THPMaps)
		}
		must(t, m.Verify(0))
	}
}

// Fork copies the PMD with one rmap call and exit zaps it with one; a
// write in the child splits its PMD only.
func TestTHPForkExit(t *testing.T) {
	m := thpSetup(t, "anonvma-folio")
	must(t, m.Fork(1, 2))
	f, _, _ := m.Resolve(1, folioBase)
	if got := m.WorkOf(core.OpFork).Calls; got != 1 || m.PageMapCount(f) != 2 {
		t.Errorf("fork: %d rmap calls, page mapcount %d; want 1 and 2", got, m.PageMapCount(f))
	}
	must(t, m.Verify(0))
	must(t, m.Touch(2, folioBase, pg, true)) // COW: the child's PMD splits
	if _, p, _ := m.Resolve(1, folioBase); !p.Huge() || m.Stats.THPSplits != 1 {
		t.Errorf("after the child's write: parent huge %v, %d splits; want true, 1", p.Huge(), m.Stats.THPSplits)
	}
	if g, _, _ := m.Resolve(2, folioBase); g == f {
		t.Error("the child's write did not copy the page")
	}
	must(t, m.Verify(0))
	must(t, m.Exit(2))
	must(t, m.Verify(0))
	before := m.FramesInUse()
	must(t, m.Exit(1))
	if got := m.WorkOf(core.OpExit).Calls; got < 2 {
		t.Errorf("exit: %d rmap calls", got)
	}
	if got := before - m.FramesInUse(); got != 512 {
		t.Errorf("the parent's exit freed %d frames, want the folio's 512", got)
	}
	must(t, m.Verify(0))
}

// Operations on part of a PMD split it to PTEs first; on the whole of it
// they keep it.
func TestTHPPartialOpsSplit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		op     func(m *core.Machine) error
		splits int64
	}{
		{"munmap part", func(m *core.Machine) error { return m.Munmap(1, folioBase+thpSize/2, pg) }, 1},
		{"munmap whole", func(m *core.Machine) error { return m.Munmap(1, folioBase, thpSize) }, 0},
		{"mprotect part", func(m *core.Machine) error { return m.Mprotect(1, folioBase, 16*pg, core.ProtRead) }, 1},
		{"mprotect whole", func(m *core.Machine) error { return m.Mprotect(1, folioBase, thpSize, core.ProtRead) }, 0},
		{"dontneed part", func(m *core.Machine) error { return m.DontNeed(1, folioBase+pg, pg) }, 1},
		{"mremap", func(m *core.Machine) error { return m.Mremap(1, folioBase, thpSize, 0x80000000, thpSize) }, 1},
		{"migrate", func(m *core.Machine) error { return m.Migrate(1, folioBase, pg) }, 2}, // both PMDs: the folio splits
		{"reclaim", func(m *core.Machine) error { return m.Reclaim(600) }, 2},
		{"read", func(m *core.Machine) error { return m.Touch(1, folioBase, thpSize, false) }, 0},
	} {
		m := thpSetup(t, "anonvma-folio")
		must(t, m.Fork(1, 2))
		if err := tc.op(m); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if m.Stats.THPSplits != tc.splits {
			t.Errorf("%s: %d PMD splits, want %d", tc.name, m.Stats.THPSplits, tc.splits)
		}
		if err := m.Verify(0); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		must(t, m.Exit(2))
		must(t, m.Exit(1))
		if err := m.Verify(0); err != nil {
			t.Errorf("%s, after exit: %v", tc.name, err)
		}
	}
}

func TestTHPForkWalk(t *testing.T) {
	m := thpMachine(t, "anonvma-folio")
	must(t, m.Mmap(1, folioBase, 2*thpSize, rw, false, "", 0))
	must(t, m.Touch(1, folioBase+5*pg, pg, true))
	must(t, m.Verify(0))
	must(t, m.Fork(1, 2))
	must(t, m.Verify(0))
	f, _, _ := m.Resolve(1, folioBase)
	var got []core.Mapping
	m.RmapWalk(f, func(v *core.VMA, addr uint64) bool {
		got = append(got, core.Mapping{PID: v.MM.PID, Addr: addr})
		return true
	})
	t.Logf("walk %v oracle %v", got, m.OracleMappings(f))
}

// KSM merges pages of a PMD-mapped folio after splitting it, the PMD
// found by the rmap walk.
func TestTHPKSMSplits(t *testing.T) {
	m := thpMachine(t, "anonvma-folio")
	must(t, m.Mmap(1, folioBase, thpSize, rw, false, "", 0))
	must(t, m.Madvise(1, folioBase, thpSize, core.MadvMergeable))
	must(t, m.TouchValue(1, folioBase, thpSize, 7))
	if m.Stats.THPMaps != 1 {
		t.Fatalf("%d PMD maps, want 1", m.Stats.THPMaps)
	}
	for range 4 {
		must(t, m.KSMScan(2048))
	}
	if s := m.KSMStats(); s.PagesShared == 0 || m.Stats.THPSplits != 1 || m.Stats.FolioSplits != 1 {
		t.Errorf("%d KSM pages, %d PMD splits, %d folio splits; want some, 1, 1", s.PagesShared, m.Stats.THPSplits, m.Stats.FolioSplits)
	}
	must(t, m.Verify(0))
	must(t, m.Exit(1))
	must(t, m.Verify(0))
}

// A freed 2 MiB folio goes back whole to the free folios of its order,
// so the next THP fault in a memory with room for one gets it again.
func TestTHPFreedFolioIsReused(t *testing.T) {
	sts, err := strategies.Select("anonvma-folio")
	if err != nil {
		t.Fatal(err)
	}
	idx, err := strategies.Index(sts[0].DefaultIndex)
	if err != nil {
		t.Fatal(err)
	}
	m := core.NewMachineFor(core.Config{Seed: 1, NewIndex: idx.New, Verify: true, MemBytes: 1100 * pg,
		Options: map[string]string{"thp": "always"}}, sts[0])
	for pid := uint64(1); pid <= 3; pid++ {
		must(t, m.Mmap(pid, folioBase, thpSize, rw, false, "", 0))
		must(t, m.Touch(pid, folioBase, pg, true))
		must(t, m.Exit(pid))
	}
	if m.Stats.THPMaps != 3 || m.FramesInUse() != 0 {
		t.Errorf("%d PMD maps, %d frames in use; want 3 and 0", m.Stats.THPMaps, m.FramesInUse())
	}
}
