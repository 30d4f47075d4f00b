package avc

import (
	"fmt"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
)

const pg = core.PageSize

// newMachine builds a verifying machine running anonvma-avc with the
// linear i_mmap list.
func newMachine(t *testing.T, mem int64, opts map[string]string) *core.Machine {
	t.Helper()
	return core.NewMachine(core.Config{Seed: 1, MemBytes: mem, NewIndex: fileindex.NewLinear, Verify: true, Options: opts}, Strategy.New)
}

func objs(m *core.Machine, name string) (live, peak int64) {
	for _, o := range m.Space.Objects() {
		if o.Name == name {
			return o.Live, o.Peak
		}
	}
	return -1, -1
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// verify checks the machine against the page-table oracle and the
// strategy's own invariants.
func verify(t *testing.T, m *core.Machine) {
	t.Helper()
	if err := m.Verify(0); err != nil {
		t.Fatal(err)
	}
	if err := checkInvariants(m); err != nil {
		t.Fatal(err)
	}
}

// wantObjs asserts the live counts of both kinds.
func wantObjs(t *testing.T, m *core.Machine, avs, avcs int64) {
	t.Helper()
	if live, _ := objs(m, "anon_vma"); live != avs {
		t.Errorf("anon_vma-objs = %d, want %d", live, avs)
	}
	if live, _ := objs(m, "anon_vma_chain"); live != avcs {
		t.Errorf("anon_vma_chain-objs = %d, want %d", live, avcs)
	}
}

// checkInvariants recomputes everything the strategy maintains
// incrementally from the VMAs of the live processes:
//   - every VMA's chain list is well formed, each chain sits in its
//     anon_vma's tree under the VMA's current page range, a VMA has an
//     anon_vma exactly when it has chains, that anon_vma is on its chain,
//     and every anon_vma on one chain has the same root, the oldest entry;
//   - every anon_vma reachable is live, its tree is a valid interval tree
//     holding exactly the chains that point at it;
//   - degree = child anon_vmas (a root being its own child) + VMAs using
//     it; refcount = 1, plus the live descendants for a root;
//   - the space model counts exactly the reachable objects: nothing leaks;
//   - every mapped anonymous frame points at a live anon_vma.
func checkInvariants(m *core.Machine) error {
	live := map[*anonVMA]int{} // anon_vma -> chains pointing at it
	users := map[*anonVMA]int{}
	var order []*anonVMA
	chains := 0
	for _, mm := range m.MMs() {
		for _, v := range mm.VMAs() {
			s := peek(v)
			if s == nil {
				continue
			}
			n := 0
			var prev *chain
			onChain := false
			var root *anonVMA
			for c := s.head; c != nil; c = c.next {
				n++
				if c.prev != prev {
					return fmt.Errorf("pid %d vma %#x: broken same_vma list", mm.PID, v.Start)
				}
				prev = c
				if c.vma != v || c.av == nil || c.av.freed || !c.rb.InTree() {
					return fmt.Errorf("pid %d vma %#x: chain %d is not linked to a live anon_vma", mm.PID, v.Start, n)
				}
				if c.rb.Start() != v.PgOff || c.rb.Last() != v.LastPgOff() {
					return fmt.Errorf("pid %d vma %#x: chain keyed [%d,%d], VMA is [%d,%d]", mm.PID, v.Start, c.rb.Start(), c.rb.Last(), v.PgOff, v.LastPgOff())
				}
				if root == nil {
					root = c.av.root
				} else if c.av.root != root {
					return fmt.Errorf("pid %d vma %#x: chain mixes roots", mm.PID, v.Start)
				}
				if c.av == s.anonVMA {
					onChain = true
				}
				if _, ok := live[c.av]; !ok {
					order = append(order, c.av)
				}
				live[c.av]++
				chains++
			}
			if s.tail != prev || s.n != n {
				return fmt.Errorf("pid %d vma %#x: list tail or length wrong (%d, counted %d)", mm.PID, v.Start, s.n, n)
			}
			if (s.anonVMA != nil) != (n > 0) || (n > 0 && !onChain) {
				return fmt.Errorf("pid %d vma %#x: anon_vma %p with %d chains (on chain: %v)", mm.PID, v.Start, s.anonVMA, n, onChain)
			}
			if n > 0 && s.tail.av != root {
				return fmt.Errorf("pid %d vma %#x: the oldest chain is not the root's", mm.PID, v.Start)
			}
			if s.anonVMA != nil {
				users[s.anonVMA]++
			}
		}
	}
	children := map[*anonVMA]int{}
	descendants := map[*anonVMA]int{}
	for _, av := range order {
		if _, ok := live[av.parent]; !ok {
			return fmt.Errorf("anon_vma %p: parent %p is not linked by any VMA", av, av.parent)
		}
		children[av.parent]++
		if av.root != av {
			descendants[av.root]++
		}
	}
	for _, av := range order {
		if err := av.tree.Check(); err != nil {
			return fmt.Errorf("anon_vma %p: %v", av, err)
		}
		if av.tree.Len() != live[av] {
			return fmt.Errorf("anon_vma %p: tree holds %d chains, %d point at it", av, av.tree.Len(), live[av])
		}
		if want := children[av] + users[av]; av.degree != want {
			return fmt.Errorf("anon_vma %p: degree %d, want %d children + %d VMAs", av, av.degree, children[av], users[av])
		}
		if want := 1 + descendants[av]; av.refcount != want {
			return fmt.Errorf("anon_vma %p: refcount %d, want %d", av, av.refcount, want)
		}
	}
	if l, _ := objs(m, "anon_vma"); l != int64(len(order)) {
		return fmt.Errorf("space model counts %d anon_vmas, %d are linked", l, len(order))
	}
	if l, _ := objs(m, "anon_vma_chain"); l != int64(chains) {
		return fmt.Errorf("space model counts %d anon_vma_chains, %d are linked", l, chains)
	}
	for f := core.FrameID(1); int(f) < m.FrameCount(); f++ {
		fr := m.Frame(f)
		if fr.Flags&core.FrameInUse == 0 || fr.Flags&core.FrameAnon == 0 || fr.MapCount == 0 {
			continue
		}
		av, ok := fr.Anon.(*anonVMA)
		if !ok || av.freed {
			return fmt.Errorf("mapped anonymous frame %d has no live anon_vma", f)
		}
	}
	return nil
}
