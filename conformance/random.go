package conformance

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"rmapbench/core"
	"rmapbench/workloads"
	"rmapbench/workloads/trace"
)

// Random runs seeds random sequences of events events each through st
// under every i_mmap index and nonlinear policy and every aging policy (setups), checking every frame
// against the oracle after every event and after every try_to_unmap, and
// the Rules and that exit leaves no object live at the end of each
// sequence.
func Random(t *testing.T, st core.Strategy, seeds, events int) {
	t.Helper()
	for _, s := range setups(st) {
		t.Run(s.String(), func(t *testing.T) {
			var folios, splits, pmds, pmdSplits int64
			for seed := uint64(1); seed <= uint64(seeds); seed++ {
				m, err := runRandom(st, s, seed, events)
				if err != nil {
					t.Fatal(err)
				}
				folios += m.Stats.FolioAllocs
				splits += m.Stats.FolioSplits
				pmds += m.Stats.THPMaps
				pmdSplits += m.Stats.THPSplits
			}
			if s.thp && (pmds == 0 || pmdSplits == 0) {
				t.Errorf("%s, %s: %d PMD mappings, %d split: the setup checks no THP", st.Name, s, pmds, pmdSplits)
			}
			if s.folio != 0 && (folios == 0 || splits == 0) {
				t.Errorf("%s, %s: %d large folios allocated, %d split: the setup checks no folio", st.Name, s, folios, splits)
			}
		})
	}
}

// runRandom runs one random sequence of n events and returns its machine.
func runRandom(st core.Strategy, s setup, seed uint64, n int) (*core.Machine, error) {
	// 160 frames: small enough that kswapd reclaims during faults; with
	// THP, room for two 2 MiB folios.
	frames := 160
	if s.thp {
		frames = 1400
	}
	m := newMachine(st, s, frames, seed)
	rp := &workloads.Replayer{M: m}
	g := newEventGen(seed)
	g.thp = s.thp
	for i := 0; i < n; i++ {
		ev := g.event(m)
		err := rp.Apply(ev)
		var ie *core.InputError
		if errors.As(err, &ie) {
			continue // an event the machine's state makes invalid
		}
		if err == nil {
			err = m.Verify(0)
		}
		if err != nil {
			return nil, fmt.Errorf("%s, %s, seed %d, event %d (%v): %w", st.Name, s, seed, i+1, ev, err)
		}
	}
	if err := checkRules(m); err != nil {
		return nil, fmt.Errorf("%s, %s, seed %d, after %d events: %w", st.Name, s, seed, n, err)
	}
	if err := checkNoLeak(m); err != nil {
		return nil, fmt.Errorf("%s, %s, seed %d, after %d events: %w", st.Name, s, seed, n, err)
	}
	return m, nil
}

// eventGen produces random events that exercise every MMU operation on a
// small address range, so that operations overlap, split, merge, share
// and move each other's pages. It looks at the machine to aim most
// touches, remaps and mremaps inside existing VMAs; the rest may be
// invalid for the machine's state, and the run skips those.
type eventGen struct {
	rng  *rand.Rand
	live []uint64
	next uint64
	// pending are events that follow the last one (an anonymous mmap
	// made mergeable and written with a value, for KSM).
	pending []trace.Event
	// thp adds 2 MiB aligned regions (the THP setup).
	thp bool
}

func newEventGen(seed uint64) *eventGen {
	return &eventGen{rng: rand.New(rand.NewPCG(seed, 99)), live: []uint64{1}, next: 2}
}

