package core_test

import (
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
)

// strategyMachine is a verifying machine (seed 1) running the strategy
// called name over its era's file index, with cfg's memory and options.
func strategyMachine(t *testing.T, name string, cfg core.Config) *core.Machine {
	t.Helper()
	sts, err := strategies.Select(name)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := strategies.Index(sts[0].DefaultIndex)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Seed, cfg.NewIndex, cfg.Verify = 1, idx.New, true
	return core.NewMachineFor(cfg, sts[0])
}
