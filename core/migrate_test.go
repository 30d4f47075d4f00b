package core_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
)

// The addresses of migrationFamily's mappings, one per kind of page.
const (
	migAnon   = 0x100000 // private anonymous, written before fork: COW-shared
	migShmem  = 0x200000 // shared anonymous (shmem)
	migShared = 0x300000 // a file mapped shared, written
	migText   = 0x400000 // a file mapped private, read
	migLocked = 0x500000 // private anonymous, mlocked in the parent
)

var migKinds = []struct {
	name string
	addr uint64
}{{"anon", migAnon}, {"shmem", migShmem}, {"file-shared", migShared}, {"file-private", migText}, {"mlocked", migLocked}}

// migrationFamily maps a page of each kind in process 1, forks 2 and 3
// from it and 4 from 2, all of which touch every page.
func migrationFamily(t *testing.T, m *core.Machine) []uint64 {
	t.Helper()
	rw := core.ProtRead | core.ProtWrite
	must(t, m.Mmap(1, migAnon, 2*pg, rw, false, "", 0))
	must(t, m.Mmap(1, migShmem, 2*pg, rw, true, "", 0))
	must(t, m.Mmap(1, migShared, 2*pg, rw, true, "data", 0))
	must(t, m.Mmap(1, migText, 2*pg, core.ProtRead, false, "lib", 0))
	must(t, m.Mmap(1, migLocked, 2*pg, rw, false, "", 0))
	must(t, m.Mlock(1, migLocked, 2*pg))
	for _, k := range migKinds {
		must(t, m.Touch(1, k.addr, 2*pg, k.addr != migText))
	}
	must(t, m.Fork(1, 2))
	must(t, m.Fork(1, 3))
	must(t, m.Fork(2, 4))
	pids := []uint64{1, 2, 3, 4}
	for _, p := range pids {
		for _, k := range migKinds {
			must(t, m.Touch(p, k.addr, 2*pg, false))
		}
	}
	return pids
}

func machineFor(st core.Strategy, aging core.Aging, verify bool) *core.Machine {
	idx, _ := strategies.Index(st.DefaultIndex)
	return core.NewMachineFor(core.Config{Seed: 1, NewIndex: idx.New, Verify: verify, Aging: aging}, st)
}

// TestMigrateMovesEveryMapping is the kernel selftest's check
// (tools/testing/selftests/mm/rmap.c): after one process migrates a page,
// every process that mapped it maps the new frame at the same address,
// with the same content and PTE bits, and nothing maps the old frame. For
// every strategy, every aging policy and every kind of page.
func TestMigrateMovesEveryMapping(t *testing.T) {
	for _, st := range strategies.All() {
		for _, aging := range []core.Aging{core.AgingLRU, core.AgingMGLRU, core.AgingRandom} {
			t.Run(st.Name+"/"+aging.String(), func(t *testing.T) {
				m := machineFor(st, aging, true)
				pids := migrationFamily(t, m)
				for i, k := range migKinds {
					old, _, _ := m.Resolve(1, k.addr)
					before := map[uint64]core.PTE{}
					for _, p := range pids {
						if f, pte, ok := m.Resolve(p, k.addr); ok && f == old {
							before[p] = pte
						}
					}
					oldFrame := *m.Frame(old)
					inUse := m.FramesInUse()
					walks := m.Stats.MigrateWalks
					must(t, m.Migrate(pids[i%len(pids)], k.addr, pg))
					nf, _, ok := m.Resolve(1, k.addr)
					if !ok || nf == old {
						t.Fatalf("%s: frame %d did not move", k.name, old)
					}
					for p, pte := range before {
						f, npte, ok := m.Resolve(p, k.addr)
						if !ok || f != nf {
							t.Fatalf("%s: process %d maps frame %d, want the new frame %d", k.name, p, f, nf)
						}
						if npte.Writable() != pte.Writable() || npte.Young() != pte.Young() || npte.Dirty() != pte.Dirty() {
							t.Fatalf("%s: process %d's PTE %#x became %#x", k.name, p, pte, npte)
						}
					}
					nfr := m.Frame(nf)
					if nfr.Content != oldFrame.Content || nfr.MapCount != oldFrame.MapCount || nfr.Index != oldFrame.Index || nfr.File != oldFrame.File {
						t.Fatalf("%s: new frame %+v, old %+v", k.name, *nfr, oldFrame)
					}
					if m.Frame(old).Flags&core.FrameInUse != 0 && m.Frame(old).Content == oldFrame.Content {
						t.Fatalf("%s: the old frame %d was not freed", k.name, old)
					}
					if m.FramesInUse() != inUse {
						t.Fatalf("%s: %d frames in use, want %d", k.name, m.FramesInUse(), inUse)
					}
					if got := m.Stats.MigrateWalks - walks; got != 2 {
						t.Fatalf("%s: %d migrate walks, want 2", k.name, got)
					}
					verify(t, m)
				}
				if m.Stats.Migrations != int64(len(migKinds)) || m.Stats.MigrateFails != 0 {
					t.Fatalf("%d migrations, %d failures", m.Stats.Migrations, m.Stats.MigrateFails)
				}
				// The whole range again, twice: every page moves once per
				// call, the second page of each mapping included.
				for range 2 {
					n := m.Stats.Migrations
					must(t, m.Migrate(4, migAnon, migLocked+2*pg-migAnon))
					if got := m.Stats.Migrations - n; got != 2*int64(len(migKinds)) {
						t.Fatalf("a migrate of the whole range moved %d pages, want %d", got, 2*len(migKinds))
					}
					verify(t, m)
				}
				// The processes go on: writes, reclaim, exit.
				for _, p := range pids {
					must(t, m.Touch(p, migAnon, 2*pg, true))
				}
				must(t, m.Reclaim(16))
				verify(t, m)
				for _, p := range pids {
					must(t, m.Exit(p))
				}
				verify(t, m)
			})
		}
	}
}

