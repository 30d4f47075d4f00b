package plot

import (
	"rmapbench/core/claims"
	"rmapbench/core/results"

	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"
)

// scaleMode chooses an axis scale.
type scaleMode int

const (
	scaleAuto   scaleMode = iota // log when the values are positive and span enough
	scaleLinear                  // always linear
	scaleLog                     // always log; values <= 0 are clamped to a floor
)

// hline is a horizontal reference line across a panel.
type hline struct {
	Y     float64
	Label string
	Key   string // style key
}

// panel is one set of axes of a figure: lines with error bars, or grouped bars
// when Groups is set (then a point's X is its group's index).
type panel struct {
	Title          string
	XLabel, YLabel string
	XScale, YScale scaleMode
	Series         []series
	HLines         []hline
	Groups         []string

	// decided by prepare
	logX, logY bool
	floor      float64 // clamp value of a log Y axis
}

// figure is one chart: one PNG and one SVG.
type figure struct {
	Name   string
	Title  string // what it shows
	Claim  string // the claim it tests
	Notes  []string
	Panels []panel
	Cols   int // panels per row
	Width  vg.Length
	Height vg.Length
	// Sweep tells how to get more than one x value (line charts).
	Sweep string
	// Band says what the error bars are (set by prepare, unless the
	// chart set it).
	Band string
}

// chartNames lists every chart Draw knows, in drawing order.
var chartNames = []string{"forkexit-time", "rmap-space", "walk-cost", "avc-growth", "ksm-walk", "folio-batching", "summary"}

// builders returns the figure of each chart, or why it has no data.
var builders = map[string]func([]results.Run) (*figure, []string){
	"forkexit-time":  forkExitTime,
	"rmap-space":     rmapSpace,
	"walk-cost":      walkCost,
	"avc-growth":     avcGrowth,
	"ksm-walk":       ksmWalk,
	"folio-batching": folioBatching,
	"summary":        summary,
}

const mib = 1 << 20

// forkExitTime: sec/fork + sec/exec + sec/exit against the ForkExit rss
// knob, with the claim's factor drawn over anonvma.
func forkExitTime(runs []results.Run) (*figure, []string) {
	var c collector
	for _, r := range runs {
		if r.Workload != "ForkExit" || r.Keys["hw"] != "" {
			continue // a run under the cache model (-hw) times the model too
		}
		rss, ok1 := r.Knob("rss")
		fork, ok2 := r.Value("sec/fork")
		exec, ok3 := r.Value("sec/exec")
		exit, ok4 := r.Value("sec/exit")
		if !ok1 || !ok2 || !ok3 || !ok4 {
			continue
		}
		st := r.Keys["strategy"]
		c.add(st, st, rss/mib, (fork+exec+exit)*1e6, r.Rest(false, "strategy", "rss"))
	}
	if c.empty() {
		return nil, []string{"forkexit-time: no ForkExit results with an rss knob and sec/fork, sec/exec, sec/exit (run -workload forkexit)"}
	}
	ss := c.series(ranker(strategyOrder))
	for _, s := range ss {
		if s.Key == "anonvma" {
			ss = append(ss, s.scaled(fmt.Sprintf("%d × anonvma: the claim's threshold", claims.ForkExitFactor), claims.ForkExitFactor))
			break
		}
	}
	f := &figure{
		Name:  "forkexit-time",
		Title: "Fork + exec + exit time per command vs the shell's memory (ForkExit)",
		Claim: fmt.Sprintf("Claim (McCracken, OLS 2004): pte chains make fork, exec and exit close to an order of magnitude slower than object-based rmap; the report asks for %dx anonvma.", claims.ForkExitFactor),
		Panels: []panel{{
			XLabel: "shell's written heap: rss knob (MiB)",
			YLabel: "sec/fork + sec/exec + sec/exit (µs)",
			Series: ss,
		}},
		Width: 8 * vg.Inch, Height: 5 * vg.Inch,
		Sweep: "-workload forkexit -param rss=4MiB,8MiB,16MiB,32MiB,64MiB",
	}
	return f, nil
}

