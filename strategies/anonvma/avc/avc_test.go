package avc

import (
	"fmt"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
)

const (
	rw  = core.ProtRead | core.ProtWrite
	rwx = core.ProtRead | core.ProtWrite | core.ProtExec
)

// family builds process 1 with nVMAs anonymous VMAs of two pages each,
// separated by one-page gaps so that they neither merge nor share an
// anon_vma (find_mergeable_anon_vma needs adjacent VMAs), and writes every
// page: each VMA gets its own root anon_vma and one chain.
func family(t *testing.T, opts map[string]string, nVMAs int) *core.Machine {
	t.Helper()
	m := newMachine(t, 0, opts)
	for i := 0; i < nVMAs; i++ {
		a := uint64(0x100000) + uint64(i)*3*pg
		must(t, m.Mmap(1, a, 2*pg, rw, false, "", 0))
		must(t, m.Touch(1, a, 2*pg, true))
	}
	if n := len(m.Lookup(1).VMAs()); n != nVMAs {
		t.Fatalf("%d VMAs, want %d", n, nVMAs)
	}
	wantObjs(t, m, int64(nVMAs), int64(nVMAs))
	verify(t, m)
	return m
}

var reuseModes = []struct {
	name string
	opts map[string]string
}{
	{"reuse", nil},
	{"noreuse", map[string]string{"avc-reuse": "false"}},
}

// A live chain of 100 forks (each child forks the next, all alive): the
// process at depth d (the root is depth 1) has d chains per VMA, one per
// ancestor level, so 20 VMAs hold 20 x (1+2+...+101) = 20 x 5151 = 103020
// anon_vma_chains, and every process has its own anon_vma per VMA:
// 20 x 101 = 2020. No anon_vma qualifies for reuse (each still has its
// VMA), so both modes agree.
func TestLiveForkChainObjects(t *testing.T) {
	for _, mode := range reuseModes {
		t.Run(mode.name, func(t *testing.T) {
			m := family(t, mode.opts, 20)
			for p := uint64(1); p <= 100; p++ {
				must(t, m.Fork(p, p+1))
				if p%25 == 0 {
					verify(t, m)
				}
			}
			wantObjs(t, m, 20*101, 20*5151)
			verify(t, m)
			// Every process still maps the root's pages: a walk of one
			// visits all 101 VMAs of the family.
			f, _, ok := m.Resolve(101, 0x100000)
			if !ok {
				t.Fatal("page not mapped in the last child")
			}
			before := m.Walk
			n := 0
			m.Rmapper().Walk(f, func(*core.VMA, uint64) bool { n++; return true })
			if n != 101 || m.Walk.VMAs-before.VMAs != 101 || m.Walk.PTEs-before.PTEs != 101 {
				t.Errorf("walk of a root page found %d mappings, %d vmas, %d ptes; want 101 each", n, m.Walk.VMAs-before.VMAs, m.Walk.PTEs-before.PTEs)
			}
			for p := uint64(1); p <= 101; p++ {
				must(t, m.Exit(p))
			}
			wantObjs(t, m, 0, 0)
			verify(t, m)
		})
	}
}

// 100 siblings: each child has two chains per VMA (its own anon_vma's and
// the root's): 20 x (1 + 100x2) = 20 x 201 = 4020 anon_vma_chains and
// 20 x (1 + 100) = 2020 anon_vmas. The only candidate for reuse would be
// the root, which is the source VMA's own anon_vma. When the children exit
// their anon_vmas go and the root's 20 remain.
func TestSiblingObjects(t *testing.T) {
	for _, mode := range reuseModes {
		t.Run(mode.name, func(t *testing.T) {
			m := family(t, mode.opts, 20)
			for c := uint64(2); c <= 101; c++ {
				must(t, m.Fork(1, c))
			}
			wantObjs(t, m, 20*101, 20*201)
			verify(t, m)
			for c := uint64(2); c <= 101; c++ {
				must(t, m.Exit(c))
			}
			wantObjs(t, m, 20, 20)
			verify(t, m)
			must(t, m.Exit(1))
			wantObjs(t, m, 0, 0)
			verify(t, m)
		})
	}
}

