package claims

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"rmapbench/core/results"
)

// Runs whose names carry the same keys in another order, or differ only
// in arch, group as the keys say.
func TestGroupsByKeysAndArch(t *testing.T) {
	runs := runsOf(t, `arch: x86_64

BenchmarkSGA/strategy=ptechain/procs=8 1 1 ns/op
BenchmarkSGA/procs=8/strategy=ptechain 1 2 ns/op
BenchmarkSGA/strategy=ptechain/procs=16 1 3 ns/op
BenchmarkForkExit/strategy=ptechain/procs=8 1 3 ns/op
arch: i386
BenchmarkSGA/strategy=ptechain/procs=8 1 4 ns/op
`)
	gs := groups(runs, "SGA")
	if len(gs) != 3 || len(gs[0].runs) != 2 || gs[1].keys["procs"] != "16" || gs[2].arch != "i386" {
		for _, g := range gs {
			t.Logf("%s %v: %d runs", g.arch, g.keys, len(g.runs))
		}
		t.Fatalf("%d groups", len(gs))
	}
}

// manyNames is n results of distinct configurations over the workloads
// the claims read.
func manyNames(n int) []results.Run {
	workloads := []string{"ForkExit", "SGA", "ManyMapped", "ForkChain", "Reclaim", "MremapAfterFork"}
	strats := []string{"pagescan", "ptechain", "filelinear", "anonmm", "anonvma", "anonvma-avc"}
	rs := make([]*benchfmt.Result, n)
	for i := range rs {
		name := fmt.Sprintf("%s/strategy=%s/procs=%d/rss=16MiB/depth=%d", workloads[i%len(workloads)], strats[i/len(workloads)%len(strats)], i+1, i%50+1)
		rs[i] = &benchfmt.Result{Name: benchfmt.Name(name), Iters: 1, Values: []benchfmt.Value{
			{Value: float64(i), Unit: "ns/op"}, {Value: 2, Unit: "vmas/walk"}, {Value: 100, Unit: "rmap-peak-B"},
			{Value: 10, Unit: "mappings-peak"}, {Value: 1e-6, Unit: "sec/fork"}, {Value: 1e-6, Unit: "sec/exec"}, {Value: 1e-6, Unit: "sec/exit"},
		}}
	}
	return results.Parse(rs)
}

// Checking the claims is near-linear in the number of results: 100,000
// distinct names take well under a second (quadratic grouping took
// minutes). A benchmark, not a timed test.
func BenchmarkCheck100000Names(b *testing.B) {
	runs := manyNames(100_000)
	for b.Loop() {
		Check(runs)
	}
}

func TestCheckManyNames(t *testing.T) {
	cs := Check(manyNames(5000))
	if len(cs) != len(checks) {
		t.Fatalf("%d claims", len(cs))
	}
	for _, c := range cs {
		if c.Verdict == "" || strings.TrimSpace(c.Measured) == "" {
			t.Errorf("claim %q: verdict %q, measured %q", c.Text, c.Verdict, c.Measured)
		}
	}
}
