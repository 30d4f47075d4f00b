package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"rmapbench/core/cachemodel"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"rmapbench/core"
	"rmapbench/core/report"
	"rmapbench/core/results"
	"rmapbench/core/suite"
	"rmapbench/strategies"
	"rmapbench/workloads"
	"rmapbench/workloads/trace"
)

// suiteFlags are the flags of a suite run.
type suiteFlags struct {
	strategy, workload, fileindex string
	scale, arch, mem, maxSimMem   string
	count                         int
	seed                          uint64
	tracePath, emitTrace, out     string
	nonlinear, params, shard      string
	forkCopy, ksmMaxSharing       string
	folio                         string
	thp                           string
	aging                         string
	hw                            string
	plots                         string
	verify, avcReuse              bool
}

func newSuiteFlagSet(stderr io.Writer) (*pflag.FlagSet, *suiteFlags) {
	f := &suiteFlags{}
	fs := pflag.NewFlagSet("rmapbench", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.strategy, "strategy", "all", "strategies to run: all, or a comma-separated list (rmapbench list)")
	fs.StringVar(&f.workload, "workload", "all", "workloads to run: all, or a comma-separated list (rmapbench list)")
	fs.StringVar(&f.fileindex, "fileindex", "", "i_mmap index: linear, prio, interval or all (default: each strategy's own era)")
	fs.StringVar(&f.scale, "scale", "default", "workload size: small, default or large")
	fs.IntVar(&f.count, "count", 1, "runs of each benchmark (benchstat wants 6 or more)")
	fs.StringVar(&f.tracePath, "trace", "", "replay this trace file (plain or .gz, - for stdin) as the workload")
	fs.BoolVar(&f.verify, "verify", false, "check every reverse walk against the page-table oracle")
	fs.StringVar(&f.arch, "arch", "x86_64", "struct sizes of the space model: x86_64 or i386")
	fs.StringVar(&f.mem, "mem", "16GiB", "simulated physical memory; reclaim runs when it is full")
	fs.StringVar(&f.maxSimMem, "max-sim-mem", fmt.Sprintf("%dGiB", core.DefaultMaxSimBytes>>30), "budget for the simulator's own memory (page tables, VMAs, frames, ...); a run that needs more stops with exit status 1")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of every random choice")
	fs.StringVar(&f.params, "param", "", "knob values to run instead of the scale's; several values sweep a knob, several knobs sweep their cross product: procs=16,32,64,rss=64MiB (rmapbench list shows the knobs)")
	fs.StringVar(&f.shard, "shard", "", "run only part i of n of the suite (i/n, 1 <= i <= n); shards 1/n..n/n together are the whole suite")
	fs.StringVar(&f.nonlinear, "nonlinear", "hugh", "policy for pages of nonlinear (remap_file_pages) VMAs: hugh or andrea")
	fs.StringVar(&f.forkCopy, "fork-copy", "", "which VMAs fork copies PTEs of: all (2.4 - 2.6.13) or anon (2.6.14+) (default: each strategy's era)")
	fs.StringVar(&f.aging, "aging", "lru", "reclaim's aging policy: lru (2.6's active/inactive lists), random (seeded victims, no aging) or mglru (6.1's multi-gen LRU)")
	fs.StringVar(&f.hw, "hw", "off", "cache model of a machine for cache-misses/OP and modelled-sec/OP: off, "+strings.Join(cachemodel.Names(), " or ")+" (docs/cost-model.md)")
	fs.BoolVar(&f.avcReuse, "avc-reuse", true, "anonvma-avc: reuse anon_vmas by degree as 3.19+ does (false: the unbounded growth before it)")
	fs.StringVar(&f.folio, "folio", "4KiB", "the size of the large folios anonymous write faults allocate and map with PTEs (6.8's multi-size THP): a power of two from 4KiB to 2MiB")
	fs.StringVar(&f.thp, "thp", "never", "transparent huge pages: always maps a 2 MiB anonymous folio by one PMD where a write fault's aligned 2 MiB range fits its VMA (strategies with the folio rmap interface; the others map PTEs), never")
	fs.StringVar(&f.ksmMaxSharing, "ksm-max-page-sharing", strconv.Itoa(core.DefaultMaxPageSharing), "KSM's max_page_sharing: the most mappings of one KSM page (4.13+); 0: no limit, as before 4.13")
	fs.StringVar(&f.emitTrace, "emit-trace", "", "also write the generated events to this trace file (one workload)")
	fs.StringVar(&f.plots, "plots", "", "also draw the charts of this run (PNG and SVG) into this directory")
	fs.StringVar(&f.out, "o", "", "write results to this file (atomically) instead of stdout")
	fs.Usage = func() { suiteUsage(stderr, fs) }
	return fs, f
}

func suiteCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, f := newSuiteFlagSet(stderr)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("unexpected argument %q (subcommands: list)", fs.Arg(0))}
	}
	if err := checkSuiteOutputs(f); err != nil {
		return err
	}
	plan, err := planSuite(f, fs, stdin)
	if err != nil {
		return err
	}
	return stopped(ctx, plan.run(ctx, stdout, stderr), f.out, f.emitTrace, f.plots)
}

// suitePlan is a checked suite run, ready to go.
type suitePlan struct {
	flags   *suiteFlags
	opts    suite.Options
	sources []workloads.Source
	strats  []core.Strategy
	indexes []core.IndexKind // nil: each strategy's own
	scale   workloads.Scale
	// nameKeys are settings the user chose, added to every name.
	nameKeys []workloads.Param
	// shard and shards select part shard of shards of the cases (1-based).
	shard, shards int
	// verified totals what -verify checked over every run.
	verified       core.VerifyStats
	verifiedEvents int64
}

func planSuite(f *suiteFlags, fs *pflag.FlagSet, stdin io.Reader) (*suitePlan, error) {
	p := &suitePlan{flags: f}
	var err error
	if p.strats, err = selectStrategies(f.strategy); err != nil {
		return nil, &usageError{err.Error()}
	}
	if f.fileindex != "" {
		if p.indexes, err = strategies.SelectIndexes(f.fileindex); err != nil {
			return nil, &usageError{err.Error()}
		}
	}
	if p.scale, err = workloads.ParseScale(f.scale); err != nil {
		return nil, &usageError{err.Error()}
	}
	arch, err := core.ArchByName(f.arch)
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	mem, err := parseSize(f.mem)
	if err != nil {
		return nil, &usageError{fmt.Sprintf("-mem: %v", err)}
	}
	maxSim, err := parseMaxSimMem(f.maxSimMem)
	if err != nil {
		return nil, err
	}
	if f.count < 1 {
		return nil, &usageError{fmt.Sprintf("-count must be at least 1 (got %d)", f.count)}
	}
	if f.tracePath != "" {
		if fs.Changed("workload") {
			return nil, &usageError{"-trace and -workload exclude each other: the trace is the workload"}
		}
		if f.tracePath != "-" {
			if _, err := os.Stat(f.tracePath); err != nil {
				return nil, &usageError{fmt.Sprintf("-trace: %v", err)}
			}
		}
		p.sources = []workloads.Source{&workloads.TraceSource{Path: f.tracePath, Stdin: stdin}}
	} else {
		gens, err := workloads.Select(f.workload)
		if err != nil {
			return nil, &usageError{err.Error()}
		}
		knobs, err := parseParams(f.params, gens)
		if err != nil {
			return nil, &usageError{err.Error()}
		}
		points := sweep(knobs)
		for _, pt := range points {
			if err := checkFootprints(gens, p.scale, pt, maxSim); err != nil {
				return nil, err
			}
		}
		p.sources = sweepSources(gens, p.scale, points, f.seed)
	}
	if f.tracePath != "" && f.params != "" {
		return nil, &usageError{"-param sets the sizes of generated workloads, not of a trace"}
	}
	if f.emitTrace != "" && (len(p.sources) != 1 || f.tracePath != "") {
		return nil, &usageError{"-emit-trace needs exactly one generated workload (-workload NAME)"}
	}
	p.shard, p.shards = 1, 1
	if f.shard != "" {
		if p.shard, p.shards, err = parseShard(f.shard); err != nil {
			return nil, &usageError{err.Error()}
		}
	}
	if !slices.Contains(strategies.NonlinearPolicies(), f.nonlinear) {
		return nil, &usageError{fmt.Sprintf("unknown nonlinear policy %q (valid: %s)", f.nonlinear, strings.Join(strategies.NonlinearPolicies(), ", "))}
	}
	aging, err := core.ParseAging(f.aging)
	if err != nil {
		return nil, &usageError{"-aging: " + err.Error()}
	}
	p.opts = suite.Options{Arch: arch, MemBytes: mem, MaxSimBytes: maxSim, Seed: f.seed, Count: f.count, Verify: f.verify, Aging: aging,
		Options: map[string]string{"nonlinear": f.nonlinear, "avc-reuse": strconv.FormatBool(f.avcReuse)}}
	if fs.Changed("fork-copy") {
		if _, err := core.ParseForkCopy(f.forkCopy); err != nil {
			return nil, &usageError{"-fork-copy: " + err.Error()}
		}
		p.opts.Options["fork-copy"] = f.forkCopy
	}
	if _, err := core.ParseMaxPageSharing(f.ksmMaxSharing); err != nil {
		return nil, &usageError{"-ksm-max-page-sharing: " + err.Error()}
	}
	p.opts.Options["ksm-max-page-sharing"] = f.ksmMaxSharing
	if f.hw != "off" {
		if _, err := cachemodel.Lookup(f.hw); err != nil {
			return nil, &usageError{"-hw: " + err.Error()}
		}
		p.opts.HW = f.hw
		p.nameKeys = append(p.nameKeys, workloads.Param{Key: "hw", Value: f.hw})
	}
	folio, err := parseFolio(f.folio)
	if err != nil {
		return nil, &usageError{"-folio: " + err.Error()}
	}
	p.opts.Options["folio"] = strconv.FormatInt(folio, 10)
	switch f.thp {
	case "always", "never":
		p.opts.Options["thp"] = f.thp
	default:
		return nil, &usageError{"-thp: want always or never, not " + strconv.Quote(f.thp)}
	}
	// Settings given on the command line are part of every benchmark
	// name, so runs with different settings never mix in benchstat.
	if fs.Changed("nonlinear") {
		p.nameKeys = append(p.nameKeys, workloads.Param{Key: "nonlinear", Value: f.nonlinear})
	}
	if fs.Changed("avc-reuse") {
		p.nameKeys = append(p.nameKeys, workloads.Param{Key: "avc-reuse", Value: strconv.FormatBool(f.avcReuse)})
	}
	if fs.Changed("fork-copy") {
		p.nameKeys = append(p.nameKeys, workloads.Param{Key: "fork-copy", Value: f.forkCopy})
	}
	if fs.Changed("aging") {
		p.nameKeys = append(p.nameKeys, workloads.Param{Key: "aging", Value: f.aging})
	}
	if fs.Changed("folio") {
		p.nameKeys = append(p.nameKeys, workloads.Param{Key: "folio", Value: f.folio})
	}
	if fs.Changed("thp") {
		p.nameKeys = append(p.nameKeys, workloads.Param{Key: "thp", Value: f.thp})
	}
	if fs.Changed("ksm-max-page-sharing") {
		p.nameKeys = append(p.nameKeys, workloads.Param{Key: "ksm-max-page-sharing", Value: f.ksmMaxSharing})
	}
	return p, nil
}

