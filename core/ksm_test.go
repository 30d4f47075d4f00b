package core_test

import (
	"fmt"
	"testing"

	"rmapbench/core"
)

// ksmMachine is a machine running the strategy called name, verifying
// every try_to_unmap, with max_page_sharing set when limit is not "".
func ksmMachine(t *testing.T, name, limit string, mem int64) *core.Machine {
	t.Helper()
	opts := map[string]string{}
	if limit != "" {
		opts["ksm-max-page-sharing"] = limit
	}
	return strategyMachine(t, name, core.Config{MemBytes: mem, Options: opts})
}

const ksmBase = 0x100000

// ksmProcs starts procs processes (pids 1..procs, no fork between them),
// each with an anonymous mergeable region of pages pages whose page i
// holds the value 100+i, then lets ksmd make two full scans.
func ksmProcs(t *testing.T, m *core.Machine, procs, pages int) {
	t.Helper()
	rw := core.ProtRead | core.ProtWrite
	for p := uint64(1); p <= uint64(procs); p++ {
		must(t, m.Mmap(p, ksmBase, uint64(pages)*pg, rw, false, "", 0))
		must(t, m.Madvise(p, ksmBase, uint64(pages)*pg, core.MadvMergeable))
		for i := uint64(0); i < uint64(pages); i++ {
			must(t, m.TouchValue(p, ksmBase+i*pg, pg, 100+i))
		}
	}
	// The first full scan records checksums, the second merges.
	must(t, m.KSMScan(2*procs*pages))
}

// strategiesThatMerge are those whose hooks let ksmd merge.
var strategiesThatMerge = []string{"pagescan", "ptechain", "filelinear", "anonvma", "anonvma-avc"}

// eachMerging runs fn on a fresh machine of every strategy that lets
// ksmd merge, with max_page_sharing limit ("" for the default).
func eachMerging(t *testing.T, limit string, fn func(t *testing.T, m *core.Machine)) {
	for _, name := range strategiesThatMerge {
		t.Run(name, func(t *testing.T) { fn(t, ksmMachine(t, name, limit, 0)) })
	}
}

func TestKSMMergesIdenticalPages(t *testing.T) {
	eachMerging(t, "", func(t *testing.T, m *core.Machine) {
		ksmProcs(t, m, 3, 4)
		verify(t, m)
		if got := m.FramesInUse(); got != 4 {
			t.Fatalf("frames in use after merging 3 x 4 pages of 4 contents: %d, want 4", got)
		}
		f, p, _ := m.Resolve(1, ksmBase)
		for pid := uint64(2); pid <= 3; pid++ {
			g, q, _ := m.Resolve(pid, ksmBase)
			if g != f || q.Writable() || p.Writable() {
				t.Fatalf("pid %d maps frame %d (writable %v), pid 1 frame %d: want one read-only KSM page", pid, g, q.Writable(), f)
			}
		}
		if fr := m.Frame(f); fr.Flags&core.FrameKsm == 0 || fr.MapCount != 3 {
			t.Fatalf("the merged frame: flags %#x, mapcount %d; want a KSM page mapped 3 times", fr.Flags, fr.MapCount)
		}
		s := m.KSMStats()
		if s.PagesShared != 4 || s.PagesSharing != 8 || s.RmapItems != 12 || s.Merged != 12 {
			t.Fatalf("stats %+v: want 4 shared, 8 sharing, 12 rmap_items, 12 merged", s)
		}
		if n := objects(m, "stable_node"); n != 4 {
			t.Fatalf("%d stable_node objects, want 4", n)
		}
	})
}

func objects(m *core.Machine, name string) int64 {
	for _, o := range m.Space.Objects() {
		if o.Name == name {
			return o.Live
		}
	}
	return 0
}

