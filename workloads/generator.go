package workloads

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"rmapbench/workloads/trace"
)

const pageSize = trace.PageSize

// Generator is a named synthetic workload.
type Generator struct {
	Name    string // -workload name
	BenchID string // benchmark name
	Summary string // what it exposes, for `rmapbench list`
	// Knobs are the sizes of the workload, set by -scale and overridable
	// with -param for sweeps. Their values are part of the benchmark name.
	Knobs []Knob
	// generate produces the events for the knob values and a seed.
	generate func(k Values, seed uint64, e *emitter)
}

// Knob is one size of a workload.
type Knob struct {
	Name  string
	Bytes bool // a byte count (written 16MiB in names)
	// Choices, if set, makes the knob one of these names (-param
	// mode=exec): its value is the index of the name, and names show it.
	Choices []string
	ByScale [3]int64 // small, default, large
	Min     int64    // the smallest value that makes sense
	Help    string
}

// Format writes a value of k as benchmark names and -param write it: a
// size for a byte knob (16MiB), the name for a choice, else the number.
func (k *Knob) Format(v int64) string {
	switch {
	case k.Bytes:
		return SizeName(uint64(v))
	case k.Choices != nil && v >= 0 && v < int64(len(k.Choices)):
		return k.Choices[v]
	}
	return strconv.FormatInt(v, 10)
}

// ParseChoice returns the value of the choice named s.
func (k *Knob) ParseChoice(s string) (int64, error) {
	for i, c := range k.Choices {
		if c == s {
			return int64(i), nil
		}
	}
	return 0, fmt.Errorf("-param %s=%s: want one of %s", k.Name, s, strings.Join(k.Choices, ", "))
}

// Values are knob values by name.
type Values map[string]int64

// Values returns the knob values for a scale with overrides applied. An
// override for a knob the generator does not have is ignored; the caller
// checks that every override applies to some selected workload.
func (g *Generator) Values(s Scale, overrides Values) Values {
	v := Values{}
	for _, k := range g.Knobs {
		v[k.Name] = k.ByScale[s]
		if o, ok := overrides[k.Name]; ok {
			v[k.Name] = o
		}
	}
	return v
}

// HasKnob reports whether the generator has a knob called name.
func (g *Generator) HasKnob(name string) bool {
	for _, k := range g.Knobs {
		if k.Name == name {
			return true
		}
	}
	return false
}

// Source returns the generator's event stream for knob values and a seed.
func (g *Generator) Source(v Values, seed uint64) Source {
	return &generated{g: g, values: v, seed: seed}
}

type generated struct {
	g      *Generator
	values Values
	seed   uint64
}

func (s *generated) Bench() string { return s.g.BenchID }

func (s *generated) Params() []Param {
	var ps []Param
	for _, k := range s.g.Knobs {
		ps = append(ps, Param{Key: k.Name, Value: k.Format(s.values[k.Name])})
	}
	return ps
}

func (s *generated) Run(apply func(trace.Event) error) (err error) {
	e := &emitter{apply: apply}
	defer func() {
		if p := recover(); p != nil && p != errStopGenerating {
			panic(p)
		}
		if e.err != nil {
			err = attach(fmt.Sprintf("workload %s, event %d", s.g.Name, e.n), e.err)
		}
	}()
	s.g.generate(s.values, s.seed, e)
	return nil
}

// All lists the generators.
func All() []*Generator {
	return []*Generator{forkExit, prefork, forkChain, manyMapped, sga, mremapAfterFork, nonlinear, reclaimMix,
		pageFault, mmapChurn, latProc, ksmWorkload, migrateTree, folioFork, folioMunmap}
}

// Select resolves a comma-separated list of workload names, or "all".
func Select(list string) ([]*Generator, error) {
	if list == "all" {
		return All(), nil
	}
	var names []string
	for _, g := range All() {
		names = append(names, g.Name)
	}
	var out []*Generator
	for _, want := range strings.Split(list, ",") {
		want = strings.TrimSpace(want)
		var found *Generator
		for _, g := range All() {
			if g.Name == want {
				found = g
			}
		}
		if found == nil {
			return nil, fmt.Errorf("unknown workload %q (valid: all, %s)", want, strings.Join(names, ", "))
		}
		out = append(out, found)
	}
	return out, nil
}

