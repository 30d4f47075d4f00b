package workloads

import (
	"math"

	"rmapbench/core"
)

// Footprints. Before a run, the command checks each workload's sizes
// (-scale, -param) against the simulator's memory budget (-max-sim-mem,
// core/budget.go), so that a size the budget cannot hold is refused at
// once instead of after minutes of work. Footprint is a lower bound of
// what a workload makes the simulator hold at its peak, counting only
// what no other setting bounds: the page tables of the processes alive
// together (one PTE table per 2 MiB of each process's touched ranges, and
// the three tables above it) and their VMAs. Frames are left out: -mem
// bounds them. A workload under its footprint may still pass the budget
// (the check at run time stops it then); one over it certainly would.

// Footprint returns a lower bound, in bytes, of the simulator memory the
// workload needs at its peak with the knob values v.
func (g *Generator) Footprint(v Values) int64 {
	f := footprints[g.Name]
	if f == nil {
		return 0
	}
	fv := map[string]float64{}
	for k, x := range v {
		fv[k] = float64(x)
	}
	// Knobs reach 2^40 and sizes 2^50: products are taken in float64,
	// and saturate.
	return int64(min(f(fv), math.MaxInt64/2))
}

// Bytes per page table and per VMA, as core's budget counts them (at
// least).
const (
	tableBytes = core.PageSize
	vmaBytes   = 128
)

// procTables is what a process with ranges mapping n bytes needs: its
// PTE tables (2 MiB each, at least one) and the PMD, PUD and PGD above
// them.
func procTables(n float64) float64 { return (max(math.Ceil(n/(2<<20)), 1) + 3) * tableBytes }

// footprints holds each generator's bound, by -workload name.
var footprints = map[string]func(map[string]float64) float64{
	// The shell and the commands running at once, each with the shell's
	// heap (a fork copies its page tables) and a stack.
	"forkexit": func(v map[string]float64) float64 {
		return (v["running"] + 1) * procTables(v["rss"]+libcText)
	},
	// The parent and its workers, each with the heap and the data file.
	"prefork": func(v map[string]float64) float64 {
		return (v["workers"] + 1) * procTables(v["rss"]+v["rss"]/2)
	},
	// The live chain of depth processes, each with vmas VMAs.
	"forkchain": func(v map[string]float64) float64 {
		return (v["depth"] + 1) * (procTables(v["vmas"]*5*pageSize) + v["vmas"]*vmaBytes)
	},
	// procs processes, each with windows windows of 16 pages.
	"manymapped": func(v map[string]float64) float64 {
		return v["procs"] * (procTables(v["windows"]*17*pageSize) + v["windows"]*vmaBytes)
	},
	// procs processes attaching the segment.
	"sga": func(v map[string]float64) float64 {
		return v["procs"] * procTables(v["sga"])
	},
	// The parent's two buffers, A grown to twice its size, and each
	// child's view of both.
	"mremap": func(v map[string]float64) float64 {
		return (v["procs"] + 1) * procTables(3*v["rss"])
	},
	// procs processes, each mapping a window.
	"nonlinear": func(v map[string]float64) float64 {
		return v["procs"] * procTables(v["window"])
	},
	// procs processes, each with its family's heap.
	"reclaim": func(v map[string]float64) float64 {
		return v["procs"] * procTables(v["rss"])
	},
	// procs copies, each faulting in its whole region.
	"pagefault": func(v map[string]float64) float64 {
		return v["procs"] * (procTables(v["size"]) + vmaBytes)
	},
	// procs copies mapping a region they never touch: a PGD and a VMA each.
	"mmapchurn": func(v map[string]float64) float64 {
		return v["procs"] * (tableBytes + vmaBytes)
	},
	// procs workers, each with at least its PGD.
	"latproc": func(v map[string]float64) float64 {
		return v["procs"] * tableBytes
	},
	// The harness and at least one process per level of the tree (every
	// process above the last forks one child or more), all alive when
	// the worker migrates, each mapping the region and the pfn page.
	"migrate": func(v map[string]float64) float64 {
		return (v["levels"] + 1) * (procTables(v["size"]+pageSize) + 2*vmaBytes)
	},
	// The parent and its child, each with the populated region.
	"folio-fork": func(v map[string]float64) float64 {
		return 2 * (procTables(v["size"]) + vmaBytes)
	},
	// One process with the populated region.
	"folio-munmap": func(v map[string]float64) float64 {
		return procTables(v["size"]) + vmaBytes
	},
	// sharing processes, each with its mergeable region.
	"ksm": func(v map[string]float64) float64 {
		return v["sharing"] * (procTables(v["pages"]*pageSize) + vmaBytes)
	},
}
