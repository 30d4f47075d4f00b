package mirror

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/workloads"
	"rmapbench/workloads/trace"
)

// TestSpaceMirrorsTheSimulator applies random mmaps, munmaps, mprotects,
// mremaps and brks on a few colliding addresses through the mirror, and
// the events it emits to a simulated machine. Every event must be
// accepted, and after each call the model must cover exactly what the
// machine maps, with the same protections; a range the model calls one
// VMA must be inside one machine VMA.
func TestSpaceMirrorsTheSimulator(t *testing.T) {
	st := strategies.All()[0]
	idx, err := strategies.Index(st.DefaultIndex)
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 40; seed++ {
		m := core.NewMachine(core.Config{Seed: seed, NewIndex: idx.New}, st.New)
		rp := &workloads.Replayer{M: m}
		emit := func(ev trace.Event) error {
			ev.PID = 1
			return rp.Apply(ev)
		}
		rng := rand.New(rand.NewPCG(seed, 7))
		var s Space
		var h Heap
		page := func() uint64 { return 0x10000 + uint64(rng.IntN(24))*pageSize }
		size := func() uint64 { return uint64(1+rng.IntN(6)) * pageSize }
		prot := func() trace.Prot { return trace.Prot(rng.IntN(8)) &^ trace.ProtExec }
		for step := 0; step < 200; step++ {
			var what string
			var err error
			switch rng.IntN(6) {
			case 0, 1:
				p := Piece{Start: page(), Prot: prot() | trace.ProtRead, Shared: rng.IntN(3) == 0}
				p.End = p.Start + size()
				if rng.IntN(2) == 0 {
					p.File, p.Offset = fmt.Sprintf("f%d", rng.IntN(2)), uint64(rng.IntN(4))*pageSize
				}
				what = fmt.Sprintf("map %+v", p)
				err = s.Map(p, emit)
			case 2:
				a := page()
				what = fmt.Sprintf("unmap %#x", a)
				err = s.Unmap(a, a+size(), emit)
			case 3:
				a, p := page(), prot()
				what = fmt.Sprintf("protect %#x %v", a, p)
				err = s.SetProt(a, a+size(), p, emit)
			case 4:
				old, nw := page(), page()
				oldLen, newLen := size(), size()
				if rng.IntN(3) == 0 {
					nw = old
				}
				if rng.IntN(8) == 0 {
					oldLen = 0
				}
				what = fmt.Sprintf("mremap %#x+%#x -> %#x+%#x", old, oldLen, nw, newLen)
				_, err = s.MirrorMremap(old, oldLen, nw, newLen, rng.IntN(4) == 0, MarkRule{}, emit)
			case 5:
				res := 0x20000 + uint64(rng.IntN(8))*pageSize/2
				what = fmt.Sprintf("brk %#x", res)
				_, err = h.MirrorBrk(&s, res, 0, emit)
			}
			if err != nil {
				t.Fatalf("seed %d step %d: %s: %v", seed, step, what, err)
			}
			if problem := compare(&s, m.Lookup(1)); problem != "" {
				t.Fatalf("seed %d step %d: after %s: %s", seed, step, what, problem)
			}
		}
	}
}

// compare checks that the pieces of s cover exactly the VMAs of mm, page
// by page, with the same protection and sharing, and that every run of
// pieces OneVMA accepts lies in one VMA.
func compare(s *Space, mm *core.MM) string {
	var vmas []*core.VMA
	if mm != nil {
		vmas = mm.VMAs()
	}
	covered := uint64(0)
	for _, v := range vmas {
		covered += v.End - v.Start
		for a := v.Start; a < v.End; a += pageSize {
			p := s.At(a)
			if p == nil {
				return fmt.Sprintf("the machine maps %#x, the model does not", a)
			}
			if trace.Prot(v.Prot) != p.Prot || v.Shared != p.Shared {
				return fmt.Sprintf("%#x: machine %v shared=%v, model %v shared=%v", a, v.Prot, v.Shared, p.Prot, p.Shared)
			}
		}
	}
	modelled := uint64(0)
	pieces := s.Pieces()
	for i, p := range pieces {
		modelled += p.Len()
		for j := i; j < len(pieces) && s.OneVMA(p.Start, pieces[j].End); j++ {
			if v := mm.FindVMA(p.Start); v == nil || v.End < pieces[j].End {
				return fmt.Sprintf("the model calls [%#x, %#x) one VMA; the machine does not", p.Start, pieces[j].End)
			}
		}
	}
	if covered != modelled {
		return fmt.Sprintf("the machine maps %#x bytes, the model %#x", covered, modelled)
	}
	return ""
}
