package anonmm

import (
	"testing"

	"rmapbench/core"
)

// mremap of anonymous memory after fork: a page the parent shares with
// its child cannot take a second address, so it is copied first (one
// mremap-copy each); a page the parent alone maps only changes its
// index; a page never written (the zero page) is no rmap page at all.
func TestMremapAfterForkCopiesSharedPagesOnly(t *testing.T) {
	h := newHarness(t, 0)
	m := h.m
	const A, B, C = 0x100000, 0x200000, 0x300000
	const n, written, cowed = 10, 8, 3
	h.do(m.Mmap(1, A, n*pg, rw, false, "", 0))
	h.do(m.Touch(1, A, written*pg, true))
	h.do(m.Touch(1, A+written*pg, (n-written)*pg, false)) // zero page
	h.do(m.Fork(1, 2))
	// The child writes the first pages: it gets copies, and the parent's
	// originals become the parent's alone.
	h.do(m.Touch(2, A, cowed*pg, true))
	var frames [written]core.FrameID
	var contents [written]uint64
	for i := range frames {
		frames[i] = h.frame(1, A+uint64(i)*pg)
		contents[i] = m.Frame(frames[i]).Content
	}
	h.wantCopies("before mremap", 0)

	h.do(m.Mremap(1, A, n*pg, B, n*pg))
	h.wantCopies("parent's mremap", written-cowed)
	for i := range frames {
		addr := B + uint64(i)*pg
		f := h.frame(1, addr)
		if got := m.Frame(f).Content; got != contents[i] {
			t.Fatalf("page %d: content %d after the move, want %d", i, got, contents[i])
		}
		if m.Frame(f).Index != addr {
			t.Fatalf("page %d: index %#x, want its new address %#x", i, m.Frame(f).Index, addr)
		}
		if i < cowed {
			if f != frames[i] {
				t.Fatalf("page %d: the parent's own page was copied (frame %d -> %d)", i, frames[i], f)
			}
			continue
		}
		if f == frames[i] {
			t.Fatalf("page %d: a page shared with the child moved without a copy", i)
		}
		// The child keeps the original, at the old address.
		if g := h.frame(2, A+uint64(i)*pg); g != frames[i] || m.Frame(g).Index != A+uint64(i)*pg {
			t.Fatalf("page %d: the child maps frame %d (index %#x), want the original %d at %#x", i, g, m.Frame(g).Index, frames[i], A+uint64(i)*pg)
		}
	}
	for i := written; i < n; i++ {
		if _, p, _ := m.Resolve(1, B+uint64(i)*pg); !p.Present() {
			t.Fatalf("page %d: the zero-page mapping did not move", i)
		}
	}

	// Every page the child maps is its alone now: moving them copies
	// nothing.
	var child [written]uint64
	for i := range child {
		child[i] = h.content(2, A+uint64(i)*pg)
	}
	h.do(m.Mremap(2, A, n*pg, C, n*pg))
	h.wantCopies("child's mremap", written-cowed)
	for i := range child {
		if got := h.content(2, C+uint64(i)*pg); got != child[i] {
			t.Fatalf("child page %d: content %d after the move, want %d", i, got, child[i])
		}
	}
	// Both sides can be reclaimed and written independently.
	h.do(m.Reclaim(1000))
	h.do(m.Touch(1, B, n*pg, true))
	h.do(m.Touch(2, C, n*pg, false))
	for i := range child {
		if got := h.content(2, C+uint64(i)*pg); got != child[i] {
			t.Fatalf("child page %d: content %d after the parent wrote, want %d", i, got, child[i])
		}
	}
	h.wantCopies("after swap-in", written-cowed)
}

