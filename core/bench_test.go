package core_test

import (
	"testing"

	"rmapbench/core"
)

// The MMU's own costs, under the strategy that adds nothing (pagescan):
// what every strategy pays before its rmap work. Fork and exit are swept
// by package pagescan's benchmarks (go test -bench . ./strategies/pagescan/).

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
