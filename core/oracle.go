package core

import (
	"fmt"
	"strings"
)

// The oracle is the ground truth every strategy's walk is checked
// against. It uses nothing a strategy maintains: the page tables, read
// the 2.4 way, and the shadow count the MMU keeps at every PTE write
// (shadow.go). The checks themselves, and when they run, are in
// verify.go. This file holds what they report: the mappings of a frame,
// found by scanning every page table (only ever for one frame, on a
// failure, or for a machine built without Config.Verify), and the error.

// Mapping is one place a frame is mapped.
type Mapping struct {
	PID  uint64
	Addr uint64
}

func (mp Mapping) String() string { return fmt.Sprintf("%d:%#x", mp.PID, mp.Addr) }

// oracleEntry is a mapping found by the scan, with what kind of VMA holds
// it: a mapping inside a nonlinear VMA need not be found by a walk.
type oracleEntry struct {
	Mapping
	nonlinear bool
}

// oracleOf returns every mapping of f, found by scanning all page tables,
// in process creation order and by address.
func (m *Machine) oracleOf(f FrameID) []oracleEntry {
	var out []oracleEntry
	for _, mm := range m.mmList {
		for _, v := range mm.vmas {
			m.ScanPTEs(v, func(addr uint64, _ PTEAddr, p PTE) bool {
				if p.Frame() == f {
					out = append(out, oracleEntry{Mapping{PID: mm.PID, Addr: addr}, v.Nonlinear})
				}
				return true
			})
		}
	}
	return out
}

// OracleMappings returns every mapping of f found by scanning all page
// tables.
func (m *Machine) OracleMappings(f FrameID) []Mapping {
	return mappingsOf(m.oracleOf(f))
}

func mappingsOf(es []oracleEntry) []Mapping {
	out := make([]Mapping, len(es))
	for i, e := range es {
		out[i] = e.Mapping
	}
	return out
}

// VerifyError is a violation of the verification rule (docs/verification.md).
type VerifyError struct {
	Rule   int // 1: false positive, 2: missed mapping, 3: mapcount, 4: mapped after try_to_unmap, 0: MMU state
	Frame  FrameID
	Msg    string
	Walk   []Mapping // what the strategy reported
	Oracle []Mapping // what the page tables hold
	// Where and Strategy are filled in by the caller that knows them.
	Where    string
	Strategy string
}

func (e *VerifyError) Error() string {
	var b strings.Builder
	if e.Where != "" {
		b.WriteString(e.Where)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "verification failed")
	if e.Strategy != "" {
		fmt.Fprintf(&b, " for strategy %s", e.Strategy)
	}
	fmt.Fprintf(&b, ": frame %d: rule %d: %s", e.Frame, e.Rule, e.Msg)
	fmt.Fprintf(&b, "\n  strategy walk: %v\n  oracle:        %v", e.Walk, e.Oracle)
	return b.String()
}