// Swap PTEs move with mremap without any rmap involvement; when a page
// comes back from swap into one process at the old address and into the
// other at the new one, the second fault finds the address clashing with
// the page's index and maps a private copy (mremap_moved_anon_rmap).
func TestSwappedSharedPagesMovedByMremapCopyOnClash(t *testing.T) {
	h := newHarness(t, 0)
	m := h.m
	const A, B = 0x100000, 0x500000
	h.do(m.Mmap(1, A, 4*pg, rw, false, "", 0))
	h.do(m.Touch(1, A, 4*pg, true))
	h.do(m.Fork(1, 2))
	var contents [4]uint64
	for i := range contents {
		contents[i] = h.content(1, A+uint64(i)*pg)
	}
	h.do(m.Reclaim(1000))
	if m.FramesInUse() != 0 || m.Stats.SwapOuts != 4 {
		t.Fatalf("after reclaim: %d frames in use, %d swap-outs; want 0 and 4", m.FramesInUse(), m.Stats.SwapOuts)
	}
	h.do(m.Mremap(1, A, 4*pg, B, 4*pg))
	h.wantCopies("moving swap PTEs", 0)

	// Pages 0 and 1: the child faults first, at the old address; the
	// parent's fault at the new address clashes.
	h.do(m.Touch(2, A, 2*pg, false))
	h.wantCopies("child's swap-in", 0)
	h.do(m.Touch(1, B, 2*pg, false))
	h.wantCopies("parent's swap-in after the child's", 2)
	// Page 2: the parent first; the child's write fault clashes, and the
	// copy is then the page it writes.
	h.do(m.Touch(1, B+2*pg, pg, false))
	h.do(m.Touch(2, A+2*pg, pg, true))
	h.wantCopies("child's write swap-in", 3)
	// Page 3: only the parent brings it back: no clash.
	h.do(m.Touch(1, B+3*pg, pg, false))
	h.wantCopies("parent alone", 3)
	for i := range contents {
		if got := h.content(1, B+uint64(i)*pg); got != contents[i] {
			t.Fatalf("parent page %d: content %d, want %d", i, got, contents[i])
		}
		if i < 3 && h.frame(1, B+uint64(i)*pg) == h.frame(2, A+uint64(i)*pg) {
			t.Fatalf("page %d: one frame mapped at two addresses", i)
		}
	}
	for i := 0; i < 2; i++ {
		if got := h.content(2, A+uint64(i)*pg); got != contents[i] {
			t.Fatalf("child page %d: content %d, want %d", i, got, contents[i])
		}
	}
	if h.content(2, A+2*pg) == contents[2] {
		t.Fatal("the child's write did not reach its copy")
	}
	// The child's swap PTE of page 3 still names the slot whose page the
	// parent now maps at B+3: a late fault clashes too.
	h.do(m.Touch(2, A+3*pg, pg, false))
	h.wantCopies("child's late swap-in", 4)
	if got := h.content(2, A+3*pg); got != contents[3] {
		t.Fatalf("child page 3: content %d, want %d", got, contents[3])
	}
	// A second round trip through swap, everything at its own address
	// now, costs nothing more.
	h.do(m.Reclaim(1000))
	h.do(m.Touch(1, B, 4*pg, false))
	h.do(m.Touch(2, A, 4*pg, false))
	h.wantCopies("second round trip", 4)
}

