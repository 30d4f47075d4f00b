package core_test

import (
	"context"
	"errors"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/pagescan"
	"rmapbench/strategies/ptechain"
)

var agings = []core.Aging{core.AgingLRU, core.AgingRandom, core.AgingMGLRU}

func agingMachine(t *testing.T, aging core.Aging, mem int64, st core.Strategy) *core.Machine {
	t.Helper()
	return core.NewMachine(core.Config{MemBytes: mem, Seed: 1, NewIndex: fileindex.NewLinear, Verify: true, Aging: aging}, st.New)
}

func pteAt(t *testing.T, m *core.Machine, pid, addr uint64) core.PTE {
	t.Helper()
	_, p, ok := m.Resolve(pid, addr)
	if !ok {
		t.Fatalf("pid %d %#x not mapped", pid, addr)
	}
	return p
}

// The accessed and dirty bits are the MMU's: a fault installs a young PTE
// (dirty if written), a touch sets accessed (and dirty on a write), fork's
// copy is old and clean, mprotect keeps them; only aging clears accessed.
func TestAccessedAndDirtyBits(t *testing.T) {
	m := agingMachine(t, core.AgingLRU, 0, ptechain.Strategy)
	const a = 0x100000
	rw := core.ProtRead | core.ProtWrite
	must(t, m.Mmap(1, a, 4*pg, rw, false, "", 0))
	must(t, m.Mmap(1, a+8*pg, 4*pg, core.ProtRead, false, "lib", 0))
	must(t, m.Touch(1, a, pg, true))       // anonymous write fault
	must(t, m.Touch(1, a+8*pg, pg, false)) // file read fault
	must(t, m.Fork(1, 2))                  // copies are old
	clear := func(pid, addr uint64) {
		f, _, _ := m.Resolve(pid, addr)
		if !m.ReferencedOne(m.LookupPTE(m.Lookup(pid), addr), f) {
			t.Fatalf("pid %d %#x: ReferencedOne found the PTE old", pid, addr)
		}
	}
	for _, tc := range []struct {
		what         string
		pid, addr    uint64
		young, dirty bool
	}{
		{"write fault", 1, a, true, true},
		{"read fault of a file page", 1, a + 8*pg, true, false},
		{"fork's copy (private: dirty stays)", 2, a, false, true},
		{"fork's copy of a file page", 2, a + 8*pg, false, false},
	} {
		p := pteAt(t, m, tc.pid, tc.addr)
		if p.Young() != tc.young || p.Dirty() != tc.dirty {
			t.Errorf("%s: young %v dirty %v, want %v %v", tc.what, p.Young(), p.Dirty(), tc.young, tc.dirty)
		}
	}
	clear(1, a)
	if p := pteAt(t, m, 1, a); p.Young() || !p.Dirty() {
		t.Fatalf("after ReferencedOne: young %v dirty %v, want old and still dirty", p.Young(), p.Dirty())
	}
	must(t, m.Touch(2, a+8*pg, pg, false)) // read of a present old PTE
	if p := pteAt(t, m, 2, a+8*pg); !p.Young() || p.Dirty() {
		t.Fatalf("read touch: young %v dirty %v, want young and clean", p.Young(), p.Dirty())
	}
	must(t, m.Mprotect(2, a+8*pg, pg, core.ProtRead|core.ProtExec))
	if p := pteAt(t, m, 2, a+8*pg); !p.Young() {
		t.Fatal("mprotect cleared the accessed bit")
	}
	if m.ReferencedOne(m.LookupPTE(m.Lookup(2), a+8*pg), 0) {
		t.Fatal("ReferencedOne cleared a PTE that does not map the frame it was given")
	}
}