// parseShard parses -shard i/n.
func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("-shard %q: want i/n with 1 <= i <= n, e.g. 2/3", s)
	}
	return i, n, nil
}

// parseParams parses -param: comma-separated knob=value, where a value
// with no "knob=" before it is one more value of the knob before it
// ("procs=16,32,rss=1MiB"). Every knob belongs to at least one of the
// selected workloads and a byte knob takes a size (64MiB). It returns the
// values of each knob, in the order given, for sweep.
func parseParams(list string, gens []*workloads.Generator) ([]knobValues, error) {
	var out []knobValues
	if list == "" {
		return out, nil
	}
	for _, kv := range strings.Split(list, ",") {
		kv = strings.TrimSpace(kv)
		key, val, ok := strings.Cut(kv, "=")
		if !ok {
			if len(out) == 0 {
				return nil, fmt.Errorf("-param %q: want knob=value[,value...], e.g. procs=16,32,64", kv)
			}
			key, val = out[len(out)-1].name, kv
		} else {
			for _, o := range out {
				if o.name == key {
					return nil, fmt.Errorf("-param: knob %q given twice (list its values once: %s=V1,V2,...)", key, key)
				}
			}
			out = append(out, knobValues{name: key})
		}
		var knob *workloads.Knob
		var valid []string
		for _, g := range gens {
			for i := range g.Knobs {
				valid = append(valid, g.Name+"."+g.Knobs[i].Name)
				if g.Knobs[i].Name == key {
					knob = &g.Knobs[i]
				}
			}
		}
		if knob == nil {
			return nil, fmt.Errorf("-param: no selected workload has a knob %q (valid: %s)", key, strings.Join(valid, ", "))
		}
		var n int64
		var err error
		switch {
		case knob.Choices != nil:
			if n, err = knob.ParseChoice(val); err != nil {
				return nil, err
			}
		case knob.Bytes:
			n, err = parseSize(val)
		default:
			n, err = strconv.ParseInt(val, 10, 64)
		}
		if knob.Choices == nil && (err != nil || n < knob.Min || n > 1<<40) {
			return nil, fmt.Errorf("-param %s=%s: want a number of at least %d", key, val, knob.Min)
		}
		last := &out[len(out)-1]
		if slices.Contains(last.values, n) {
			return nil, fmt.Errorf("-param %s: value %s given twice", key, val)
		}
		last.values = append(last.values, n)
	}
	return out, nil
}