// A chain whose parents exit: P1 forks P2 and exits, P2 forks P3 and exits,
// ... for 100 generations, each child writing its pages (COW).
//
// With reuse (per VMA; R the root, Ck the anon_vma made at the k-th fork):
// P2 gets C1 (R is P1's own); P1's exit leaves R with degree 2 (itself,
// C1). P3 gets C2 (R has degree 2, C1 is P2's own); P2's exit leaves C1
// with degree 1 (C2). P4 reuses C1 (degree 1, not P3's), P3's exit leaves
// C2 with degree 0; P5 reuses C2, P4's exit leaves C1 with degree 1; and
// so on, alternating. The survivor has 3 chains (R, C1, C2) and the family
// 3 anon_vmas per VMA: 20 x 3 = 60 of each. The peak is while a parent
// and its child both live: 3 + 3 = 6 chains per VMA, 120.
//
// Without reuse nothing is ever freed (the survivor's chain links every
// ancestor's anon_vma): P101 has 101 chains and the family 101 anon_vmas
// per VMA, 20 x 101 = 2020 of each, with a peak of 20 x (100 + 101) = 4020
// chains while P100 and P101 both lived.
func TestExitingParentsChain(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		opts                     map[string]string
		avs, avcs, avPeak, cPeak int64
	}{
		{"reuse", nil, 60, 60, 60, 120},
		{"noreuse", map[string]string{"avc-reuse": "false"}, 2020, 2020, 2020, 4020},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := family(t, tc.opts, 20)
			for p := uint64(1); p <= 100; p++ {
				must(t, m.Fork(p, p+1))
				for i := 0; i < 20; i++ {
					must(t, m.Touch(p+1, 0x100000+uint64(i)*3*pg, 2*pg, true))
				}
				must(t, m.Exit(p))
				if p%10 == 0 {
					verify(t, m)
				}
			}
			wantObjs(t, m, tc.avs, tc.avcs)
			if _, peak := objs(m, "anon_vma"); peak != tc.avPeak {
				t.Errorf("anon_vma-peak-objs = %d, want %d", peak, tc.avPeak)
			}
			if _, peak := objs(m, "anon_vma_chain"); peak != tc.cPeak {
				t.Errorf("anon_vma_chain-peak-objs = %d, want %d", peak, tc.cPeak)
			}
			verify(t, m)
			must(t, m.Exit(101))
			wantObjs(t, m, 0, 0)
			verify(t, m)
		})
	}
}

// walkCount walks f and returns the mappings found and the counters'
// increase.
func walkCount(m *core.Machine, f core.FrameID) (found int, w core.WalkCounters) {
	before := m.Walk
	m.RmapWalk(f, func(*core.VMA, uint64) bool { found++; return true })
	w = m.Walk
	w.VMAs -= before.VMAs
	w.PTEs -= before.PTEs
	w.Steps -= before.Steps
	w.Walks -= before.Walks
	return found, w
}

func frameAt(t *testing.T, m *core.Machine, pid, addr uint64) core.FrameID {
	t.Helper()
	f, _, ok := m.Resolve(pid, addr)
	if !ok {
		t.Fatalf("nothing mapped at %d:%#x", pid, addr)
	}
	return f
}

