package plot

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"rmapbench/core/results"
)

// Results of n SGA configurations that differ in a key the chart does not
// plot (one series each), and n workloads of their own (one summary group
// each).
func manyConfigs(n int) []results.Run {
	var rs []*benchfmt.Result
	for i := range n {
		for _, st := range []string{"ptechain", "anonvma-avc"} {
			rs = append(rs,
				&benchfmt.Result{Name: benchfmt.Name(fmt.Sprintf("SGA/strategy=%s/procs=%d/sga=8MiB/x=%d", st, i%3+1, i)), Iters: 1,
					Values: []benchfmt.Value{{Value: 1e6, Unit: "ns/op"}, {Value: float64(1000 + i), Unit: "rmap-peak-B"}}},
				&benchfmt.Result{Name: benchfmt.Name(fmt.Sprintf("W%d/strategy=%s", i, st)), Iters: 1,
					Values: []benchfmt.Value{{Value: 1e6, Unit: "ns/op"}, {Value: 1000, Unit: "rmap-peak-B"}}})
		}
	}
	return results.Parse(rs)
}

func hasNote(f *figure, substr string) bool {
	for _, n := range f.Notes {
		if strings.Contains(n, substr) {
			return true
		}
	}
	return false
}

func TestChartsAreLimited(t *testing.T) {
	runs := manyConfigs(300)
	f, _ := rmapSpace(runs)
	f.prepare()
	if n := len(f.Panels[0].Series); n != maxSeries {
		t.Errorf("rmap-space: %d series, want %d", n, maxSeries)
	}
	if !hasNote(f, fmt.Sprintf("only the first %d of 600 series", maxSeries)) {
		t.Errorf("rmap-space notes %q", f.Notes)
	}
	f, _ = summary(runs)
	f.prepare()
	for _, p := range f.Panels {
		if len(p.Groups) != maxGroups {
			t.Errorf("summary: %d groups, want %d", len(p.Groups), maxGroups)
		}
		for _, s := range p.Series {
			for _, pt := range s.Points {
				if pt.X >= maxGroups {
					t.Errorf("summary: a point at group %v", pt.X)
				}
			}
		}
	}
	if !hasNote(f, fmt.Sprintf("only the first %d of 301 groups", maxGroups)) {
		t.Errorf("summary notes %q", f.Notes)
	}
	for _, n := range f.Notes {
		if len(n) > maxNote+40 {
			t.Errorf("a note of %d bytes: %.100s...", len(n), n)
		}
	}
}

func TestNonFinitePointsAreLeftOut(t *testing.T) {
	f := &figure{Panels: []panel{{Title: "P", Series: []series{{Label: "a", Points: []point{{X: 1, Y: 2}, {X: 2, Y: math.Inf(1)}, {X: math.NaN(), Y: 1}}}}}}}
	f.prepare()
	if n := len(f.Panels[0].Series[0].Points); n != 1 || !hasNote(f, "P: 2 points left out") {
		t.Fatalf("%d points, notes %q", n, f.Notes)
	}
}

func TestShortNote(t *testing.T) {
	long := "Left out: " + strings.Repeat("Workload, ", 200)
	s := shortNote(long)
	if len(s) > maxNote+40 || !strings.HasSuffix(s, "more words)") || strings.Contains(s, ", ...") {
		t.Errorf("shortNote gave %q", s)
	}
	if shortNote("short") != "short" {
		t.Error("a short note changed")
	}
}

// Drawing is near-linear in the number of results: 100,000 results, of
// which 50,000 make a series each and 50,000 a workload each.
func BenchmarkDraw100000Results(b *testing.B) {
	runs := manyConfigs(25_000)
	dir := b.TempDir()
	for b.Loop() {
		for _, name := range chartNames {
			if f, _ := builders[name](runs); f != nil {
				f.prepare()
				files, _, err := f.write(dir)
				if err != nil {
					b.Fatal(err)
				}
				for _, a := range files {
					a.Abort()
				}
			}
		}
	}
}