// parseSize parses a byte count with an optional binary unit: 16GiB,
// 512MiB, 4096, 2G.
func parseSize(s string) (int64, error) {
	v, err := results.ParseNumber(s)
	if err != nil || v <= 0 || v > 1<<50 || v != float64(int64(v)) {
		return 0, fmt.Errorf("bad size %q (want e.g. 16GiB, 512MiB)", s)
	}
	if v < 64*core.PageSize {
		return 0, fmt.Errorf("size %q is below the minimum of 64 pages", s)
	}
	return int64(v), nil
}

// parseFolio parses a folio size: 4KiB, 64KiB, 2MiB.
func parseFolio(s string) (int64, error) {
	v, err := results.ParseNumber(s)
	if err != nil || v != float64(int64(v)) {
		return 0, fmt.Errorf("bad size %q (want a power of two from 4KiB to 2MiB)", s)
	}
	if _, err := core.FolioOrder(int64(v)); err != nil {
		return 0, fmt.Errorf("bad size %q (want a power of two from 4KiB to 2MiB)", s)
	}
	return int64(v), nil
}

// cases builds the benchmark matrix: source x strategy x index.
func (p *suitePlan) cases(emit *trace.Writer) ([]suite.Case, error) {
	var cs []suite.Case
	var cost []float64 // estimated cost of each case, for -shard
	for si, src := range p.sources {
		var sc sourceCost
		if p.shards > 1 {
			sc = estimateSource(src)
		}
		for _, st := range p.strats {
			idxs := p.indexes
			if idxs == nil {
				k, err := strategies.Index(st.DefaultIndex)
				if err != nil {
					return nil, err
				}
				idxs = []core.IndexKind{k}
			}
			for _, idx := range idxs {
				name := src.Bench() + "/strategy=" + st.Name
				if p.indexes != nil {
					name += "/fileindex=" + idx.Name
				}
				for _, prm := range append(slices.Clone(p.nameKeys), src.Params()...) {
					name += "/" + prm.Key + "=" + prm.Value
				}
				emitHere := emit != nil && si == 0 && len(cs) == 0
				cs = append(cs, suite.Case{
					Name: name, Strategy: st, Index: idx,
					Drive: p.driver(src, emitHere, emit),
				})
				cost = append(cost, caseCost(sc, st.Name))
			}
		}
	}
	return shardOf(cs, cost, p.shard, p.shards), nil
}

// selectStrategies resolves -strategy. The tests of -verify replace it to
// run the command with strategies broken on purpose.
var selectStrategies = strategies.Select

// Verification policy of -verify (docs/verification.md): after every
// event of the whole run, the frames reclaim left mapped and a rotating
// sample of sampleFrames frames; at every check event and at the end of
// the run, every frame. Walks made only to verify cost at most twice the
// run's own work at passes and half of it in samples (core.WalkBudget): the
// shares that keep a verified run within 3x the time of a plain one
// (docs/verification.md has the measurements).
const sampleFrames = 64

var walkBudget = core.WalkBudget{Pass: 2, Sample: 0.5}

func (p *suitePlan) driver(src workloads.Source, emitHere bool, emit *trace.Writer) func(*core.Machine, int) error {
	return func(m *core.Machine, run int) error {
		rp := &workloads.Replayer{M: m, Verify: p.opts.Verify, Ctx: p.opts.Ctx, Sample: sampleFrames, Budget: walkBudget}
		if emitHere && run == 0 {
			rp.Emit = emit
		}
		err := src.Run(rp.Apply)
		if err == nil {
			err = rp.Finish()
		}
		p.verified.Add(m.VerifyStats())
		p.verifiedEvents += rp.Events()
		return err
	}
}

