package plot

import (
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

// panel is one set of axes of a figure: lines with bands, or grouped bars
// when Groups is set (then a point's X is its group's index).
type panel struct {
	Title          string
	XLabel, YLabel string
	XScale, YScale scaleMode
	Series         []series
	HLines         []hline
	Groups         []string
	// GroupNotes are short texts drawn inside a bar group (e.g. why it
	// has no bars).
	GroupNotes map[int]string

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
	// Band says what the shaded bands are (set by prepare).
	Band string
}

// chartNames lists every chart Draw knows, in drawing order.
var chartNames = []string{"forkexit-time", "rmap-space", "walk-cost", "avc-growth", "summary"}

// builders returns the figure of each chart, or why it has no data.
var builders = map[string]func([]results.Run) (*figure, []string){
	"forkexit-time": forkExitTime,
	"rmap-space":    rmapSpace,
	"walk-cost":     walkCost,
	"avc-growth":    avcGrowth,
	"summary":       summary,
}

const (
	mib     = 1 << 20
	lowmemB = 896 * mib // i386 lowmem: the kernel's direct map
)

// forkExitTime: sec/fork + sec/exit against the ForkExit rss knob.
func forkExitTime(runs []results.Run) (*figure, []string) {
	var c collector
	for _, r := range runs {
		if r.Workload != "ForkExit" {
			continue
		}
		rss, ok1 := r.Knob("rss")
		fork, ok2 := r.Value("sec/fork")
		exit, ok3 := r.Value("sec/exit")
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		st := r.Keys["strategy"]
		c.add(st, st, rss/mib, (fork+exit)*1e6, r.Rest(false, "strategy", "rss"))
	}
	if c.empty() {
		return nil, []string{"forkexit-time: no ForkExit results with an rss knob and sec/fork, sec/exit (run -workload forkexit)"}
	}
	f := &figure{
		Name:  "forkexit-time",
		Title: "Fork + exit time per command vs the shell's resident memory (ForkExit)",
		Claim: "Claim (McCracken, OLS 2004): pte chains make fork/exec/exit close to an order of magnitude slower than object-based rmap.",
		Panels: []panel{{
			XLabel: "shell's written heap: rss knob (MiB)",
			YLabel: "sec/fork + sec/exit (µs)",
			Series: c.series(ranker(strategyOrder)),
		}},
		Width: 8 * vg.Inch, Height: 5 * vg.Inch,
		Sweep: "-param rss=1MiB, 2MiB, 4MiB, ...",
	}
	return f, nil
}

// rmapSpace: rmap-peak-B against the SGA procs knob, one panel per arch.
func rmapSpace(runs []results.Run) (*figure, []string) {
	byArch := map[string]*collector{}
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
	}
	if len(byArch) == 0 {
		return nil, []string{"rmap-space: no SGA results with a procs knob and rmap-peak-B (run -workload sga)"}
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
			skipped = append(skipped, fmt.Sprintf("rmap-space: %s panel left out: no SGA results with arch %s (run -workload sga -arch %s)", want, want, want))
		}
	}
	f := &figure{
		Name:  "rmap-space",
		Title: "Peak modelled rmap space vs processes attaching one shared segment (SGA)",
		Claim: "Claim: pte chains cost two pointers per mapping, so a big SGA in hundreds of processes exhausts i386's 896 MiB lowmem; object-based rmap stays flat.",
		Cols:  len(archs),
		Width: 8 * vg.Inch, Height: 5 * vg.Inch,
		Sweep: "-param procs=16, 32, 64, ... (with -arch x86_64 and -arch i386)",
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
			p.Title = "i386 struct sizes (lowmem limit 896 MiB)"
			p.HLines = []hline{{Y: lowmemB / mib, Label: "i386 lowmem: 896 MiB", Key: "limit"}}
		}
		f.Panels = append(f.Panels, p)
	}
	return f, skipped
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
		return nil, []string{"walk-cost: no ManyMapped results of an object-based strategy (filelinear, anonmm, anonvma, anonvma-avc) with walks (run -workload manymapped -fileindex all)"}
	}
	var names []string
	for _, s := range objectBased {
		if used[s] {
			names = append(names, s)
		}
	}
	f := &figure{
		Name:  "walk-cost",
		Title: "VMAs examined per reverse walk vs VMAs mapping one file (ManyMapped; runs of " + strings.Join(names, ", ") + " pooled: they share the file walk)",
		Claim: "Claim: a linear i_mmap walk visits every VMA of the file; prio and interval trees visit only the VMAs over the page (plus O(log n) nodes).",
		Panels: []panel{{
			XLabel: "VMAs mapping the file: procs × windows",
			YLabel: "vmas/walk (VMAs examined per walk)",
			Series: c.series(ranker(fileIndexOrder)),
		}},
		Width: 8 * vg.Inch, Height: 5 * vg.Inch,
		Sweep: "-param procs=16, 32, 64, ... (and/or windows=...)",
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
		return nil, []string{"avc-growth: no ForkChain results of anonvma-avc with a depth knob and anon_vma_chain counts (run -workload forkchain -strategy anonvma-avc, with and without -avc-reuse=false)"}
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
		Sweep: "-param depth=4, 8, 16, 32, ...",
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
	workloadOrder = []string{"ForkExit", "Prefork", "ForkChain", "ManyMapped", "SGA", "MremapAfterFork", "Nonlinear", "Reclaim"}
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

// summary: ns/op and rmap-peak-B per strategy and workload, as ratios to
// anonvma-avc in the same configuration, geometric mean over a workload's
// configurations.
func summary(runs []results.Run) (*figure, []string) {
	type cfgKey struct{ workload, cfg string }
	type metric struct {
		unit, title, ylabel string
	}
	metrics := []metric{
		{"ns/op", "Time: ns/op of the whole run", "ratio to anonvma-avc"},
		{"rmap-peak-B", "Space: rmap-peak-B, the modelled peak", "ratio to anonvma-avc"},
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
		return nil, []string{"summary: no anonvma-avc results to normalise to (run -strategy all)"}
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
		Title: "Time and rmap space per strategy and workload, relative to anonvma-avc (= 1; lower is better)",
		Claim: "The claims together: pte chains cost the most space and fork/exit time; object-based rmap (filelinear, anonmm, anonvma, anonvma-avc) cuts both; pagescan keeps no rmap but scans every page table on each walk.",
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
			Title:      m.title,
			YLabel:     m.ylabel + " (log scale)",
			YScale:     scaleLog,
			Groups:     make([]string, len(groups)),
			GroupNotes: map[int]string{},
			HLines:     []hline{{Y: 1, Label: "anonvma-avc = 1", Key: "baseline"}},
		}
		for gi, w := range groups {
			p.Groups[gi] = shortWorkload(w)
		}
		var zeroBase []string
		for _, st := range stNames {
			s := series{Label: st, Key: st}
			for gi, w := range groups {
				var ratios []float64
				zeros, cfgs, baseZero := 0, 0, false
				for _, key := range cfgsOf[w] {
					byStrat := values[mi][key]
					if len(byStrat[st]) == 0 || len(byStrat[baseline]) == 0 {
						continue
					}
					b := results.Median(byStrat[baseline])
					v := results.Median(byStrat[st])
					if b <= 0 {
						baseZero = true
						continue
					}
					cfgs++
					if v <= 0 {
						zeros++
						continue
					}
					ratios = append(ratios, v/b)
				}
				if cfgs > 1 {
					multi = true
				}
				switch {
				case len(ratios) > 0:
					s.Points = append(s.Points, point{X: float64(gi), Y: results.Geomean(ratios), N: len(ratios)})
				case zeros > 0:
					s.Points = append(s.Points, point{X: float64(gi), Y: 0, N: zeros})
				case baseZero && st != baseline:
					if !slices.Contains(zeroBase, p.Groups[gi]) {
						zeroBase = append(zeroBase, p.Groups[gi])
					}
					p.GroupNotes[gi] = "anonvma-avc: 0 " + strings.TrimPrefix(m.unit, "rmap-peak-")
				}
			}
			for i := range s.Points {
				s.Points[i].Lo, s.Points[i].Hi = s.Points[i].Y, s.Points[i].Y
			}
			if len(s.Points) > 0 {
				p.Series = append(p.Series, s)
			}
		}
		if len(zeroBase) > 0 {
			f.Notes = append(f.Notes, fmt.Sprintf("%s: anonvma-avc has 0 %s there (nothing to divide by), so those groups have no bars.", strings.Join(zeroBase, ", "), m.unit))
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
		f.Notes = append(f.Notes, "A workload run in several configurations shows the geometric mean of the per-configuration ratios.")
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
