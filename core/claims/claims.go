// Package claims checks the claims of the OLS 2004 paper (docs/history.md) and the kernel
// history against a run of rmapbench, each by a stated threshold, and
// writes the report of results/README.md. A claim is "reproduced" or "not
// reproduced" by the numbers of the run in hand, or has "no data" when the
// run lacks the workload it needs; the thresholds are fixed here, before
// any run, so the report can say no.
package claims

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"rmapbench/core/results"
)

// Thresholds the charts draw as well (core/plot), so that a chart shows
// the line the report judges by.
const (
	// ForkExitFactor is how many times anonvma's fork+exec+exit time
	// ptechain's must be for the fork/exec/exit claim.
	ForkExitFactor = 5
	// LowmemSGAPages and LowmemProcs are the lowmem claim's case: a 1 GB
	// segment (262,144 pages of 4 KiB) in 1,000 processes.
	LowmemSGAPages = 262144
	LowmemProcs    = 1000
	// LowmemBytes is i386's directly mapped memory.
	LowmemBytes = 896 << 20
)

// Verdict is the outcome of checking one claim.
type Verdict string

const (
	Reproduced    Verdict = "yes"
	NotReproduced Verdict = "no"
	NoData        Verdict = "no data"
)

// Claim is one checked claim.
type Claim struct {
	Text      string // what was claimed
	Source    string // who claimed it, where
	Measured  string // what this run measured
	Threshold string // the rule that decides the verdict
	Plot      string // the chart that shows it (a file name without extension)
	Verdict   Verdict
	// Models, when set, are the claim judged on several measures side
	// by side (Go time and the cache model's profiles); Verdict is the
	// first one's.
	Models []ModelVerdict
}

// ModelVerdict is a claim judged on one measure.
type ModelVerdict struct {
	Name     string // "Go time", or a -hw profile
	Measured string
	Verdict  Verdict
}

// check evaluates one claim over the runs.
type check func(runs []results.Run) Claim

var checks = []check{forkExitTax, spacePerMapping, lowmem, linearWalk, anonmmCopies, degreeReuse, avcWalk, noRmapScan, agingKeepsHotSet, mglruWalkSteps, cowRefWalk, ksmBounded, folioForkBatching, folioMunmapBatching}

// Check evaluates every claim.
func Check(runs []results.Run) []Claim {
	out := make([]Claim, len(checks))
	for i, c := range checks {
		out[i] = c(runs)
	}
	return out
}

// group is the runs of one configuration: one workload and its name keys,
// strategy included.
type group struct {
	workload string
	keys     map[string]string
	arch     string
	runs     []results.Run
}

