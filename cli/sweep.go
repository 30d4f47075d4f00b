package cli

import (
	"fmt"

	"rmapbench/workloads"
)

// knobValues are the values -param gives one knob, in the order given.
type knobValues struct {
	name   string
	values []int64
}

// sweep is the cross product of the knobs' values: one set of overrides
// per combination, the first knob varying slowest ("procs=16,32,rss=1MiB,
// 2MiB" gives procs=16 rss=1MiB, procs=16 rss=2MiB, procs=32 rss=1MiB,
// procs=32 rss=2MiB). No knobs give one empty set: the scale's values.
func sweep(knobs []knobValues) []workloads.Values {
	out := []workloads.Values{{}}
	for _, k := range knobs {
		next := make([]workloads.Values, 0, len(out)*len(k.values))
		for _, o := range out {
			for _, v := range k.values {
				c := workloads.Values{k.name: v}
				for name, x := range o {
					c[name] = x
				}
				next = append(next, c)
			}
		}
		out = next
	}
	return out
}

// sweepSources is each generator at each point of the sweep, in order.
// A knob the generator lacks changes nothing for it, so points that give
// a generator the same values are run once.
func sweepSources(gens []*workloads.Generator, scale workloads.Scale, points []workloads.Values, seed uint64) []workloads.Source {
	var out []workloads.Source
	for _, g := range gens {
		seen := map[string]bool{}
		for _, pt := range points {
			v := g.Values(scale, pt)
			key := fmt.Sprint(v) // maps print with sorted keys
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, g.Source(v, seed))
		}
	}
	return out
}
