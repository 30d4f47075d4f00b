package workloads_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rmapbench/core"
	"rmapbench/internal/tempfiles"
	"rmapbench/strategies"
	"rmapbench/workloads"
	"rmapbench/workloads/trace"
)

// A generator stops at the first event its consumer refuses, whatever
// its knobs: forkexit with procs=2^40 went on looping after an error.
func TestGeneratorsStopAtTheFirstError(t *testing.T) {
	refuse := errors.New("refused")
	for _, g := range workloads.All() {
		v := g.Values(workloads.ScaleSmall, nil)
		for _, k := range g.Knobs {
			if !k.Bytes {
				v[k.Name] = 1 << 40
			}
		}
		calls := 0
		err := g.Source(v, 1).Run(func(trace.Event) error {
			calls++
			if calls == 3 {
				return refuse
			}
			return nil
		})
		if !errors.Is(err, refuse) || calls != 3 {
			t.Errorf("%s: %d events applied after the refusal, error %v", g.Name, calls-3, err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "workload "+g.Name+", event 3: ") {
			t.Errorf("%s: error %q does not name the event", g.Name, err)
		}
	}
}

// Footprint is a lower bound of what the simulator holds: a run never
// stays below it, sampled after every event.
func TestFootprintIsALowerBound(t *testing.T) {
	st := strategies.All()[len(strategies.All())-1]
	idx, _ := strategies.Index(st.DefaultIndex)
	for _, g := range workloads.All() {
		v := g.Values(workloads.ScaleSmall, nil)
		fp := g.Footprint(v)
		if fp <= 0 {
			t.Errorf("%s: no footprint", g.Name)
			continue
		}
		m := core.NewMachine(core.Config{Seed: 1, NewIndex: idx.New}, st.New)
		rp := &workloads.Replayer{M: m}
		peak := int64(0)
		err := g.Source(v, 1).Run(func(ev trace.Event) error {
			err := rp.Apply(ev)
			used, _ := m.SimBytes()
			peak = max(peak, used)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: footprint %d, peak %d", g.Name, fp, peak)
		if fp > peak {
			t.Errorf("%s: footprint %d bytes, but the run peaked at %d", g.Name, fp, peak)
		}
	}
	// Knobs at 2^40 and sizes at 2^50 saturate rather than overflow.
	for _, g := range workloads.All() {
		v := g.Values(workloads.ScaleSmall, nil)
		for _, k := range g.Knobs {
			v[k.Name] = 1 << 40
			if k.Bytes {
				v[k.Name] = 1 << 50
			}
		}
		if fp := g.Footprint(v); fp < 1<<40 {
			t.Errorf("%s at huge sizes: footprint %d", g.Name, fp)
		}
	}
}

// A trace from standard input is copied to a temporary file once and
// streamed from it on every run; Close removes the copy.
func TestStdinTraceIsSpooled(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	text := "rmaptrace 1\n1 mmap 0x1000 0x2000 rw- private anon\n1 touch 0x1000 0x2000 w\n"
	src := &workloads.TraceSource{Path: "-", Stdin: strings.NewReader(text)}
	for run := range 3 {
		n := 0
		if err := src.Run(func(trace.Event) error { n++; return nil }); err != nil || n != 2 {
			t.Fatalf("run %d: %d events, %v", run, n, err)
		}
	}
	spooled, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "rmapbench-stdin-*"))
	if len(spooled) != 1 {
		t.Fatalf("copies of stdin: %v", spooled)
	}
	src.Close()
	if _, err := os.Stat(spooled[0]); !errors.Is(err, os.ErrNotExist) || len(tempfiles.Registered()) != 0 {
		t.Fatalf("the copy of stdin outlived Close: %v", err)
	}
}