// TestMigrateKeepsTheSwapCacheAndTheLRU: a page in the swap cache moves
// with its slot (a swap PTE of another process faults in the new frame),
// and the new frame takes the old one's place on the lists.
func TestMigrateKeepsTheSwapCacheAndTheLRU(t *testing.T) {
	st := strategies.All()[4] // anonvma
	m := machineFor(st, core.AgingLRU, true)
	rw := core.ProtRead | core.ProtWrite
	must(t, m.Mmap(1, migAnon, pg, rw, false, "", 0))
	must(t, m.Touch(1, migAnon, pg, true))
	must(t, m.Fork(1, 2))
	f, _, _ := m.Resolve(1, migAnon)
	want := m.Frame(f).Content
	for m.SwapSlots() == 0 {
		must(t, m.Reclaim(1))
	}
	must(t, m.Touch(1, migAnon, pg, false)) // back from swap in 1; 2 keeps its swap PTE
	f, _, _ = m.Resolve(1, migAnon)
	if m.Frame(f).Flags&core.FrameSwapCache == 0 {
		t.Fatal("the page is not in the swap cache")
	}
	active := m.Frame(f).Flags & core.FrameActive
	must(t, m.Migrate(1, migAnon, pg))
	nf, _, _ := m.Resolve(1, migAnon)
	if nf == f || m.Frame(nf).Flags&core.FrameSwapCache == 0 || m.Frame(nf).Flags&core.FrameActive != active {
		t.Fatalf("new frame %d flags %b, old %d (active %b)", nf, m.Frame(nf).Flags, f, active)
	}
	must(t, m.Touch(2, migAnon, pg, false))
	if g, _, _ := m.Resolve(2, migAnon); g != nf || m.Frame(g).Content != want {
		t.Fatalf("process 2 faulted frame %d in, want the new frame %d with content %d", g, nf, want)
	}
	if m.Stats.SwapIns != 1 {
		t.Fatalf("%d swap-ins, want 1 (the second fault finds the swap cache)", m.Stats.SwapIns)
	}
	verify(t, m)
}

// TestMigrateNonlinear: a page mapped in a nonlinear VMA gets no migration
// entry there (2.6.17 - 3.19); the -nonlinear policy unmaps it or leaves
// it mapped, in which case the page stays where it is. Either way every
// rule holds, and a page that moved is faulted back from the page cache.
func TestMigrateNonlinear(t *testing.T) {
	for _, st := range strategies.All() {
		for _, nl := range []string{"hugh", "andrea"} {
			t.Run(st.Name+"/"+nl, func(t *testing.T) {
				idx, _ := strategies.Index(st.DefaultIndex)
				m := core.NewMachineFor(core.Config{Seed: 1, NewIndex: idx.New, Verify: true, Options: map[string]string{"nonlinear": nl}}, st)
				rw := core.ProtRead | core.ProtWrite
				must(t, m.Mmap(1, migShared, 4*pg, rw, true, "db", 0))
				must(t, m.Touch(1, migShared, 4*pg, true))
				must(t, m.Fork(1, 2))
				must(t, m.Remap(2, migShared+pg, pg, 0)) // file page 0 at the second page too
				must(t, m.Touch(2, migShared, 4*pg, false))
				must(t, m.Migrate(1, migShared, pg))
				verify(t, m)
				f, _, _ := m.Resolve(1, migShared)
				must(t, m.Touch(2, migShared, 2*pg, false))
				if g, _, _ := m.Resolve(2, migShared+pg); g != f {
					t.Fatalf("the nonlinear mapping faulted frame %d back, want the page cache's %d", g, f)
				}
				if m.Stats.Migrations+m.Stats.MigrateFails != 1 {
					t.Fatalf("%d migrations, %d failures, want one of them", m.Stats.Migrations, m.Stats.MigrateFails)
				}
				verify(t, m)
			})
		}
	}
}

