package cli

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/term"

	"rmapbench/core/results"
	"rmapbench/core/suite"
)

// interactive reports whether stderr is a terminal: only then does the
// command draw a progress bar and a summary there. Stdout stays pure
// benchfmt either way.
func interactive(stderr io.Writer) bool {
	f, ok := stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressBar draws the suite's progress on stderr; done is called after
// each run, and wait ends the bar.
func progressBar(stderr io.Writer, total int) (done func(int, int, *suite.Case), wait func()) {
	p := mpb.New(mpb.WithOutput(stderr), mpb.WithWidth(40))
	bar := p.AddBar(int64(total),
		mpb.PrependDecorators(decor.Name("rmapbench "), decor.CountersNoUnit("%d/%d runs")),
		mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5}), decor.Name("  "), decor.AverageETA(decor.ET_STYLE_GO)),
		mpb.BarRemoveOnComplete(),
	)
	return func(int, int, *suite.Case) { bar.Increment() }, func() { bar.Abort(true); p.Wait() }
}

// summary prints, per workload configuration, each strategy's median
// time of the whole run (ns/op) and median peak of modelled rmap space
// (rmap-peak-B), relative to the fastest and the smallest.
func summary(w io.Writer, rs []*benchfmt.Result) {
	runs := results.Parse(rs)
	type cell struct{ ns, space []float64 }
	var configs []string
	byConfig := map[string]map[string]*cell{}
	var strategies []string
	maxRuns := 0
	for _, r := range runs {
		cfg, st := r.Config("strategy"), r.Keys["strategy"]
		if byConfig[cfg] == nil {
			byConfig[cfg] = map[string]*cell{}
			configs = append(configs, cfg)
		}
		if !slices.Contains(strategies, st) {
			strategies = append(strategies, st)
		}
		c := byConfig[cfg][st]
		if c == nil {
			c = &cell{}
			byConfig[cfg][st] = c
		}
		if v, ok := r.Value("ns/op"); ok {
			c.ns = append(c.ns, v)
			maxRuns = max(maxRuns, len(c.ns))
		}
		if v, ok := r.Value("rmap-peak-B"); ok {
			c.space = append(c.space, v)
		}
	}
	runs1 := "one run"
	if maxRuns > 1 {
		runs1 = fmt.Sprintf("the median of %d runs", maxRuns)
	}
	fmt.Fprintf(w, "\nSummary (%s each): time of the whole run (ns/op) and peak modelled rmap space (rmap-peak-B).\n", runs1)
	for _, cfg := range configs {
		fmt.Fprintf(w, "\n%s\n", cfg)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "strategy\tmedian time\tvs fastest\tpeak rmap space\tvs smallest\t\n")
		fastest, smallest := 0.0, 0.0
		for _, st := range strategies {
			if c := byConfig[cfg][st]; c != nil && len(c.ns) > 0 {
				ns, sp := results.Median(c.ns), results.Median(c.space)
				if fastest == 0 || ns < fastest {
					fastest = ns
				}
				if sp > 0 && (smallest == 0 || sp < smallest) {
					smallest = sp
				}
			}
		}
		for _, st := range strategies {
			c := byConfig[cfg][st]
			if c == nil || len(c.ns) == 0 {
				continue
			}
			ns, sp := results.Median(c.ns), results.Median(c.space)
			rel := "-"
			if smallest > 0 && sp > 0 {
				rel = "x" + threeDigits(sp/smallest)
			}
			fmt.Fprintf(tw, "%s\t%s\tx%s\t%s\t%s\t\n", st, humanDuration(ns), threeDigits(ns/fastest), humanBytes(sp), rel)
		}
		tw.Flush()
	}
}

// humanDuration writes ns nanoseconds with three significant digits in
// the unit that keeps them readable: 639 µs, 8.71 ms, 2.02 s.
func humanDuration(ns float64) string {
	ns = roundSignificant(ns, 3)
	switch {
	case ns >= 1e9:
		return threeDigits(ns/1e9) + " s"
	case ns >= 1e6:
		return threeDigits(ns/1e6) + " ms"
	case ns >= 1e3:
		return threeDigits(ns/1e3) + " µs"
	}
	return threeDigits(ns) + " ns"
}

// humanBytes writes a byte count in binary units, three significant
// digits: 48 B, 2.00 KiB, 31.5 MiB.
func humanBytes(b float64) string {
	b = roundSignificant(b, 3)
	switch {
	case b >= 1<<30:
		return threeDigits(b/(1<<30)) + " GiB"
	case b >= 1<<20:
		return threeDigits(b/(1<<20)) + " MiB"
	case b >= 1<<10:
		return threeDigits(b/(1<<10)) + " KiB"
	}
	return fmt.Sprintf("%.0f B", b)
}

// threeDigits writes v with three significant digits and never an
// exponent: 0.639, 8.71, 43.3, 2020.
func threeDigits(v float64) string {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	v = roundSignificant(v, 3)
	decimals := max(0, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// roundSignificant rounds v to n significant digits.
func roundSignificant(v float64, n int) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	p := math.Pow10(n - 1 - int(math.Floor(math.Log10(math.Abs(v)))))
	return math.Round(v*p) / p
}