// A page COWed in a child points at the child's anon_vma, whose tree holds
// only the child and its descendants; a page of the root is looked for in
// every VMA of the family. Family: P1 forks P2 and P3, P2 forks P4.
func TestWalkVisitsOnlyTheFamily(t *testing.T) {
	const base = 0x200000
	m := newMachine(t, 0, nil)
	must(t, m.Mmap(1, base, 4*pg, rw, false, "", 0))
	must(t, m.Touch(1, base, 4*pg, true))
	must(t, m.Fork(1, 2))
	must(t, m.Fork(1, 3))
	must(t, m.Fork(2, 4))
	must(t, m.Touch(4, base, pg, true))    // COW in the grandchild
	must(t, m.Touch(2, base+pg, pg, true)) // COW in the child
	verify(t, m)
	for _, tc := range []struct {
		what         string
		pid, addr    uint64
		found        int
		vmas, ptes   int64
		steps        int64
		anonIsOwnOf  uint64 // the process whose vma->anon_vma the page has
		anonIsRootOf uint64
	}{
		// P4's anon_vma is linked by P4's VMA only: one node, one VMA.
		{"grandchild's COW page", 4, base, 1, 1, 1, 1, 4, 0},
		// P2's anon_vma is linked by P2 and by P4 (forked after); P4
		// maps the older page there, so one mapping is found in two VMAs.
		{"child's COW page", 2, base + pg, 1, 2, 2, 2, 2, 0},
		// The root's anon_vma is linked by all four.
		{"root page", 1, base + 2*pg, 4, 4, 4, 4, 0, 1},
	} {
		f := frameAt(t, m, tc.pid, tc.addr)
		found, w := walkCount(m, f)
		if found != tc.found || w.VMAs != tc.vmas || w.PTEs != tc.ptes || w.Steps != tc.steps {
			t.Errorf("%s: found %d, vmas %d, ptes %d, steps %d; want %d, %d, %d, %d",
				tc.what, found, w.VMAs, w.PTEs, w.Steps, tc.found, tc.vmas, tc.ptes, tc.steps)
		}
		v := m.Lookup(tc.pid).FindVMA(tc.addr)
		av := m.Frame(f).Anon.(*anonVMA)
		if tc.anonIsOwnOf != 0 && av != anonOf(v) {
			t.Errorf("%s: page->mapping is not the VMA's anon_vma", tc.what)
		}
		if tc.anonIsRootOf != 0 && (av != anonOf(v).root || av.root != av) {
			t.Errorf("%s: page->mapping is not the root", tc.what)
		}
	}
	// Reclaim goes through the same walk: unmapping the root page takes
	// the four PTEs the tree leads to, once aging has found them old
	// (try_to_unmap_one fails on a young PTE).
	f := frameAt(t, m, 1, base+3*pg)
	for pid := uint64(1); pid <= 4; pid++ {
		m.ClearYoung(m.LookupPTE(m.Lookup(pid), base+3*pg))
	}
	before := m.Walk
	if !m.Rmapper().TryToUnmap(f) {
		t.Fatal("try_to_unmap left the root page mapped")
	}
	if d := m.Walk.VMAs - before.VMAs; d != 4 {
		t.Errorf("try_to_unmap of the root page examined %d VMAs, want 4", d)
	}
}

// find_mergeable_anon_vma and Linus' single-chain rule; merging on same
// anon_vma; is_mergeable_anon_vma refusing to merge into a cloned VMA.
func TestNeighbourSharingAndMerge(t *testing.T) {
	const a = 0x400000
	m := newMachine(t, 0, nil)
	must(t, m.Mmap(1, a, 4*pg, rw, false, "", 0))
	must(t, m.Touch(1, a, 4*pg, true))
	// An adjacent VMA with another protection does not merge, but its
	// first fault shares the neighbour's anon_vma (one-entry chain).
	must(t, m.Mmap(1, a+4*pg, 4*pg, rwx, false, "", 0))
	must(t, m.Touch(1, a+4*pg, 4*pg, true))
	if n := len(m.Lookup(1).VMAs()); n != 2 {
		t.Fatalf("%d VMAs, want 2", n)
	}
	wantObjs(t, m, 1, 2)
	verify(t, m)
	// Same protection again: same anon_vma, so they merge; the chain of
	// the absorbed VMA goes.
	must(t, m.Mprotect(1, a+4*pg, 4*pg, rw))
	if n := len(m.Lookup(1).VMAs()); n != 1 {
		t.Fatalf("%d VMAs after mprotect, want 1", n)
	}
	wantObjs(t, m, 1, 1)
	verify(t, m)

	// After fork the child's VMA has two chains: a new neighbour in the
	// child neither shares its anon_vma nor merges with it.
	must(t, m.Fork(1, 2))
	wantObjs(t, m, 2, 3)
	must(t, m.Mmap(2, a+8*pg, 2*pg, rwx, false, "", 0))
	must(t, m.Touch(2, a+8*pg, 2*pg, true))
	wantObjs(t, m, 3, 4) // a new root for it
	// Nor does a new VMA just below it, with its protection.
	must(t, m.Mmap(2, a-2*pg, 2*pg, rw, false, "", 0))
	if n := len(m.Lookup(2).VMAs()); n != 3 {
		t.Fatalf("child has %d VMAs after mmap below its cloned VMA, want 3", n)
	}
	must(t, m.Munmap(2, a-2*pg, 2*pg))
	must(t, m.Mmap(2, a+10*pg, 2*pg, rw, false, "", 0))
	must(t, m.Mprotect(2, a+8*pg, 2*pg, rw))
	// [a, a+8) cloned (2 chains) | [a+8, a+10) own root | [a+10, a+12)
	// without anon_vma: the last two merge (one side has none, the other
	// a single chain), the first stays apart.
	if n := len(m.Lookup(2).VMAs()); n != 2 {
		t.Fatalf("child has %d VMAs, want 2", n)
	}
	verify(t, m)
	// In the parent the same mmap merges: its chain has one entry.
	must(t, m.Mmap(1, a+8*pg, 2*pg, rw, false, "", 0))
	if n := len(m.Lookup(1).VMAs()); n != 1 {
		t.Fatalf("parent has %d VMAs, want 1", n)
	}
	must(t, m.Touch(1, a+8*pg, 2*pg, true))
	wantObjs(t, m, 3, 4)
	verify(t, m)
	must(t, m.Exit(2))
	must(t, m.Exit(1))
	wantObjs(t, m, 0, 0)
}