// A page that changed since ksmd's last full scan does not enter the
// unstable tree (checksum), and a page mapped once is merged only at the
// second scan that finds it unchanged.
func TestKSMWaitsForStablePages(t *testing.T) {
	m := ksmMachine(t, "anonvma-avc", "", 0)
	rw := core.ProtRead | core.ProtWrite
	for p := uint64(1); p <= 2; p++ {
		must(t, m.Mmap(p, ksmBase, pg, rw, false, "", 0))
		must(t, m.Madvise(p, ksmBase, pg, core.MadvMergeable))
		must(t, m.TouchValue(p, ksmBase, pg, 5))
	}
	must(t, m.KSMScan(2)) // one full scan: checksums recorded
	if m.KSMStats().PagesShared != 0 {
		t.Fatal("merged at the first full scan")
	}
	must(t, m.TouchValue(1, ksmBase, pg, 5)) // same content, but it was written
	must(t, m.KSMScan(2))
	if s := m.KSMStats(); s.PagesShared != 1 || s.PagesSharing != 1 {
		t.Fatalf("after the second scan: %+v, want one KSM page shared twice", s)
	}
	must(t, m.TouchValue(2, ksmBase, pg, 6)) // a different value: COW
	must(t, m.KSMScan(4))
	// The KSM page stays, mapped once: shared, but by nobody else.
	if s := m.KSMStats(); s.PagesShared != 1 || s.PagesSharing != 0 || m.FramesInUse() != 2 {
		t.Fatalf("after one side changed: %+v, %d frames; want a KSM page mapped once", s, m.FramesInUse())
	}
	verify(t, m)
}

// A write to a KSM page copies it, even when it is mapped once; the last
// mapping gone frees the page and its stable node.
func TestKSMWriteCopiesAndFreeingRemovesTheNode(t *testing.T) {
	eachMerging(t, "", func(t *testing.T, m *core.Machine) {
		ksmProcs(t, m, 2, 1)
		k, _, _ := m.Resolve(1, ksmBase)
		before := m.Frame(k).Content
		must(t, m.Touch(1, ksmBase, pg, true))
		if f, _, _ := m.Resolve(1, ksmBase); f == k {
			t.Fatal("a write to a KSM page did not copy it")
		}
		if m.Frame(k).Content != before || m.Frame(k).MapCount != 1 {
			t.Fatalf("the KSM page after one sharer wrote: content changed or mapcount %d", m.Frame(k).MapCount)
		}
		must(t, m.Touch(2, ksmBase, pg, true)) // mapped once: still copied
		if f, _, _ := m.Resolve(2, ksmBase); f == k {
			t.Fatal("a KSM page mapped once was reused by a write")
		}
		if n := objects(m, "stable_node"); n != 0 || m.KSMStats().PagesShared != 0 {
			t.Fatalf("the freed KSM page left %d stable nodes, %d pages_shared", n, m.KSMStats().PagesShared)
		}
		verify(t, m)
	})
}

// max_page_sharing: more sharers than the limit make a chain of dups,
// each KSM page with at most the limit; without the limit (0) one page
// takes them all.
func TestKSMMaxPageSharing(t *testing.T) {
	tests := []struct {
		limit                 string
		frames, chains, dups  int64
		shared, sharing, left int64
	}{
		// Limit 2: pages merge in pairs; the fifth waits in the unstable
		// tree for a twin.
		{"2", 3, 1, 2, 2, 2, 1},
		{"3", 2, 1, 2, 2, 3, 0},
		{"0", 1, 0, 0, 1, 4, 0},
		{"256", 1, 0, 0, 1, 4, 0},
	}
	for _, tt := range tests {
		for _, name := range []string{"ptechain", "anonvma", "anonvma-avc"} {
			t.Run(fmt.Sprintf("%s/limit=%s", name, tt.limit), func(t *testing.T) {
				m := ksmMachine(t, name, tt.limit, 0)
				ksmProcs(t, m, 5, 1)
				must(t, m.KSMScan(20)) // more scans change nothing
				verify(t, m)
				s := m.KSMStats()
				if got := int64(m.FramesInUse()); got != tt.frames || s.StableNodeChains != tt.chains || s.StableNodeDups != tt.dups ||
					s.PagesShared != tt.shared || s.PagesSharing != tt.sharing {
					t.Fatalf("frames %d, stats %+v; want frames %d, chains %d, dups %d, shared %d, sharing %d",
						got, s, tt.frames, tt.chains, tt.dups, tt.shared, tt.sharing)
				}
				limit := m.MaxPageSharing()
				for f := core.FrameID(1); int(f) < m.FrameCount(); f++ {
					if fr := m.Frame(f); fr.Flags&core.FrameKsm != 0 && limit > 0 && int(fr.MapCount) > limit {
						t.Fatalf("KSM page %d mapped %d times, over the limit %d", f, fr.MapCount, limit)
					}
				}
				if objects(m, "stable_node") != tt.chains+max(tt.dups, tt.shared) {
					t.Fatalf("%d stable nodes, want %d chains and %d pages", objects(m, "stable_node"), tt.chains, tt.shared)
				}
			})
		}
	}
}

