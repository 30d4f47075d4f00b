package conformance

import (
	"strings"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/pagescan"
)

// mutant is pagescan with one hook broken, to show that the kit says no.
type mutant struct {
	core.Rmapper
	m    *core.Machine
	kind core.ObjKind
	bug  string
}

func (r *mutant) Walk(f core.FrameID, visit func(v *core.VMA, addr uint64) bool) {
	switch r.bug {
	case "misses the last mapping":
		type hit struct {
			v    *core.VMA
			addr uint64
		}
		var hits []hit
		r.Rmapper.Walk(f, func(v *core.VMA, addr uint64) bool { hits = append(hits, hit{v, addr}); return true })
		if len(hits) > 1 {
			hits = hits[:len(hits)-1]
		}
		for _, h := range hits {
			if !visit(h.v, h.addr) {
				return
			}
		}
	case "changes the frame":
		r.m.Frame(f).Slot++
		r.Rmapper.Walk(f, visit)
	case "ignores stop":
		r.Rmapper.Walk(f, func(v *core.VMA, addr uint64) bool { visit(v, addr); return true })
	case "counts nothing":
		saved := r.m.Walk
		r.Rmapper.Walk(f, visit)
		r.m.Walk = saved
	default:
		r.Rmapper.Walk(f, visit)
	}
}

func (r *mutant) PageAdd(v *core.VMA, ref core.MapRef, kind core.AddKind) bool {
	switch {
	case r.bug == "leaks":
		r.m.Space.Alloc(r.kind, 1)
	case r.bug == "copies shared file pages" && kind == core.AddFile && v.Shared:
		return false
	}
	return r.Rmapper.PageAdd(v, ref, kind)
}

func (r *mutant) TryToUnmap(f core.FrameID) bool {
	if r.bug == "claims success" {
		return true
	}
	return r.Rmapper.TryToUnmap(f)
}

func mutantStrategy(bug string) core.Strategy {
	st := pagescan.Strategy
	st.Name = "pagescan that " + bug
	st.New = func(m *core.Machine) core.Rmapper {
		return &mutant{Rmapper: pagescan.Strategy.New(m), m: m, kind: m.Space.Register("leak", 8, true), bug: bug}
	}
	return st
}

// Every check of the kit says no to a strategy that breaks what it
// checks, naming what is wrong.
func TestTheKitSaysNo(t *testing.T) {
	s := setups(pagescan.Strategy)[0]
	for _, tc := range []struct {
		bug, scenario, want string
	}{
		{"misses the last mapping", "fork-cow-exec", "rule 2"},
		{"claims success", "fork-cow-exec", "rule 4"},
		{"changes the frame", "fork-cow-exec", "no side effects"},
		{"ignores stop", "fork-cow-exec", "after it returned false"},
		{"counts nothing", "fork-cow-exec", "counted no work"},
		{"leaks", "split-merge", "leak objects still live"},
		{"copies shared file pages", "shared-memory-and-files", "do not read what they read without rmap"},
	} {
		var sc scenario
		for _, x := range scenarios {
			if x.name == tc.scenario {
				sc = x
			}
		}
		err := runScenario(mutantStrategy(tc.bug), s, sc)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("a pagescan that %s: scenario %s says %v; want an error with %q", tc.bug, tc.scenario, err, tc.want)
		}
	}
	// Random sequences find a missed mapping too.
	if _, err := runRandom(mutantStrategy("misses the last mapping"), s, 1, 400); err == nil || !strings.Contains(err.Error(), "rule 2") {
		t.Errorf("random sequence of a pagescan that misses mappings: %v", err)
	}
	// And pagescan itself passes.
	for _, sc := range scenarios {
		if err := runScenario(pagescan.Strategy, s, sc); err != nil {
			t.Errorf("pagescan: %v", err)
		}
	}
}
