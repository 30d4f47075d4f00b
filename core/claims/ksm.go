package claims

import (
	"fmt"
	"slices"

	"rmapbench/core/results"
)

// KSM's max_page_sharing claim (commit 2c653d0ee2ae, Andrea Arcangeli,
// 4.13): before it, one KSM page took every mapping of its content, and
// its reverse walk visited every one; with it, a content shared by more
// than max_page_sharing mappings becomes a chain of dups, each a KSM page
// with at most max_page_sharing mappings, so one page's walk stays
// bounded whatever the sharing.
//
// The check reads the KSM workload under anonvma-avc (the era of the
// limit) across its sharing sweep, with the default limit and with
// -ksm-max-page-sharing 0 (no limit), and compares ptes/walk: the
// page-table look-ups of a walk, one per rmap_item that leads to its VMA.

// KSMMaxPageSharing is the default max_page_sharing the claim judges
// runs without a ksm-max-page-sharing key by.
const KSMMaxPageSharing = 256

// KSMGrowth is how fast, as a fraction of the sharing's growth, ptes/walk
// must grow without the limit.
const KSMGrowth = 0.8

func ksmBounded(runs []results.Run) Claim {
	c := Claim{
		Text:      "a page shared by more than max_page_sharing mappings becomes a chain of dups, so a KSM page's reverse walk stays bounded; without the limit it grows with the sharing",
		Source:    "commit 2c653d0ee2ae (Andrea Arcangeli, 4.13)",
		Threshold: fmt.Sprintf("on KSM (anonvma-avc), across a sharing sweep that passes %d: ptes/walk at most %d at every sharing with the default limit, and, with ksm-max-page-sharing=0, growing at least %.1fx as fast as the sharing", KSMMaxPageSharing, KSMMaxPageSharing, KSMGrowth),
		Plot:      "ksm-walk",
	}
	type pt struct{ sharing, walk float64 }
	var with, without []pt
	for _, g := range groups(runs, "KSM") {
		if g.keys["strategy"] != "anonvma-avc" {
			continue
		}
		w, ok := g.median("ptes/walk")
		if !ok || g.knob("sharing") == 0 {
			continue
		}
		p := pt{g.knob("sharing"), w}
		switch g.keys["ksm-max-page-sharing"] {
		case "", fmt.Sprint(KSMMaxPageSharing):
			with = append(with, p)
		case "0":
			without = append(without, p)
		}
	}
	byShare := func(a, b pt) int { return int(a.sharing - b.sharing) }
	slices.SortFunc(with, byShare)
	slices.SortFunc(without, byShare)
	if len(with) == 0 || len(without) < 2 || with[len(with)-1].sharing <= KSMMaxPageSharing {
		return noData(c, fmt.Sprintf("-workload ksm -strategy anonvma-avc -param sharing=... past %d, with and without -ksm-max-page-sharing 0", KSMMaxPageSharing))
	}
	worst := slices.MaxFunc(with, func(a, b pt) int { return int(a.walk - b.walk) })
	lo, hi := without[0], without[len(without)-1]
	shareGrowth, walkGrowth := hi.sharing/lo.sharing, hi.walk/max(lo.walk, 1e-9)
	c.Measured = fmt.Sprintf("with the limit at most %.0f PTEs per walk (sharing=%.0f, up to %.0f); without, sharing x%.0f gives ptes/walk x%.1f (%.0f at sharing=%.0f)",
		worst.walk, worst.sharing, with[len(with)-1].sharing, shareGrowth, walkGrowth, hi.walk, hi.sharing)
	c.Verdict = verdict(worst.walk <= KSMMaxPageSharing && walkGrowth >= KSMGrowth*shareGrowth)
	return c
}
