package suite

import (
	"rmapbench/core"
	"rmapbench/core/report"
)

// workOps are the operations whose rmap work every line reports per
// operation (core/work.go), whether or not the run had any.
var workOps = []core.Op{core.OpFork, core.OpExec, core.OpExit, core.OpFault, core.OpMunmap, core.OpMremap, core.OpWalk, core.OpRefWalk, core.OpMigrate}

// costMetrics are the work counters (core/work.go, core/cost.go) per
// operation of each kind in workOps: the calls into the rmap interface,
// the rmap steps, the strategy's objects allocated and freed, the struct
// pages touched and the PTEs copied or cleared, all exact; and, when the
// machine runs a hardware profile (-hw), the cache model's misses
// (exact: a count of the model) and its modelled seconds (a model, not a
// measurement; the unit says so).
//
// The walks have no ptes/OP of their own: ptes/walk and ptes/ref-walk
// are already the PTEs a walk looks at (Machine.Walk), among them those
// it clears, and one line cannot carry a unit twice.
func costMetrics(m *core.Machine) []report.Metric {
	var ms []report.Metric
	for _, op := range workOps {
		w, n := m.WorkOf(op), m.Stats.Count[op]
		name := op.String()
		ms = append(ms,
			exact(per(w.Calls, n), "rmap-calls/"+name),
			exact(per(w.Steps, n), "rmap-steps/"+name),
			exact(per(w.Allocs, n), "rmap-allocs/"+name),
			exact(per(w.Frees, n), "rmap-frees/"+name),
			exact(per(w.PageTouches, n), "page-touches/"+name),
		)
		if op != core.OpWalk && op != core.OpRefWalk {
			ms = append(ms, exact(per(w.PTEs, n), "ptes/"+name))
		}
	}
	p, ok := m.HW()
	if !ok {
		return ms
	}
	for _, op := range workOps {
		w, n := m.WorkOf(op), m.Stats.Count[op]
		name := op.String()
		ms = append(ms,
			exact(per(w.Misses, n), "cache-misses/"+name),
			exact(p.Seconds(w.Cycles)/float64(max(n, 1)), "modelled-sec/"+name),
		)
	}
	return ms
}
