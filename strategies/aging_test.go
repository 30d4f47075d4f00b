package strategies_test

import (
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/strategies/internal/objrmap"
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
						runRandom(t, st, idx, nl, aging, seed, events)
					}
				})
			}
		}
	}
}
