package plot

import (
	"cmp"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"
)

// point is one x position of a series: the median of the runs there and
// its error bar.
type point struct {
	X, Y float64
	// Lo and Hi are the error bar drawn around Y: the 95% confidence interval
	// of the median, or the min and max of the runs (see figure.Band).
	Lo, Hi float64
	// Min, Max and the confidence interval (CILo, CIHi; infinite when
	// there are too few runs) of the runs.
	Min, Max, CILo, CIHi float64
	N                    int
	// Clamped is set when Y <= 0 was raised to the floor of a log axis.
	Clamped bool
}

// series is one line (or one set of bars) of a panel.
type series struct {
	Label string
	Key   string // style key: the strategy, file index, ... it stands for
	// Points in increasing X.
	Points []point
	// Ref marks a reference line derived from the data (a claim's
	// threshold, an extrapolation): drawn dashed and thin, without marks
	// or bars.
	Ref bool
}

// scaled is a reference line at factor times s's medians.
func (s series) scaled(label string, factor float64) series {
	ref := series{Label: label, Key: s.Key, Ref: true}
	for _, p := range s.Points {
		y := p.Y * factor
		ref.Points = append(ref.Points, point{X: p.X, Y: y, Lo: y, Hi: y, Min: y, Max: y, N: p.N})
	}
	return ref
}

// summarize computes the median of values, their range and the 95%
// confidence interval of the median, as benchstat does.
func summarize(x float64, values []float64) point {
	vs := slices.Clone(values)
	s := benchmath.AssumeNothing.Summary(benchmath.NewSample(vs, &benchmath.DefaultThresholds), 0.95)
	p := point{X: x, Y: s.Center, Min: vs[0], Max: vs[len(vs)-1], CILo: s.Lo, CIHi: s.Hi, N: len(vs)}
	p.Lo, p.Hi = p.Min, p.Max
	return p
}

// collector gathers observations (series, x, y) from runs and turns them
// into series of medians. Each observation carries the rest of its
// configuration: rest keys that differ between observations split the
// series (and are named in its label) so that different configurations
// are never pooled as runs of one.
type collector struct {
	obs []observation
}

type observation struct {
	label, key string
	x, y       float64
	rest       map[string]string
}

func (c *collector) add(label, key string, x, y float64, rest map[string]string) {
	c.obs = append(c.obs, observation{label, key, x, y, rest})
}

func (c *collector) empty() bool { return len(c.obs) == 0 }

// varying returns the rest keys whose values differ between observations
// (a key missing from some counts as differing), sorted.
func (c *collector) varying() []string {
	seen := map[string]map[string]bool{}
	for _, o := range c.obs {
		for k, v := range o.rest {
			if seen[k] == nil {
				seen[k] = map[string]bool{}
			}
			seen[k][v] = true
		}
	}
	// A key some observation lacks is in fewer than all of them.
	count := map[string]int{}
	for _, o := range c.obs {
		for k := range o.rest {
			count[k]++
		}
	}
	var keys []string
	for k, vals := range seen {
		if len(vals) > 1 || count[k] < len(c.obs) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// series returns the series in the order given by rank of their keys
// (then by label), each with one point per x.
func (c *collector) series(rank func(key string) int) []series {
	vary := c.varying()
	type sk struct{ label, key string }
	var order []sk
	vals := map[sk]map[float64][]float64{}
	for _, o := range c.obs {
		label := o.label
		var extra []string
		for _, k := range vary {
			if v, ok := o.rest[k]; ok {
				extra = append(extra, k+"="+v)
			}
		}
		if len(extra) > 0 {
			label += " (" + strings.Join(extra, ", ") + ")"
		}
		id := sk{label, o.key}
		if vals[id] == nil {
			vals[id] = map[float64][]float64{}
			order = append(order, id)
		}
		vals[id][o.x] = append(vals[id][o.x], o.y)
	}
	slices.SortStableFunc(order, func(a, b sk) int {
		if c := cmp.Compare(rank(a.key), rank(b.key)); c != 0 {
			return c
		}
		return strings.Compare(a.label, b.label)
	})
	var out []series
	for _, id := range order {
		s := series{Label: id.label, Key: id.key}
		for x, ys := range vals[id] {
			s.Points = append(s.Points, summarize(x, ys))
		}
		slices.SortFunc(s.Points, func(a, b point) int { return cmp.Compare(a.X, b.X) })
		out = append(out, s)
	}
	return out
}

// Canonical orders of the series keys.
var (
	strategyOrder  = []string{"pagescan", "ptechain", "filelinear", "anonmm", "anonvma", "anonvma-avc", "anonvma-folio"}
	fileIndexOrder = []string{"linear", "prio", "interval"}
	reuseOrder     = []string{"reuse", "no reuse"}
)

func ranker(order []string) func(string) int {
	return func(k string) int {
		if i := slices.Index(order, k); i >= 0 {
			return i
		}
		return len(order)
	}
}

// objectBased are the strategies whose file pages go through i_mmap
// (the same file walk: they differ only in anonymous pages).
var objectBased = []string{"filelinear", "anonmm", "anonvma", "anonvma-avc"}

// defaultFileIndex is each strategy's own era's file index, used when a
// result's name has no fileindex key.
var defaultFileIndex = map[string]string{
	"pagescan":    "linear",
	"ptechain":    "linear",
	"filelinear":  "linear",
	"anonmm":      "prio",
	"anonvma":     "prio",
	"anonvma-avc": "interval",
}