// try_to_unmap_one fails on a young PTE under the aging policies (the
// walk ends, the page is to be reactivated) and unmaps it under random.
func TestUnmapOneIfOld(t *testing.T) {
	for _, aging := range agings {
		m := agingMachine(t, aging, 0, pagescan.Strategy)
		const a = 0x100000
		must(t, m.Mmap(1, a, pg, core.ProtRead|core.ProtWrite, false, "", 0))
		must(t, m.Touch(1, a, pg, true))
		f, _, _ := m.Resolve(1, a)
		v := m.Lookup(1).FindVMA(a)
		unmapped, young := m.UnmapOneIfOld(v, a, 0, f)
		if aging == core.AgingRandom {
			if !unmapped || young {
				t.Errorf("random: unmapped %v young %v, want unmapped", unmapped, young)
			}
			continue
		}
		if unmapped || !young || pteAt(t, m, 1, a).Young() {
			t.Fatalf("%v: unmapped %v young %v: want a failure that ages the PTE", aging, unmapped, young)
		}
		if unmapped, young = m.UnmapOneIfOld(v, a, 0, f); !unmapped || young {
			t.Errorf("%v: the aged PTE: unmapped %v young %v, want unmapped", aging, unmapped, young)
		}
	}
}

// A hot set touched between reclaims stays resident under the aging
// policies; random victims take hot pages too, and they refault. The
// first rounds are left out: a reclaim that finds every page young has
// no history to go by (the hot pages, faulted first, are the oldest).
func TestAgingKeepsTheHotSet(t *testing.T) {
	refaults := map[core.Aging]int64{}
	for _, aging := range agings {
		m := agingMachine(t, aging, 0, ptechain.Strategy)
		const a, n, hot = 0x100000, 512, 32
		rw := core.ProtRead | core.ProtWrite
		must(t, m.Mmap(1, a, n*pg, rw, false, "", 0))
		must(t, m.Touch(1, a, n*pg, true))
		var warm int64
		for round := 0; round < 6; round++ {
			if round == 2 {
				warm = m.Stats.Refaults()
			}
			must(t, m.Touch(1, a, hot*pg, false))
			must(t, m.Reclaim(64))
		}
		refaults[aging] = m.Stats.Refaults() - warm
		if aging != core.AgingRandom {
			if m.Stats.RefWalks == 0 {
				t.Errorf("%v: no page_referenced walk", aging)
			}
			for i := uint64(0); i < hot; i++ {
				if _, _, ok := m.Resolve(1, a+i*pg); !ok {
					t.Errorf("%v: hot page %d was reclaimed", aging, i)
					break
				}
			}
		}
	}
	if refaults[core.AgingLRU] != 0 || refaults[core.AgingMGLRU] != 0 || refaults[core.AgingRandom] == 0 {
		t.Errorf("refaults %v: want none under lru and mglru, some under random", refaults)
	}
}

// A file page read back after reclaim evicted it is a refault (its shadow
// entry); a swap-in is one too; a first read is not.
func TestRefaults(t *testing.T) {
	for _, aging := range agings {
		m := agingMachine(t, aging, 0, ptechain.Strategy)
		must(t, m.Mmap(1, 0x100000, 4*pg, core.ProtRead, false, "f", 0))
		must(t, m.Mmap(1, 0x200000, 4*pg, core.ProtRead|core.ProtWrite, false, "", 0))
		must(t, m.Touch(1, 0x100000, 4*pg, false))
		must(t, m.Touch(1, 0x200000, 4*pg, true))
		if m.Stats.Refaults() != 0 {
			t.Fatalf("%v: %d refaults before any reclaim", aging, m.Stats.Refaults())
		}
		freed, err := m.ReclaimPages(1 << 20)
		must(t, err)
		if freed != 8 || m.FramesInUse() != 0 {
			t.Fatalf("%v: freed %d, %d frames left", aging, freed, m.FramesInUse())
		}
		must(t, m.Touch(1, 0x100000, 4*pg, false))
		must(t, m.Touch(1, 0x200000, 2*pg, false))
		if m.Stats.FileRefaults != 4 || m.Stats.SwapIns != 2 || m.Stats.Refaults() != 6 {
			t.Errorf("%v: file refaults %d, swap-ins %d; want 4 and 2", aging, m.Stats.FileRefaults, m.Stats.SwapIns)
		}
	}
}

