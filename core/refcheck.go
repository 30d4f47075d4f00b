package core

import (
	"fmt"
	"time"
)

// The oracle's check of page_referenced. A page_referenced walk that
// misses a mapping leaves that PTE's accessed bit set and misjudges the
// page, so with Config.Verify every ref walk is held to rules 1 and 2 of
// the verification rule, as Verify holds Walk (CheckReported: every PTE
// the walk handed to ReferencedOne maps the frame, none twice, and every
// mapping the page tables hold was handed over, except those in
// nonlinear VMAs, which page_referenced_file never looked at; 2.6.7
// mm/rmap.c). Every PTE handed over has had its accessed bit cleared, so
// a walk that passes rule 2 leaves no PTE of its page young outside
// nonlinear VMAs. Two walks may stop early, as the kernel's did, and are
// held to rule 1 alone: one that met a VM_LOCKED shared VMA
// (ReferencedLocked: page_referenced_file counted the page referenced and
// stopped), and one a strategy answered from its aging pass (AgedByPass),
// which must instead leave none of the page's PTEs young.

// checkReferenced checks the PTEs a page_referenced walk of f reported
// (seen); if aged, only that none of f's PTEs is young; if locked, rule 1.
func (m *Machine) checkReferenced(f FrameID, seen []Mapping, aged, locked bool) error {
	defer m.verifying()()
	if aged {
		truth := m.OracleMappings(f)
		for _, mp := range truth {
			if _, p, _ := m.Resolve(mp.PID, mp.Addr); p.Young() && !m.inNonlinear(mp) {
				return &VerifyError{Rule: 2, Frame: f, Msg: fmt.Sprintf("page_referenced: %v is still young after the aging pass", mp),
					Walk: append([]Mapping(nil), seen...), Oracle: truth}
			}
		}
		return nil
	}
	if locked {
		for _, mp := range seen {
			if fr, _, ok := m.Resolve(mp.PID, mp.Addr); !ok || fr != f {
				return &VerifyError{Rule: 1, Frame: f, Msg: fmt.Sprintf("page_referenced walk reports %v, which does not map the frame", mp),
					Walk: append([]Mapping(nil), seen...), Oracle: m.OracleMappings(f)}
			}
		}
		return nil
	}
	return m.CheckReported(f, seen, "page_referenced walk")
}

// inNonlinear reports whether mp lies in a nonlinear VMA.
func (m *Machine) inNonlinear(mp Mapping) bool {
	v := m.procs[mp.PID].FindVMA(mp.Addr)
	return v != nil && v.Nonlinear
}

// verifying leaves a verification pass out of the measurements: it saves
// the walk counters and starts the clock; the function it returns puts
// them back and adds the time to VerifyTime.
func (m *Machine) verifying() func() {
	saved := m.Walk
	loud := m.quiet()
	stop := m.verifyClock()
	return func() {
		m.Walk = saved
		loud()
		stop()
	}
}

// verifyClock starts timing a verification step for VerifyTime; the
// function it returns stops it. Steps nest (a page_referenced check
// inside a verification pass): only the outermost one is timed, so no
// time counts twice.
func (m *Machine) verifyClock() func() {
	m.verifyDepth++
	if m.verifyDepth > 1 {
		return func() { m.verifyDepth-- }
	}
	start := time.Now()
	return func() {
		m.verifyDepth--
		m.VerifyTime += time.Since(start)
	}
}
