package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
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

// summary prints, per workload configuration, each strategy's median time
// and rmap space, relative to the fastest and the smallest.
func summary(w io.Writer, rs []*benchfmt.Result) {
	runs := results.Parse(rs)
	type cell struct{ ns, space []float64 }
	var configs []string
	byConfig := map[string]map[string]*cell{}
	var strategies []string
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
		}
		if v, ok := r.Value("rmap-peak-B"); ok {
			c.space = append(c.space, v)
		}
	}
	for _, cfg := range configs {
		fmt.Fprintf(w, "\n%s\n", cfg)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "strategy\ttime\tvs fastest\trmap space\tvs smallest\t\n")
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
				rel = fmt.Sprintf("x%.1f", sp/smallest)
			}
			fmt.Fprintf(tw, "%s\t%.3gms\tx%.2f\t%s\t%s\t\n", st, ns/1e6, ns/fastest, humanBytes(sp), rel)
		}
		tw.Flush()
	}
}

func humanBytes(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1fGiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1fMiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1fKiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0fB", b)
}
