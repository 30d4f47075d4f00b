package plot

import (
	"rmapbench/core/results"

	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// sample is a small results file as rmapbench writes it: a header, unit
// metadata, and results of every workload the charts use, with a second
// header switching arch to i386 part way.
const sample = `goos: linux
goarch: amd64
scale: small
arch: x86_64

Unit rmap-peak-B assume=exact
BenchmarkForkExit/strategy=ptechain/procs=24/rss=1MiB 1 2000 ns/op 10e-6 sec/fork 1e-6 sec/exec 5e-6 sec/exit 400 rmap-peak-B
BenchmarkForkExit/strategy=ptechain/procs=24/rss=1MiB 1 2000 ns/op 12e-6 sec/fork 1e-6 sec/exec 5e-6 sec/exit 400 rmap-peak-B
BenchmarkForkExit/strategy=ptechain/procs=24/rss=1MiB 1 2000 ns/op 11e-6 sec/fork 1e-6 sec/exec 5e-6 sec/exit 400 rmap-peak-B
BenchmarkForkExit/strategy=ptechain/procs=24/rss=2MiB 1 3000 ns/op 20e-6 sec/fork 1e-6 sec/exec 10e-6 sec/exit 800 rmap-peak-B
BenchmarkForkExit/strategy=anonvma/procs=24/rss=1MiB 1 500 ns/op 2e-6 sec/fork 1e-6 sec/exec 1e-6 sec/exit 50 rmap-peak-B
BenchmarkForkExit/strategy=anonvma/procs=24/rss=2MiB 1 600 ns/op 4e-6 sec/fork 1e-6 sec/exec 2e-6 sec/exit 60 rmap-peak-B
BenchmarkForkExit/strategy=anonvma-avc/procs=24/rss=1MiB 1 1000 ns/op 3e-6 sec/fork 1e-6 sec/exec 1e-6 sec/exit 100 rmap-peak-B
BenchmarkForkExit/strategy=pagescan/procs=24/rss=1MiB 1 9000 ns/op 3e-6 sec/fork 1e-6 sec/exec 1e-6 sec/exit 0 rmap-peak-B
BenchmarkSGA/strategy=ptechain/procs=4/sga=8MiB 1 100 ns/op 1048576 rmap-peak-B
BenchmarkSGA/strategy=ptechain/procs=8/sga=8MiB 1 100 ns/op 2097152 rmap-peak-B
BenchmarkSGA/strategy=anonvma/procs=4/sga=8MiB 1 100 ns/op 0 rmap-peak-B
BenchmarkSGA/strategy=anonvma/procs=8/sga=8MiB 1 100 ns/op 1024 rmap-peak-B
BenchmarkManyMapped/strategy=anonvma/fileindex=linear/procs=4/windows=2/file=64MiB 1 100 ns/op 8 walks 8 vmas/walk 10 rmap-peak-B
BenchmarkManyMapped/strategy=anonvma-avc/fileindex=linear/procs=4/windows=2/file=64MiB 1 100 ns/op 8 walks 8 vmas/walk 0 rmap-peak-B
BenchmarkManyMapped/strategy=anonvma/fileindex=prio/procs=4/windows=2/file=64MiB 1 100 ns/op 8 walks 1 vmas/walk
BenchmarkManyMapped/strategy=anonvma/fileindex=linear/procs=8/windows=2/file=64MiB 1 100 ns/op 8 walks 16 vmas/walk
BenchmarkManyMapped/strategy=anonvma/fileindex=prio/procs=8/windows=2/file=64MiB 1 100 ns/op 8 walks 1.5 vmas/walk
BenchmarkManyMapped/strategy=anonmm/procs=8/windows=2/file=64MiB 1 100 ns/op 8 walks 1.5 vmas/walk
BenchmarkManyMapped/strategy=ptechain/fileindex=linear/procs=4/windows=2/file=64MiB 1 100 ns/op 8 walks 1 vmas/walk
BenchmarkManyMapped/strategy=filelinear/fileindex=linear/procs=2/windows=2/file=64MiB 1 100 ns/op 0 walks 0 vmas/walk
BenchmarkForkChain/strategy=anonvma-avc/depth=4/vmas=8 1 100 ns/op 32 anon_vma_chain-objs 120 anon_vma_chain-peak-objs
BenchmarkForkChain/strategy=anonvma-avc/depth=8/vmas=8 1 100 ns/op 32 anon_vma_chain-objs 360 anon_vma_chain-peak-objs
BenchmarkForkChain/strategy=anonvma-avc/avc-reuse=false/depth=4/vmas=8 1 100 ns/op 48 anon_vma_chain-objs 120 anon_vma_chain-peak-objs
BenchmarkForkChain/strategy=anonvma-avc/avc-reuse=false/depth=8/vmas=8 1 100 ns/op 80 anon_vma_chain-objs 360 anon_vma_chain-peak-objs
BenchmarkForkChain/strategy=anonvma/depth=4/vmas=8 1 100 ns/op 0 anon_vma_chain-objs 0 anon_vma_chain-peak-objs
BenchmarkKSM/strategy=anonvma-avc/sharing=128/pages=32/rounds=2 1 100 ns/op 32 walks 128 ptes/walk 2000 rmap-peak-B
BenchmarkKSM/strategy=anonvma-avc/sharing=512/pages=32/rounds=2 1 100 ns/op 32 walks 256 ptes/walk 8000 rmap-peak-B
BenchmarkKSM/strategy=ptechain/sharing=512/pages=32/rounds=2 1 100 ns/op 32 walks 256 ptes/walk 8000 rmap-peak-B
BenchmarkKSM/strategy=pagescan/sharing=512/pages=32/rounds=2 1 100 ns/op 32 walks 9999 ptes/walk 0 rmap-peak-B
BenchmarkKSM/strategy=anonvma-avc/ksm-max-page-sharing=0/sharing=128/pages=32/rounds=2 1 100 ns/op 32 walks 128 ptes/walk 2000 rmap-peak-B
BenchmarkKSM/strategy=anonvma-avc/ksm-max-page-sharing=0/sharing=512/pages=32/rounds=2 1 100 ns/op 32 walks 512 ptes/walk 8000 rmap-peak-B
BenchmarkFolioFork/strategy=anonvma-avc/folio=4KiB/size=16MiB 1 100 ns/op 4096 rmap-calls/fork 2e-3 sec/fork
BenchmarkFolioFork/strategy=anonvma-folio/folio=4KiB/size=16MiB 1 100 ns/op 4096 rmap-calls/fork 2e-3 sec/fork
BenchmarkFolioFork/strategy=anonvma-avc/folio=64KiB/size=16MiB 1 100 ns/op 4096 rmap-calls/fork 2e-3 sec/fork
BenchmarkFolioFork/strategy=anonvma-folio/folio=64KiB/size=16MiB 1 100 ns/op 256 rmap-calls/fork 1.7e-3 sec/fork
BenchmarkFolioMunmap/strategy=anonvma-avc/folio=4KiB/size=16MiB 1 100 ns/op 4096 rmap-calls/munmap 1e-3 sec/munmap
BenchmarkFolioMunmap/strategy=anonvma-folio/folio=4KiB/size=16MiB 1 100 ns/op 4096 rmap-calls/munmap 1e-3 sec/munmap
BenchmarkFolioMunmap/strategy=anonvma-avc/folio=2MiB/size=16MiB 1 100 ns/op 4096 rmap-calls/munmap 1e-3 sec/munmap
BenchmarkFolioMunmap/strategy=anonvma-folio/folio=2MiB/size=16MiB 1 100 ns/op 8 rmap-calls/munmap 0.5e-3 sec/munmap

arch: i386
BenchmarkSGA/strategy=ptechain/procs=4/sga=8MiB 1 100 ns/op 524288 rmap-peak-B 131072 mappings-peak
`

func loadSample(t *testing.T) []*benchfmt.Result {
	t.Helper()
	path := filepath.Join(t.TempDir(), "results.txt")
	if err := os.WriteFile(path, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := results.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func labels(ss []series) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Label)
	}
	return out
}

