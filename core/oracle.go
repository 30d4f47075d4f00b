package core

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The oracle finds the mappings of frames the 2.4 way, by scanning every
// page table of every process. It uses nothing a strategy maintains, so it
// is the ground truth every strategy's walk is checked against.

// Mapping is one place a frame is mapped.
type Mapping struct {
	PID  uint64
	Addr uint64
}

func (mp Mapping) String() string { return fmt.Sprintf("%d:%#x", mp.PID, mp.Addr) }

type oracleEntry struct {
	frame     FrameID
	mm        *MM
	addr      uint64
	nonlinear bool
}

// oracleScan lists the present PTEs of every process that map a frame
// for which want is true, sorted by frame, and returns the first PTE it
// finds that maps a free frame (an MMU bug), if any.
func (m *Machine) oracleScan(want func(FrameID) bool) (out []oracleEntry, stale *oracleEntry) {
	for _, mm := range m.mmList {
		for _, v := range mm.vmas {
			m.ScanPTEs(v, func(addr uint64, _ PTEAddr, p PTE) bool {
				f := p.Frame()
				if m.pm.frames[f].Flags&FrameInUse == 0 && stale == nil {
					stale = &oracleEntry{frame: f, mm: mm, addr: addr}
				}
				if want(f) {
					out = append(out, oracleEntry{frame: f, mm: mm, addr: addr, nonlinear: v.Nonlinear})
				}
				return true
			})
		}
	}
	slices.SortFunc(out, func(a, b oracleEntry) int {
		if a.frame != b.frame {
			return int(a.frame) - int(b.frame)
		}
		if a.mm.seq != b.mm.seq {
			return int(a.mm.seq) - int(b.mm.seq)
		}
		return cmpU64(a.addr, b.addr)
	})
	return out, stale
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// OracleMappings returns every mapping of f found by scanning all page
// tables.
func (m *Machine) OracleMappings(f FrameID) []Mapping {
	var out []Mapping
	for _, mm := range m.mmList {
		for _, v := range mm.vmas {
			m.ScanPTEs(v, func(addr uint64, _ PTEAddr, p PTE) bool {
				if p.Frame() == f {
					out = append(out, Mapping{PID: mm.PID, Addr: addr})
				}
				return true
			})
		}
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

// Verify checks rules 1-3 of the verification rule for the resident frames:
// all of them if limit <= 0 or there are at most limit, otherwise limit
// frames spread evenly over memory. Walks made here are not counted in
// Machine.Walk.
func (m *Machine) Verify(limit int) error {
	saved := m.Walk
	start := time.Now()
	defer func() {
		m.Walk = saved
		m.VerifyTime += time.Since(start)
	}()
	n := len(m.pm.frames)
	step := 1
	if limit > 0 && m.pm.inUse > limit {
		step = n / limit
	}
	round := m.verifyRound
	m.verifyRound++ // sample other frames next time
	sampled := func(f FrameID) bool { return step == 1 || (int(f)+round)%step == 0 }
	entries, stale := m.oracleScan(sampled)
	if stale != nil {
		return &VerifyError{Frame: stale.frame, Msg: fmt.Sprintf("PTE %d:%#x maps a free frame", stale.mm.PID, stale.addr)}
	}
	var walk []Mapping
	j := 0
	for f := FrameID(1); int(f) < n; f++ {
		for j < len(entries) && entries[j].frame < f {
			j++
		}
		k := j
		for k < len(entries) && entries[k].frame == f {
			k++
		}
		fr := &m.pm.frames[f]
		if fr.Flags&FrameInUse == 0 || !sampled(f) {
			continue
		}
		mine := entries[j:k]
		if int(fr.MapCount) != len(mine) {
			return &VerifyError{Rule: 3, Frame: f, Msg: fmt.Sprintf("mapcount %d, but %d PTEs map the frame", fr.MapCount, len(mine)), Oracle: toMappings(mine)}
		}
		if len(mine) == 0 {
			continue
		}
		walk = walk[:0]
		m.rm.Walk(f, func(v *VMA, addr uint64) bool {
			walk = append(walk, Mapping{PID: v.MM.PID, Addr: addr})
			return true
		})
		if err := compareWalk(f, walk, mine); err != nil {
			return err
		}
	}
	return nil
}

func toMappings(es []oracleEntry) []Mapping {
	out := make([]Mapping, len(es))
	for i, e := range es {
		out[i] = Mapping{PID: e.mm.PID, Addr: e.addr}
	}
	return out
}

// compareWalk applies rules 1 and 2.
func compareWalk(f FrameID, walk []Mapping, truth []oracleEntry) error {
	has := func(mp Mapping) (bool, bool) {
		for _, e := range truth {
			if e.mm.PID == mp.PID && e.addr == mp.Addr {
				return true, e.nonlinear
			}
		}
		return false, false
	}
	seen := make(map[Mapping]bool, len(walk))
	for _, w := range walk {
		if ok, _ := has(w); !ok {
			return &VerifyError{Rule: 1, Frame: f, Msg: fmt.Sprintf("the walk reports %v, which does not map the frame", w), Walk: walk, Oracle: toMappings(truth)}
		}
		if seen[w] {
			return &VerifyError{Rule: 1, Frame: f, Msg: fmt.Sprintf("the walk reports %v twice", w), Walk: walk, Oracle: toMappings(truth)}
		}
		seen[w] = true
	}
	for _, e := range truth {
		mp := Mapping{PID: e.mm.PID, Addr: e.addr}
		if !e.nonlinear && !seen[mp] {
			return &VerifyError{Rule: 2, Frame: f, Msg: fmt.Sprintf("the walk misses %v", mp), Walk: walk, Oracle: toMappings(truth)}
		}
	}
	return nil
}

// checkUnmapped applies rule 4 after try_to_unmap of f.
func (m *Machine) checkUnmapped(f FrameID, reported bool) error {
	saved := m.Walk
	start := time.Now()
	defer func() {
		m.Walk = saved
		m.VerifyTime += time.Since(start)
	}()
	left := m.OracleMappings(f)
	fr := &m.pm.frames[f]
	switch {
	case int(fr.MapCount) != len(left):
		return &VerifyError{Rule: 3, Frame: f, Msg: fmt.Sprintf("after try_to_unmap, mapcount %d but %d PTEs map the frame", fr.MapCount, len(left)), Oracle: left}
	case reported && len(left) > 0:
		return &VerifyError{Rule: 4, Frame: f, Msg: "try_to_unmap succeeded but PTEs still map the frame", Oracle: left}
	}
	return nil
}
