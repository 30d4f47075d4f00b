package workloads_test

import (
	"path/filepath"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/workloads"
)

// Every workload reclaims through the aging policy: under the default
// two-list LRU every one asks page_referenced of the pages it looks at,
// and under the multi-gen LRU every one verifies against the oracle (lru's
// run is TestEveryWorkloadVerifies).
func TestEveryWorkloadAges(t *testing.T) {
	for _, g := range workloads.All() {
		for _, st := range strategies.All() {
			for _, aging := range []core.Aging{core.AgingLRU, core.AgingMGLRU} {
				t.Run(g.Name+"/"+st.Name+"/"+aging.String(), func(t *testing.T) {
					idx, _ := strategies.Index(st.DefaultIndex)
					m := core.NewMachineFor(core.Config{Seed: 1, NewIndex: idx.New, Verify: aging == core.AgingMGLRU, Aging: aging}, st)
					rp := &workloads.Replayer{M: m, Verify: aging == core.AgingMGLRU, Sample: 64}
					if err := g.Source(g.Values(workloads.ScaleSmall, nil), 1).Run(rp.Apply); err != nil {
						t.Fatal(err)
					}
					if m.Stats.RefWalks == 0 || m.Stats.Reclaimed == 0 {
						t.Fatalf("%d ref walks, %d pages reclaimed", m.Stats.RefWalks, m.Stats.Reclaimed)
					}
				})
			}
		}
	}
}

// A trace replay ages too.
func TestTraceReplayAges(t *testing.T) {
	traces, _ := filepath.Glob("testdata/*.trace")
	if len(traces) == 0 {
		t.Fatal("no trace in testdata")
	}
	for _, path := range traces {
		for _, st := range strategies.All() {
			idx, _ := strategies.Index(st.DefaultIndex)
			m := core.NewMachine(core.Config{Seed: 1, NewIndex: idx.New, Verify: true}, st.New)
			rp := &workloads.Replayer{M: m, Verify: true}
			if err := (&workloads.TraceSource{Path: path}).Run(rp.Apply); err != nil {
				t.Fatalf("%s, %s: %v", path, st.Name, err)
			}
			if m.Stats.RefWalks == 0 {
				t.Errorf("%s, %s: no page_referenced walk", path, st.Name)
			}
		}
	}
}
