package core_test

import (
	"errors"
	"strings"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/pagescan"
)

// planted wraps pagescan with one fault.
type planted struct {
	core.Rmapper
	m     *core.Machine
	fault string
}

func (p *planted) Walk(f core.FrameID, visit func(*core.VMA, uint64) bool) {
	first := true
	p.Rmapper.Walk(f, func(v *core.VMA, addr uint64) bool {
		defer func() { first = false }()
		switch {
		case p.fault == "drop" && first:
			return true
		case p.fault == "twice" && first:
			visit(v, addr)
		case p.fault == "invent" && first:
			visit(v, addr+core.PageSize*64)
		}
		return visit(v, addr)
	})
}

func (p *planted) PageAdd(v *core.VMA, r core.MapRef, kind core.AddKind) bool {
	if p.fault == "mapcount" {
		p.m.Frame(r.Frame).MapCount++
	}
	return p.Rmapper.PageAdd(v, r, kind)
}

func (p *planted) TryToUnmap(f core.FrameID) bool {
	switch p.fault {
	case "unmap-lies":
		return true
	case "unmap-none":
		return false
	}
	return p.Rmapper.TryToUnmap(f)
}

func plantedMachine(fault string) *core.Machine { return plantedMachineWith(fault, true) }

// plantedMachineNoVerify is plantedMachine without Config.Verify.
func plantedMachineNoVerify(fault string) *core.Machine { return plantedMachineWith(fault, false) }

func plantedMachineWith(fault string, verify bool) *core.Machine {
	return core.NewMachine(core.Config{Seed: 1, NewIndex: fileindex.NewLinear, Verify: verify}, func(m *core.Machine) core.Rmapper {
		return &planted{Rmapper: pagescan.Strategy.New(m), m: m, fault: fault}
	})
}

// sharedPages maps 4 pages in process 1 and shares them with a child.
func sharedPages(t *testing.T, m *core.Machine) {
	t.Helper()
	must(t, m.Mmap(1, 0x10000, 4*pg, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Touch(1, 0x10000, 4*pg, true))
	must(t, m.Fork(1, 2))
}

// TestVerifyCatchesPlantedFaults: each rule fails, with its number and
// the frame, when a strategy breaks it on purpose.
func TestVerifyCatchesPlantedFaults(t *testing.T) {
	for _, tc := range []struct {
		fault string
		rule  int
		msg   string
		check func(m *core.Machine) error
	}{
		{"drop", 2, "the walk misses", func(m *core.Machine) error { return m.Verify(0) }},
		{"invent", 1, "which does not map the frame", func(m *core.Machine) error { return m.Verify(0) }},
		{"twice", 1, "twice", func(m *core.Machine) error { return m.Verify(0) }},
		{"mapcount", 3, "mapcount", func(m *core.Machine) error { return m.Verify(0) }},
		{"drop", 2, "the walk misses", func(m *core.Machine) error { return m.VerifyPass(core.WalkBudget{Pass: 1, Sample: 1}) }},
		{"drop", 2, "the walk misses", func(m *core.Machine) error { return m.VerifyEvent(64, core.WalkBudget{Pass: 1, Sample: 1}) }},
		{"mapcount", 3, "mapcount", func(m *core.Machine) error { return m.VerifyEvent(64, core.WalkBudget{}) }},
		// Rule 4 comes first: a try_to_unmap that reports success while
		// PTEs remain is rule 4, though MapCount is also still up.
		{"unmap-lies", 4, "try_to_unmap succeeded", func(m *core.Machine) error { return m.Reclaim(8) }},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			m := plantedMachine(tc.fault)
			sharedPages(t, m)
			err := tc.check(m)
			var ve *core.VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a verification failure", err)
			}
			if ve.Rule != tc.rule || !strings.Contains(ve.Msg, tc.msg) {
				t.Fatalf("got rule %d %q, want rule %d %q", ve.Rule, ve.Msg, tc.rule, tc.msg)
			}
			if ve.Frame == 0 || !strings.Contains(err.Error(), "frame ") || len(ve.Oracle) == 0 {
				t.Fatalf("the failure does not name the frame and its mappings: %v", err)
			}
		})
	}
}

// TestVerifyPassesHonestStrategy: the same checks hold for pagescan
// itself, which is correct by construction.
func TestVerifyPassesHonestStrategy(t *testing.T) {
	m := plantedMachine("")
	sharedPages(t, m)
	must(t, m.VerifyPass(core.WalkBudget{Pass: 1, Sample: 1}))
	must(t, m.VerifyEvent(64, core.WalkBudget{Pass: 1, Sample: 1}))
	must(t, m.Reclaim(8))
	must(t, m.VerifyEvent(64, core.WalkBudget{}))
	must(t, m.Verify(0))
	s := m.VerifyStats()
	if s.Passes != 2 || s.Walks == 0 || s.Frames == 0 || s.Unmaps == 0 {
		t.Fatalf("stats %+v: something was not checked", s)
	}
}