// The walk of an anonymous page tries every mm forked from the same exec,
// however few map it; exec starts a new chain that the old family's walks
// no longer visit, and a page of the new image walks one mm.
func TestWalkCostIsTheFamily(t *testing.T) {
	h := newHarness(t, 0)
	m := h.m
	const A = 0x100000
	const N = 16 // the root and 15 children
	h.do(m.Mmap(1, A, pg, rw, false, "", 0))
	h.do(m.Touch(1, A, pg, true))
	f0 := h.frame(1, A)
	for c := uint64(2); c <= N; c++ {
		h.do(m.Fork(1, c))
	}
	// Everyone but the last child breaks COW: the root's page is left
	// mapped by the last child alone, still recorded in the root's anonmm.
	for c := uint64(2); c < N; c++ {
		h.do(m.Touch(c, A, pg, true))
	}
	h.do(m.Touch(1, A, pg, true))
	if fr := m.Frame(f0); fr.MapCount != 1 || fr.Anon != m.Lookup(1).Rmap {
		t.Fatalf("root's page: mapcount %d, anonmm %p; want 1 and the root's", fr.MapCount, fr.Anon)
	}

	got, w := h.walk(f0)
	if len(got) != 1 || got[0] != (core.Mapping{PID: N, Addr: A}) {
		t.Fatalf("walk found %v, want [%d:%#x]", got, N, A)
	}
	if w.VMAs != N || w.PTEs != N || w.Steps != N-1 {
		t.Fatalf("walk of a page mapped once in a family of %d: %+v; want %d mms tried, %d lookups, %d list steps", N, w, N, N, N-1)
	}
	// An mm with nothing resident is passed over without a lookup, even
	// the one recorded in the page.
	h.do(m.DontNeed(1, A, pg))
	_, w = h.walk(f0)
	if w.VMAs != N-1 || w.PTEs != N-1 || w.Steps != N-1 {
		t.Fatalf("walk with the root's RSS at 0: %+v; want %d mms, %d lookups, %d steps", w, N-1, N-1, N-1)
	}
	h.do(m.Touch(1, A, pg, true))
	// A page recorded in the mm that maps it is found at once.
	got, w = h.walk(h.frame(2, A))
	if len(got) != 1 || w.VMAs != 1 || w.PTEs != 1 || w.Steps != 0 {
		t.Fatalf("walk of a child's own page: %v, %+v; want it found in the first mm", got, w)
	}

	// exec: the process leaves the chain (its old anonmm is freed, no
	// page refers to it) and starts one of its own.
	const X = 3
	h.do(m.Exec(X))
	h.do(m.Mmap(X, A, pg, rw, false, "", 0))
	h.do(m.Touch(X, A, pg, true))
	got, w = h.walk(h.frame(X, A))
	if len(got) != 1 || w.VMAs != 1 || w.PTEs != 1 || w.Steps != 0 {
		t.Fatalf("walk of a page of the new image: %v, %+v; want one mm and no list", got, w)
	}
	_, w = h.walk(f0)
	if w.VMAs != N-1 || w.Steps != N-2 {
		t.Fatalf("after exec the family walk: %+v; want %d mms and %d steps", w, N-1, N-2)
	}
	// A member with nothing mapped at the address still costs its
	// find_vma and its page-table lookup.
	h.do(m.Mmap(2, 0x200000, pg, rw, false, "", 0))
	h.do(m.Touch(2, 0x200000, pg, true))
	h.do(m.Munmap(2, A, pg))
	// An exited mm is passed over without a lookup, but its node is still
	// followed while a page keeps its anonmm alive: the root's own.
	h.do(m.Exit(1))
	_, w = h.walk(f0)
	if w.VMAs != N-2 || w.PTEs != N-2 || w.Steps != N-2 {
		t.Fatalf("after the root's exit: %+v; want %d mms, %d lookups, %d steps", w, N-2, N-2, N-2)
	}
	h.wantObjs("root exited, its page alive", N)

	// try_to_unmap walks the same way, and the unmapped page loses its
	// identity; faulted back in, it belongs to the mm that takes it.
	h.m.Walk = core.WalkCounters{}
	if !m.Rmapper().TryToUnmap(f0) {
		t.Fatal("try_to_unmap failed")
	}
	if w := m.Walk; w.VMAs != N-2 || w.Steps != N-2 {
		t.Fatalf("try_to_unmap: %+v; want %d mms and %d steps", w, N-2, N-2)
	}
	if fr := m.Frame(f0); fr.MapCount != 0 || fr.Anon != nil {
		t.Fatalf("after try_to_unmap: mapcount %d, anonmm %v", fr.MapCount, fr.Anon)
	}
	h.check()
	h.wantObjs("root's page unmapped", N) // the head stays while its family lives
	h.do(m.Touch(N, A, pg, false))
	if h.frame(N, A) != f0 {
		t.Fatal("swap-in did not find the page in the swap cache")
	}
	_, w = h.walk(f0)
	if w.VMAs != 1 || w.Steps != 0 {
		t.Fatalf("walk of the page faulted back: %+v; want its new mm first", w)
	}
}

