package anonmm

import (
	"fmt"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
)

const (
	pg = core.PageSize
	rw = core.ProtRead | core.ProtWrite
)

// harness drives a machine running anonmm and checks it after every step:
// the oracle (Machine.Verify) and this package's own invariants
// (checkInvariants).
type harness struct {
	t *testing.T
	m *core.Machine
}

func newHarness(t *testing.T, memBytes int64) *harness {
	t.Helper()
	m := core.NewMachine(core.Config{MemBytes: memBytes, Seed: 1, NewIndex: fileindex.NewLinear, Verify: true}, Strategy.New)
	return &harness{t: t, m: m}
}

// do fails the test if err is not nil or the machine no longer verifies.
func (h *harness) do(err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
	h.check()
}

func (h *harness) check() {
	h.t.Helper()
	if err := h.m.Verify(0); err != nil {
		h.t.Fatal(err)
	}
	if err := checkInvariants(h.m); err != nil {
		h.t.Fatal(err)
	}
}

// frame returns the frame pid maps at addr, failing if there is none.
func (h *harness) frame(pid, addr uint64) core.FrameID {
	h.t.Helper()
	f, _, ok := h.m.Resolve(pid, addr)
	if !ok {
		h.t.Fatalf("process %d maps no frame at %#x", pid, addr)
	}
	return f
}

func (h *harness) content(pid, addr uint64) uint64 {
	h.t.Helper()
	return h.m.Frame(h.frame(pid, addr)).Content
}

func (h *harness) objs() (live, peak int64) {
	for _, o := range h.m.Space.Objects() {
		if o.Name == "anonmm" {
			return o.Live, o.Peak
		}
	}
	h.t.Fatal("no anonmm kind registered")
	return 0, 0
}

func (h *harness) wantObjs(step string, want int64) {
	h.t.Helper()
	if live, _ := h.objs(); live != want {
		h.t.Fatalf("%s: anonmm-objs = %d, want %d", step, live, want)
	}
	if b := h.m.Space.Bytes().Obj; b != want*40 {
		h.t.Fatalf("%s: rmap-obj-B = %d, want %d (40 B per anonmm on x86-64)", step, b, want*40)
	}
}

func (h *harness) copies() int64 { return h.m.Stats.MremapCopies }

func (h *harness) wantCopies(step string, want int64) {
	h.t.Helper()
	if got := h.copies(); got != want {
		h.t.Fatalf("%s: mremap-copies = %d, want %d", step, got, want)
	}
}

// walk runs the strategy's walk of f from zeroed counters and returns
// what it reported and what it cost.
func (h *harness) walk(f core.FrameID) ([]core.Mapping, core.WalkCounters) {
	h.m.Walk = core.WalkCounters{}
	var got []core.Mapping
	h.m.RmapWalk(f, func(v *core.VMA, addr uint64) bool {
		got = append(got, core.Mapping{PID: v.MM.PID, Addr: addr})
		return true
	})
	return got, h.m.Walk
}

// checkInvariants recounts every anonmm's references from the machine's
// state and checks the identity of every anonymous frame:
//   - a mapped anonymous frame has an anonmm, every PTE mapping it is at
//     its Index, in an mm whose anonmm is on the same chain;
//   - an unmapped frame has none;
//   - count = (1 if the mm lives) + pages referring to it
//   - (for a head) 1 + the other anonmms on its list;
//   - every anonmm reachable is alive, and the space model counts exactly
//     those.
func checkInvariants(m *core.Machine) error {
	type mapping struct {
		mm   *core.MM
		addr uint64
	}
	maps := map[core.FrameID][]mapping{}
	for _, mm := range m.MMs() {
		for _, v := range mm.VMAs() {
			m.ScanPTEs(v, func(addr uint64, _ core.PTEAddr, p core.PTE) bool {
				maps[p.Frame()] = append(maps[p.Frame()], mapping{mm, addr})
				return true
			})
		}
	}
	heads := map[*anonmm]bool{}
	pages := map[*anonmm]int{}
	for _, mm := range m.MMs() {
		a, ok := mm.Rmap.(*anonmm)
		if !ok || a.mm != mm {
			return fmt.Errorf("process %d: mm and anonmm do not point at each other", mm.PID)
		}
		heads[a.head] = true
	}
	for f := core.FrameID(1); int(f) < m.FrameCount(); f++ {
		fr := m.Frame(f)
		if fr.Flags&core.FrameInUse == 0 || fr.Flags&core.FrameAnon == 0 {
			if fr.Anon != nil {
				return fmt.Errorf("frame %d: not an anonymous page in use but has an anonmm", f)
			}
			continue
		}
		a := pageAnonmm(fr)
		if fr.MapCount == 0 {
			if fr.Anon != nil {
				return fmt.Errorf("frame %d: unmapped but keeps its anonmm", f)
			}
			continue
		}
		if a == nil {
			return fmt.Errorf("frame %d: mapped %d times but has no anonmm", f, fr.MapCount)
		}
		if a.count <= 0 {
			return fmt.Errorf("frame %d: its anonmm was freed", f)
		}
		pages[a]++
		heads[a.head] = true
		for _, mp := range maps[f] {
			if mp.addr != fr.Index {
				return fmt.Errorf("frame %d: index %#x but process %d maps it at %#x", f, fr.Index, mp.mm.PID, mp.addr)
			}
			if of(mp.mm).head != a.head {
				return fmt.Errorf("frame %d: mapped by process %d, which is not on the chain of its anonmm", f, mp.mm.PID)
			}
		}
	}
	var live int64
	for hd := range heads {
		if hd.head != hd || hd.count <= 0 {
			return fmt.Errorf("a chain's head is not a live head")
		}
		members := 0
		for a := hd.next; a != hd; a = a.next {
			members++
			if a.head != hd || a.next.prev != a {
				return fmt.Errorf("anonmm list is corrupt")
			}
		}
		a := hd
		for {
			want := pages[a]
			if a.mm != nil {
				want++
			}
			if a == hd {
				want += 1 + members
			}
			if a.count != want {
				return fmt.Errorf("anonmm of process %v (head %v): count %d, want %d", pidOf(a), a == hd, a.count, want)
			}
			live++
			if a = a.next; a == hd {
				break
			}
		}
	}
	for _, o := range m.Space.Objects() {
		if o.Name == "anonmm" && o.Live != live {
			return fmt.Errorf("anonmm-objs = %d, but %d anonmms are reachable", o.Live, live)
		}
	}
	return nil
}

func pidOf(a *anonmm) any {
	if a.mm == nil {
		return "(exited)"
	}
	return a.mm.PID
}
