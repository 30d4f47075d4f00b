package core

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// scanRmapper is the smallest correct strategy, for tests inside core
// (which cannot import the strategies): it keeps nothing and walks by
// scanning every page table.
type scanRmapper struct {
	BaseRmapper
	m *Machine
}

func (r *scanRmapper) PageAdd(*VMA, MapRef, AddKind) bool           { return true }
func (r *scanRmapper) PagesDup(*VMA, []MapRef)                      {}
func (r *scanRmapper) PagesRemove(*VMA, []MapRef)                   {}
func (r *scanRmapper) PageMove(dst, src *VMA, from, to MapRef) bool { return true }

func (r *scanRmapper) scan(f FrameID, fn func(v *VMA, addr uint64, a PTEAddr) bool) {
	for _, mm := range r.m.MMs() {
		for _, v := range mm.VMAs() {
			stop := false
			r.m.ScanPTEs(v, func(addr uint64, a PTEAddr, p PTE) bool {
				if p.Frame() == f && !fn(v, addr, a) {
					stop = true
				}
				return !stop
			})
			if stop {
				return
			}
		}
	}
}

func (r *scanRmapper) Walk(f FrameID, visit func(*VMA, uint64) bool) {
	r.scan(f, func(v *VMA, addr uint64, _ PTEAddr) bool { return visit(v, addr) })
}

func (r *scanRmapper) TryToUnmap(f FrameID) bool {
	r.scan(f, func(v *VMA, addr uint64, a PTEAddr) bool {
		r.m.UnmapOne(v, addr, a, f)
		return true
	})
	return r.m.Frame(f).MapCount == 0
}

func (r *scanRmapper) PageReferenced(f FrameID) int {
	young := 0
	r.scan(f, func(v *VMA, addr uint64, a PTEAddr) bool {
		if r.m.ReferencedOne(a, f) {
			young++
		}
		return true
	})
	return young
}

// listIndex is a minimal i_mmap for these tests.
type listIndex struct{ vs []*VMA }

func (l *listIndex) Insert(v *VMA)         { l.vs = append(l.vs, v) }
func (l *listIndex) InsertAfter(v, _ *VMA) { l.vs = append(l.vs, v) }
func (l *listIndex) Len() int              { return len(l.vs) }
func (l *listIndex) Visit(_ uint64, fn func(*VMA) bool) int {
	for i, v := range l.vs {
		if !fn(v) {
			return i + 1
		}
	}
	return len(l.vs)
}
func (l *listIndex) VMAField() string { return "vm_area_struct.shared:list" }

func (l *listIndex) Remove(v *VMA) {
	for i, w := range l.vs {
		if w == v {
			l.vs = append(l.vs[:i], l.vs[i+1:]...)
			return
		}
	}
}

func newScanMachine(frames int64, seed uint64) *Machine {
	return NewMachine(Config{MemBytes: frames * PageSize, Seed: seed, Verify: true,
		NewIndex: func() FileIndex { return &listIndex{} }},
		func(m *Machine) Rmapper { return &scanRmapper{m: m} })
}