func (g *eventGen) event(m *core.Machine) trace.Event {
	if len(g.pending) > 0 {
		ev := g.pending[0]
		g.pending = g.pending[1:]
		return ev
	}
	rng := g.rng
	const pg = trace.PageSize
	bases := []uint64{0x100000, 0x7f0000000000, 0x40000000}
	addr := func() uint64 { return bases[rng.IntN(len(bases))] + uint64(rng.IntN(48))*pg }
	length := func() uint64 { return uint64(1+rng.IntN(12)) * pg }
	prots := []trace.Prot{trace.ProtRead, trace.ProtRead | trace.ProtWrite, trace.ProtRead | trace.ProtWrite, trace.ProtRead | trace.ProtExec}
	files := []string{"libc", "data", "db"}
	p := g.live[rng.IntN(len(g.live))]
	// inVMA picks a range inside one of p's VMAs, if it has any.
	inVMA := func(wantShared bool) (uint64, uint64, bool) {
		mm := m.Lookup(p)
		if mm == nil || len(mm.VMAs()) == 0 || rng.IntN(8) == 0 {
			return addr(), length(), false
		}
		vs := mm.VMAs()
		v := vs[rng.IntN(len(vs))]
		if wantShared {
			for _, w := range vs {
				if w.Shared && w.File != nil {
					v = w
				}
			}
		}
		n := v.Pages()
		first := uint64(rng.IntN(int(n)))
		cnt := 1 + uint64(rng.IntN(int(n-first)))
		return v.Start + first*pg, cnt * pg, true
	}
	for {
		switch k := rng.IntN(100); {
		case k < 4 && g.thp:
			// A 2 MiB aligned region, written whole or in part: PMDs.
			a := 0x40000000 + uint64(rng.IntN(2))*(2<<20)
			g.pending = append(g.pending, trace.Event{Op: trace.OpTouch, PID: p, Addr: a + uint64(rng.IntN(512))*pg, Len: uint64(1+rng.IntN(8)) * pg, Write: true})
			return trace.Event{Op: trace.OpMmap, PID: p, Addr: a, Len: 2 << 20, Prot: trace.ProtRead | trace.ProtWrite}
		case k < 12:
			ev := trace.Event{Op: trace.OpMmap, PID: p, Addr: addr(), Len: length(), Prot: prots[rng.IntN(len(prots))], Shared: rng.IntN(4) == 0}
			if !ev.Shared && ev.Prot&trace.ProtWrite != 0 && rng.IntN(2) == 0 {
				// Memory for KSM: mergeable, pages of a few values.
				g.pending = append(g.pending,
					trace.Event{Op: trace.OpMadvise, PID: p, Addr: ev.Addr, Len: ev.Len, Advice: trace.AdviceMergeable},
					trace.Event{Op: trace.OpTouch, PID: p, Addr: ev.Addr, Len: ev.Len, Write: true, HasValue: true, Value: uint64(rng.IntN(3))})
			}
			return ev
		case k < 24:
			return trace.Event{Op: trace.OpMmap, PID: p, Addr: addr(), Len: length(), Prot: prots[rng.IntN(len(prots))], Shared: rng.IntN(2) == 0,
				File: files[rng.IntN(len(files))], Offset: uint64(rng.IntN(16)) * pg}
		case k < 46:
			a, l, _ := inVMA(false)
			write := rng.IntN(2) == 0
			if v := m.Lookup(p); v != nil {
				if w := v.FindVMA(a); w != nil && w.Prot&core.ProtWrite == 0 {
					write = false
				}
			}
			ev := trace.Event{Op: trace.OpTouch, PID: p, Addr: a, Len: l, Write: write}
			if write && rng.IntN(2) == 0 {
				// A few values, so that identical pages exist for KSM.
				ev.HasValue, ev.Value = true, uint64(rng.IntN(3))
			}
			return ev
		case k < 50:
			// Often a whole VMA, whose pages other processes share.
			a, l, _ := inVMA(false)
			return trace.Event{Op: trace.OpMigrate, PID: p, Addr: a, Len: l}
		case k < 55:
			return trace.Event{Op: trace.OpMunmap, PID: p, Addr: addr(), Len: length()}
		case k < 60:
			return trace.Event{Op: trace.OpMprotect, PID: p, Addr: addr(), Len: length(), Prot: prots[rng.IntN(len(prots))]}
		case k < 67:
			old, l, _ := inVMA(false)
			nw := old
			if rng.IntN(3) > 0 {
				nw = addr()
			}
			return trace.Event{Op: trace.OpMremap, PID: p, Addr: old, Len: l, NewAddr: nw, NewLen: length()}
		case k < 70:
			return trace.Event{Op: trace.OpDontNeed, PID: p, Addr: addr(), Len: length()}
		case k < 75:
			a, l, _ := inVMA(true)
			return trace.Event{Op: trace.OpRemap, PID: p, Addr: a, Len: l, PgOff: uint64(rng.IntN(32))}
		case k < 84:
			if len(g.live) < 12 {
				c := g.next
				g.next++
				g.live = append(g.live, c)
				return trace.Event{Op: trace.OpFork, PID: p, Child: c}
			}
		case k < 86:
			return trace.Event{Op: trace.OpExec, PID: p}
		case k < 89:
			if len(g.live) > 1 {
				i := rng.IntN(len(g.live))
				pid := g.live[i]
				g.live = append(g.live[:i], g.live[i+1:]...)
				return trace.Event{Op: trace.OpExit, PID: pid}
			}
		case k < 93:
			a, l, _ := inVMA(false)
			// Twice as many munlocks: memory full of locked pages makes
			// every allocation reclaim in vain.
			op := trace.OpMunlock
			if rng.IntN(3) == 0 {
				op = trace.OpMlock
			}
			return trace.Event{Op: op, PID: p, Addr: a, Len: l}
		case k < 95:
			a, l, _ := inVMA(false)
			advice := trace.AdviceMergeable
			if rng.IntN(4) == 0 {
				advice = trace.AdviceUnmergeable
			}
			return trace.Event{Op: trace.OpMadvise, PID: p, Addr: a, Len: l, Advice: advice}
		case k < 99:
			return trace.Event{Op: trace.OpKsm, N: uint64(1 + rng.IntN(128))}
		default:
			return trace.Event{Op: trace.OpReclaim, N: uint64(1 + rng.IntN(24))}
		}
	}
}