// One anonmm per live mm, plus those that pages of exited mms keep; all
// gone once every process has exited.
func TestAnonmmObjects(t *testing.T) {
	h := newHarness(t, 0)
	m := h.m
	const A = 0x100000
	h.do(m.Mmap(1, A, 2*pg, rw, false, "", 0))
	h.wantObjs("new process", 1)
	h.do(m.Touch(1, A, 2*pg, true))
	h.do(m.Fork(1, 2))
	h.do(m.Fork(1, 3))
	h.do(m.Fork(2, 4)) // a grandchild joins the same chain
	h.wantObjs("three forks", 4)
	h.do(m.Touch(3, A+pg, pg, true)) // a page of 3's own
	h.do(m.Fork(3, 5))               // shared with 5
	h.wantObjs("four forks", 5)
	h.do(m.Exit(1))
	h.wantObjs("root exited: its pages and its family keep its anonmm", 5)
	h.do(m.Exit(3))
	h.wantObjs("3 exited: its page, mapped by 5, keeps its anonmm", 5)
	h.do(m.Munmap(5, A+pg, pg))
	h.wantObjs("the last page of 3 unmapped", 4)
	h.do(m.Exit(2))
	h.wantObjs("2 exited with no page of its own", 3)
	h.do(m.Exec(4))
	h.wantObjs("4 exec'd: old anonmm freed, a new head", 3)
	h.do(m.Exit(5))
	h.wantObjs("5 exited: the root's head goes with the last of its chain", 1)
	h.do(m.Exit(4))
	h.wantObjs("every process exited", 0)
	if _, peak := h.objs(); peak != 5 {
		t.Fatalf("anonmm-peak-objs = %d, want 5", peak)
	}
	if peak := m.Space.Bytes().ObjPeak; peak != 5*40 {
		t.Fatalf("rmap-obj-peak-B = %d, want %d", peak, 5*40)
	}

	// A head with no pages is kept by the members of its chain alone.
	if _, err := m.Process(10); err != nil {
		t.Fatal(err)
	}
	h.do(m.Fork(10, 11))
	h.do(m.Exit(10))
	h.wantObjs("head exited, member alive", 2)
	h.do(m.Exit(11))
	h.wantObjs("chain gone", 0)

	// Swapped-out pages hold no reference: nothing is kept for them.
	h.do(m.Mmap(20, A, 2*pg, rw, false, "", 0))
	h.do(m.Touch(20, A, 2*pg, true))
	h.do(m.Fork(20, 21))
	h.do(m.Exit(20))
	h.wantObjs("page shared with the child keeps the root", 2)
	h.do(m.Reclaim(1000))
	h.wantObjs("pages swapped out", 2) // the head stays for its member
	h.do(m.Exit(21))
	h.wantObjs("all exited with pages on swap", 0)
}

// rmap 10-37's try_to_unmap_file passes by a VMA whose mm has no rss
// before looking at its page tables, as try_to_unmap_anon passes by such
// an anonmm.
func TestFileWalkSkipsMMsWithoutRSS(t *testing.T) {
	h := newHarness(t, 0)
	m := h.m
	const a = 0x100000
	h.do(m.Mmap(1, a, pg, rw, true, "data", 0))
	h.do(m.Touch(1, a, pg, false))
	f, _, _ := m.Resolve(1, a)
	h.do(m.Fork(1, 2))
	h.do(m.DontNeed(2, a, pg))
	m.Walk = core.WalkCounters{}
	n := 0
	m.Rmapper().Walk(f, func(*core.VMA, uint64) bool { n++; return true })
	if n != 1 || m.Walk.VMAs != 2 || m.Walk.PTEs != 1 {
		t.Fatalf("the file walk found %d, examined %d VMAs with %d lookups, want 1, 2 and 1", n, m.Walk.VMAs, m.Walk.PTEs)
	}
	h.check()
}
