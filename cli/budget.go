package cli

import (
	"fmt"
	"io"
	"strings"

	"rmapbench/core"
	"rmapbench/workloads"
)

// The simulator's memory budget on the command line: -max-sim-mem, and
// the check of each workload's sizes against it before the run
// (core/budget.go has the budget itself, workloads/footprint.go the
// bounds).

// parseMaxSimMem parses -max-sim-mem: a size of at least 64 MiB.
func parseMaxSimMem(s string) (int64, error) {
	v, err := parseSize(s)
	if err != nil {
		return 0, &usageError{fmt.Sprintf("-max-sim-mem: %v", err)}
	}
	if v < 64<<20 {
		return 0, &usageError{fmt.Sprintf("-max-sim-mem %s: below the minimum of 64 MiB", s)}
	}
	return v, nil
}

// checkFootprints refuses a workload whose sizes (its scale with the
// -param overrides) need more simulator memory than the budget holds.
func checkFootprints(gens []*workloads.Generator, scale workloads.Scale, overrides workloads.Values, budget int64) error {
	for _, g := range gens {
		v := g.Values(scale, overrides)
		need := g.Footprint(v)
		if need <= budget {
			continue
		}
		var sizes []string
		for _, k := range g.Knobs {
			sizes = append(sizes, k.Name+"="+knobString(k, v[k.Name]))
		}
		return &usageError{fmt.Sprintf("workload %s with %s needs at least %s of simulator memory (the page tables of its processes); the budget is %s (-max-sim-mem): choose smaller -param values",
			g.Name, strings.Join(sizes, ","), core.FormatBytes(need), core.FormatBytes(budget))}
	}
	return nil
}

// knobString writes a knob value as -param takes it.
func knobString(k workloads.Knob, v int64) string {
	return k.Format(v)
}

// closeSources removes what the sources keep while the suite runs (the
// copy of standard input of -trace -).
func (p *suitePlan) closeSources() {
	for _, s := range p.sources {
		if c, ok := s.(io.Closer); ok {
			c.Close()
		}
	}
}
