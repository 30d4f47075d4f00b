package workloads

import (
	"fmt"
	"strings"

	"rmapbench/workloads/trace"
)

const pageSize = trace.PageSize

// Generator is a named synthetic workload.
type Generator struct {
	Name    string // -workload name
	BenchID string // benchmark name
	Summary string // what it exposes, for `rmapbench list`
	// params gives the name keys for a scale.
	params func(Scale) []Param
	// generate produces the events for a scale and seed.
	generate func(s Scale, seed uint64, e *emitter)
}

// Source returns the generator's event stream at a scale and seed.
func (g *Generator) Source(s Scale, seed uint64) Source {
	return &generated{g: g, scale: s, seed: seed}
}

type generated struct {
	g     *Generator
	scale Scale
	seed  uint64
}

func (s *generated) Bench() string   { return s.g.BenchID }
func (s *generated) Params() []Param { return s.g.params(s.scale) }

func (s *generated) Run(apply func(trace.Event) error) error {
	e := &emitter{apply: apply}
	s.g.generate(s.scale, s.seed, e)
	if e.err != nil {
		return attach(fmt.Sprintf("workload %s, event %d", s.g.Name, e.n), e.err)
	}
	return nil
}

// All lists the generators.
func All() []*Generator {
	return []*Generator{forkExit}
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

// emitter builds events for a generator and stops at the first error.
type emitter struct {
	apply func(trace.Event) error
	err   error
	n     int64
}

func (e *emitter) ev(ev trace.Event) {
	if e.err != nil {
		return
	}
	e.n++
	e.err = e.apply(ev)
}

func (e *emitter) mmapAnon(pid, addr, length uint64, prot trace.Prot, shared bool) {
	e.ev(trace.Event{Op: trace.OpMmap, PID: pid, Addr: addr, Len: length, Prot: prot, Shared: shared})
}

func (e *emitter) mmapFile(pid, addr, length uint64, prot trace.Prot, shared bool, file string, offset uint64) {
	e.ev(trace.Event{Op: trace.OpMmap, PID: pid, Addr: addr, Len: length, Prot: prot, Shared: shared, File: file, Offset: offset})
}

func (e *emitter) touch(pid, addr, length uint64, write bool) {
	e.ev(trace.Event{Op: trace.OpTouch, PID: pid, Addr: addr, Len: length, Write: write})
}

func (e *emitter) fork(pid, child uint64) {
	e.ev(trace.Event{Op: trace.OpFork, PID: pid, Child: child})
}
func (e *emitter) exec(pid uint64)  { e.ev(trace.Event{Op: trace.OpExec, PID: pid}) }
func (e *emitter) exit(pid uint64)  { e.ev(trace.Event{Op: trace.OpExit, PID: pid}) }
func (e *emitter) reclaim(n uint64) { e.ev(trace.Event{Op: trace.OpReclaim, N: n}) }
func (e *emitter) check()           { e.ev(trace.Event{Op: trace.OpCheck}) }

const (
	rw  = trace.ProtRead | trace.ProtWrite
	rx  = trace.ProtRead | trace.ProtExec
	ro  = trace.ProtRead
	kib = 1 << 10
	mib = 1 << 20
)

// sizeName writes a byte count as benchmark names do: 16MiB, 512KiB.
func sizeName(b uint64) string {
	switch {
	case b >= mib && b%mib == 0:
		return fmt.Sprintf("%dMiB", b/mib)
	case b >= kib && b%kib == 0:
		return fmt.Sprintf("%dKiB", b/kib)
	}
	return fmt.Sprintf("%dB", b)
}
