package plot

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"gonum.org/v1/plot/vg"

	"rmapbench/core/claims"
	"rmapbench/core/results"
)

// ksmWalk: ptes/walk against the KSM sharing knob for the strategies
// whose walk of a KSM page goes through its stable node (rmap_walk_ksm:
// anonvma, anonvma-avc), one series each, one panel per max_page_sharing
// (the runs' ksm-max-page-sharing key: absent is the default 256, 0 no
// limit), with the limit drawn on its panel. A KSM page's walk looks at
// one PTE per mapping it finds: with the limit, at most max_page_sharing;
// without, every sharer.
func ksmWalk(runs []results.Run) (*figure, []string) {
	byLimit := map[int]*collector{}
	for _, r := range runs {
		st := r.Keys["strategy"]
		if r.Workload != "KSM" || st != "anonvma" && st != "anonvma-avc" {
			continue
		}
		sharing, ok1 := r.Knob("sharing")
		w, ok2 := r.Value("ptes/walk")
		walks, ok3 := r.Value("walks")
		if !ok1 || !ok2 || (ok3 && walks == 0) {
			continue
		}
		limit := claims.KSMMaxPageSharing
		if s, ok := r.Keys["ksm-max-page-sharing"]; ok {
			n, err := strconv.Atoi(s)
			if err != nil {
				continue
			}
			limit = n
		}
		if byLimit[limit] == nil {
			byLimit[limit] = &collector{}
		}
		byLimit[limit].add(st, st, sharing, w, r.Rest(false, "strategy", "sharing", "ksm-max-page-sharing"))
	}
	if len(byLimit) == 0 {
		return nil, []string{"ksm-walk: no KSM results of anonvma or anonvma-avc with a sharing knob and walks (run -workload ksm -param sharing=64,128,256,512,1024, with and without -ksm-max-page-sharing 0)"}
	}
	// The limits in order, no limit (0) last.
	limits := slices.Sorted(maps.Keys(byLimit))
	if limits[0] == 0 {
		limits = append(limits[1:], 0)
	}
	var skipped []string
	if byLimit[0] == nil {
		skipped = append(skipped, "ksm-walk: no-limit panel left out: no KSM results with ksm-max-page-sharing=0 (the kernels before 4.13)")
	}
	f := &figure{
		Name:  "ksm-walk",
		Title: "PTEs looked at per reverse walk of a KSM page vs processes sharing it (KSM)",
		Claim: fmt.Sprintf("Claim (commit 2c653d0ee2ae, 4.13): past max_page_sharing a content becomes a chain of dups, so a KSM page's walk stays bounded (at most %d PTEs with the default); without the limit it grows with the sharing.", claims.KSMMaxPageSharing),
		Cols:  len(limits),
		Width: 8 * vg.Inch, Height: 5 * vg.Inch,
		Sweep: "-workload ksm -param sharing=64,128,256,512,1024, with and without -ksm-max-page-sharing 0",
	}
	if len(limits) > 1 {
		f.Width = 11 * vg.Inch
	}
	for _, limit := range limits {
		p := panel{
			Title:  fmt.Sprintf("max_page_sharing %d (4.13+)", limit),
			XLabel: "processes sharing each page: sharing knob",
			YLabel: "ptes/walk (PTEs looked at per walk)",
			Series: byLimit[limit].series(ranker(strategyOrder)),
		}
		if limit == 0 {
			p.Title = "no limit (before 4.13)"
		} else {
			p.HLines = []hline{{Y: float64(limit), Label: fmt.Sprintf("max_page_sharing = %d", limit), Key: "limit"}}
		}
		f.Panels = append(f.Panels, p)
	}
	f.Notes = append(f.Notes, "ptechain and filelinear find a KSM page's mappings on its pte chain, one PTE each: the same counts. pagescan scans every page table whatever the page; anonmm merges nothing.")
	return f, skipped
}
