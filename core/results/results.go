// Package results reads rmapbench results back: it loads benchfmt files,
// takes benchmark names apart into workload and key=value parts, reads
// metrics and knob values, and computes the medians that charts and the
// claims report are built from. It is the reading side of core/report.
package results

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Run is one result line with its name taken apart.
type Run struct {
	Res      *benchfmt.Result
	Workload string            // base name: ForkExit, SGA, ...
	Keys     map[string]string // name keys: strategy, procs, rss, ...
	Order    []string          // the keys in name order
	Arch     string            // file config arch (x86_64 when absent)
}

// Parse takes every result's name apart.
func Parse(results []*benchfmt.Result) []Run {
	runs := make([]Run, 0, len(results))
	for _, r := range results {
		base, parts := r.Name.Parts()
		rn := Run{Res: r, Workload: string(base), Keys: map[string]string{}}
		for i, p := range parts {
			s := string(p)
			if strings.HasPrefix(s, "-") { // GOMAXPROCS suffix
				continue
			}
			s = strings.TrimPrefix(s, "/")
			k, v, ok := strings.Cut(s, "=")
			if !ok { // a positional sub-benchmark name
				k, v = fmt.Sprintf("#%d", i), s
			}
			if _, dup := rn.Keys[k]; !dup {
				rn.Order = append(rn.Order, k)
			}
			rn.Keys[k] = v
		}
		rn.Arch = r.GetConfig("arch")
		if rn.Arch == "" {
			rn.Arch = "x86_64"
		}
		runs = append(runs, rn)
	}
	return runs
}

// Value returns the metric in unit as it was written in the file (ns/op
// in ns, not benchfmt's tidied sec/op).
func (r Run) Value(unit string) (float64, bool) {
	for _, v := range r.Res.Values {
		if v.OrigUnit == unit {
			return v.OrigValue, true
		}
	}
	for _, v := range r.Res.Values {
		if v.Unit == unit && v.OrigUnit == "" {
			return v.Value, true
		}
	}
	return 0, false
}

// Knob returns the numeric value of a name key; byte sizes (16MiB) are
// returned in bytes.
func (r Run) Knob(key string) (float64, bool) {
	s, ok := r.Keys[key]
	if !ok {
		return 0, false
	}
	v, err := ParseNumber(s)
	return v, err == nil
}

// Rest returns the name keys other than those in skip, with arch when
// withArch: the part of the configuration a chart does not plot.
func (r Run) Rest(withArch bool, skip ...string) map[string]string {
	m := map[string]string{}
	for k, v := range r.Keys {
		if !slices.Contains(skip, k) {
			m[k] = v
		}
	}
	if withArch {
		m["arch"] = r.Arch
	}
	return m
}

// ParseNumber parses a knob value: a plain number or a byte size with a
// binary unit (16MiB, 512KiB, 1GiB, 2G, 4096B).
func ParseNumber(s string) (float64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1},
	}
	num, mult := s, 1.0
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			num, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("not a number or size: %q", s)
	}
	return v * mult, nil
}

// Median is the median of vs (which must not be empty).
func Median(vs []float64) float64 {
	s := slices.Sorted(slices.Values(vs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Geomean is the geometric mean of vs.
func Geomean(vs []float64) float64 {
	sum := 0.0
	for _, v := range vs {
		sum += math.Log(v)
	}
	return math.Exp(sum / float64(len(vs)))
}

// Config is the run's configuration without the keys named: its workload,
// its other name keys in name order, and its arch. Runs with equal Configs
// differ only in the keys left out.
func (r Run) Config(without ...string) string {
	var b strings.Builder
	b.WriteString(r.Workload)
	for _, k := range r.Order {
		if !slices.Contains(without, k) {
			b.WriteString("/" + k + "=" + r.Keys[k])
		}
	}
	if r.Arch != "x86_64" {
		b.WriteString(" (" + r.Arch + ")")
	}
	return b.String()
}
