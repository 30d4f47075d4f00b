package claims

import (
	"strings"
	"testing"
)

// One call per folio reproduces both anchors, and the measured line
// names each size with its ratio and his reduction.
func TestFolioBatchingReproduced(t *testing.T) {
	cs := Check(runsOf(t, `BenchmarkFolioFork/strategy=anonvma-avc/folio=4KiB/size=16MiB 1 1 ns/op 4096 rmap-calls/fork 2e-3 sec/fork
BenchmarkFolioFork/strategy=anonvma-folio/folio=4KiB/size=16MiB 1 1 ns/op 4096 rmap-calls/fork 2e-3 sec/fork
BenchmarkFolioFork/strategy=anonvma-avc/folio=16KiB/size=16MiB 1 1 ns/op 4096 rmap-calls/fork 2e-3 sec/fork
BenchmarkFolioFork/strategy=anonvma-folio/folio=16KiB/size=16MiB 1 1 ns/op 1024 rmap-calls/fork 1.8e-3 sec/fork
BenchmarkFolioMunmap/strategy=anonvma-avc/folio=4KiB/size=16MiB 1 1 ns/op 4096 rmap-calls/munmap
BenchmarkFolioMunmap/strategy=anonvma-folio/folio=4KiB/size=16MiB 1 1 ns/op 4096 rmap-calls/munmap
BenchmarkFolioMunmap/strategy=anonvma-avc/folio=2MiB/size=16MiB 1 1 ns/op 4096 rmap-calls/munmap
BenchmarkFolioMunmap/strategy=anonvma-folio/folio=2MiB/size=16MiB 1 1 ns/op 8 rmap-calls/munmap
`))
	fork := byText(cs, "fork of PTE-mapped large folios")
	if fork.Verdict != Reproduced || !strings.Contains(fork.Measured, "16KiB: calls x0.250 (-75%, his time -16%), sec/fork x0.90") {
		t.Errorf("fork: %q: %s", fork.Verdict, fork.Measured)
	}
	if c := byText(cs, "munmap of PTE-mapped large folios"); c.Verdict != Reproduced {
		t.Errorf("munmap: %q: %s", c.Verdict, c.Measured)
	}
}

// A folio size run at two regions (the suite's and the sweep's) counts
// once, with the larger region's ratio: his anchors are 1 GiB.
func TestFolioRatiosLargestRegion(t *testing.T) {
	pts := FolioRatios(runsOf(t, `BenchmarkFolioFork/strategy=anonvma-avc/folio=16KiB/size=128MiB 1 1 ns/op 4096 rmap-calls/fork
BenchmarkFolioFork/strategy=anonvma-folio/folio=16KiB/size=128MiB 1 1 ns/op 1024 rmap-calls/fork
BenchmarkFolioFork/strategy=anonvma-avc/folio=16KiB/size=1024MiB 1 1 ns/op 4096 rmap-calls/fork
BenchmarkFolioFork/strategy=anonvma-folio/folio=16KiB/size=1024MiB 1 1 ns/op 2048 rmap-calls/fork
BenchmarkFolioFork/strategy=anonvma-avc/folio=16KiB/size=64MiB 1 1 ns/op 4096 rmap-calls/fork
BenchmarkFolioFork/strategy=anonvma-folio/folio=16KiB/size=64MiB 1 1 ns/op 4096 rmap-calls/fork
`), "FolioFork", "fork")
	if len(pts) != 1 || pts[0].Calls != 0.5 {
		t.Fatalf("points %+v, want one at 16KiB with the 1024MiB region's ratio 0.5", pts)
	}
}
