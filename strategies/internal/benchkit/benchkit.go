// Package benchkit holds the benchmarks every strategy package runs on
// itself, so that `go test -bench . ./strategies/NAME/` sweeps the sizes
// that show how that strategy's costs grow.
package benchkit

import (
	"fmt"
	"testing"

	"rmapbench/core"
)

// ForkExit forks and exits a process with N written anonymous
// pages under st: the cost per PTE should stay flat as N grows
// (fork is linear in present PTEs), and its level is the strategy's fork
// tax. It reports ns/pte.
func ForkExit(b *testing.B, st core.Strategy, index func() core.FileIndex) {
	{
		for _, pages := range []uint64{1 << 10, 1 << 13, 1 << 16} {
			b.Run(fmt.Sprintf("ptes=%d", pages), func(b *testing.B) {
				m := core.NewMachineFor(core.Config{Seed: 1, NewIndex: index}, st)
				if err := m.Mmap(1, base, pages*core.PageSize, core.ProtRead|core.ProtWrite, false, "", 0); err != nil {
					b.Fatal(err)
				}
				if err := m.Touch(1, base, pages*core.PageSize, true); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := m.Fork(1, 2); err != nil {
						b.Fatal(err)
					}
					if err := m.Exit(2); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(pages), "ns/pte")
			})
		}
	}
}

// The heap of the benchmarks: at base; in the walk benchmarks, heapPages
// pages written by a parent and shared with its children.
const base, heapPages = 0x10000000, 256

// sharedHeap is a machine running st whose process 1 wrote the heap and
// forked children children (pids 100 on).
func sharedHeap(b *testing.B, st core.Strategy, index func() core.FileIndex, children uint64) *core.Machine {
	m := core.NewMachineFor(core.Config{Seed: 1, NewIndex: index}, st)
	if err := m.Mmap(1, base, heapPages*core.PageSize, core.ProtRead|core.ProtWrite, false, "", 0); err != nil {
		b.Fatal(err)
	}
	if err := m.Touch(1, base, heapPages*core.PageSize, true); err != nil {
		b.Fatal(err)
	}
	for c := uint64(0); c < children; c++ {
		if err := m.Fork(1, 100+c); err != nil {
			b.Fatal(err)
		}
	}
	return m
}

// Walk unmaps (and faults back) pages of a parent's heap shared
// with N forked children, under st: the walk's cost grows with
// what the strategy visits — the N mappings for chains and lists, the whole
// page tables of all N+1 processes for pagescan. It reports vmas/walk and
// ptes/walk, the deterministic counters.
func Walk(b *testing.B, st core.Strategy, index func() core.FileIndex) {
	{
		for _, children := range []uint64{4, 32, 256} {
			b.Run(fmt.Sprintf("mappers=%d", children+1), func(b *testing.B) {
				m := sharedHeap(b, st, index, children)
				rm := m.Rmapper()
				m.Walk = core.WalkCounters{}
				walks := 0
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					addr := base + uint64(i%heapPages)*core.PageSize
					f, _, ok := m.Resolve(1, addr)
					if !ok {
						b.StopTimer()
						if err := m.Touch(1, addr, core.PageSize, false); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
						continue
					}
					rm.TryToUnmap(f)
					walks++
				}
				if walks > 0 {
					b.ReportMetric(float64(m.Walk.VMAs)/float64(walks), "vmas/walk")
					b.ReportMetric(float64(m.Walk.PTEs)/float64(walks), "ptes/walk")
				}
			})
		}
	}
}

// Migrate migrates, one at a time, pages of a parent's heap shared with
// N forked children, under st (core/migrate.go): try_to_migrate and
// remove_migration_ptes, two walks per page whose cost grows as Walk's
// does. An op is one page; it reports, per migration walk,
// vmas/migrate-walk and ptes/migrate-walk.
func Migrate(b *testing.B, st core.Strategy, index func() core.FileIndex) {
	for _, children := range []uint64{4, 32, 256} {
		b.Run(fmt.Sprintf("mappers=%d", children+1), func(b *testing.B) {
			m := sharedHeap(b, st, index, children)
			before := m.Stats
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := m.Migrate(1, base+uint64(i%heapPages)*core.PageSize, core.PageSize); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if moved := m.Stats.Migrations - before.Migrations; moved != int64(b.N) {
				b.Fatalf("%d pages migrated, want %d", moved, b.N)
			}
			w := m.Stats.MigrateWork
			w.VMAs -= before.MigrateWork.VMAs
			w.PTEs -= before.MigrateWork.PTEs
			walks := m.Stats.MigrateWalks - before.MigrateWalks
			b.ReportMetric(float64(w.VMAs)/float64(walks), "vmas/migrate-walk")
			b.ReportMetric(float64(w.PTEs)/float64(walks), "ptes/migrate-walk")
		})
	}
}
