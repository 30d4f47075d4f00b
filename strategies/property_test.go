package strategies_test

import (
	"testing"

	"rmapbench/conformance"
	"rmapbench/strategies"
)

// Every strategy passes the conformance kit: random events against the
// oracle under every index and nonlinear policy, the fidelity scenarios,
// the walk rules and determinism (package conformance says what each
// checks).
func TestConformance(t *testing.T) {
	for _, st := range strategies.All() {
		t.Run(st.Name, func(t *testing.T) { conformance.Run(t, st) })
	}
}