func (g *group) median(unit string) (float64, bool) {
	var vs []float64
	for _, r := range g.runs {
		if v, ok := r.Value(unit); ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	return results.Median(vs), true
}

// sum is the median over runs of the sum of several units.
func (g *group) sum(units ...string) (float64, bool) {
	var vs []float64
	for _, r := range g.runs {
		t := 0.0
		for _, u := range units {
			v, ok := r.Value(u)
			if !ok {
				return 0, false
			}
			t += v
		}
		vs = append(vs, t)
	}
	if len(vs) == 0 {
		return 0, false
	}
	return results.Median(vs), true
}

func (g *group) knob(key string) float64 {
	v, _ := results.ParseNumber(g.keys[key])
	return v
}

// groups collects the runs of workload into configurations, in the order
// they first appear. A configuration is found by its key (configKey), so
// grouping n runs costs O(n) map look-ups, not a comparison with every
// group found so far: a file of 100,000 distinct names groups in a
// fraction of a second.
func groups(runs []results.Run, workload string) []*group {
	var out []*group
	byKey := map[string]*group{}
	for _, r := range runs {
		if r.Workload != workload {
			continue
		}
		key := configKey(r.Arch, r.Keys)
		g := byKey[key]
		if g == nil {
			g = &group{workload: workload, keys: r.Keys, arch: r.Arch}
			byKey[key] = g
			out = append(out, g)
		}
		g.runs = append(g.runs, r)
	}
	return out
}

// configKey identifies a configuration: its arch and name keys, in key
// order, so that equal maps give equal keys. A NUL cannot occur in a
// benchmark name, so the parts cannot run into each other.
func configKey(arch string, keys map[string]string) string {
	var b strings.Builder
	b.WriteString(arch)
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		b.WriteString("\x00" + k + "\x00" + keys[k])
	}
	return b.String()
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// peer finds the group that differs from g only in the given keys.
func peer(gs []*group, g *group, set map[string]string) *group {
	want := map[string]string{}
	for k, v := range g.keys {
		want[k] = v
	}
	for k, v := range set {
		if v == "" {
			delete(want, k)
		} else {
			want[k] = v
		}
	}
	for _, h := range gs {
		if h.arch == g.arch && mapsEqual(h.keys, want) {
			return h
		}
	}
	return nil
}

func noData(c Claim, need string) Claim {
	c.Verdict = NoData
	c.Measured = "not in this run (" + need + ")"
	return c
}

func verdict(ok bool) Verdict {
	if ok {
		return Reproduced
	}
	return NotReproduced
}

func forkExitTax(runs []results.Run) Claim {
	c := Claim{
		Text:      "pte chains make fork, exec and exit close to an order of magnitude more expensive than object-based rmap",
		Source:    "McCracken, OLS 2004, section 2",
		Threshold: "ptechain's sec/fork+sec/exec+sec/exit on ForkExit at the largest rss is at least 5x anonvma's; the same with modelled-sec under -hw p3-2003 and -hw modern (docs/cost-model.md)",
		Plot:      "forkexit-time",
	}
	all := groups(runs, "ForkExit")
	goTime := forkExitRatio(all, "", "sec/")
	models := []ModelVerdict{{Name: "Go time", Verdict: goTime.verdict, Measured: goTime.measured}}
	for _, hw := range HWProfiles {
		r := forkExitRatio(all, hw, "modelled-sec/")
		models = append(models, ModelVerdict{Name: hw, Verdict: r.verdict, Measured: r.measured})
	}
	c.Models = models
	c.Verdict = goTime.verdict
	if goTime.verdict == NoData && models[1].Verdict == NoData && models[2].Verdict == NoData {
		return noData(c, "-workload forkexit")
	}
	var parts []string
	for _, mv := range models {
		parts = append(parts, mv.Name+": "+mv.Measured)
	}
	c.Measured = strings.Join(parts, "; ")
	if why := forkExitWhy(all); why != "" {
		c.Measured += ". " + why
	}
	if sweep := forkExitSweep(all); sweep != "" {
		c.Measured += ". " + sweep
	}
	return c
}

func bytesPerMapping(g *group) (float64, bool) {
	b, ok1 := g.median("rmap-peak-B")
	n, ok2 := g.median("mappings-peak")
	if !ok1 || !ok2 || n == 0 {
		return 0, false
	}
	return b / n, true
}

// spacePerMapping compares whole footprints (rmap-peak-B counts the
// objects and the rmap fields in VMAs, mms and struct page): the object-
// based designs pay per VMA and per page, not per mapping, so on a segment
// shared by many processes their cost per mapping must come out at a small
// fraction of the chains'.
func spacePerMapping(runs []results.Run) Claim {
	c := Claim{
		Text:      "pte chains cost about a pointer or two per mapping (two in the original form; one plus 1/NRPTE in cache-line blocks); object-based rmap costs next to nothing per mapping",
		Source:    "McCracken, OLS 2004, section 2; 2.6.0 mm/rmap.c",
		Threshold: "on SGA (x86_64) at the most processes, ptechain's rmap-peak-B / mappings-peak (objects and fields) is between 1 and 2 pointers (8-16 B), and every object-based strategy's is at most 1/8 of ptechain's",
		Plot:      "rmap-space",
	}
	gs := groups(runs, "SGA")
	var pc *group
	for _, g := range gs {
		if g.keys["strategy"] == "ptechain" && g.arch == "x86_64" && (pc == nil || g.knob("procs") > pc.knob("procs")) {
			pc = g
		}
	}
	if pc == nil {
		return noData(c, "-workload sga with ptechain")
	}
	per, ok := bytesPerMapping(pc)
	if !ok {
		return noData(c, "rmap-peak-B and mappings-peak")
	}
	worst, worstName := 0.0, ""
	for _, st := range []string{"filelinear", "anonmm", "anonvma", "anonvma-avc"} {
		if g := peer(gs, pc, map[string]string{"strategy": st}); g != nil {
			if v, ok := bytesPerMapping(g); ok && v >= worst {
				worst, worstName = v, st
			}
		}
	}
	if worstName == "" {
		return noData(c, "the object-based strategies on SGA")
	}
	c.Measured = fmt.Sprintf("ptechain %.2f B per mapping; object-based at most %.3f B (%s, %.1f%% of ptechain's); procs=%s", per, worst, worstName, 100*worst/per, pc.keys["procs"])
	c.Verdict = verdict(per >= 8 && per <= 16 && worst <= per/8)
	return c
}

func lowmem(runs []results.Run) Claim {
	c := Claim{
		Text:      "on i386, pte chains for a 1 GB shared segment in 1,000 processes need about 1.2 GB, more than the 896 MiB of lowmem",
		Source:    "arithmetic from 2.6.0's pte_chain on i386 (32 B per 7 mappings); Bligh, LKML 2003; IBM SLES 10 design document §5.5.3.4",
		Threshold: "ptechain's measured i386 bytes per mapping, times 262,144 pages x 1,000 processes, exceeds 896 MiB",
		Plot:      "rmap-space",
	}
	var pc *group
	for _, g := range groups(runs, "SGA") {
		if g.keys["strategy"] == "ptechain" && g.arch == "i386" && (pc == nil || g.knob("procs") > pc.knob("procs")) {
			pc = g
		}
	}
	if pc == nil {
		return noData(c, "-workload sga -arch i386 with ptechain")
	}
	per, ok := bytesPerMapping(pc)
	if !ok {
		return noData(c, "rmap-peak-B and mappings-peak")
	}
	total := per * LowmemSGAPages * LowmemProcs
	c.Measured = fmt.Sprintf("%.2f B per mapping on i386 (procs=%s, sga=%s): %.2f GiB for 1 GB x 1,000 processes (extrapolated)", per, pc.keys["procs"], pc.keys["sga"], total/(1<<30))
	c.Verdict = verdict(total > LowmemBytes)
	return c
}

func linearWalk(runs []results.Run) Claim {
	c := Claim{
		Text:      "a walk of a file page through the linear i_mmap grows with the number of VMAs mapping any part of the file; the prio and interval trees visit only the VMAs over the page",
		Source:    "McCracken, OLS 2004, sections 3.1 and 5; rmap 17 (HT:41980beada)",
		Threshold: "on ManyMapped across the sweep, linear's vmas/walk grows at least half as fast as the number of VMAs mapping the file, and prio's and interval's at most a tenth as fast (they grow only with the VMAs over the page)",
		Plot:      "walk-cost",
	}
	type pt struct{ vmas, walk float64 }
	by := map[string][]pt{}
	for _, g := range groups(runs, "ManyMapped") {
		idx := g.keys["fileindex"]
		if idx == "" || g.keys["strategy"] == "ptechain" || g.keys["strategy"] == "pagescan" {
			continue
		}
		if w, ok := g.median("vmas/walk"); ok {
			by[idx] = append(by[idx], pt{g.knob("procs") * g.knob("windows"), w})
		}
	}
	growth := func(ps []pt) (float64, float64, bool) {
		if len(ps) < 2 {
			return 0, 0, false
		}
		slices.SortFunc(ps, func(a, b pt) int { return int(a.vmas - b.vmas) })
		lo, hi := ps[0], ps[len(ps)-1]
		if lo.vmas == hi.vmas || lo.walk == 0 {
			return 0, 0, false
		}
		return hi.walk / lo.walk, hi.vmas / lo.vmas, true
	}
	lin, vmaGrowth, ok := growth(by["linear"])
	if !ok {
		return noData(c, "-workload manymapped -fileindex all at several procs")
	}
	pr, _, ok1 := growth(by["prio"])
	it, _, ok2 := growth(by["interval"])
	if !ok1 || !ok2 {
		return noData(c, "prio and interval results")
	}
	c.Measured = fmt.Sprintf("VMAs x%.0f: linear vmas/walk x%.1f, prio x%.2f, interval x%.2f", vmaGrowth, lin, pr, it)
	c.Verdict = verdict(lin >= vmaGrowth/2 && pr <= vmaGrowth/10 && it <= vmaGrowth/10)
	return c
}

// anonmmCopies checks that anonmm's forced copies happen as often as the
// workload shares what it moves: MremapAfterFork's parent moves a buffer
// of rss bytes whose every page its children map (fork copied their
// PTEs), so each of those pages must be copied. (Only anonmm's hooks can
// refuse a move, so no other strategy is compared: theirs is 0 by
// construction.)
func anonmmCopies(runs []results.Run) Claim {
	c := Claim{
		Text:      "anonmm must copy shared anonymous pages that mremap moves (the page's index is its address); anon_vma keeps vm_pgoff and copies nothing",
		Source:    "McCracken, OLS 2004, section 4; Linus in \"Re: anon_vma RFC2\", 2004-03-13",
		Threshold: "on MremapAfterFork, anonmm's mremap-copies is at least the pages of the buffer the parent moves while its children share it (rss / 4 KiB)",
		Plot:      "summary",
	}
	var am *group
	for _, g := range groups(runs, "MremapAfterFork") {
		if g.keys["strategy"] == "anonmm" && g.keys["fork-copy"] == "" {
			am = g
			break
		}
	}
	if am == nil {
		return noData(c, "-workload mremap with anonmm")
	}
	copies, ok := am.median("mremap-copies")
	shared := am.knob("rss") / 4096
	if !ok || shared == 0 {
		return noData(c, "mremap-copies and the rss knob")
	}
	c.Measured = fmt.Sprintf("anonmm copied %.0f pages; the moved buffer has %.0f (rss=%s, procs=%s)", copies, shared, am.keys["rss"], am.keys["procs"])
	c.Verdict = verdict(copies >= shared)
	return c
}

func degreeReuse(runs []results.Run) Claim {
	c := Claim{
		Text:      "without the degree reuse, a task that keeps forking while its parents exit grows the anon_vma hierarchy without limit; with it, anon_vmas stay at most 2 x VMAs",
		Source:    "commit 7a3ef208e662 (Khlebnikov, 3.19), reported by Daniel Forrest",
		Threshold: "on ForkChain (anonvma-avc), anon_vma-objs at the end is <= 2 x vma-objs (the VMAs alive) at every depth with reuse, and grows at least 0.8x as fast as the depth without it",
		Plot:      "avc-growth",
	}
	type pt struct{ depth, objs, vmas float64 }
	var with, without []pt
	for _, g := range groups(runs, "ForkChain") {
		if g.keys["strategy"] != "anonvma-avc" {
			continue
		}
		v, ok := g.median("anon_vma-objs")
		if !ok {
			continue
		}
		live, ok := g.median("vma-objs")
		if !ok {
			continue
		}
		p := pt{g.knob("depth"), v, live}
		if g.keys["avc-reuse"] == "false" {
			without = append(without, p)
		} else {
			with = append(with, p)
		}
	}
	if len(with) == 0 || len(without) < 2 {
		return noData(c, "-workload forkchain -strategy anonvma-avc at several depths, with and without -avc-reuse=false")
	}
	bounded := true
	maxWith := 0.0
	for _, p := range with {
		bounded = bounded && p.objs <= 2*p.vmas
		maxWith = math.Max(maxWith, p.objs/p.vmas)
	}
	slices.SortFunc(without, func(a, b pt) int { return int(a.depth - b.depth) })
	lo, hi := without[0], without[len(without)-1]
	depthGrowth, objGrowth := hi.depth/lo.depth, hi.objs/lo.objs
	c.Measured = fmt.Sprintf("with reuse at most %.1f anon_vmas per live VMA; without, depth x%.0f gives anon_vmas x%.1f (%.0f at depth %.0f)", maxWith, depthGrowth, objGrowth, hi.objs, hi.depth)
	c.Verdict = verdict(bounded && objGrowth >= 0.8*depthGrowth)
	return c
}

// pair finds strategies a and b in the same configuration of workload and
// returns the medians of unit for each, or a description of what is missing.
func pair(runs []results.Run, workload, a, b, unit string) (ga *group, va, vb float64, missing string) {
	gs := groups(runs, workload)
	for _, g := range gs {
		if g.keys["strategy"] == a {
			ga = g
			break
		}
	}
	if ga == nil {
		return nil, 0, 0, fmt.Sprintf("%s on %s", a, workload)
	}
	gb := peer(gs, ga, map[string]string{"strategy": b})
	if gb == nil {
		return nil, 0, 0, fmt.Sprintf("%s on the same %s", b, workload)
	}
	va, _ = ga.median(unit)
	vb, _ = gb.median(unit)
	if vb == 0 {
		return nil, 0, 0, unit
	}
	return ga, va, vb, ""
}

func avcWalk(runs []results.Run) Claim {
	c := Claim{
		Text:      "an anon_vma list makes every page's walk visit every VMA of its forked family; the anon_vma_chain visits only the VMAs that descend from the page's anon_vma",
		Source:    "commit 5beb49305251 (Rik van Riel, 2.6.34)",
		Threshold: "on ForkChain, anonvma's vmas/walk is at least 1.5x anonvma-avc's",
		Plot:      "summary",
	}
	g, a, b, missing := pair(runs, "ForkChain", "anonvma", "anonvma-avc", "vmas/walk")
	if missing != "" {
		return noData(c, "-workload forkchain: "+missing)
	}
	c.Measured = fmt.Sprintf("anonvma %.2f, anonvma-avc %.2f VMAs per walk (depth=%s)", a, b, g.keys["depth"])
	c.Verdict = verdict(a >= 1.5*b)
	return c
}

func noRmapScan(runs []results.Run) Claim {
	c := Claim{
		Text:      "without reverse mapping (2.4), finding a page's mappings means scanning the page tables of every process",
		Source:    "McCracken, OLS 2004, section 1",
		Threshold: "on Reclaim, pagescan's ptes/walk is at least 100x ptechain's",
		Plot:      "summary",
	}
	_, a, b, missing := pair(runs, "Reclaim", "pagescan", "ptechain", "ptes/walk")
	if missing != "" {
		return noData(c, "-workload reclaim: "+missing)
	}
	c.Measured = fmt.Sprintf("pagescan %.0f, ptechain %.2f PTEs examined per walk", a, b)
	c.Verdict = verdict(a >= 100*b)
	return c
}