// rmapSpace: rmap-peak-B against the SGA procs knob, one panel per arch;
// the i386 panel adds the report's extrapolation to a 1 GB segment.
func rmapSpace(runs []results.Run) (*figure, []string) {
	byArch := map[string]*collector{}
	// perMapping is ptechain's i386 rmap-peak-B / mappings-peak at the
	// largest procs, the figure the lowmem claim extrapolates from.
	var perMapping, perMappingProcs float64
	var perMappingRuns []float64
	for _, r := range runs {
		if r.Workload != "SGA" {
			continue
		}
		procs, ok1 := r.Knob("procs")
		peak, ok2 := r.Value("rmap-peak-B")
		if !ok1 || !ok2 {
			continue
		}
		if byArch[r.Arch] == nil {
			byArch[r.Arch] = &collector{}
		}
		st := r.Keys["strategy"]
		byArch[r.Arch].add(st, st, procs, peak/mib, r.Rest(false, "strategy", "procs"))
		if n, ok := r.Value("mappings-peak"); ok && n > 0 && st == "ptechain" && r.Arch == "i386" && procs >= perMappingProcs {
			if procs > perMappingProcs {
				perMappingRuns = nil
			}
			perMappingProcs = procs
			perMappingRuns = append(perMappingRuns, peak/n)
		}
	}
	if len(byArch) == 0 {
		return nil, []string{"rmap-space: no SGA results with a procs knob and rmap-peak-B (run -workload sga)"}
	}
	if len(perMappingRuns) > 0 {
		perMapping = results.Median(perMappingRuns)
	}
	archs := make([]string, 0, len(byArch))
	for a := range byArch {
		archs = append(archs, a)
	}
	slices.SortFunc(archs, func(a, b string) int {
		return cmp.Or(cmp.Compare(ranker([]string{"x86_64", "i386"})(a), ranker([]string{"x86_64", "i386"})(b)), strings.Compare(a, b))
	})
	var skipped []string
	for _, want := range []string{"x86_64", "i386"} {
		if byArch[want] == nil {
			skipped = append(skipped, fmt.Sprintf("rmap-space: %s panel left out: no SGA results with arch %s (run -workload sga -arch %s -param procs=25,50,100,200,400)", want, want, want))
		}
	}
	f := &figure{
		Name:  "rmap-space",
		Title: "Peak modelled rmap space vs processes attaching one shared segment (SGA)",
		Claim: "Claim: pte chains cost a pointer or two per mapping, so a 1 GB segment in 1,000 processes needs more than i386's 896 MiB of lowmem; object-based rmap does not grow with the pages mapped.",
		Cols:  len(archs),
		Width: 8 * vg.Inch, Height: 5 * vg.Inch,
		Sweep: "-workload sga -param procs=25,50,100,200,400, with -arch x86_64 and -arch i386",
	}
	if len(archs) > 1 {
		f.Width = 11 * vg.Inch
	}
	for _, a := range archs {
		p := panel{
			Title:  a + " struct sizes",
			XLabel: "processes attaching the segment: procs knob",
			YLabel: "rmap-peak-B (MiB)",
			YScale: scaleLog,
			Series: byArch[a].series(ranker(strategyOrder)),
		}
		if a == "i386" {
			p.Title = "i386 struct sizes, 896 MiB of lowmem"
			p.HLines = []hline{{Y: claims.LowmemBytes / mib, Label: "i386 lowmem: 896 MiB", Key: "limit"}}
			if perMapping > 0 {
				p.Series = append(p.Series, lowmemExtrapolation(p.Series, perMapping))
				cross := claims.LowmemBytes / (perMapping * claims.LowmemSGAPages)
				where := fmt.Sprintf("it passes the lowmem line at about %.0f processes", cross)
				if cross > claims.LowmemProcs {
					where = fmt.Sprintf("it stays below the lowmem line up to %d processes", claims.LowmemProcs)
				}
				f.Notes = append(f.Notes, fmt.Sprintf("i386, thin dashed: the report's extrapolation from ptechain's %.2f B per mapping (at procs=%g) to a 1 GB segment, 262,144 pages, in each process; %s.", perMapping, perMappingProcs, where))
			}
		}
		f.Panels = append(f.Panels, p)
	}
	return f, skipped
}

// lowmemExtrapolation is ptechain's rmap space for a 1 GB segment
// attached by procs processes, from its measured bytes per mapping, at
// the panel's procs values and up to the claim's 1,000 processes.
func lowmemExtrapolation(ss []series, perMapping float64) series {
	xs := []float64{claims.LowmemProcs}
	for _, s := range ss {
		for _, p := range s.Points {
			if !slices.Contains(xs, p.X) {
				xs = append(xs, p.X)
			}
		}
	}
	slices.Sort(xs)
	ref := series{Label: "ptechain, 1 GB segment (extrapolated)", Key: "ptechain", Ref: true}
	for _, x := range xs {
		y := perMapping * claims.LowmemSGAPages * x / mib
		ref.Points = append(ref.Points, point{X: x, Y: y, Lo: y, Hi: y, Min: y, Max: y, N: 1})
	}
	return ref
}