// xy flattens a series to x, y, lo, hi quadruples (lo, hi: min and max).
func xy(s series) [][4]float64 {
	var out [][4]float64
	for _, p := range s.Points {
		out = append(out, [4]float64{p.X, p.Y, p.Min, p.Max})
	}
	return out
}

func checkSeries(t *testing.T, what string, s series, want [][4]float64) {
	t.Helper()
	got := xy(s)
	if len(got) != len(want) {
		t.Fatalf("%s: got points %v, want %v", what, got, want)
	}
	for i := range got {
		for j := range 4 {
			if !near(got[i][j], want[i][j]) {
				t.Fatalf("%s: got points %v, want %v", what, got, want)
			}
		}
	}
}

func TestLoad(t *testing.T) {
	rs := loadSample(t)
	if len(rs) != 40 {
		t.Fatalf("got %d results, want 40", len(rs))
	}
	if got := rs[0].GetConfig("scale"); got != "small" {
		t.Errorf("scale config = %q, want small", got)
	}
	if got := rs[len(rs)-1].GetConfig("arch"); got != "i386" {
		t.Errorf("last result's arch = %q, want i386", got)
	}
}

func TestForkExitData(t *testing.T) {
	f, skipped := forkExitTime(results.Parse(loadSample(t)))
	if f == nil {
		t.Fatalf("no figure: %v", skipped)
	}
	ss := f.Panels[0].Series
	if got, want := labels(ss), []string{"pagescan", "ptechain", "anonvma", "anonvma-avc", "5 × anonvma: the claim's threshold"}; !slices.Equal(got, want) {
		t.Fatalf("series %v, want %v", got, want)
	}
	// µs of sec/fork + sec/exec + sec/exit against rss in MiB; three runs
	// at 1MiB.
	checkSeries(t, "ptechain", ss[1], [][4]float64{{1, 17, 16, 18}, {2, 31, 31, 31}})
	checkSeries(t, "anonvma", ss[2], [][4]float64{{1, 4, 4, 4}, {2, 7, 7, 7}})
	// The claim's factor over anonvma, as a reference line.
	ref := f.Panels[0].Series[len(ss)-1]
	if !ref.Ref || !strings.Contains(ref.Label, "5 × anonvma") {
		t.Fatalf("last series %+v, want the 5x anonvma reference", ref)
	}
	checkSeries(t, "reference", ref, [][4]float64{{1, 20, 20, 20}, {2, 35, 35, 35}})
	if n := ss[1].Points[0].N; n != 3 {
		t.Errorf("ptechain rss=1MiB has %d runs, want 3", n)
	}
}

