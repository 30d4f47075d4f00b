package conformance

import (
	"fmt"
	"strconv"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/workloads"
)

// Run runs every check of the kit on st, as subtests of t: Random (fewer
// sequences with -short), Scenarios and Deterministic, each with Rules.
func Run(t *testing.T, st core.Strategy) {
	t.Helper()
	seeds, events := 40, 400
	if testing.Short() {
		seeds, events = 8, 200
	}
	t.Run("Random", func(t *testing.T) { Random(t, st, seeds, events) })
	t.Run("Scenarios", func(t *testing.T) { Scenarios(t, st) })
	t.Run("Deterministic", func(t *testing.T) { Deterministic(t, st) })
}

// setup is one configuration a check runs in: an i_mmap index and a
// nonlinear policy.
type setup struct {
	index     core.IndexKind
	nonlinear string
	aging     core.Aging
	// folio is the size of the large folios anonymous faults allocate
	// (-folio, core/folio.go); 0 for single pages.
	folio int64
	// thp maps 2 MiB folios by PMD (-thp always, core/thp.go), on a
	// larger memory, with 2 MiB regions among the random events.
	thp bool
}

func (s setup) String() string {
	name := s.index.Name + "/" + s.nonlinear + "/" + s.aging.String()
	if s.folio != 0 {
		name += "/folio=" + strconv.FormatInt(s.folio>>10, 10) + "KiB"
	}
	if s.thp {
		name += "/thp=always"
	}
	return name
}

// FolioSize is the size of the large folios of the kit's folio setup.
const FolioSize = 64 << 10

// setups are every i_mmap index under every nonlinear policy with the
// default aging (lru, whose page_referenced walks run most), the other
// aging policies (mglru, random) at st's own index, and st's own index
// with 64 KiB folios, under lru and mglru, and, for a strategy that maps
// THP by PMD (core.THPSupported), with THP under lru.
func setups(st core.Strategy) []setup {
	var out []setup
	for _, idx := range strategies.Indexes() {
		for _, nl := range strategies.NonlinearPolicies() {
			out = append(out, setup{index: idx, nonlinear: nl, aging: core.AgingLRU})
		}
	}
	own, err := strategies.Index(st.DefaultIndex)
	if err != nil {
		own = strategies.Indexes()[0]
	}
	for _, aging := range []core.Aging{core.AgingMGLRU, core.AgingRandom} {
		for _, nl := range strategies.NonlinearPolicies() {
			out = append(out, setup{index: own, nonlinear: nl, aging: aging})
		}
	}
	for _, aging := range []core.Aging{core.AgingLRU, core.AgingMGLRU} {
		out = append(out, setup{index: own, nonlinear: strategies.NonlinearPolicies()[0], aging: aging, folio: FolioSize})
	}
	if core.THPSupported(core.NewMachineFor(core.Config{Seed: 1, NewIndex: own.New}, st).Rmapper()) {
		out = append(out, setup{index: own, nonlinear: strategies.NonlinearPolicies()[0], aging: core.AgingLRU, thp: true})
	}
	return out
}

// newMachine makes a machine of frames pages running st in s, with the
// oracle's rule 4 checked after every try_to_unmap. Even seeds run the
// fork copy policy of the other era, so both policies meet every strategy.
func newMachine(st core.Strategy, s setup, frames int, seed uint64) *core.Machine {
	opts := map[string]string{"nonlinear": s.nonlinear}
	if seed%2 == 0 {
		opts["fork-copy"] = core.ForkCopyNames[1-st.ForkCopy]
	}
	if s.folio != 0 {
		opts["folio"] = strconv.FormatInt(s.folio, 10)
	}
	if s.thp {
		opts["thp"] = "always"
	}
	return core.NewMachineFor(core.Config{
		MemBytes: int64(frames) * core.PageSize,
		Seed:     seed,
		NewIndex: s.index.New,
		Verify:   true,
		Aging:    s.aging,
		Options:  opts,
	}, st)
}

// Deterministic checks that two runs of the same random sequence under st
// end with the same walk counters, operation counts, objects and frames.
func Deterministic(t *testing.T, st core.Strategy) {
	t.Helper()
	idx, err := strategies.Index(st.DefaultIndex)
	if err != nil {
		t.Fatalf("%s: default index: %v", st.Name, err)
	}
	var first string
	for run := 0; run < 2; run++ {
		m := newMachine(st, setup{index: idx, nonlinear: strategies.NonlinearPolicies()[0], aging: core.AgingLRU}, 200, 7)
		rp := &workloads.Replayer{M: m}
		g := newEventGen(7)
		for i := 0; i < 300; i++ {
			rp.Apply(g.event(m))
		}
		got := fmt.Sprintf("%+v %+v %v %v", m.Walk, m.Stats.Count, m.Space.Objects(), m.FramesInUse())
		if run == 0 {
			first = got
		} else if got != first {
			t.Errorf("%s: a second run of the same events differs:\n%s\n%s", st.Name, first, got)
		}
	}
}
