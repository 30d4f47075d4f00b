package workloads_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/workloads"
	"rmapbench/workloads/trace"
)

// TestEveryWorkloadVerifies runs every generator at small scale under
// every strategy with the oracle at every check and reclaim event.
func TestEveryWorkloadVerifies(t *testing.T) {
	for _, g := range workloads.All() {
		for _, st := range strategies.All() {
			t.Run(g.Name+"/"+st.Name, func(t *testing.T) {
				idx, _ := strategies.Index(st.DefaultIndex)
				m := core.NewMachineFor(core.Config{Seed: 1, NewIndex: idx.New, Verify: true}, st)
				// Every frame at every check; samples within the command's budget.
				rp := &workloads.Replayer{M: m, Verify: true, Sample: 64, Budget: core.WalkBudget{Sample: 0.5}}
				if err := g.Source(g.Values(workloads.ScaleSmall, nil), 1).Run(rp.Apply); err != nil {
					t.Fatal(err)
				}
				if err := rp.Finish(); err != nil {
					t.Fatal(err)
				}
				if rp.Events() == 0 || m.Stats.Count[core.OpWalk] == 0 {
					t.Fatalf("%d events, %d walks: the workload does nothing", rp.Events(), m.Stats.Count[core.OpWalk])
				}
			})
		}
	}
}

// replayBytes replays data as a trace under every strategy. Bad input is
// fine; a verification failure or a panic is not.
func replayBytes(t *testing.T, data []byte) {
	for _, st := range strategies.All() {
		idx, _ := strategies.Index(st.DefaultIndex)
		m := core.NewMachineFor(core.Config{MemBytes: 128 * core.PageSize, Seed: 1, NewIndex: idx.New, Verify: true}, st)
		rp := &workloads.Replayer{M: m, Verify: true, Sample: 1 << 20}
		r := trace.NewReader(bytes.NewReader(data), "fuzz")
		for {
			ev, err := r.Next()
			if err != nil {
				break
			}
			// Keep fuzzed sizes small enough to replay quickly.
			if ev.Len > 1<<24 || ev.NewLen > 1<<24 || ev.N > 1<<12 {
				break
			}
			err = rp.Apply(ev)
			var ie *core.InputError
			var oom *core.OutOfMemoryError
			if errors.As(err, &ie) || errors.As(err, &oom) {
				continue
			}
			if err != nil {
				t.Fatalf("%s: line %d (%v): %v", st.Name, r.Line(), ev, err)
			}
		}
	}
}

func FuzzReplay(f *testing.F) {
	f.Add([]byte("rmaptrace 1\n1 mmap 0x10000 0x4000 rw- private anon\n1 touch 0x10000 0x4000 w\n1 fork 2\n2 touch 0x10000 0x1000 w\nreclaim 3\n2 mremap 0x10000 0x4000 0x40000 0x8000\n2 touch 0x40000 0x8000 r\ncheck\n"))
	f.Add([]byte("rmaptrace 1\n1 mmap 0x10000 0x8000 rw- shared file db 0\n1 remap 0x10000 0x2000 6\n1 touch 0x10000 0x8000 r\n1 fork 2\nreclaim 8\n2 touch 0x10000 0x8000 w\n2 mprotect 0x12000 0x1000 r--\n"))
	f.Add([]byte("rmaptrace 1\n1 mmap 0x10000 0x8000 rw- private anon\n1 mlock 0x12000 0x4000\n1 fork 2\n2 touch 0x10000 0x8000 r\nreclaim 16\n1 munlock 0x10000 0x8000\nreclaim 16\ncheck\n"))
	f.Add([]byte("rmaptrace 1\n1 mmap 0x10000 0x8000 rw- private anon\n1 mmap 0x20000 0x4000 rw- shared file db 0\n1 touch 0x10000 0xc000 w\n1 fork 2\n2 remap 0x21000 0x1000 0\n2 touch 0x20000 0x4000 r\n2 migrate 0x10000 0x14000\nreclaim 4\n1 migrate 0x0 0x7fffffff0000\ncheck\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		replayBytes(t, data)
	})
}

// TestEmittedTraceReplays: what a generator emits reads back and replays
// to the same counters.
func TestEmittedTraceReplays(t *testing.T) {
	st := strategies.All()[len(strategies.All())-1]
	idx, _ := strategies.Index(st.DefaultIndex)
	for _, g := range workloads.All() {
		var buf bytes.Buffer
		w := trace.NewWriter(&buf)
		m1 := core.NewMachineFor(core.Config{Seed: 1, NewIndex: idx.New}, st)
		rp := &workloads.Replayer{M: m1, Emit: w}
		if err := g.Source(g.Values(workloads.ScaleSmall, nil), 1).Run(rp.Apply); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		m2 := core.NewMachineFor(core.Config{Seed: 1, NewIndex: idx.New}, st)
		rp2 := &workloads.Replayer{M: m2}
		src := &workloads.TraceSource{Path: "-", Stdin: io.NopCloser(&buf)}
		if err := src.Run(rp2.Apply); err != nil {
			t.Fatalf("%s: %v", g.Name, err)
		}
		if m1.Walk != m2.Walk || m1.Stats.Count != m2.Stats.Count {
			t.Errorf("%s: replay differs: %+v / %+v", g.Name, m1.Walk, m2.Walk)
		}
	}
}