func TestRmapSpaceData(t *testing.T) {
	f, skipped := rmapSpace(results.Parse(loadSample(t)))
	if f == nil || len(skipped) != 0 {
		t.Fatalf("figure %v, skipped %v", f, skipped)
	}
	if len(f.Panels) != 2 || !strings.HasPrefix(f.Panels[0].Title, "x86_64") || !strings.HasPrefix(f.Panels[1].Title, "i386") {
		t.Fatalf("panels: %+v", f.Panels)
	}
	x86, i386 := f.Panels[0], f.Panels[1]
	if got := labels(x86.Series); !slices.Equal(got, []string{"ptechain", "anonvma"}) {
		t.Fatalf("x86_64 series %v", got)
	}
	checkSeries(t, "x86_64 ptechain", x86.Series[0], [][4]float64{{4, 1, 1, 1}, {8, 2, 2, 2}})
	checkSeries(t, "x86_64 anonvma", x86.Series[1], [][4]float64{{4, 0, 0, 0}, {8, 1.0 / 1024, 1.0 / 1024, 1.0 / 1024}})
	checkSeries(t, "i386 ptechain", i386.Series[0], [][4]float64{{4, 0.5, 0.5, 0.5}})
	// The report's extrapolation: 4 B per mapping (524288 / 131072) x
	// 262144 pages x procs, at the sweep's procs and at 1,000.
	if len(i386.Series) != 2 || !i386.Series[1].Ref {
		t.Fatalf("i386 series %v, want ptechain and its extrapolation", labels(i386.Series))
	}
	checkSeries(t, "i386 extrapolation", i386.Series[1], [][4]float64{{4, 4, 4, 4}, {1000, 1000, 1000, 1000}})
	if len(x86.HLines) != 0 || len(i386.HLines) != 1 || i386.HLines[0].Y != 896 {
		t.Fatalf("lowmem lines: x86_64 %v, i386 %v", x86.HLines, i386.HLines)
	}
	if x86.YScale != scaleLog {
		t.Error("rmap-space is not on a log axis")
	}

	// Without i386 results the panel is left out, and said so.
	var x86only []results.Run
	for _, r := range results.Parse(loadSample(t)) {
		if r.Arch == "x86_64" {
			x86only = append(x86only, r)
		}
	}
	f, skipped = rmapSpace(x86only)
	if f == nil || len(f.Panels) != 1 || len(skipped) != 1 || !strings.Contains(skipped[0], "i386") {
		t.Fatalf("x86_64 only: figure %v, skipped %v", f, skipped)
	}
}

