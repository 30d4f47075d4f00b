// Package suite runs benchmark cases — a workload under a strategy and an
// i_mmap index — on fresh simulated machines and turns what each machine
// measured into benchfmt results with the names and units the README lists.
//
// Each case runs Count times; the runs are interleaved across cases (case
// 1, case 2, ..., case 1, case 2, ...) so that drift of the host machine
// spreads over all strategies instead of biasing one.
package suite

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"time"

	"rmapbench/core"
	"rmapbench/core/report"
)

// Case is one benchmark configuration.
type Case struct {
	// Name is the benchmark name, with its key=value sub-names.
	Name     string
	Strategy core.Strategy
	Index    core.IndexKind
	// Drive runs the workload on m; run counts from 0.
	Drive func(m *core.Machine, run int) error
}

// Options are the machine settings and repetitions shared by all cases.
type Options struct {
	Arch     *core.Arch
	MemBytes int64
	// MaxSimBytes is the budget of the simulator's own memory
	// (core.Config.MaxSimBytes).
	MaxSimBytes int64
	Seed        uint64
	Count       int
	Verify      bool
	// Options are passed to every machine (core.Config.Options).
	Options map[string]string
	// Aging is reclaim's aging policy (core.Config.Aging).
	Aging core.Aging
	// HW is the cache model's hardware profile (core.Config.HW): "" or
	// "off" for none.
	HW  string
	Ctx context.Context
	// Progress, if set, is called after each run.
	Progress func(done, total int, c *Case)
}

// CaseError is a failure of one run of a case.
type CaseError struct {
	Case     string
	Strategy string
	Err      error
}

func (e *CaseError) Error() string { return fmt.Sprintf("%s: %v", e.Case, e.Err) }
func (e *CaseError) Unwrap() error { return e.Err }

// Run runs every case Count times and writes one result per run.
func Run(opts Options, cases []Case, w *report.Writer) error {
	count := max(opts.Count, 1)
	total := count * len(cases)
	done := 0
	for run := 0; run < count; run++ {
		for i := range cases {
			c := &cases[i]
			if opts.Ctx != nil {
				if err := opts.Ctx.Err(); err != nil {
					return err
				}
			}
			res, err := RunOnce(opts, c, run)
			if err != nil {
				var ve *core.VerifyError
				if errors.As(err, &ve) && ve.Strategy == "" {
					ve.Strategy = c.Strategy.Name
				}
				return &CaseError{Case: c.Name, Strategy: c.Strategy.Name, Err: err}
			}
			if err := w.Write(res); err != nil {
				return err
			}
			done++
			if opts.Progress != nil {
				opts.Progress(done, total, c)
			}
		}
	}
	return nil
}

// RunOnce runs a case once on a fresh machine and measures it.
func RunOnce(opts Options, c *Case, run int) (report.Result, error) {
	m := core.NewMachineFor(core.Config{
		Arch:        opts.Arch,
		MemBytes:    opts.MemBytes,
		MaxSimBytes: opts.MaxSimBytes,
		Seed:        opts.Seed,
		NewIndex:    c.Index.New,
		Verify:      opts.Verify,
		Options:     opts.Options,
		Ctx:         opts.Ctx,
		Aging:       opts.Aging,
		HW:          opts.HW,
	}, c.Strategy)
	// Start every run from a collected heap, so that one run does not pay
	// for the garbage of the one before.
	runtime.GC()
	start := time.Now()
	if err := c.Drive(m, run); err != nil {
		return report.Result{}, err
	}
	wall := time.Since(start) - m.VerifyTime
	metrics := Measure(m, wall)
	// What the simulator itself costs in memory: the live Go heap per
	// resident frame at the end of the run (page tables, frames, the
	// strategy's structures, the trace reader's buffers).
	if frames := m.FramesInUse(); frames > 0 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		metrics = append(metrics, report.Metric{Value: float64(ms.HeapAlloc) / float64(frames), Unit: "heap-B/frame"})
	}
	runtime.KeepAlive(m)
	return report.Result{Name: c.Name, Iters: 1, Metrics: metrics}, nil
}

// timedOps are the operations reported as sec/<op> when the run had any.
var timedOps = []core.Op{core.OpFork, core.OpExec, core.OpExit, core.OpFault, core.OpMunmap, core.OpMremap, core.OpWalk, core.OpRefWalk, core.OpKsm, core.OpMigrate}

