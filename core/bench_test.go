package core_test

import (
	"fmt"
	"testing"

	"rmapbench/core"
)

// The MMU's own costs, under the strategy that adds nothing (pagescan):
// what every strategy pays before its rmap work.

func BenchmarkFault(b *testing.B) {
	m := newTestMachine(&testing.T{}, 0)
	const base, pages = 0x10000000, 1 << 14
	if err := m.Mmap(1, base, pages*core.PageSize, core.ProtRead|core.ProtWrite, false, "", 0); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		addr := base + uint64(i%pages)*core.PageSize
		if i%pages == 0 && i > 0 {
			b.StopTimer()
			m.DontNeed(1, base, pages*core.PageSize)
			b.StartTimer()
		}
		if err := m.Touch(1, addr, core.PageSize, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkForkExit(b *testing.B) {
	for _, pages := range []uint64{1 << 10, 1 << 13, 1 << 16} {
		b.Run(fmt.Sprintf("ptes=%d", pages), func(b *testing.B) {
			m := newTestMachine(&testing.T{}, 0)
			const base = 0x10000000
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