func TestWalkCostData(t *testing.T) {
	f, _ := walkCost(results.Parse(loadSample(t)))
	if f == nil {
		t.Fatal("no walk-cost figure")
	}
	ss := f.Panels[0].Series
	if got := labels(ss); !slices.Equal(got, []string{"linear", "prio"}) {
		t.Fatalf("series %v, want linear, prio", got)
	}
	// x = procs x windows; anonvma and anonvma-avc pooled at x=8; anonmm
	// (no fileindex key: prio) pooled at x=16; ptechain and a run without
	// walks left out.
	checkSeries(t, "linear", ss[0], [][4]float64{{8, 8, 8, 8}, {16, 16, 16, 16}})
	checkSeries(t, "prio", ss[1], [][4]float64{{8, 1, 1, 1}, {16, 1.5, 1.5, 1.5}})
	if ss[0].Points[0].N != 2 || ss[1].Points[1].N != 2 {
		t.Errorf("pooled runs: linear@8 %d, prio@16 %d; want 2 and 2", ss[0].Points[0].N, ss[1].Points[1].N)
	}
	pooled := f.Notes[0]
	for _, name := range []string{"anonmm", "anonvma", "anonvma-avc"} {
		if !strings.Contains(pooled, name) {
			t.Errorf("note %q does not name %s", pooled, name)
		}
	}
	if strings.Contains(pooled, "ptechain") || strings.Contains(pooled, "filelinear") {
		t.Errorf("note %q names a strategy whose runs were not used", pooled)
	}
}

func TestAVCGrowthData(t *testing.T) {
	f, _ := avcGrowth(results.Parse(loadSample(t)))
	if f == nil || len(f.Panels) != 2 {
		t.Fatalf("figure %+v", f)
	}
	live, peak := f.Panels[0].Series, f.Panels[1].Series
	if len(live) != 2 || live[0].Key != "reuse" || live[1].Key != "no reuse" {
		t.Fatalf("series %v", labels(live))
	}
	checkSeries(t, "live reuse", live[0], [][4]float64{{4, 32, 32, 32}, {8, 32, 32, 32}})
	checkSeries(t, "live no reuse", live[1], [][4]float64{{4, 48, 48, 48}, {8, 80, 80, 80}})
	checkSeries(t, "peak reuse", peak[0], [][4]float64{{4, 120, 120, 120}, {8, 360, 360, 360}})
	checkSeries(t, "peak no reuse", peak[1], [][4]float64{{4, 120, 120, 120}, {8, 360, 360, 360}})
}

