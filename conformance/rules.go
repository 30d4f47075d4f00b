package conformance

import (
	"fmt"
	"reflect"
	"slices"

	"rmapbench/core"
)

// checkRules checks, for every mapped frame of m, what the oracle cannot
// see: a walk changes nothing, stops when its visitor returns false, and
// counts its work. m's walk counters are left as they were.
func checkRules(m *core.Machine) error {
	saved := m.Walk
	defer func() { m.Walk = saved }()
	rm := m.Rmapper()
	for f := core.FrameID(1); int(f) < m.FrameCount(); f++ {
		fr := m.Frame(f)
		if fr.Flags&core.FrameInUse == 0 || fr.MapCount == 0 {
			continue
		}
		before := snapshot(m, f)
		m.Walk = core.WalkCounters{}
		found := 0
		rm.Walk(f, func(v *core.VMA, addr uint64) bool {
			found++
			return true
		})
		work := m.Walk.VMAs + m.Walk.PTEs + m.Walk.Steps
		if after := snapshot(m, f); !reflect.DeepEqual(before, after) {
			return fmt.Errorf("frame %d: a walk changed the machine (rmap_walk has no side effects):\n  before %+v\n  after  %+v", f, before, after)
		}
		if found > 0 && work == 0 {
			return fmt.Errorf("frame %d: a walk found %d mappings and counted no work in Machine.Walk", f, found)
		}
		calls := 0
		rm.Walk(f, func(v *core.VMA, addr uint64) bool {
			calls++
			return false
		})
		if calls > 1 {
			return fmt.Errorf("frame %d: the walk called its visitor %d times after it returned false", f, calls-1)
		}
		if found > 0 && calls == 0 {
			return fmt.Errorf("frame %d: the walk found %d mappings, then none when the visitor stops it at the first", f, found)
		}
	}
	return nil
}

// frameState is what a walk of a frame must leave as it was.
type frameState struct {
	Frame   core.Frame
	PTEs    []core.PTE
	Objects []core.ObjCount
	Counts  any
}

func snapshot(m *core.Machine, f core.FrameID) frameState {
	s := frameState{Frame: *m.Frame(f), Objects: m.Space.Objects(), Counts: m.Stats.Count}
	for _, mp := range m.OracleMappings(f) {
		if mm := m.Lookup(mp.PID); mm != nil {
			s.PTEs = append(s.PTEs, m.PTE(m.LookupPTE(mm, mp.Addr)))
		}
	}
	return s
}

// checkNoLeak makes every process of m exit and checks that no object the
// strategy registered is left live, and that the oracle still agrees.
func checkNoLeak(m *core.Machine) error {
	for _, mm := range slices.Clone(m.MMs()) {
		if err := m.Exit(mm.PID); err != nil {
			return fmt.Errorf("exit of process %d: %v", mm.PID, err)
		}
	}
	if err := m.Verify(0); err != nil {
		return fmt.Errorf("after every process exited: %v", err)
	}
	for _, o := range m.Space.Objects() {
		if o.Live != 0 {
			return fmt.Errorf("%d %s objects still live after every process exited (a leak, or a count not freed)", o.Live, o.Name)
		}
	}
	return nil
}
