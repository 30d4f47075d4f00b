package core_test

import (
	"fmt"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/pagescan"
)

// BenchmarkShadow is what the shadow count costs the MMU: fork and exit
// of a process sharing a 64 MiB segment (every PTE copied, then zapped),
// with Config.Verify off and on, nothing else verified.
func BenchmarkShadow(b *testing.B) {
	for _, verify := range []bool{false, true} {
		b.Run(fmt.Sprintf("verify=%v", verify), func(b *testing.B) {
			m := core.NewMachine(core.Config{Seed: 1, NewIndex: fileindex.NewLinear, Verify: verify}, pagescan.Strategy.New)
			const base, pages = 0x10000000, 1 << 14
			if err := m.Mmap(1, base, pages*core.PageSize, core.ProtRead|core.ProtWrite, true, "", 0); err != nil {
				b.Fatal(err)
			}
			if err := m.Touch(1, base, pages*core.PageSize, true); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				child := uint64(2 + i)
				if err := m.Fork(1, child); err != nil {
					b.Fatal(err)
				}
				if err := m.Exit(child); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pages, "ns/pte")
		})
	}
}
