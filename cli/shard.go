package cli

import (
	"cmp"
	"slices"

	"rmapbench/core/suite"
	"rmapbench/workloads"
	"rmapbench/workloads/trace"
)

// Sharding. -shard i/n runs part i of n of the benchmark matrix. Every
// shard plans the same matrix and assigns every case to exactly one part
// by the same deterministic rule, so shards 1/n .. n/n together run every
// case exactly once (with all its -count runs), whatever machines run
// them. The rule balances the parts by an estimate of each case's cost:
// cases are taken from the most to the least expensive (ties in matrix
// order) and each goes to the part with the least estimated cost so far
// (ties to the lowest part), the longest-processing-time-first rule.
// Round-robin over the matrix put every pagescan case in one part when n
// divided the number of strategies: 11.6 s for shard 1/6 at default
// scale against 0.47 s for shard 6/6.

// shardOf returns the cases of part shard (1-based) of shards.
func shardOf(cs []suite.Case, cost []float64, shard, shards int) []suite.Case {
	if shards == 1 {
		return cs
	}
	part := assignShards(cost, shards)
	var out []suite.Case
	for k, c := range cs {
		if part[k] == shard-1 {
			out = append(out, c)
		}
	}
	return out
}

// assignShards gives each case (by its estimated cost) a part in
// [0, shards).
func assignShards(cost []float64, shards int) []int {
	order := make([]int, len(cost))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(cost[b], cost[a]) })
	load := make([]float64, shards)
	part := make([]int, len(cost))
	for _, k := range order {
		best := 0
		for s := 1; s < shards; s++ {
			if load[s] < load[best] {
				best = s
			}
		}
		part[k] = best
		load[best] += cost[k]
	}
	return part
}

// sourceCost is what the estimate needs to know of a workload's events,
// counted from the event stream alone (no machine runs).
type sourceCost struct {
	// work is the MMU's own work, which every strategy pays: events,
	// pages touched, PTEs copied by fork and torn down by exec and exit.
	work float64
	// walks is the number of pages reclaim events ask for.
	walks float64
	// scan is the PTEs a walk that scans every page table would examine:
	// for each reclaim event, the pages asked for times the PTEs mapped
	// then.
	scan float64
}

// scanCost and walkCost weigh a PTE scanned by a page-table scan and a
// reverse walk against a unit of the MMU's work; measured at default
// scale (the pagescan cases' ns/op against the others').
const (
	scanCost = 0.05
	walkCost = 20
)

// caseCost is the estimated cost of running a source under a strategy:
// pagescan's walks scan every page table (cost per walk grows with all
// the PTEs mapped), the others' visit only the page's own mappings.
func caseCost(sc sourceCost, strategy string) float64 {
	c := sc.work + walkCost*sc.walks
	if strategy == "pagescan" {
		c += scanCost * sc.scan
	}
	return c
}

// estimateSource counts a source's events into a sourceCost. A trace is
// not read (it may be standard input, which can be read only once): all
// its cases weigh the same, but for the strategy.
func estimateSource(src workloads.Source) sourceCost {
	if _, ok := src.(*workloads.TraceSource); ok {
		return sourceCost{work: 1, walks: 1, scan: 1 / scanCost}
	}
	type proc struct{ mapped, touched float64 }
	procs := map[uint64]*proc{}
	get := func(pid uint64) *proc {
		p := procs[pid]
		if p == nil {
			p = &proc{}
			procs[pid] = p
		}
		return p
	}
	var sc sourceCost
	var ptes float64 // PTEs mapped over all processes, as far as the stream tells
	pages := func(n uint64) float64 { return float64(n / trace.PageSize) }
	setTouched := func(p *proc, t float64) {
		t = max(0, min(t, p.mapped))
		ptes += t - p.touched
		p.touched = t
	}
	src.Run(func(ev trace.Event) error {
		sc.work++
		switch ev.Op {
		case trace.OpMmap:
			get(ev.PID).mapped += pages(ev.Len)
		case trace.OpMunmap:
			p := get(ev.PID)
			p.mapped = max(0, p.mapped-pages(ev.Len))
			setTouched(p, p.touched-pages(ev.Len))
		case trace.OpDontNeed:
			p := get(ev.PID)
			setTouched(p, p.touched-pages(ev.Len))
		case trace.OpMremap:
			p := get(ev.PID)
			p.mapped = max(0, p.mapped+pages(ev.NewLen)-pages(ev.Len))
			setTouched(p, p.touched)
		case trace.OpTouch:
			p := get(ev.PID)
			sc.work += pages(ev.Len)
			setTouched(p, p.touched+pages(ev.Len))
		case trace.OpFork:
			p := get(ev.PID)
			sc.work += p.touched
			procs[ev.Child] = &proc{mapped: p.mapped, touched: p.touched}
			ptes += p.touched
		case trace.OpExec, trace.OpExit:
			p := get(ev.PID)
			sc.work += p.touched
			setTouched(p, 0)
			p.mapped = 0
			if ev.Op == trace.OpExit {
				delete(procs, ev.PID)
			}
		case trace.OpReclaim:
			sc.walks += float64(ev.N)
			sc.scan += float64(ev.N) * ptes
		}
		return nil
	})
	return sc
}