// walkCost: vmas/walk against procs x windows of ManyMapped, one series per
// file index, pooling the object-based strategies (they share the walk).
func walkCost(runs []results.Run) (*figure, []string) {
	var c collector
	used := map[string]bool{}
	inferred := false
	for _, r := range runs {
		st := r.Keys["strategy"]
		if r.Workload != "ManyMapped" || !slices.Contains(objectBased, st) {
			continue
		}
		procs, ok1 := r.Knob("procs")
		windows, ok2 := r.Knob("windows")
		vpw, ok3 := r.Value("vmas/walk")
		walks, ok4 := r.Value("walks")
		if !ok1 || !ok2 || !ok3 || (ok4 && walks == 0) {
			continue
		}
		idx, ok := r.Keys["fileindex"]
		if !ok {
			idx, inferred = defaultFileIndex[st], true
		}
		used[st] = true
		c.add(idx, idx, procs*windows, vpw, r.Rest(false, "strategy", "fileindex", "procs", "windows"))
	}
	if c.empty() {
		return nil, []string{"walk-cost: no ManyMapped results of an object-based strategy (filelinear, anonmm, anonvma, anonvma-avc) with walks (run -workload manymapped -fileindex all -param procs=16,64,256)"}
	}
	var names []string
	for _, s := range objectBased {
		if used[s] {
			names = append(names, s)
		}
	}
	f := &figure{
		Name:  "walk-cost",
		Title: "VMAs examined per reverse walk vs VMAs mapping one file (ManyMapped)",
		Claim: "Claim: a linear i_mmap walk visits every VMA of the file; prio and interval trees visit only the VMAs over the page (plus O(log n) nodes).",
		Panels: []panel{{
			XLabel: "VMAs mapping the file: procs × windows",
			YLabel: "vmas/walk (VMAs examined per walk)",
			Series: c.series(ranker(fileIndexOrder)),
		}},
		Width: 8 * vg.Inch, Height: 5 * vg.Inch,
		Sweep: "-workload manymapped -fileindex all -param procs=16,64,256,1024",
		Notes: []string{"Runs of " + strings.Join(names, ", ") + " pooled: they share the file walk, differing only in anonymous pages."},
	}
	if inferred {
		f.Notes = append(f.Notes, "Results without a fileindex key are counted under their strategy's own index (filelinear linear, anonmm/anonvma prio, anonvma-avc interval); run with -fileindex all for every index.")
	}
	return f, nil
}

// avcGrowth: anon_vma_chain objects (end of run and peak) against the
// ForkChain depth knob, with and without degree reuse.
func avcGrowth(runs []results.Run) (*figure, []string) {
	var live, peak collector
	for _, r := range runs {
		if r.Workload != "ForkChain" || r.Keys["strategy"] != "anonvma-avc" {
			continue
		}
		depth, ok1 := r.Knob("depth")
		objs, ok2 := r.Value("anon_vma_chain-objs")
		pk, ok3 := r.Value("anon_vma_chain-peak-objs")
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		key, label := "reuse", "degree reuse (3.19+)"
		if r.Keys["avc-reuse"] == "false" {
			key, label = "no reuse", "no reuse (2.6.34 - 3.18)"
		}
		rest := r.Rest(false, "strategy", "avc-reuse", "depth")
		live.add(label, key, depth, objs, rest)
		peak.add(label, key, depth, pk, rest)
	}
	if live.empty() {
		return nil, []string{"avc-growth: no ForkChain results of anonvma-avc with a depth knob and anon_vma_chain counts (run -workload forkchain -strategy anonvma-avc -param depth=25,50,100, with and without -avc-reuse=false)"}
	}
	f := &figure{
		Name:  "avc-growth",
		Title: "anon_vma_chain objects vs fork-chain depth (ForkChain, anonvma-avc)",
		Claim: "Claim: without the 3.19 degree reuse, chains grow with every generation even when parents exit (linear, unbounded); with it they stay bounded. A live chain costs ~depth²/2 links either way.",
		Panels: []panel{
			{
				Title:  "End of run, parents exited: anon_vma_chain-objs",
				XLabel: "fork-chain depth: depth knob (generations)",
				YLabel: "anon_vma_chain objects (live)",
				XScale: scaleLinear, YScale: scaleLinear,
				Series: live.series(ranker(reuseOrder)),
			},
			{
				Title:  "Peak, whole chain alive: anon_vma_chain-peak-objs",
				XLabel: "fork-chain depth: depth knob (generations)",
				YLabel: "anon_vma_chain objects (peak)",
				XScale: scaleLinear, YScale: scaleLinear,
				Series: peak.series(ranker(reuseOrder)),
			},
		},
		Cols:  2,
		Width: 11 * vg.Inch, Height: 5 * vg.Inch,
		Sweep: "-workload forkchain -strategy anonvma-avc -param depth=25,50,100,200,400, with and without -avc-reuse=false",
	}
	keys := map[string]bool{}
	for _, s := range f.Panels[0].Series {
		keys[s.Key] = true
	}
	if !keys["no reuse"] {
		f.Notes = append(f.Notes, "No results with -avc-reuse=false: the pre-3.19 behaviour is missing.")
	}
	if !keys["reuse"] {
		f.Notes = append(f.Notes, "No results with degree reuse (the default): the 3.19+ behaviour is missing.")
	}
	return f, nil
}