// verifiedLine is the line a verified run ends with on stderr, so that a
// user can tell it from a run that was not verified.
func (p *suitePlan) verifiedLine() string {
	v := p.verified
	line := fmt.Sprintf("rmapbench: verified: %s events, %s frame checks, %s walks, %s try_to_unmap results",
		thousands(p.verifiedEvents), thousands(v.Frames), thousands(v.Walks), thousands(v.Unmaps))
	if v.PassWalked < v.PassMapped {
		line += fmt.Sprintf(" (full passes walked %s of %s mapped frames, the rest over the walk budget)", thousands(v.PassWalked), thousands(v.PassMapped))
	}
	return line + "; all held"
}

// thousands formats a count with commas: 1,234,567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (p *suitePlan) run(ctx context.Context, stdout, stderr io.Writer) (err error) {
	defer p.closeSources()
	p.opts.Ctx = ctx
	var emitFile *report.AtomicFile
	var emit *trace.Writer
	if p.flags.emitTrace != "" {
		if emitFile, err = report.CreateAtomic(p.flags.emitTrace); err != nil {
			return &usageError{"-emit-trace: " + err.Error()}
		}
		defer emitFile.Abort()
		emit = trace.NewWriter(emitFile)
	}
	cases, err := p.cases(emit)
	if err != nil {
		return err
	}
	out := stdout
	var outFile *report.AtomicFile
	if p.flags.out != "" {
		if outFile, err = report.CreateAtomic(p.flags.out); err != nil {
			return &usageError{"-o: " + err.Error()}
		}
		defer outFile.Abort()
		out = outFile
	}
	// The results also go to a buffer when the plots or the summary
	// need them back.
	tty := interactive(stderr)
	var kept bytes.Buffer
	var sink io.Writer = out
	if tty || p.flags.plots != "" {
		sink = io.MultiWriter(out, &kept)
	}
	bw := bufio.NewWriter(sink)
	w := report.NewWriter(&flushEach{bw}, p.header())
	opts := p.opts
	var waitBar func()
	if tty {
		opts.Progress, waitBar = progressBar(stderr, len(cases)*max(opts.Count, 1))
	}
	err = suite.Run(opts, cases, w)
	if waitBar != nil {
		waitBar()
	}
	if err != nil {
		bw.Flush()
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if tty || p.flags.plots != "" {
		rs, err := results.Read(&kept, "results")
		if err != nil {
			return err
		}
		if tty {
			summary(stderr, rs)
		}
		if p.flags.plots != "" {
			if err := drawPlots(ctx, rs, p.flags.plots, stderr, stderr); err != nil {
				return err
			}
		}
	}
	if emit != nil {
		if err := emit.Flush(); err != nil {
			return err
		}
		if err := emitFile.Commit(); err != nil {
			return err
		}
	}
	if outFile != nil {
		if err := outFile.Commit(); err != nil {
			return err
		}
	}
	if p.opts.Verify {
		fmt.Fprintln(stderr, p.verifiedLine())
	}
	return nil
}

// flushEach flushes after every write, so results appear as runs finish.
type flushEach struct{ *bufio.Writer }

func (f *flushEach) Write(b []byte) (int, error) {
	n, err := f.Writer.Write(b)
	if err == nil {
		err = f.Writer.Flush()
	}
	return n, err
}

// header is the benchfmt header of the results. A verified run says so
// (verify: on); a plain one has no verify key.
func (p *suitePlan) header() []report.HeaderKey {
	h := []report.HeaderKey{
		{Key: "goos", Value: runtime.GOOS},
		{Key: "goarch", Value: runtime.GOARCH},
		{Key: "cpu", Value: cpuName()},
		{Key: "commit", Value: commit()},
		{Key: "scale", Value: p.scale.String()},
		{Key: "arch", Value: p.opts.Arch.Name},
		{Key: "mem", Value: p.flags.mem},
		{Key: "seed", Value: strconv.FormatUint(p.opts.Seed, 10)},
	}
	if p.opts.Verify {
		h = append(h, report.HeaderKey{Key: "verify", Value: "on"})
	}
	return h
}

// cpuName is the host's CPU model, as `go test` prints it.
func cpuName() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown"
}