// TestMigratePassesOver: addresses without a page, the zero page and
// swapped-out pages are passed over, and a bad range is an input error.
func TestMigratePassesOver(t *testing.T) {
	m := newTestMachine(t, 0)
	rw := core.ProtRead | core.ProtWrite
	must(t, m.Mmap(1, migAnon, 4*pg, rw, false, "", 0))
	must(t, m.Touch(1, migAnon, pg, false)) // the zero page
	must(t, m.Migrate(1, 0, 1<<40))
	must(t, m.Migrate(1, migAnon, 4*pg))
	if m.Stats.Migrations != 0 {
		t.Fatalf("%d pages migrated, want none", m.Stats.Migrations)
	}
	var ie *core.InputError
	if err := m.Migrate(1, migAnon+1, pg); !errors.As(err, &ie) {
		t.Fatalf("unaligned migrate: %v, want an input error", err)
	}
	must(t, m.Exit(1))
	if err := m.Migrate(1, migAnon, pg); !errors.As(err, &ie) {
		t.Fatalf("migrate of an exited process: %v, want an input error", err)
	}
}

// TestMigrateCatchesPlantedFaults: a strategy whose migration walks miss a
// mapping is caught. A remove_migration_ptes walk that misses one fails
// the migration with or without verification (its entry would outlive
// it), and leaves every process mapping the page; a try_to_migrate walk
// that misses one, or claims success, fails verification.
func TestMigrateCatchesPlantedFaults(t *testing.T) {
	for _, tc := range []struct {
		fault  string
		verify bool
		rule   int
		msg    string
	}{
		{"drop", true, 2, "the remove_migration_ptes walk misses"},
		{"drop", false, 2, "the remove_migration_ptes walk misses"},
		{"unmap-none", true, 2, "the try_to_migrate walk misses"},
		{"unmap-lies", true, 4, "try_to_migrate succeeded"},
	} {
		t.Run(fmt.Sprintf("%s/verify=%v", tc.fault, tc.verify), func(t *testing.T) {
			m := plantedMachine(tc.fault)
			if !tc.verify {
				m = plantedMachineNoVerify(tc.fault)
			}
			sharedPages(t, m)
			err := m.Migrate(1, 0x10000, pg)
			var ve *core.VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a verification failure", err)
			}
			if ve.Rule != tc.rule || !strings.Contains(ve.Msg, tc.msg) || ve.Frame == 0 {
				t.Fatalf("got rule %d %q, want rule %d %q", ve.Rule, ve.Msg, tc.rule, tc.msg)
			}
			for _, p := range []uint64{1, 2} {
				if _, pte, ok := m.Resolve(p, 0x10000); !ok || pte.IsMigration() {
					t.Fatalf("process %d: PTE %#x after the failed migration", p, pte)
				}
			}
		})
	}
	// The same strategy without the fault passes.
	m := plantedMachine("")
	sharedPages(t, m)
	must(t, m.Migrate(1, 0x10000, 4*pg))
	if m.Stats.Migrations != 4 {
		t.Fatalf("%d migrations, want 4", m.Stats.Migrations)
	}
	verify(t, m)
}

// TestMigrateKSMPages: a KSM page migrates through rmap_walk_ksm (or the
// strategy's own walk), its stable node follows it (ksm_migrate_page),
// and ksmd, writes and reclaim go on with the new page.
func TestMigrateKSMPages(t *testing.T) {
	eachMerging(t, "", func(t *testing.T, m *core.Machine) {
		ksmProcs(t, m, 3, 4)
		before := m.KSMStats()
		old, _, _ := m.Resolve(1, ksmBase)
		must(t, m.Migrate(2, ksmBase, 4*pg))
		if m.Stats.Migrations != 4 {
			t.Fatalf("%d pages migrated, want 4", m.Stats.Migrations)
		}
		nf, _, _ := m.Resolve(1, ksmBase)
		if nf == old || m.Frame(nf).Flags&core.FrameKsm == 0 || m.Frame(nf).MapCount != 3 {
			t.Fatalf("frame %d (was %d): flags %#x, mapcount %d; want the KSM page, moved, mapped 3 times", nf, old, m.Frame(nf).Flags, m.Frame(nf).MapCount)
		}
		for pid := uint64(2); pid <= 3; pid++ {
			if g, _, _ := m.Resolve(pid, ksmBase); g != nf {
				t.Fatalf("pid %d maps frame %d, want the new KSM page %d", pid, g, nf)
			}
		}
		verify(t, m)
		must(t, m.KSMScan(24)) // the stable tree compares with the new page
		if after := m.KSMStats(); after.PagesShared != before.PagesShared || after.PagesSharing != before.PagesSharing {
			t.Fatalf("stats %+v after migrating, %+v before", after, before)
		}
		must(t, m.Touch(1, ksmBase, pg, true)) // a write copies the KSM page
		must(t, m.Reclaim(8))
		verify(t, m)
		for pid := uint64(1); pid <= 3; pid++ {
			must(t, m.Exit(pid))
		}
		verify(t, m)
	})
}
