package plot

import (
	"fmt"
	"slices"

	"gonum.org/v1/plot/vg"

	"rmapbench/core/claims"
	"rmapbench/core/results"
)

// folioBatching: anonvma-folio's rmap calls per fork and per munmap over
// anonvma-avc's against the folio size (FolioFork, FolioMunmap), with the
// simulator's time ratio beside and Hildenbrand's kernel time ratios
// (1 - his reduction) as reference points: the claims ask the calls'
// line to lie at or below his.
func folioBatching(runs []results.Run) (*figure, []string) {
	f := &figure{
		Name:  "folio-batching",
		Title: "Batched rmap of large folios: anonvma-folio / anonvma-avc vs folio size",
		Claim: "Claim (David Hildenbrand, 6.9): batching the rmap of PTE-mapped large folios makes fork and munmap cheaper the larger the folio; the report asks the calls saved to be at least his time saved.",
		Cols:  2,
		Width: 11 * vg.Inch, Height: 5 * vg.Inch,
		Sweep: "-workload folio-fork,folio-munmap -strategy anonvma-avc,anonvma-folio -param folio=4KiB,16KiB,64KiB,128KiB,2MiB",
	}
	var skipped []string
	for _, w := range []struct {
		workload, op string
		anchors      map[float64]float64
	}{{"FolioFork", "fork", claims.FolioForkAnchors}, {"FolioMunmap", "munmap", claims.FolioMunmapAnchors}} {
		pts := claims.FolioRatios(runs, w.workload, w.op)
		if len(pts) == 0 {
			skipped = append(skipped, fmt.Sprintf("folio-batching: %s panel left out: no %s results of both anonvma-avc and anonvma-folio with a folio knob", w.op, w.workload))
			continue
		}
		calls := series{Label: "rmap-calls/" + w.op + " (simulator, exact)", Key: "anonvma-folio"}
		times := series{Label: "sec/" + w.op + " (simulator, this host)", Key: "time"}
		his := series{Label: "his sec/" + w.op + " (kernel, Xeon Silver 4210R)", Key: "kernel", Ref: true}
		for _, p := range pts {
			kib := p.Size / 1024
			calls.Points = append(calls.Points, exactPoint(kib, p.Calls))
			if p.Time > 0 {
				times.Points = append(times.Points, exactPoint(kib, p.Time))
			}
		}
		for _, size := range sortedKeys(w.anchors) {
			his.Points = append(his.Points, exactPoint(size/1024, 1-w.anchors[size]))
		}
		ss := []series{calls}
		if len(times.Points) > 0 {
			ss = append(ss, times)
		}
		f.Panels = append(f.Panels, panel{
			Title:  w.op,
			XLabel: "folio size: folio knob (KiB)",
			YLabel: "anonvma-folio / anonvma-avc",
			XScale: scaleLog, YScale: scaleLog,
			Series: append(ss, his),
			HLines: []hline{{Y: 1, Label: "no change", Key: "anonvma-avc"}},
		})
	}
	if len(f.Panels) == 0 {
		return nil, []string{"folio-batching: no FolioFork or FolioMunmap results of both anonvma-avc and anonvma-folio with a folio knob (run " + f.Sweep + ")"}
	}
	f.Cols = len(f.Panels)
	if f.Cols == 1 {
		f.Width = 8 * vg.Inch
	}
	f.Band = "Points: ratios of the medians of all runs of each strategy, so no error bars."
	f.Notes = append(f.Notes, "The calls are one per PTE under anonvma-avc and one per run of PTEs of a folio under anonvma-folio; his line is his measured time, which includes the copying and clearing of PTEs that batching does not save.")
	return f, skipped
}

// exactPoint is a point without spread.
func exactPoint(x, y float64) point {
	return point{X: x, Y: y, Lo: y, Hi: y, Min: y, Max: y, CILo: y, CIHi: y, N: 1}
}

func sortedKeys(m map[float64]float64) []float64 {
	var ks []float64
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
