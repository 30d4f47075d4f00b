package strategies_test

import (
	"errors"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/strategies/internal/objrmap"
	"rmapbench/workloads"
)

// TestEveryStrategyUnderEveryAging runs the random operation sequences of
// TestEveryStrategyAgainstTheOracle (which runs the default, lru) under
// the other aging policies, at each strategy's own index: every walk,
// page_referenced and try_to_unmap checked against the oracle.
func TestEveryStrategyUnderEveryAging(t *testing.T) {
	seeds, events := 20, 400
	if testing.Short() {
		seeds, events = 4, 200
	}
	for _, aging := range []core.Aging{core.AgingMGLRU, core.AgingRandom} {
		for _, st := range strategies.All() {
			idx, _ := strategies.Index(st.DefaultIndex)
			for _, nl := range objrmap.NonlinearNames {
				t.Run(aging.String()+"/"+st.Name+"/"+nl, func(t *testing.T) {
					for seed := uint64(1); seed <= uint64(seeds); seed++ {
						m := core.NewMachine(core.Config{MemBytes: 160 * core.PageSize, Seed: seed, NewIndex: idx.New, Verify: true,
							Aging: aging, Options: map[string]string{"nonlinear": nl}}, st.New)
						rp := &workloads.Replayer{M: m}
						g := newEventGen(seed)
						for i := 0; i < events; i++ {
							ev := g.event(m)
							err := rp.Apply(ev)
							var ie *core.InputError
							if errors.As(err, &ie) {
								continue
							}
							if err == nil {
								err = m.Verify(0)
							}
							if err != nil {
								t.Fatalf("seed %d, event %d (%v): %v", seed, i+1, ev, err)
							}
						}
					}
				})
			}
		}
	}
}