// emitter builds events for a generator and stops it at the first error:
// the generator's loops, whose counts come from the knobs (2^40 at most),
// do not run on. It unwinds the generator with a panic of
// errStopGenerating, which Run recovers.
type emitter struct {
	apply func(trace.Event) error
	err   error
	n     int64
}

// errStopGenerating unwinds a generator after an error.
var errStopGenerating = errors.New("stop generating")

func (e *emitter) ev(ev trace.Event) {
	e.n++
	if e.err = e.apply(ev); e.err != nil {
		panic(errStopGenerating)
	}
}

func (e *emitter) mmapAnon(pid, addr, length uint64, prot trace.Prot, shared bool) {
	e.ev(trace.Event{Op: trace.OpMmap, PID: pid, Addr: addr, Len: length, Prot: prot, Shared: shared})
}

func (e *emitter) mmapFile(pid, addr, length uint64, prot trace.Prot, shared bool, file string, offset uint64) {
	e.ev(trace.Event{Op: trace.OpMmap, PID: pid, Addr: addr, Len: length, Prot: prot, Shared: shared, File: file, Offset: offset})
}

func (e *emitter) munmap(pid, addr, length uint64) {
	e.ev(trace.Event{Op: trace.OpMunmap, PID: pid, Addr: addr, Len: length})
}

func (e *emitter) touch(pid, addr, length uint64, write bool) {
	e.ev(trace.Event{Op: trace.OpTouch, PID: pid, Addr: addr, Len: length, Write: write})
}

// write is a write touch that gives every page of the range value.
func (e *emitter) write(pid, addr, length, value uint64) {
	e.ev(trace.Event{Op: trace.OpTouch, PID: pid, Addr: addr, Len: length, Write: true, HasValue: true, Value: value})
}

func (e *emitter) madvise(pid, addr, length uint64, advice trace.Advice) {
	e.ev(trace.Event{Op: trace.OpMadvise, PID: pid, Addr: addr, Len: length, Advice: advice})
}

func (e *emitter) mremap(pid, old, oldLen, new, newLen uint64) {
	e.ev(trace.Event{Op: trace.OpMremap, PID: pid, Addr: old, Len: oldLen, NewAddr: new, NewLen: newLen})
}

func (e *emitter) remap(pid, addr, length, pgoff uint64) {
	e.ev(trace.Event{Op: trace.OpRemap, PID: pid, Addr: addr, Len: length, PgOff: pgoff})
}

func (e *emitter) migrate(pid, addr, length uint64) {
	e.ev(trace.Event{Op: trace.OpMigrate, PID: pid, Addr: addr, Len: length})
}

func (e *emitter) fork(pid, child uint64) {
	e.ev(trace.Event{Op: trace.OpFork, PID: pid, Child: child})
}
func (e *emitter) exec(pid uint64)   { e.ev(trace.Event{Op: trace.OpExec, PID: pid}) }
func (e *emitter) exit(pid uint64)   { e.ev(trace.Event{Op: trace.OpExit, PID: pid}) }
func (e *emitter) reclaim(n uint64)  { e.ev(trace.Event{Op: trace.OpReclaim, N: n}) }
func (e *emitter) ksm(n uint64)      { e.ev(trace.Event{Op: trace.OpKsm, N: n}) }
func (e *emitter) folio(size uint64) { e.ev(trace.Event{Op: trace.OpFolio, N: size}) }
func (e *emitter) check()            { e.ev(trace.Event{Op: trace.OpCheck}) }

const (
	rw  = trace.ProtRead | trace.ProtWrite
	rx  = trace.ProtRead | trace.ProtExec
	ro  = trace.ProtRead
	kib = 1 << 10
	mib = 1 << 20
)

// SizeName writes a byte count as benchmark names do: 16MiB, 512KiB.
func SizeName(b uint64) string {
	switch {
	case b >= mib && b%mib == 0:
		return fmt.Sprintf("%dMiB", b/mib)
	case b >= kib && b%kib == 0:
		return fmt.Sprintf("%dKiB", b/kib)
	}
	return fmt.Sprintf("%dB", b)
}