// Measure turns a machine's measurements into metrics.
func Measure(m *core.Machine, wall time.Duration) []report.Metric {
	ms := []report.Metric{{Value: float64(wall.Nanoseconds()), Unit: "ns/op"}}
	for _, op := range timedOps {
		if n := m.Stats.Count[op]; n > 0 {
			ms = append(ms, report.Metric{Value: m.Stats.Time[op].Seconds() / float64(n), Unit: "sec/" + op.String()})
		}
	}
	// The space model by where the bytes live (core/space.go): objects,
	// fields in VMAs and mms, fields in struct page; rmap-B is their sum
	// and rmap-peak-B the peak of the sum.
	b := m.Space.Bytes()
	for _, u := range []struct {
		unit string
		v    int64
	}{
		{"rmap-obj-B", b.Obj}, {"rmap-obj-peak-B", b.ObjPeak},
		{"rmap-vma-B", b.VMA}, {"rmap-vma-peak-B", b.VMAPeak},
		{"rmap-page-B", b.Page}, {"rmap-page-peak-B", b.PagePeak},
		{"rmap-B", b.Sum}, {"rmap-peak-B", b.SumPeak},
	} {
		ms = append(ms, report.Metric{Value: float64(u.v), Unit: u.unit, Exact: true})
	}
	w := m.Walk
	perWalk := func(x int64) float64 {
		if w.Walks == 0 {
			return 0
		}
		return float64(x) / float64(w.Walks)
	}
	ms = append(ms,
		report.Metric{Value: float64(w.Walks), Unit: "walks", Exact: true},
		report.Metric{Value: perWalk(w.VMAs), Unit: "vmas/walk", Exact: true},
		report.Metric{Value: perWalk(w.PTEs), Unit: "ptes/walk", Exact: true},
		report.Metric{Value: perWalk(w.Steps), Unit: "chain-steps/walk", Exact: true},
		report.Metric{Value: float64(m.Stats.MremapCopies), Unit: "mremap-copies", Exact: true},
		report.Metric{Value: float64(m.Stats.PeakMappings), Unit: "mappings-peak", Exact: true},
	)
	ms = append(ms, costMetrics(m)...)
	ms = append(ms, reclaimMetrics(m)...)
	// ksmd's counters, as /sys/kernel/mm/ksm has them, for runs that used
	// KSM (core/ksm.go, docs/ksm.md).
	if k := m.KSMStats(); k.Active {
		for _, u := range []struct {
			unit string
			v    int64
		}{
			{"ksm-pages-shared", k.PagesShared}, {"ksm-pages-sharing", k.PagesSharing},
			{"ksm-pages-unshared", k.PagesUnshared}, {"ksm-pages-volatile", k.PagesVolatile},
			{"ksm-stable-node-chains", k.StableNodeChains}, {"ksm-stable-node-dups", k.StableNodeDups},
			{"ksm-full-scans", k.FullScans}, {"ksm-merged", k.Merged}, {"ksm-copies", m.Stats.KSMCopies},
		} {
			ms = append(ms, report.Metric{Value: float64(u.v), Unit: u.unit, Exact: true})
		}
	}
	ms = append(ms, migrationMetrics(m)...)
	ms = append(ms, folioMetrics(m)...)
	// Every line reports every struct of StructNames, zero where the
	// strategy allocates none, so that scripts and benchstat tables can
	// rely on the units; then any other kind a strategy registered.
	objs := m.Space.Objects()
	names := slices.Clone(StructNames)
	for _, o := range objs {
		if !slices.Contains(names, o.Name) {
			names = append(names, o.Name)
		}
	}
	for _, name := range names {
		var live, peak int64
		for _, o := range objs {
			if o.Name == name {
				live, peak = o.Live, o.Peak
			}
		}
		ms = append(ms,
			report.Metric{Value: float64(live), Unit: name + "-objs", Exact: true},
			report.Metric{Value: float64(peak), Unit: name + "-peak-objs", Exact: true},
		)
	}
	return ms
}

// StructNames are the kernel structs every result reports.
var StructNames = []string{"pte_chain", "anonmm", "anon_vma", "anon_vma_chain", "vma"}

// per is x per n, 0 when n is 0.
func per(x, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(x) / float64(n)
}

func exact(v float64, unit string) report.Metric {
	return report.Metric{Value: v, Unit: unit, Exact: true}
}

// reclaimMetrics are the aging policy's counters: the rmap walks of each
// kind, what reclaim looked at and freed, what came back, and the
// page-table reads that replace rmap walks under the multi-gen LRU.
func reclaimMetrics(m *core.Machine) []report.Metric {
	s := &m.Stats
	perRef := func(x int64) float64 { return per(x, s.RefWalks) }
	return []report.Metric{
		exact(float64(s.RefWalks), "ref-walks"),
		exact(float64(s.UnmapWalks), "unmap-walks"),
		exact(perRef(s.RefWork.VMAs), "vmas/ref-walk"),
		exact(perRef(s.RefWork.PTEs), "ptes/ref-walk"),
		exact(perRef(s.RefWork.Steps), "chain-steps/ref-walk"),
		exact(per(s.RefOnceWork.VMAs, s.RefOnceWork.Walks), "vmas/ref-walk-1map"),
		exact(float64(s.PagesScanned), "pages-scanned"),
		exact(float64(s.Reclaimed), "pages-reclaimed"),
		exact(float64(s.Refaults()), "refaults"),
		exact(float64(s.PTScanPTEs), "pt-scan-ptes"),
		exact(float64(s.LookAroundPTEs), "lookaround-ptes"),
	}
}

// migrationMetrics are page migration's counters (core/migrate.go): the
// pages moved and left in place, and its two walks per page,
// try_to_migrate and remove_migration_ptes, with their work per walk.
func migrationMetrics(m *core.Machine) []report.Metric {
	s := &m.Stats
	w := s.MigrateWork
	return []report.Metric{
		exact(float64(s.Migrations), "migrations"),
		exact(float64(s.MigrateFails), "migrate-fails"),
		exact(float64(s.MigrateWalks), "migrate-walks"),
		exact(per(w.VMAs, w.Walks), "vmas/migrate-walk"),
		exact(per(w.PTEs, w.Walks), "ptes/migrate-walk"),
		exact(per(w.Steps, w.Walks), "chain-steps/migrate-walk"),
	}
}