// Split, merge, mprotect, mremap, COW, swap and exec with every step
// checked against the oracle and the invariants.
func TestScenarios(t *testing.T) {
	for _, mode := range reuseModes {
		t.Run(mode.name, func(t *testing.T) {
			const a, b = 0x1000000, 0x3000000
			m := newMachine(t, 0, mode.opts)
			step := func(what string, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if err := m.Verify(0); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if err := checkInvariants(m); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
			}
			step("mmap", m.Mmap(1, a, 16*pg, rw, false, "", 0))
			step("write", m.Touch(1, a, 16*pg, true))
			step("private file mmap", m.Mmap(1, b, 8*pg, rw, false, "lib", 0))
			step("file read", m.Touch(1, b, 8*pg, false))
			step("file COW", m.Touch(1, b+2*pg, 2*pg, true))
			step("split by mprotect", m.Mprotect(1, a+4*pg, 4*pg, core.ProtRead))
			wantObjs(t, m, 2, 4) // one per VMA: 3 anon + 1 file VMA
			step("fork", m.Fork(1, 2))
			step("fork", m.Fork(2, 3))
			step("COW in child", m.Touch(2, a, 2*pg, true))
			step("COW in grandchild", m.Touch(3, a+pg, 2*pg, true))
			step("COW in file VMA of child", m.Touch(2, b+3*pg, 2*pg, true))
			step("merge back in parent", m.Mprotect(1, a+4*pg, 4*pg, rw))
			if n := len(m.Lookup(1).VMAs()); n != 2 {
				t.Fatalf("parent has %d VMAs, want 2", n)
			}
			step("mprotect back in child (no merge: different anon_vmas)", m.Mprotect(2, a+4*pg, 4*pg, rw))
			step("munmap a hole", m.Munmap(2, a+10*pg, 2*pg))
			step("mremap move in child", m.Mremap(2, a+12*pg, 4*pg, 0x5000000, 4*pg))
			step("write moved", m.Touch(2, 0x5000000, 4*pg, true))
			step("mremap move and grow in parent", m.Mremap(1, a, 8*pg, 0x6000000, 12*pg))
			step("write grown", m.Touch(1, 0x6000000, 12*pg, true))
			step("mremap grow in place", m.Mremap(3, a+8*pg, 8*pg, a+8*pg, 12*pg))
			step("write grown in place", m.Touch(3, a+14*pg, 6*pg, true))
			step("mremap shrink", m.Mremap(3, a+8*pg, 12*pg, a+8*pg, 4*pg))
			step("dontneed", m.DontNeed(3, a, 2*pg))
			// Swap: reclaim everything, then fault back in: a read in a
			// child maps the swap-cache page shared, page->mapping the
			// root; a write in the only holder reuses it exclusively.
			step("reclaim", m.Reclaim(1000))
			step("swap in by read", m.Touch(3, a+2*pg, 4*pg, false))
			step("swap in by read", m.Touch(2, a+6*pg, 2*pg, false))
			step("swap in by write", m.Touch(1, 0x6000000, 12*pg, true))
			step("swap in by write", m.Touch(2, a, 10*pg, true))
			step("reclaim again", m.Reclaim(1000))
			step("touch all in 2", m.Touch(2, a, 10*pg, false))
			step("fork after swap", m.Fork(2, 4))
			step("write in 4", m.Touch(4, a, 10*pg, true))
			step("exec 2", m.Exec(2))
			step("exit 1", m.Exit(1))
			step("exit 3", m.Exit(3))
			step("exit 4", m.Exit(4))
			wantObjs(t, m, 0, 0)
			step("exit 2", m.Exit(2))
		})
	}
}

