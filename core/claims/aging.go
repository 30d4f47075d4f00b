package claims

import (
	"fmt"
	"math"
	"strings"

	"rmapbench/core/results"
)

// The claims about reclaim's aging (-aging): that aging keeps a hot set
// resident, that the multi-gen LRU spends less on rmap walks per page it
// frees than the two-list LRU, and that anon_vma's walk of a COWed page
// costs the whole family under page_referenced too. A run without an
// aging key ran the default, lru.

// isLRU reports whether a group ran the two-list LRU.
func isLRU(g *group) bool { a := g.keys["aging"]; return a == "" || a == "lru" }

// agingPeer finds g's configuration under another aging policy: its name
// keys with aging set to policy (an lru group may carry the key or not).
func agingPeer(gs []*group, g *group, policy string) *group {
	return peer(gs, g, map[string]string{"aging": policy})
}

// rmapStepsPerPage is the rmap walk work of a run per page reclaim freed:
// every walk's VMAs, page-table lookups and chain steps.
func rmapStepsPerPage(g *group) (float64, bool) {
	var vs []float64
	for _, r := range g.runs {
		walks, ok1 := r.Value("walks")
		vmas, ok2 := r.Value("vmas/walk")
		ptes, ok3 := r.Value("ptes/walk")
		steps, ok4 := r.Value("chain-steps/walk")
		freed, ok5 := r.Value("pages-reclaimed")
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || freed <= 0 {
			return 0, false
		}
		vs = append(vs, walks*(vmas+ptes+steps)/freed)
	}
	if len(vs) == 0 {
		return 0, false
	}
	return results.Median(vs), true
}

// lruPair is one strategy's value of a run under -aging lru and under
// another policy.
type lruPair struct {
	strategy   string
	lru, other float64
}

// againstLRU finds, on workload, every configuration run under lru and
// under policy, except those skip rejects, and the value of each.
func againstLRU(runs []results.Run, workload, policy string, skip func(*group) bool, value func(*group) (float64, bool)) []lruPair {
	gs := groups(runs, workload)
	var out []lruPair
	for _, g := range gs {
		if !isLRU(g) || skip(g) {
			continue
		}
		pg := agingPeer(gs, g, policy)
		if pg == nil {
			continue
		}
		l, ok1 := value(g)
		o, ok2 := value(pg)
		if ok1 && ok2 {
			out = append(out, lruPair{g.keys["strategy"], l, o})
		}
	}
	return out
}

func agingKeepsHotSet(runs []results.Run) Claim {
	c := Claim{
		Text:      "aging keeps the hot set resident: reclaim that asks page_referenced before it unmaps refaults far less than reclaim that takes pages blindly",
		Source:    "the active/inactive lists of 2.6 mm/vmscan.c (shrink_list, refill_inactive_zone)",
		Threshold: "on Reclaim (hot/cold working sets), for every strategy run under both, refaults under -aging lru are at most a quarter of those under -aging random",
		Plot:      "summary",
	}
	pairs := againstLRU(runs, "Reclaim", "random", func(*group) bool { return false },
		func(g *group) (float64, bool) { return g.median("refaults") })
	if len(pairs) == 0 {
		return noData(c, "-workload reclaim with -aging random and lru")
	}
	ok := true
	var lines []string
	for _, p := range pairs {
		ok = ok && p.lru*4 <= p.other
		lines = append(lines, fmt.Sprintf("%s %.0f vs %.0f", p.strategy, p.lru, p.other))
	}
	c.Measured = "refaults lru vs random: " + strings.Join(lines, ", ")
	c.Verdict = verdict(ok)
	return c
}

func mglruWalkSteps(runs []results.Run) Claim {
	c := Claim{
		Text:      "the multi-gen LRU spends less rmap walking per page reclaimed than the two-list LRU: its aging reads page tables, and the look-around spares the rmap walks of the neighbours of a young PTE",
		Source:    "Yu Zhao, kswapd profiles on a Chrome OS memory-pressure test: page_vma_mapped_walk 38.05% of kswapd on 5.17-rc2, 14.96% with MGLRU (v7 05/12, 2022-02-08); 18.47% -> 8.20% with the look-around (v15 07/14, 2022-09-18)",
		Threshold: "on Reclaim, for every strategy with a reverse map run under both, -aging mglru's rmap walk steps (VMAs + PTEs + chain steps) per page reclaimed are at most 3/4 of -aging lru's",
		Plot:      "summary",
	}
	pairs := againstLRU(runs, "Reclaim", "mglru", func(g *group) bool { return g.keys["strategy"] == "pagescan" }, rmapStepsPerPage)
	ok, worst := true, 0.0
	var lines []string
	for _, p := range pairs {
		if p.lru == 0 {
			continue
		}
		ok = ok && p.other <= 0.75*p.lru
		worst = math.Max(worst, p.other/p.lru)
		lines = append(lines, fmt.Sprintf("%s %.1f vs %.1f", p.strategy, p.other, p.lru))
	}
	if len(lines) == 0 {
		return noData(c, "-workload reclaim with -aging mglru and lru")
	}
	c.Measured = fmt.Sprintf("steps per page reclaimed, mglru vs lru: %s (at worst %.2fx)", strings.Join(lines, ", "), worst)
	c.Verdict = verdict(ok)
	return c
}

func cowRefWalk(runs []results.Run) Claim {
	c := Claim{
		Text:      "under anon_vma, page_referenced of a page a forked child COWed, mapped once, walks every VMA of the family; the anon_vma_chain walks the child's own",
		Source:    "commit 5beb49305251 (Rik van Riel, 2.6.34): \"the walk is O(N) per page\" in page_referenced_one",
		Threshold: "on Prefork under -aging lru, anonvma's VMAs per page_referenced walk of an anonymous page mapped once (vmas/ref-walk-1map) are at least 4x anonvma-avc's",
		Plot:      "summary",
	}
	var lruRuns []results.Run
	for _, r := range runs {
		if a := r.Keys["aging"]; a == "" || a == "lru" {
			lruRuns = append(lruRuns, r)
		}
	}
	g, a, b, missing := pair(lruRuns, "Prefork", "anonvma", "anonvma-avc", "vmas/ref-walk-1map")
	if missing != "" {
		return noData(c, "-workload prefork: "+missing)
	}
	c.Measured = fmt.Sprintf("anonvma %.2f, anonvma-avc %.2f VMAs per ref walk of a page mapped once (workers=%s)", a, b, g.keys["workers"])
	c.Verdict = verdict(a >= 4*b)
	return c
}