// TestCheckReported: rules 1 and 2 for a set of mappings given by a
// caller, here for a page shared by two processes and a nonlinear VMA.
func TestCheckReported(t *testing.T) {
	m := newTestMachine(t, 0)
	const a, b = 0x10000, 0x40000
	must(t, m.Mmap(1, a, 4*pg, core.ProtRead|core.ProtWrite, true, "db", 0))
	must(t, m.Touch(1, a, 4*pg, false))
	must(t, m.Fork(1, 2))
	// Process 2 also maps file page 0 at b+pg, through a nonlinear VMA.
	must(t, m.Mmap(2, b, 2*pg, core.ProtRead|core.ProtWrite, true, "db", 0))
	must(t, m.Remap(2, b+pg, pg, 0))
	must(t, m.Touch(2, b, 2*pg, false))
	f, _, ok := m.Resolve(1, a)
	if !ok {
		t.Fatal("page not resident")
	}
	if g, _, _ := m.Resolve(2, b+pg); g != f {
		t.Fatalf("nonlinear page is frame %d, want %d", g, f)
	}
	linear := []core.Mapping{{PID: 1, Addr: a}, {PID: 2, Addr: a}}
	for _, tc := range []struct {
		name     string
		reported []core.Mapping
		rule     int
	}{
		{"all linear", linear, 0},
		{"with the nonlinear one", append(linear[:2:2], core.Mapping{PID: 2, Addr: b + pg}), 0},
		{"reversed", []core.Mapping{linear[1], linear[0]}, 0},
		{"one missing", linear[:1], 2},
		{"only the nonlinear one", []core.Mapping{{PID: 2, Addr: b + pg}}, 2},
		{"twice", []core.Mapping{linear[0], linear[1], linear[0]}, 1},
		{"another page", append(linear[:2:2], core.Mapping{PID: 1, Addr: a + pg}), 1},
		{"unaligned", append(linear[:2:2], core.Mapping{PID: 1, Addr: a + 1}), 1},
		{"no such process", append(linear[:2:2], core.Mapping{PID: 9, Addr: a}), 1},
		{"no page table", append(linear[:2:2], core.Mapping{PID: 1, Addr: 0x7f0000000000}), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := m.CheckReported(f, tc.reported, "page_referenced walk")
			if tc.rule == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ve *core.VerifyError
			if !errors.As(err, &ve) || ve.Rule != tc.rule || ve.Frame != f {
				t.Fatalf("got %v, want rule %d for frame %d", err, tc.rule, f)
			}
			if !strings.Contains(ve.Msg, "page_referenced walk") {
				t.Fatalf("message %q does not name the walk", ve.Msg)
			}
		})
	}
}

// TestVerifyBudget: with a budget, the walks verification makes stay
// within its share of the run's work (plus the floor and the one walk
// that crosses it), the walks left out are counted, and the counts are
// still checked for every frame.
func TestVerifyBudget(t *testing.T) {
	m := newTestMachine(t, 0)
	// Many processes share many pages: a pagescan walk scans them all.
	must(t, m.Mmap(1, 0x10000, 512*pg, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Touch(1, 0x10000, 512*pg, true))
	for c := uint64(2); c <= 32; c++ {
		must(t, m.Fork(1, c))
	}
	b := core.WalkBudget{Pass: 0.25, Sample: 0.25}
	must(t, m.VerifyPass(b))
	must(t, m.VerifyEvent(64, b))
	s := m.VerifyStats()
	if s.PassWalked >= s.PassMapped || s.Walks == 0 {
		t.Fatalf("stats %+v: want some walks made and some left out", s)
	}
	if s.Frames != int64(m.FramesInUse())+64 {
		t.Fatalf("%d frame checks, want every frame once and the sample of 64", s.Frames)
	}
	oneWalk := int64(32 * 512 * 2) // a pagescan walk: every PTE slot of every process, about
	if limit := int64(0.5*float64(s.Work)) + 2*4096 + 2*oneWalk; s.Spent > limit {
		t.Fatalf("spent %d walk units, more than the budget allows (%d) for run work %d", s.Spent, limit, s.Work)
	}
	// Without a budget, every mapped frame is walked.
	m2 := newTestMachine(t, 0)
	must(t, m2.Mmap(1, 0x10000, 64*pg, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m2.Touch(1, 0x10000, 64*pg, true))
	must(t, m2.Fork(1, 2))
	must(t, m2.VerifyPass(core.WalkBudget{}))
	if s := m2.VerifyStats(); s.Walks != 64 || s.PassWalked != 64 || s.PassMapped != 64 {
		t.Fatalf("stats %+v: want all 64 frames walked", s)
	}
}
