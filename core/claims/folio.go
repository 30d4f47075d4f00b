package claims

import (
	"fmt"
	"slices"
	"strings"

	"rmapbench/core/results"
)

// David Hildenbrand's batching of the rmap of PTE-mapped large folios
// (6.9): fork calls folio_try_dup_anon_rmap_ptes once per run of PTEs of
// a folio ("mm/memory: optimize fork() with PTE-mapped THP", Jan 2024),
// zap calls folio_remove_rmap_ptes once per run ("mm/memory: optimize
// unmap/zap with PTE-mapped THP", Feb 2024). He timed a process with
// 1 GiB of PTE-mapped folios on a Xeon Silver 4210R: fork and munmap
// took less time the larger the folios.
//
// The check reads FolioFork and FolioMunmap under anonvma-avc (per-page
// rmap, the kernels before) and anonvma-folio (the batched interface) at
// each folio size, and judges the deterministic counter: rmap-calls per
// operation, folio's over avc's. His time saving is the rmap's share of
// the operation times the calls saved, so the calls' reduction must be
// at least his time reduction at every size he measured, and no
// reduction at all without large folios (4 KiB). The times are shown
// beside, not judged: the simulator's rmap calls cost a Go call, not
// the kernel's atomics and cache misses.

// FolioForkAnchors and FolioMunmapAnchors are his time reductions by
// folio size in bytes.
var (
	FolioForkAnchors   = map[float64]float64{4 << 10: 0.02, 16 << 10: 0.16, 64 << 10: 0.26, 2 << 20: 0.30}
	FolioMunmapAnchors = map[float64]float64{4 << 10: 0.01, 16 << 10: 0.20, 128 << 10: 0.47, 2 << 20: 0.58}
)

// FolioSmallSlack is how far below 1 the calls ratio may fall at 4 KiB,
// where nothing can batch.
const FolioSmallSlack = 0.02

// FolioPoint is one folio size's ratios of anonvma-folio over
// anonvma-avc.
type FolioPoint struct {
	Size  float64 // folio size, bytes
	Calls float64 // rmap-calls per operation
	Time  float64 // sec per operation; 0 if either run has none
}

// FolioRatios returns the ratios of a workload (FolioFork, FolioMunmap)
// by folio size, smallest first, for the claims and the chart. Where
// runs of one folio size have several regions (the suite's and the
// sweep's), the largest region's stands: his anchors are 1 GiB.
func FolioRatios(runs []results.Run, workload, op string) []FolioPoint {
	gs := groups(runs, workload)
	var out []FolioPoint
	region := map[float64]float64{} // folio size -> the region of its point in out
	for _, g := range gs {
		if g.keys["strategy"] != "anonvma-folio" || g.knob("folio") == 0 {
			continue
		}
		h := peer(gs, g, map[string]string{"strategy": "anonvma-avc"})
		if h == nil {
			continue
		}
		fc, ok1 := g.median("rmap-calls/" + op)
		ac, ok2 := h.median("rmap-calls/" + op)
		if !ok1 || !ok2 || ac == 0 {
			continue
		}
		p := FolioPoint{Size: g.knob("folio"), Calls: fc / ac}
		ft, ok1 := g.median("sec/" + op)
		at, ok2 := h.median("sec/" + op)
		if ok1 && ok2 && at > 0 {
			p.Time = ft / at
		}
		r := g.knob("size")
		if i := slices.IndexFunc(out, func(q FolioPoint) bool { return q.Size == p.Size }); i >= 0 {
			if r > region[p.Size] {
				out[i], region[p.Size] = p, r
			}
			continue
		}
		region[p.Size] = r
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b FolioPoint) int { return int(a.Size - b.Size) })
	return out
}

func folioForkBatching(runs []results.Run) Claim {
	return folioBatching(runs, "FolioFork", "fork", FolioForkAnchors,
		"fork of PTE-mapped large folios calls the rmap once per folio, not once per page; Hildenbrand's fork took 2% less time with 4 KiB folios, 16% with 16 KiB, 26% with 64 KiB, 30% with 2 MiB",
		`"mm/memory: optimize fork() with PTE-mapped THP" (David Hildenbrand, Jan 2024, 6.9; 1 GiB, Xeon Silver 4210R)`)
}

func folioMunmapBatching(runs []results.Run) Claim {
	return folioBatching(runs, "FolioMunmap", "munmap", FolioMunmapAnchors,
		"munmap of PTE-mapped large folios calls the rmap once per folio, not once per page; Hildenbrand's munmap took 1% less time with 4 KiB folios, 20% with 16 KiB, 47% with 128 KiB, 58% with 2 MiB",
		`"mm/memory: optimize unmap/zap with PTE-mapped THP" (David Hildenbrand, Feb 2024, 6.9)`)
}

func folioBatching(runs []results.Run, workload, op string, anchors map[float64]float64, text, source string) Claim {
	c := Claim{
		Text:   text,
		Source: source,
		Threshold: fmt.Sprintf("on %s, anonvma-folio's rmap-calls/%s over anonvma-avc's: at least 1-%.2f with 4 KiB folios, and at every larger folio size measured among his at most 1 minus his time reduction (the calls saved bound the time saved); a 4 KiB and a larger size needed",
			workload, op, FolioSmallSlack),
		Plot: "folio-batching",
	}
	pts := FolioRatios(runs, workload, op)
	var small *FolioPoint
	var judged []FolioPoint
	for i, p := range pts {
		if p.Size == 4<<10 {
			small = &pts[i]
		} else if _, ok := anchors[p.Size]; ok {
			judged = append(judged, p)
		}
	}
	if small == nil || len(judged) == 0 {
		return noData(c, fmt.Sprintf("-workload %s -strategy anonvma-avc,anonvma-folio -param folio=4KiB,16KiB,64KiB,128KiB,2MiB", strings.ToLower(workload[:5])+"-"+strings.ToLower(workload[5:])))
	}
	ok := small.Calls >= 1-FolioSmallSlack
	parts := []string{fmt.Sprintf("4KiB: calls x%.2f (his time -%.0f%%)", small.Calls, 100*anchors[4<<10])}
	for _, p := range judged {
		ok = ok && p.Calls <= 1-anchors[p.Size]
		s := fmt.Sprintf("%s: calls x%.3f (-%.0f%%, his time -%.0f%%)", sizeName(p.Size), p.Calls, 100*(1-p.Calls), 100*anchors[p.Size])
		if p.Time > 0 {
			s += fmt.Sprintf(", sec/%s x%.2f", op, p.Time)
		}
		parts = append(parts, s)
	}
	if small.Time > 0 {
		parts[0] += fmt.Sprintf(", sec/%s x%.2f", op, small.Time)
	}
	c.Measured = strings.Join(parts, "; ")
	c.Verdict = verdict(ok)
	return c
}

// sizeName writes a folio size as the knob does: 16KiB, 2MiB.
func sizeName(b float64) string {
	if b >= 1<<20 {
		return fmt.Sprintf("%.0fMiB", b/(1<<20))
	}
	return fmt.Sprintf("%.0fKiB", b/(1<<10))
}