// reclaim N with a page nothing can free stops once full passes make no
// progress, whatever N is (issue: `reclaim 18446744073709551615` with
// -nonlinear hugh looped N times). The last page of a nonlinear VMA that
// does not start on a 32-page cluster is out of reach of
// try_to_unmap_cluster, as in the kernel.
func TestReclaimStopsWithoutProgress(t *testing.T) {
	for _, st := range strategies.All() {
		for _, aging := range agings {
			for _, nl := range []string{"hugh", "andrea"} {
				m := core.NewMachine(core.Config{Seed: 1, NewIndex: fileindex.NewLinear, Verify: true, Aging: aging,
					Options: map[string]string{"nonlinear": nl}}, st.New)
				const a, n = 0x10001000, 64
				must(t, m.Mmap(1, a, n*pg, core.ProtRead|core.ProtWrite, true, "db", 0))
				must(t, m.Remap(1, a, 16*pg, 100))
				must(t, m.Touch(1, a, n*pg, false))
				freed, err := m.ReclaimPages(1 << 62)
				must(t, err)
				if freed < n-4 || freed > n || m.Stats.PagesScanned > 100*n {
					t.Errorf("%s/%v/%s: freed %d of %d after looking at %d pages", st.Name, aging, nl, freed, n, m.Stats.PagesScanned)
				}
				verify(t, m)
			}
		}
	}
}

// A long reclaim stops where it is when the run is interrupted.
func TestReclaimIsInterruptible(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	m := core.NewMachine(core.Config{Seed: 1, NewIndex: fileindex.NewLinear, Aging: core.AgingRandom, Ctx: ctx}, ptechain.Strategy.New)
	must(t, m.Mmap(1, 0x100000, 1<<14*pg, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Touch(1, 0x100000, 1<<14*pg, true))
	cancel()
	if _, err := m.ReclaimPages(1 << 20); !errors.Is(err, context.Canceled) {
		t.Fatalf("reclaim after cancel: %v", err)
	}
}

// referencedLiar is ptechain with a page_referenced that skips the last
// PTE of a chain: the check of page_referenced must catch it.
type referencedLiar struct{ *ptechain.Rmapper }

func (r referencedLiar) PageReferenced(f core.FrameID) int { return 0 }

func TestPageReferencedCheckSaysNo(t *testing.T) {
	m := core.NewMachine(core.Config{Seed: 1, NewIndex: fileindex.NewLinear, Verify: true},
		func(m *core.Machine) core.Rmapper { return referencedLiar{ptechain.New(m)} })
	must(t, m.Mmap(1, 0x100000, 8*pg, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Touch(1, 0x100000, 8*pg, true))
	err := m.Reclaim(4)
	var ve *core.VerifyError
	if !errors.As(err, &ve) || ve.Rule != 2 {
		t.Fatalf("reclaim with a page_referenced that reports nothing: %v, want a rule 2 failure", err)
	}
}

// The multi-gen LRU ages by walking page tables (pt-scan-ptes) and skips
// an mm that has not run since its last walk; eviction's rmap walks find
// young PTEs and look around them.
func TestMGLRUAgingAndLookAround(t *testing.T) {
	m := agingMachine(t, core.AgingMGLRU, 0, ptechain.Strategy)
	const a, n = 0x100000, 256
	rw := core.ProtRead | core.ProtWrite
	must(t, m.Mmap(1, a, n*pg, rw, false, "", 0))
	must(t, m.Mmap(2, a, n*pg, rw, false, "", 0))
	must(t, m.Touch(1, a, n*pg, true))
	must(t, m.Touch(2, a, n*pg, true))
	must(t, m.Reclaim(16))
	walked := m.Stats.PTScanPTEs
	if walked < 2*n {
		t.Fatalf("the aging read %d PTEs, want both mms' %d", walked, 2*n)
	}
	// Only pid 1 runs now; its pages are young again when eviction's
	// folio_referenced meets them, and the look-around reads their
	// neighbours.
	for i := 0; i < 3; i++ {
		must(t, m.Touch(1, a, n*pg, false))
		must(t, m.Reclaim(64))
	}
	if m.Stats.LookAroundPTEs == 0 {
		t.Error("no look-around")
	}
	for i := uint64(0); i < n; i += 32 {
		if _, _, ok := m.Resolve(1, a+i*pg); !ok {
			t.Errorf("pid 1's hot page %d was reclaimed", i)
		}
	}
	if m.Stats.Reclaimed != 16+3*64 {
		t.Errorf("reclaimed %d pages, want %d", m.Stats.Reclaimed, 16+3*64)
	}
}
