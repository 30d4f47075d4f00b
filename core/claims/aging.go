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

func agingKeepsHotSet(runs []results.Run) Claim {
	c := Claim{
		Text:      "aging keeps the hot set resident: reclaim that asks page_referenced before it unmaps refaults far less than reclaim that takes pages blindly",
		Source:    "the active/inactive lists of 2.6 mm/vmscan.c (shrink_list, refill_inactive_zone)",
		Threshold: "on Reclaim (hot/cold working sets), for every strategy run under both, refaults under -aging lru are at most a quarter of those under -aging random",
		Plot:      "summary",
	}
	gs := groups(runs, "Reclaim")
	var lines []string
	ok, found := true, false
	for _, g := range gs {
		if !isLRU(g) {
			continue
		}
		rg := agingPeer(gs, g, "random")
		if rg == nil {
			continue
		}
		l, ok1 := g.median("refaults")
		r, ok2 := rg.median("refaults")
		if !ok1 || !ok2 {
			continue
		}
		found = true
		ok = ok && l*4 <= r
		lines = append(lines, fmt.Sprintf("%s %.0f vs %.0f", g.keys["strategy"], l, r))
	}
	if !found {
		return noData(c, "-workload reclaim with -aging random and lru")
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
	gs := groups(runs, "Reclaim")
	var lines []string
	ok, found := true, false
	worst := 0.0
	for _, g := range gs {
		if !isLRU(g) || g.keys["strategy"] == "pagescan" {
			continue
		}
		mg := agingPeer(gs, g, "mglru")
		if mg == nil {
			continue
		}
		l, ok1 := rmapStepsPerPage(g)
		m, ok2 := rmapStepsPerPage(mg)
		if !ok1 || !ok2 || l == 0 {
			continue
		}
		found = true
		ok = ok && m <= 0.75*l
		worst = math.Max(worst, m/l)
		lines = append(lines, fmt.Sprintf("%s %.1f vs %.1f", g.keys["strategy"], m, l))
	}
	if !found {
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