// A chain left with one dup that has room goes back to a plain node at
// the next full scan that prunes it; a full dup stays on its chain.
func TestKSMChainCollapses(t *testing.T) {
	m := ksmMachine(t, "anonvma-avc", "2", 0)
	ksmProcs(t, m, 4, 1)
	if s := m.KSMStats(); s.StableNodeChains != 1 || s.StableNodeDups != 2 {
		t.Fatalf("%+v: want a chain of two dups", s)
	}
	// Both sharers of one dup write: that KSM page is freed.
	k1, _, _ := m.Resolve(1, ksmBase)
	value := uint64(990)
	for pid := uint64(1); pid <= 4; pid++ {
		if f, _, _ := m.Resolve(pid, ksmBase); f == k1 {
			value++
			must(t, m.TouchValue(pid, ksmBase, pg, value))
		}
	}
	must(t, m.KSMScan(40))
	if s := m.KSMStats(); s.StableNodeChains != 1 || s.StableNodeDups != 1 || s.PagesShared != 1 || s.PagesSharing != 1 {
		t.Fatalf("%+v: want a chain of one full dup", s)
	}
	// One sharer of the last dup writes: it has room, and the chain goes.
	for pid := uint64(1); pid <= 4; pid++ {
		if f, _, _ := m.Resolve(pid, ksmBase); m.Frame(f).Flags&core.FrameKsm != 0 {
			must(t, m.TouchValue(pid, ksmBase, pg, 1000))
			break
		}
	}
	must(t, m.KSMScan(40))
	if s := m.KSMStats(); s.StableNodeChains != 0 || s.StableNodeDups != 0 || s.PagesShared != 1 || s.PagesSharing != 0 {
		t.Fatalf("%+v: want the chain collapsed to one KSM page mapped once", s)
	}
	must(t, m.Mmap(9, ksmBase, pg, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Madvise(9, ksmBase, pg, core.MadvMergeable))
	must(t, m.TouchValue(9, ksmBase, pg, 100))
	must(t, m.KSMScan(40))
	if s := m.KSMStats(); s.StableNodeChains != 0 || s.PagesShared != 1 || s.PagesSharing != 1 {
		t.Fatalf("%+v: want a new sharer on the plain node", s)
	}
	verify(t, m)
}

// Fork after a merge maps the KSM page in the child, which the walk finds
// even after the parent exits (the child has rmap_items of its own).
func TestKSMForkThenParentExits(t *testing.T) {
	eachMerging(t, "", func(t *testing.T, m *core.Machine) {
		ksmProcs(t, m, 2, 2)
		must(t, m.Fork(1, 10))
		must(t, m.Fork(10, 11))
		verify(t, m)
		if s := m.KSMStats(); s.RmapItems != 8 || s.PagesSharing != 6 {
			t.Fatalf("after two forks: %+v, want 8 rmap_items, 6 sharing", s)
		}
		must(t, m.Exit(1))
		must(t, m.Exit(10))
		verify(t, m)
		must(t, m.Reclaim(64))
		verify(t, m)
		for _, pid := range []uint64{2, 11} {
			must(t, m.Touch(pid, ksmBase, 2*pg, false))
			if got := content(t, m, pid, ksmBase+pg); got != 101 {
				t.Fatalf("pid %d reads %d after swap, want 101", pid, got)
			}
		}
		verify(t, m)
	})
}

// MADV_UNMERGEABLE copies the KSM pages of the range back; mremap copies
// those it moves and keeps the range mergeable.
func TestKSMUnmergeAndMremap(t *testing.T) {
	eachMerging(t, "", func(t *testing.T, m *core.Machine) {
		ksmProcs(t, m, 3, 4)
		must(t, m.Madvise(1, ksmBase+pg, pg, core.MadvUnmergeable))
		if got := vmaRanges(m, 1); len(got) != 3 {
			t.Fatalf("MADV_UNMERGEABLE of one page: VMAs %#x, want three", got)
		}
		if f, p, _ := m.Resolve(1, ksmBase+pg); m.Frame(f).Flags&core.FrameKsm != 0 || !p.Writable() || m.Frame(f).Content != 101 {
			t.Fatal("the unmerged page is still a KSM page, or read-only, or changed")
		}
		must(t, m.Madvise(1, ksmBase+pg, pg, core.MadvMergeable))
		if got := vmaRanges(m, 1); len(got) != 1 {
			t.Fatalf("mergeable again: VMAs %#x, want one", got)
		}
		must(t, m.Mremap(2, ksmBase, 4*pg, 0x900000, 4*pg))
		for i := uint64(0); i < 4; i++ {
			if f, _, _ := m.Resolve(2, 0x900000+i*pg); m.Frame(f).Flags&core.FrameKsm != 0 || m.Frame(f).Content != 100+i {
				t.Fatalf("page %d moved by mremap: still KSM, or content changed", i)
			}
		}
		if v := m.Lookup(2).FindVMA(0x900000); !v.Mergeable {
			t.Fatal("mremap dropped VM_MERGEABLE")
		}
		verify(t, m)
		must(t, m.KSMScan(100))
		verify(t, m)
		if f, _, _ := m.Resolve(2, 0x902000); m.Frame(f).Flags&core.FrameKsm == 0 {
			t.Fatal("ksmd did not merge the moved pages again")
		}
	})
}

// Reclaim walks a KSM page through its rmap_items; pages a KSM page
// shared across families come back from swap as one copy per family
// under the anon_vma strategies (and ksmd merges them again), and as one
// ordinary page mapped by all under pte chains and the page-table scan.
func TestKSMReclaimAndSwapIn(t *testing.T) {
	for _, tt := range []struct {
		name            string
		copies          int64
		shared, sharing int64
	}{{"ptechain", 0, 0, 0}, {"pagescan", 0, 0, 0}, {"anonvma", 2, 1, 2}, {"anonvma-avc", 2, 1, 2}} {
		t.Run(tt.name, func(t *testing.T) {
			m := ksmMachine(t, tt.name, "", 0)
			ksmProcs(t, m, 3, 1)
			m.Walk = core.WalkCounters{}
			must(t, m.Reclaim(1))
			if m.Stats.SwapOuts != 1 || m.FramesInUse() != 0 {
				t.Fatalf("swap-outs %d, frames %d: want the KSM page out", m.Stats.SwapOuts, m.FramesInUse())
			}
			if tt.name == "anonvma" || tt.name == "anonvma-avc" {
				// Every walk (page_referenced and try_to_unmap): one
				// rmap_item per sharer, one VMA in each anon_vma.
				if w := m.Walk; w.Walks == 0 || w.Steps != 6*w.Walks || w.VMAs != 3*w.Walks || w.PTEs != 3*w.Walks {
					t.Fatalf("the KSM walks counted %+v", w)
				}
			}
			for pid := uint64(1); pid <= 3; pid++ {
				must(t, m.Touch(pid, ksmBase, pg, false))
			}
			if m.Stats.KSMCopies != tt.copies {
				t.Fatalf("ksm-copies %d, want %d", m.Stats.KSMCopies, tt.copies)
			}
			verify(t, m)
			must(t, m.KSMScan(20))
			verify(t, m)
			if s := m.KSMStats(); s.PagesShared != tt.shared || s.PagesSharing != tt.sharing || m.FramesInUse() != 1 {
				t.Fatalf("after swap-in and two scans: %+v, %d frames; want %d shared, %d sharing, one frame",
					s, m.FramesInUse(), tt.shared, tt.sharing)
			}
		})
	}
}

// anonmm cannot describe a KSM page: ksmd scans but merges nothing.
func TestKSMAnonmmMergesNothing(t *testing.T) {
	m := ksmMachine(t, "anonmm", "", 0)
	ksmProcs(t, m, 3, 2)
	if s := m.KSMStats(); s.PagesShared != 0 || s.Merged != 0 || m.FramesInUse() != 6 {
		t.Fatalf("anonmm: %+v, %d frames; want nothing merged", s, m.FramesInUse())
	}
	verify(t, m)
}

// Every KSM object goes when every process has exited.
func TestKSMExitFreesEverything(t *testing.T) {
	eachMerging(t, "2", func(t *testing.T, m *core.Machine) {
		ksmProcs(t, m, 5, 3)
		must(t, m.Fork(3, 30))
		for _, pid := range []uint64{1, 2, 3, 4, 5, 30} {
			must(t, m.Exit(pid))
		}
		for _, o := range m.Space.Objects() {
			if o.Live != 0 {
				t.Fatalf("%d %s objects live after every process exited", o.Live, o.Name)
			}
		}
		if s := m.KSMStats(); s.PagesShared != 0 || s.PagesSharing != 0 || s.RmapItems != 0 || s.PagesUnshared != 0 {
			t.Fatalf("counters after every exit: %+v", s)
		}
	})
}

// Shared mappings ignore MADV_MERGEABLE; an unmapped part of the range is
// passed over; a bad range is an input error.
func TestKSMMadviseRanges(t *testing.T) {
	m := newTestMachine(t, 0)
	must(t, m.Mmap(1, 0x10000, 2*pg, core.ProtRead|core.ProtWrite, true, "", 0))
	must(t, m.Mmap(1, 0x20000, 2*pg, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Madvise(1, 0x10000, 0x20000, core.MadvMergeable))
	for _, v := range m.Lookup(1).VMAs() {
		if v.Mergeable == v.Shared {
			t.Fatalf("VMA [%#x, %#x) shared %v mergeable %v", v.Start, v.End, v.Shared, v.Mergeable)
		}
	}
	var ie *core.InputError
	if err := m.Madvise(1, 0x10001, pg, core.MadvMergeable); !asInputError(err, &ie) {
		t.Fatalf("unaligned madvise: %v", err)
	}
	if err := m.TouchValue(1, 0x20000, pg, 1<<63); !asInputError(err, &ie) {
		t.Fatalf("a value of 2^63: %v", err)
	}
}

func asInputError(err error, target **core.InputError) bool {
	ie, ok := err.(*core.InputError)
	*target = ie
	return ok
}

// A process that exits while ksmd's cursor is inside it, as the last mm
// of the scan, takes its rmap_items out of the unstable tree under way
// before the scan ends (an rmap_item of the scan before would otherwise
// look two scans old).
func TestKSMExitAtTheCursor(t *testing.T) {
	m := ksmMachine(t, "anonvma", "", 0)
	rw := core.ProtRead | core.ProtWrite
	for p := uint64(1); p <= 2; p++ {
		must(t, m.Mmap(p, ksmBase, 4*pg, rw, false, "", 0))
		must(t, m.Madvise(p, ksmBase, 4*pg, core.MadvMergeable))
		for i := uint64(0); i < 4; i++ {
			must(t, m.TouchValue(p, ksmBase+i*pg, pg, 10*p+i)) // nothing alike
		}
	}
	must(t, m.KSMScan(16)) // two full scans: every page in the unstable tree
	must(t, m.KSMScan(6))  // the cursor stops inside process 2
	if s := m.KSMStats(); s.PagesUnshared != 8 {
		t.Fatalf("%+v: want 8 pages in the unstable trees", s)
	}
	must(t, m.Exit(2))
	if s := m.KSMStats(); s.RmapItems != 4 || s.PagesUnshared != 4 {
		t.Fatalf("after the exit: %+v, want process 1's 4 rmap_items", s)
	}
	must(t, m.Mmap(3, ksmBase, pg, rw, false, "", 0))
	must(t, m.Madvise(3, ksmBase, pg, core.MadvMergeable))
	must(t, m.TouchValue(3, ksmBase, pg, 10))
	must(t, m.KSMScan(20))
	if s := m.KSMStats(); s.PagesShared != 1 || s.PagesSharing != 1 {
		t.Fatalf("%+v: want process 3's page merged with process 1's", s)
	}
	verify(t, m)
}

// A KSM page shared by three families is swapped out; the first two
// write it back from swap (the first maps the swap-cache page, the second
// a copy of it), and the third, the slot's last reference, writes it too:
// a page reused from the swap cache must still be one its walk can find
// (ksm_might_need_to_copy applies to the exclusive swap-in as well).
func TestKSMSwapInByThreeFamilies(t *testing.T) {
	eachMerging(t, "", func(t *testing.T, m *core.Machine) {
		ksmProcs(t, m, 3, 1)
		must(t, m.Reclaim(1))
		for pid := uint64(1); pid <= 3; pid++ {
			must(t, m.TouchValue(pid, ksmBase, pg, 100))
			verify(t, m)
		}
		if m.FramesInUse() != 3 || m.SwapSlots() != 0 {
			t.Fatalf("%d frames, %d swap slots: want three private pages and no slot", m.FramesInUse(), m.SwapSlots())
		}
	})
}

// A KSM page mapped twice in one process is swapped out; one of its two
// swap PTEs is faulted back, and the process exits: zap meets the page
// and then the other swap PTE, whose reference is the slot's last. The
// page may be freed only after the strategy and the shadow count have
// seen its PTE go (zap drops a table's swap references after its pages).
func TestKSMExitDropsSwapAfterThePages(t *testing.T) {
	eachMerging(t, "", func(t *testing.T, m *core.Machine) {
		rw := core.ProtRead | core.ProtWrite
		must(t, m.Mmap(1, ksmBase, 2*pg, rw, false, "", 0))
		must(t, m.Madvise(1, ksmBase, 2*pg, core.MadvMergeable))
		must(t, m.TouchValue(1, ksmBase, 2*pg, 9))
		must(t, m.KSMScan(8))
		if m.FramesInUse() != 1 {
			t.Fatalf("%d frames: want the two pages merged", m.FramesInUse())
		}
		must(t, m.Reclaim(1))
		must(t, m.Touch(1, ksmBase, pg, false))
		verify(t, m)
		must(t, m.Exit(1))
		verify(t, m)
		if m.FramesInUse() != 0 || m.SwapSlots() != 0 {
			t.Fatalf("after exit: %d frames, %d swap slots", m.FramesInUse(), m.SwapSlots())
		}
	})
}

// ksm N with a huge N ends once a whole scan changes nothing, whether
// ksmd merged everything it could or merges nothing at all (anonmm).
func TestKSMScanEndsWhenNothingChanges(t *testing.T) {
	for _, name := range []string{"anonvma-avc", "anonmm"} {
		t.Run(name, func(t *testing.T) {
			m := ksmMachine(t, name, "2", 0)
			ksmProcs(t, m, 5, 3)
			before := m.KSMStats().FullScans
			must(t, m.KSMScan(1<<40))
			if scans := m.KSMStats().FullScans - before; scans > 4 {
				t.Fatalf("%d more full scans once nothing changed", scans)
			}
			verify(t, m)
		})
	}
}