// The page of a swap-in that is not exclusive points at the root.
func TestSwapInSharedUsesRoot(t *testing.T) {
	const a = 0x800000
	m := newMachine(t, 0, nil)
	must(t, m.Mmap(1, a, pg, rw, false, "", 0))
	must(t, m.Touch(1, a, pg, true))
	must(t, m.Fork(1, 2))
	must(t, m.Touch(2, a, pg, true)) // child's own copy, on its anon_vma
	must(t, m.Fork(2, 3))            // shared by 2 and 3
	f := frameAt(t, m, 2, a)
	if m.Frame(f).Anon.(*anonVMA) != anonOf(m.Lookup(2).FindVMA(a)) {
		t.Fatal("COW copy does not point at the child's anon_vma")
	}
	must(t, m.Reclaim(100))           // everything out to swap
	must(t, m.Touch(3, a, pg, false)) // swap-in, slot still shared with 2
	f = frameAt(t, m, 3, a)
	av := m.Frame(f).Anon.(*anonVMA)
	if av.root != av || av != anonOf(m.Lookup(3).FindVMA(a)).root {
		t.Fatal("a shared swap-in does not point at the root anon_vma")
	}
	must(t, m.Touch(2, a, pg, false)) // the same swap-cache page: mapping kept
	if frameAt(t, m, 2, a) != f || m.Frame(f).Anon.(*anonVMA) != av {
		t.Fatal("second swap-in changed the page's anon_vma")
	}
	verify(t, m)
	// The root page walk visits P1's VMA too, which does not map it.
	found, w := walkCount(m, f)
	if found != 2 || w.VMAs != 3 {
		t.Errorf("walk found %d in %d VMAs, want 2 in 3", found, w.VMAs)
	}
}

func TestBadOptionPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("avc-reuse=maybe did not panic")
		}
	}()
	newMachine(t, 0, map[string]string{"avc-reuse": "maybe"})
}

// Example_exitingParents shows the fork-chain growth the degree rule removes.
func Example_exitingParents() {
	for _, reuse := range []string{"true", "false"} {
		m := core.NewMachine(core.Config{Seed: 1, NewIndex: fileindex.NewLinear, Options: map[string]string{"avc-reuse": reuse}}, Strategy.New)
		m.Mmap(1, 0x100000, pg, rw, false, "", 0)
		m.Touch(1, 0x100000, pg, true)
		for p := uint64(1); p <= 10; p++ {
			m.Fork(p, p+1)
			m.Exit(p)
		}
		avs, _ := objs(m, "anon_vma")
		avcs, _ := objs(m, "anon_vma_chain")
		fmt.Printf("avc-reuse=%s: %d anon_vma, %d anon_vma_chain\n", reuse, avs, avcs)
	}
	// Output:
	// avc-reuse=true: 3 anon_vma, 3 anon_vma_chain
	// avc-reuse=false: 11 anon_vma, 11 anon_vma_chain
}

// A page that stayed in the swap cache keeps its page->mapping when it is
// mapped again, even by an exclusive write (__page_set_anon_rmap returns
// early for a PageAnon page): here the root, set by a shared swap-in.
func TestSwapCacheKeepsMapping(t *testing.T) {
	const a = 0x900000
	m := newMachine(t, 0, nil)
	must(t, m.Mmap(1, a, pg, rw, false, "", 0))
	must(t, m.Touch(1, a, pg, true))
	must(t, m.Fork(1, 2))
	must(t, m.Touch(2, a, pg, true)) // P2's copy, on P2's anon_vma
	must(t, m.Fork(2, 3))
	must(t, m.Reclaim(100))           // out: P2 and P3 share a slot
	must(t, m.Touch(3, a, pg, false)) // shared swap-in: the root
	f := frameAt(t, m, 3, a)
	root := anonOf(m.Lookup(3).FindVMA(a)).root
	if m.Frame(f).Anon != root {
		t.Fatal("a shared swap-in does not point at the root")
	}
	must(t, m.DontNeed(3, a, pg)) // unmapped, still in the swap cache
	must(t, m.Touch(2, a, pg, true))
	if frameAt(t, m, 2, a) != f {
		t.Fatal("the write did not map the swap-cache page")
	}
	if m.Frame(f).Anon != root {
		t.Fatal("an exclusive swap-in of a swap-cache page changed its anon_vma")
	}
	verify(t, m)
	// Only P2 maps it, but the walk goes through the root's three VMAs.
	if found, w := walkCount(m, f); found != 1 || w.VMAs != 3 {
		t.Errorf("walk found %d in %d VMAs, want 1 in 3", found, w.VMAs)
	}
}