// workloadOrder and workloadShort order and abbreviate the summary's groups
// (the short names are the -workload names).
var (
	workloadOrder = []string{"ForkExit", "Prefork", "ForkChain", "ManyMapped", "SGA", "MremapAfterFork", "Nonlinear", "Reclaim", "KSM"}
	workloadShort = map[string]string{
		"ForkExit": "forkexit", "Prefork": "prefork", "ForkChain": "forkchain", "ManyMapped": "manymapped",
		"SGA": "sga", "MremapAfterFork": "mremap", "Nonlinear": "nonlinear", "Reclaim": "reclaim",
	}
)

func shortWorkload(w string) string {
	if s, ok := workloadShort[w]; ok {
		return s
	}
	return strings.ToLower(w)
}

const baseline = "anonvma-avc"

// summary: per strategy and workload, ns/op as a ratio to anonvma-avc in
// the same configuration and rmap-peak-B in bytes (geometric means over a
// workload's configurations). Space is drawn in bytes, not as a ratio:
// some strategies keep no rmap structures at all in some workloads, and a
// ratio to 0 B is no number.
func summary(runs []results.Run) (*figure, []string) {
	type cfgKey struct{ workload, cfg string }
	type metric struct {
		unit, title, ylabel string
		relative            bool // to the baseline strategy
	}
	metrics := []metric{
		{"ns/op", "Time: ns/op of the whole run, relative to anonvma-avc", "ratio to anonvma-avc (log scale)", true},
		{"rmap-peak-B", "Space: rmap-peak-B, the modelled peak of rmap structures", "rmap-peak-B (bytes, log scale)", false},
	}
	// values[metric][cfg][strategy] = runs
	values := make([]map[cfgKey]map[string][]float64, len(metrics))
	for i := range values {
		values[i] = map[cfgKey]map[string][]float64{}
	}
	workloads := map[string]bool{} // those with baseline results
	seen := map[string]bool{}
	// cfgsOf lists each workload's configurations, so that a group's bars
	// look at its own configurations only (linear in the results).
	cfgsOf := map[string][]cfgKey{}
	strategies := map[string]bool{}
	for _, r := range runs {
		st, ok := r.Keys["strategy"]
		if !ok {
			continue
		}
		rest := r.Rest(true, "strategy")
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(rest)) {
			parts = append(parts, k+"="+rest[k])
		}
		key := cfgKey{r.Workload, strings.Join(parts, "/")}
		known := false
		for i := range metrics {
			known = known || values[i][key] != nil
		}
		for i, m := range metrics {
			v, ok := r.Value(m.unit)
			if !ok {
				continue
			}
			if values[i][key] == nil {
				values[i][key] = map[string][]float64{}
				if !known {
					cfgsOf[r.Workload] = append(cfgsOf[r.Workload], key)
					known = true
				}
			}
			values[i][key][st] = append(values[i][key][st], v)
			strategies[st] = true
			seen[r.Workload] = true
			if st == baseline {
				workloads[r.Workload] = true
			}
		}
	}
	if !strategies[baseline] {
		if len(strategies) == 0 {
			return nil, []string{"summary: no results with a strategy key and ns/op or rmap-peak-B"}
		}
		return nil, []string{"summary: no anonvma-avc results to compare with (run -strategy all)"}
	}
	groups := slices.Collect(maps.Keys(workloads))
	slices.SortFunc(groups, func(a, b string) int {
		return cmp.Or(cmp.Compare(ranker(workloadOrder)(a), ranker(workloadOrder)(b)), strings.Compare(a, b))
	})
	stNames := slices.Collect(maps.Keys(strategies))
	slices.SortFunc(stNames, func(a, b string) int {
		return cmp.Or(cmp.Compare(ranker(strategyOrder)(a), ranker(strategyOrder)(b)), strings.Compare(a, b))
	})
	f := &figure{
		Name:  "summary",
		Title: "Time and rmap space per strategy and workload (lower is better)",
		Claim: "The claims together: pte chains cost the most space and fork/exit time; object-based rmap cuts both; pagescan keeps no rmap but scans every page table on each walk.",
		Cols:  1,
		Width: 10 * vg.Inch, Height: 7.5 * vg.Inch,
	}
	var noBase []string
	for w := range seen {
		if !workloads[w] {
			noBase = append(noBase, shortWorkload(w))
		}
	}
	if len(noBase) > 0 {
		slices.Sort(noBase)
		f.Notes = append(f.Notes, "Left out, no anonvma-avc results to compare with: "+strings.Join(noBase, ", ")+".")
	}
	multi := false
	for mi, m := range metrics {
		p := panel{
			Title:  m.title,
			YLabel: m.ylabel,
			YScale: scaleLog,
			Groups: make([]string, len(groups)),
		}
		if m.relative {
			p.HLines = []hline{{Y: 1, Label: "anonvma-avc = 1", Key: "baseline"}}
		}
		for gi, w := range groups {
			p.Groups[gi] = shortWorkload(w)
		}
		for _, st := range stNames {
			s := series{Label: st, Key: st}
			for gi, w := range groups {
				var vs []float64
				zeros, cfgs := 0, 0
				for _, key := range cfgsOf[w] {
					byStrat := values[mi][key]
					if len(byStrat[st]) == 0 || (m.relative && len(byStrat[baseline]) == 0) {
						continue
					}
					v := results.Median(byStrat[st])
					if m.relative {
						// ns/op of the baseline is never 0: a run takes time.
						v /= results.Median(byStrat[baseline])
					}
					cfgs++
					if v <= 0 {
						zeros++
						continue
					}
					vs = append(vs, v)
				}
				if cfgs > 1 {
					multi = true
				}
				switch {
				case len(vs) > 0:
					s.Points = append(s.Points, point{X: float64(gi), Y: results.Geomean(vs), N: len(vs)})
				case zeros > 0:
					s.Points = append(s.Points, point{X: float64(gi), Y: 0, N: zeros})
				}
			}
			for i := range s.Points {
				s.Points[i].Lo, s.Points[i].Hi = s.Points[i].Y, s.Points[i].Y
			}
			if len(s.Points) > 0 {
				p.Series = append(p.Series, s)
			}
		}
		f.Panels = append(f.Panels, p)
	}
	var zeroSpace []string
	for _, s := range f.Panels[1].Series {
		var where []string
		for _, pt := range s.Points {
			if pt.Y <= 0 {
				where = append(where, f.Panels[1].Groups[int(pt.X)])
			}
		}
		switch {
		case len(where) == 0:
		case len(where) == len(s.Points):
			zeroSpace = append(zeroSpace, s.Label+" (everywhere)")
		default:
			zeroSpace = append(zeroSpace, s.Label+" ("+strings.Join(where, ", ")+")")
		}
	}
	if len(zeroSpace) > 0 {
		f.Notes = append(f.Notes, "Hollow dashed bars at the axis floor: 0 B of rmap structures, which a log axis cannot show: "+strings.Join(zeroSpace, "; ")+".")
	}
	if multi {
		f.Notes = append(f.Notes, "A workload run in several configurations shows the geometric mean over them (of the ratios, for time).")
	}
	return f, nil
}

func distinctX(ss []series) int {
	xs := map[float64]bool{}
	for _, s := range ss {
		for _, p := range s.Points {
			xs[p.X] = true
		}
	}
	return len(xs)
}
