package core

import (
	"fmt"
	"time"
)

// The oracle's check of page_referenced. A page_referenced walk that
// misses a mapping leaves that PTE's accessed bit set and misjudges the
// page, so with Config.Verify every ref walk is held to rules 1 and 2 of
// the verification rule, as Verify holds Walk: every PTE the walk handed
// to ReferencedOne maps the frame, none twice, and every mapping the page
// tables hold was handed over, except those in nonlinear VMAs (which
// page_referenced_file never looked at; 2.6.7 mm/rmap.c). And, whatever
// the walk: when it returns, no PTE mapping the frame outside a nonlinear
// VMA is still young. A strategy that answered from its aging pass
// (AgedByPass) is held to that last rule alone.

// referenceTruth is the ground truth for a ref walk of f: every mapping
// of f, found without anything a strategy maintains. It is the one place
// to point at a faster oracle.
func (m *Machine) referenceTruth(f FrameID) []Mapping { return m.OracleMappings(f) }

// checkReferenced checks the PTEs a page_referenced walk of f reported
// (seen), or, if aged, only that none of f's PTEs is young.
func (m *Machine) checkReferenced(f FrameID, seen []Mapping, aged bool) error {
	defer m.verifying()()
	truth := m.referenceTruth(f)
	fail := func(rule int, format string, args ...any) error {
		return &VerifyError{Rule: rule, Frame: f, Msg: "page_referenced: " + fmt.Sprintf(format, args...),
			Walk: append([]Mapping(nil), seen...), Oracle: truth}
	}
	nonlinear := func(mp Mapping) bool {
		v := m.procs[mp.PID].FindVMA(mp.Addr)
		return v != nil && v.Nonlinear
	}
	for _, mp := range truth {
		if _, p, _ := m.Resolve(mp.PID, mp.Addr); p.Young() && !nonlinear(mp) {
			return fail(2, "%v is still young after the walk", mp)
		}
	}
	inTruth := make(map[Mapping]bool, len(truth))
	for _, mp := range truth {
		inTruth[mp] = true
	}
	reported := make(map[Mapping]bool, len(seen))
	for _, mp := range seen {
		if !inTruth[mp] {
			return fail(1, "the walk reports %v, which does not map the frame", mp)
		}
		if reported[mp] {
			return fail(1, "the walk reports %v twice", mp)
		}
		reported[mp] = true
	}
	if aged {
		return nil
	}
	for _, mp := range truth {
		if !reported[mp] && !nonlinear(mp) {
			return fail(2, "the walk misses %v", mp)
		}
	}
	return nil
}

// verifying leaves a verification pass out of the measurements: it saves
// the walk counters and starts the clock; the function it returns puts
// them back and adds the time to VerifyTime.
func (m *Machine) verifying() func() {
	saved := m.Walk
	start := time.Now()
	return func() {
		m.Walk = saved
		m.VerifyTime += time.Since(start)
	}
}