func TestSummaryData(t *testing.T) {
	f, _ := summary(results.Parse(loadSample(t)))
	if f == nil || len(f.Panels) != 2 {
		t.Fatalf("figure %+v", f)
	}
	timeP, space := f.Panels[0], f.Panels[1]
	// Only workloads with anonvma-avc results: ForkExit, ManyMapped, ForkChain, KSM.
	if want := []string{"forkexit", "forkchain", "manymapped", "ksm", "foliofork", "foliomunmap"}; !slices.Equal(timeP.Groups, want) {
		t.Fatalf("groups %v, want %v", timeP.Groups, want)
	}
	ratio := func(p panel, strategy string, group int) (float64, bool) {
		for _, s := range p.Series {
			if s.Key != strategy {
				continue
			}
			for _, pt := range s.Points {
				if int(pt.X) == group {
					return pt.Y, true
				}
			}
		}
		return 0, false
	}
	for _, c := range []struct {
		p        panel
		strategy string
		group    int
		want     float64
	}{
		{timeP, "ptechain", 0, 2}, {timeP, "anonvma", 0, 0.5}, {timeP, "anonvma-avc", 0, 1}, {timeP, "pagescan", 0, 9},
		// Space in bytes, geometric mean over the configurations.
		{space, "ptechain", 0, math.Sqrt(400 * 800)}, {space, "anonvma", 0, math.Sqrt(50 * 60)}, {space, "pagescan", 0, 0},
		{timeP, "anonvma", 2, 1}, // ManyMapped linear procs=4: 100/100
		// anonvma-avc has 0 B in ManyMapped; the others' bars are there.
		{space, "anonvma", 2, 10}, {space, "anonvma-avc", 2, 0},
	} {
		got, ok := ratio(c.p, c.strategy, c.group)
		if !ok || !near(got, c.want) {
			t.Errorf("%s %s group %d: got %v (%v), want %v", c.p.Title, c.strategy, c.group, got, ok, c.want)
		}
	}
	if !slices.ContainsFunc(f.Notes, func(n string) bool { return strings.Contains(n, "sga") }) {
		t.Errorf("notes %q do not say SGA was left out", f.Notes)
	}
}

func TestDrawWritesFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plots") // created by Draw
	written, skipped, err := Draw(loadSample(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 0 {
		t.Errorf("skipped %v", skipped)
	}
	var want []string
	for _, name := range Charts() {
		want = append(want, filepath.Join(dir, name+".png"), filepath.Join(dir, name+".svg"))
	}
	if !slices.Equal(written, want) {
		t.Fatalf("written %v, want %v", written, want)
	}
	for _, path := range written {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(path) {
		case ".png":
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 500 {
				t.Errorf("%s is %v, too small", path, b)
			}
		case ".svg":
			if !bytes.HasPrefix(data, []byte("<?xml")) && !bytes.HasPrefix(data, []byte("<svg")) {
				t.Errorf("%s does not start as SVG: %.40q", path, data)
			}
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != len(want) {
		t.Errorf("%d files in %s, want %d (temporary files left?)", len(ents), dir, len(want))
	}
}

func TestDrawSkipsWithoutData(t *testing.T) {
	dir := t.TempDir()
	written, skipped, err := Draw(nil, dir)
	if err != nil || len(written) != 0 {
		t.Fatalf("Draw(nil): written %v, err %v", written, err)
	}
	if len(skipped) != len(Charts()) {
		t.Fatalf("skipped %v, want one note per chart", skipped)
	}
	for i, name := range Charts() {
		if !strings.HasPrefix(skipped[i], name+": ") {
			t.Errorf("note %q does not start with %s", skipped[i], name)
		}
	}

	// Results of other workloads only: every chart but summary skipped.
	var prefork []*benchfmt.Result
	for _, st := range []string{"ptechain", "anonvma-avc"} {
		prefork = append(prefork, &benchfmt.Result{
			Name:   benchfmt.Name("Prefork/strategy=" + st + "/workers=8/rss=4MiB"),
			Iters:  1,
			Values: []benchfmt.Value{{Value: 1e6, Unit: "ns/op"}, {Value: 1000, Unit: "rmap-peak-B"}},
		})
	}
	written, skipped, err = Draw(prefork, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 2 || filepath.Base(written[0]) != "summary.png" || len(skipped) != len(Charts())-1 {
		t.Fatalf("written %v, skipped %v", written, skipped)
	}
}

func TestLogClamp(t *testing.T) {
	f := &figure{
		Name: "clamp", Title: "t", Claim: "c", Width: 6 * vg.Inch, Height: 4 * vg.Inch,
		Panels: []panel{{
			YScale: scaleLog,
			Series: []series{
				{Label: "zero", Key: "pagescan", Points: []point{
					{X: 1, Y: 0, Min: 0, Max: 0, N: 1}, {X: 2, Y: 0, Min: 0, Max: 0, N: 1}}},
				{Label: "band to zero", Key: "ptechain", Points: []point{
					{X: 1, Y: 10, Min: 0, Max: 20, N: 3}, {X: 2, Y: 100, Min: -1, Max: 200, N: 3}}},
			},
			HLines: []hline{{Y: 896, Label: "limit", Key: "limit"}},
		}, {
			YScale: scaleLog,
			Groups: []string{"a", "b"},
			Series: []series{{Label: "bars", Key: "anonvma", Points: []point{{X: 0, Y: 0}, {X: 1, Y: 2}}}},
		}},
	}
	f.prepare()
	p := f.Panels[0]
	if !p.logY || !(p.floor > 0) {
		t.Fatalf("logY %v, floor %v", p.logY, p.floor)
	}
	for _, s := range p.Series {
		for _, pt := range s.Points {
			if !(pt.Y > 0 && pt.Lo > 0 && pt.Hi > 0) {
				t.Fatalf("%s: point %+v not clamped", s.Label, pt)
			}
		}
	}
	if pt := p.Series[0].Points[0]; !pt.Clamped || pt.Y != p.floor {
		t.Errorf("zero point %+v, want clamped to %v", pt, p.floor)
	}
	if p.Series[1].Points[0].Clamped {
		t.Error("a positive median was marked clamped")
	}
	if !f.Panels[1].Series[0].Points[0].Clamped {
		t.Error("zero bar not clamped")
	}
	if !slices.ContainsFunc(f.Notes, func(n string) bool { return strings.Contains(n, "Zero values (zero)") }) {
		t.Errorf("notes %q do not explain the clamping", f.Notes)
	}
	c := vgimg.New(f.Width, f.Height)
	if err := f.render(draw.New(c)); err != nil {
		t.Fatal(err)
	}
}

func TestBandChoice(t *testing.T) {
	six := summarize(1, []float64{5, 1, 4, 2, 6, 3})
	if math.IsInf(six.CILo, 0) || math.IsInf(six.CIHi, 0) || six.Y != 3.5 || six.Min != 1 || six.Max != 6 {
		t.Fatalf("summary of six runs: %+v", six)
	}
	three := summarize(1, []float64{3, 1, 2})
	if !math.IsInf(three.CILo, 0) && !math.IsInf(three.CIHi, 0) {
		t.Fatalf("three runs gave a finite 95%% interval: %+v", three)
	}
	mk := func(pts ...point) *figure {
		return &figure{Panels: []panel{{Series: []series{{Label: "s", Key: "s", Points: pts}}}}}
	}
	f := mk(six, six)
	f.Panels[0].Series[0].Points[1].X = 2
	f.prepare()
	if pt := f.Panels[0].Series[0].Points[0]; pt.Lo != six.CILo || pt.Hi != six.CIHi || !strings.Contains(f.Band, "95%") {
		t.Errorf("six runs everywhere: band %+v (%s), want the confidence interval", pt, f.Band)
	}
	f = mk(six, three)
	f.Panels[0].Series[0].Points[1].X = 2
	f.prepare()
	if pt := f.Panels[0].Series[0].Points[0]; pt.Lo != 1 || pt.Hi != 6 || !strings.Contains(f.Band, "min to max") {
		t.Errorf("too few runs somewhere: band %+v (%s), want min to max", pt, f.Band)
	}
}

func TestTicks(t *testing.T) {
	for _, c := range []struct{ lo, hi float64 }{{1e-4, 1e3}, {15, 700}, {2, 8}, {22, 28}, {1, 1e12}} {
		ticks := logTicks{}.Ticks(math.Log10(c.lo), math.Log10(c.hi))
		n := 0
		for _, tk := range ticks {
			if tk.Label != "" {
				n++
			}
			if v := math.Pow(10, tk.Value); v < c.lo*(1-1e-6) || v > c.hi*(1+1e-6) {
				t.Errorf("log ticks %v: tick %v outside", c, v)
			}
		}
		if n < 2 || n > 16 {
			t.Errorf("log ticks over %v: %d labels", c, n)
		}
	}
	for _, c := range []struct{ lo, hi float64 }{{0, 285}, {0, 4500}, {0.1, 0.7}, {-3, 3}} {
		n := 0
		for _, tk := range (linearTicks{}).Ticks(c.lo, c.hi) {
			if tk.Label != "" {
				n++
			}
		}
		if n < 3 || n > 11 {
			t.Errorf("linear ticks over %v: %d labels", c, n)
		}
	}
	for v, want := range map[float64]string{0: "0", 0.5: "0.5", 250: "250", 1e6: "1e6", 5e-5: "5e-5", 0.30000000000000004: "0.3"} {
		if got := formatTick(v); got != want {
			t.Errorf("formatTick(%v) = %q, want %q", v, got, want)
		}
	}
}

// Every chart's title fits on one line and its claim on two, at the
// chart's width (they once wrapped to three).
func TestTitlesFit(t *testing.T) {
	runs := results.Parse(loadSample(t))
	for _, name := range Charts() {
		f, _ := builders[name](runs)
		if f == nil {
			t.Fatalf("%s: no figure from the sample", name)
		}
		width := (f.Width - 20) * svgSlackWrap
		if n := len(wrap(textStyle(13, true, false), f.Title, width)); n > 1 {
			t.Errorf("%s: the title takes %d lines: %q", name, n, f.Title)
		}
		if n := len(wrap(textStyle(10.5, false, true), f.Claim, width)); n > 2 {
			t.Errorf("%s: the claim takes %d lines: %q", name, n, f.Claim)
		}
	}
}

// An axis writes all its labels one way: never 500000 beside 1.5e6, nor
// 0.001 beside 1e-5.
func TestTickLabelsAreConsistent(t *testing.T) {
	labels := func(ts []gplot.Tick) []string {
		var out []string
		for _, tk := range ts {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	for _, c := range []struct {
		ticks []gplot.Tick
		want  []string
	}{
		{linearTicks{}.Ticks(0, 1.6e6), []string{"0", "500k", "1M", "1.5M"}},
		{linearTicks{}.Ticks(0, 8000), []string{"0", "2000", "4000", "6000", "8000"}},
		{logTicks{}.Ticks(-5, 2), []string{"1e-5", "1e-4", "1e-3", "1e-2", "1e-1", "1", "1e1", "1e2"}},
		{logTicks{}.Ticks(1, 8), []string{"10", "100", "1k", "10k", "100k", "1M", "10M", "100M"}},
	} {
		got := labels(c.ticks)
		if !slices.Equal(got, c.want) {
			t.Errorf("labels %q, want %q", got, c.want)
		}
	}
}

// ksm-walk: one panel per limit, no limit last, the limit drawn on its
// panel, the strategies of rmap_walk_ksm only.
func TestKSMWalkChart(t *testing.T) {
	f, skipped := ksmWalk(results.Parse(loadSample(t)))
	if f == nil || len(skipped) != 0 || len(f.Panels) != 2 {
		t.Fatalf("figure %v, skipped %v", f, skipped)
	}
	if p := f.Panels[0]; len(p.HLines) != 1 || p.HLines[0].Y != 256 || len(p.Series) != 1 {
		t.Errorf("limit panel: %d series, lines %+v", len(p.Series), p.HLines)
	}
	if p := f.Panels[1]; p.Title != "no limit (before 4.13)" || len(p.HLines) != 0 || len(p.Series) != 1 || p.Series[0].Points[1].Y != 512 {
		t.Errorf("no-limit panel: %+v", p)
	}
	if len(f.Notes) != 1 || !strings.Contains(f.Notes[0], "pte chain") {
		t.Errorf("notes %q", f.Notes)
	}
}
