package claims

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// HWProfiles are the cache model's profiles the fork/exec/exit claim is
// judged under besides Go time (rmapbench -hw; core/cachemodel).
var HWProfiles = []string{"p3-2003", "modern"}

type forkExitResult struct {
	verdict  Verdict
	measured string
	pc, av   *group
}

// forkExitRatio judges the claim on one measure: the units prefix+fork,
// exec and exit of ptechain at its largest rss against anonvma's, among
// the runs of hardware profile hw ("" for runs without the cache model,
// whose sec/ are Go time). Among the runs at the largest rss it takes
// the most processes, so that a sweep run at fewer is not judged.
func forkExitRatio(all []*group, hw, prefix string) forkExitResult {
	var gs []*group
	for _, g := range all {
		if g.keys["hw"] == hw {
			gs = append(gs, g)
		}
	}
	pc := largestTwo(gs, "ptechain", "rss", "procs")
	what := "-workload forkexit"
	if hw != "" {
		what += " -hw " + hw
	}
	if pc == nil {
		return forkExitResult{verdict: NoData, measured: "no data (" + what + ")"}
	}
	av := peer(gs, pc, map[string]string{"strategy": "anonvma"})
	if av == nil {
		return forkExitResult{verdict: NoData, measured: "no data (anonvma, " + what + ")"}
	}
	a, ok1 := pc.sum(prefix+"fork", prefix+"exec", prefix+"exit")
	b, ok2 := av.sum(prefix+"fork", prefix+"exec", prefix+"exit")
	if !ok1 || !ok2 || b == 0 {
		return forkExitResult{verdict: NoData, measured: "no data (" + prefix + "fork, exec, exit)"}
	}
	ratio := a / b
	kind := "µs"
	if hw != "" {
		kind = "modelled µs"
	}
	return forkExitResult{
		verdict:  verdict(ratio >= ForkExitFactor),
		measured: fmt.Sprintf("%.2fx (ptechain %.1f, anonvma %.1f %s per fork+exec+exit, rss=%s)", ratio, a*1e6, b*1e6, kind, pc.keys["rss"]),
		pc:       pc, av: av,
	}
}

// largestTwo is the group of strategy st with the largest knob, and
// among those the largest then: a sweep of another knob at fewer
// processes does not stand in for the default run.
func largestTwo(gs []*group, st, knob, then string) *group {
	var best *group
	for _, g := range gs {
		if g.keys["strategy"] != st {
			continue
		}
		if best == nil || g.knob(knob) > best.knob(knob) ||
			g.knob(knob) == best.knob(knob) && g.knob(then) > best.knob(then) {
			best = g
		}
	}
	return best
}

// forkExitWhy says why the measures differ, from the model's own
// counters: the cache misses and rmap steps of ptechain and anonvma per
// fork+exec+exit under the first profile that has them.
func forkExitWhy(all []*group) string {
	for _, hw := range HWProfiles {
		r := forkExitRatio(all, hw, "modelled-sec/")
		if r.pc == nil || r.av == nil {
			continue
		}
		pm, ok1 := r.pc.sum("cache-misses/fork", "cache-misses/exec", "cache-misses/exit")
		am, ok2 := r.av.sum("cache-misses/fork", "cache-misses/exec", "cache-misses/exit")
		ps, ok3 := r.pc.sum("rmap-steps/fork", "rmap-steps/exec", "rmap-steps/exit")
		as, ok4 := r.av.sum("rmap-steps/fork", "rmap-steps/exec", "rmap-steps/exit")
		if !ok1 || !ok2 || !ok3 || !ok4 {
			continue
		}
		return fmt.Sprintf("Why they differ: the model prices only the memory the rmap and the MMU touch (under %s ptechain takes %.0f rmap steps and %.0f cache misses per fork+exec+exit, anonvma %.0f and %.0f; both touch every struct page and PTE), while Go time also counts the simulator's own work on today's host, whose caches hold what a 2003 L2 could not", hw, ps, pm, as, am)
	}
	return ""
}

// forkExitSweep reports ptechain's modelled-sec/exit over a sweep of
// forkexit's running knob (the processes sharing libc), per process
// alive, so that a growth faster than linear in the sharers shows: the
// chain search of every unmap is as long as the chain.
func forkExitSweep(all []*group) string {
	for _, hw := range HWProfiles {
		// The sweep: ptechain's runs at one rss and procs with the most
		// distinct values of running.
		bySetting := map[string][]*group{}
		for _, g := range all {
			if g.keys["hw"] == hw && g.keys["strategy"] == "ptechain" && g.keys["running"] != "" {
				k := g.keys["rss"] + "/" + g.keys["procs"]
				bySetting[k] = append(bySetting[k], g)
			}
		}
		var pts []*group
		for _, k := range slices.Sorted(maps.Keys(bySetting)) {
			if len(bySetting[k]) > len(pts) {
				pts = bySetting[k]
			}
		}
		if len(pts) < 2 {
			continue
		}
		slices.SortFunc(pts, func(a, b *group) int { return int(a.knob("running") - b.knob("running")) })
		var parts []string
		for _, g := range pts {
			v, ok := g.median("modelled-sec/exit")
			s, ok2 := g.median("rmap-steps/exit")
			if !ok || !ok2 {
				continue
			}
			part := fmt.Sprintf("running=%s: %.1f modelled µs, %.0f steps", g.keys["running"], v*1e6, s)
			if av := peer(all, g, map[string]string{"strategy": "anonvma"}); av != nil {
				if w, ok := av.median("modelled-sec/exit"); ok {
					part += fmt.Sprintf(" (anonvma %.1f)", w*1e6)
				}
			}
			parts = append(parts, part)
		}
		if len(parts) >= 2 {
			return "ptechain's exit under " + hw + " as more processes share libc (anonvma's beside it): " + strings.Join(parts, "; ")
		}
	}
	return ""
}