// randomOp applies one random MMU operation to m on a small address range
// shared by a few processes, so that operations overlap and share pages.
// Operations that make no sense for the machine's state are skipped.
func randomOp(t *testing.T, m *Machine, rng *rand.Rand, live *[]uint64, next *uint64) {
	t.Helper()
	pid := (*live)[rng.IntN(len(*live))]
	addr := 0x100000 + uint64(rng.IntN(32))*PageSize
	length := uint64(1+rng.IntN(8)) * PageSize
	prot := ProtRead | ProtWrite
	var err error
	switch k := rng.IntN(100); {
	case k < 15:
		err = m.Mmap(pid, addr, length, prot, rng.IntN(3) == 0, "", 0)
	case k < 25:
		err = m.Mmap(pid, addr, length, prot, rng.IntN(2) == 0, "f", uint64(rng.IntN(8))*PageSize)
	case k < 55:
		err = m.Touch(pid, addr, length, rng.IntN(2) == 0)
	case k < 60:
		err = m.Munmap(pid, addr, length)
	case k < 64:
		err = m.Mprotect(pid, addr, length, ProtRead)
	case k < 70:
		err = m.Mremap(pid, addr, length, 0x200000+uint64(rng.IntN(32))*PageSize, length)
	case k < 73:
		err = m.DontNeed(pid, addr, length)
	case k < 77:
		if mm := m.Lookup(pid); mm != nil {
			for _, v := range mm.VMAs() {
				if v.Shared && v.File != nil {
					err = m.Remap(pid, v.Start, PageSize, uint64(rng.IntN(16)))
					break
				}
			}
		}
	case k < 85:
		if len(*live) < 8 {
			c := *next
			*next++
			if err = m.Fork(pid, c); err == nil {
				*live = append(*live, c)
			}
		}
	case k < 88:
		if len(*live) > 1 {
			i := rng.IntN(len(*live))
			if err = m.Exit((*live)[i]); err == nil {
				*live = append((*live)[:i], (*live)[i+1:]...)
			}
		}
	case k < 90:
		err = m.Exec(pid)
	default:
		err = m.Reclaim(1 + rng.IntN(8))
	}
	var ie *InputError
	if err != nil && !errors.As(err, &ie) {
		t.Fatal(err)
	}
}

// TestShadowMatchesScan: after every operation of random sequences, the
// shadow count of every frame equals what a scan of all page tables
// finds.
func TestShadowMatchesScan(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		m := newScanMachine(96, seed) // small: kswapd reclaims during faults
		rng := rand.New(rand.NewPCG(seed, 5))
		live, next := []uint64{1}, uint64(2)
		for i := 0; i < 300; i++ {
			randomOp(t, m, rng, &live, &next)
			counts, bad, err := m.scanCounts(nil, map[FrameID]int32{})
			if err != nil || bad != nil {
				t.Fatalf("seed %d op %d: %v %v", seed, i, err, bad)
			}
			for f, c := range counts {
				if f == int(ZeroFrame) {
					continue // counted, never checked
				}
				if got := m.verifyState.sh.of(FrameID(f)); got != c {
					t.Fatalf("seed %d op %d: frame %d: shadow %d, scan %d", seed, i, f, got, c)
				}
			}
		}
		if m.verifyState.sh.writes == 0 {
			t.Fatalf("seed %d: no PTE writes seen", seed)
		}
		if err := m.Verify(0); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

// TestShadowDriftIsRule0: a PTE written past the hooks makes the shadow
// and the page tables disagree, and the next full pass says so.
func TestShadowDriftIsRule0(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(m *Machine, a PTEAddr, p PTE)
	}{
		{"cleared", func(m *Machine, a PTEAddr, p PTE) { *m.pt.pte(a) = 0 }},
		{"retargeted", func(m *Machine, a PTEAddr, p PTE) { *m.pt.pte(a) = mkPTE(p.Frame()+1, false) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newScanMachine(64, 1)
			if err := m.Mmap(1, 0x100000, 4*PageSize, ProtRead|ProtWrite, false, "", 0); err != nil {
				t.Fatal(err)
			}
			if err := m.Touch(1, 0x100000, 4*PageSize, true); err != nil {
				t.Fatal(err)
			}
			if err := m.Verify(0); err != nil {
				t.Fatal(err)
			}
			a := m.LookupPTE(m.Lookup(1), 0x101000)
			p := m.PTE(a)
			tc.write(m, a, p)
			err := m.Verify(0)
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Rule != 0 {
				t.Fatalf("got %v, want a rule 0 failure", err)
			}
			if ve.Frame != p.Frame() && ve.Frame != p.Frame()+1 {
				t.Fatalf("failure names frame %d, want %d or %d: %v", ve.Frame, p.Frame(), p.Frame()+1, err)
			}
		})
	}
}
