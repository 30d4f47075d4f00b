package core_test

import (
	"errors"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/pagescan"
)

func locked(m *core.Machine, pid uint64) []bool {
	var out []bool
	for _, v := range m.Lookup(pid).VMAs() {
		out = append(out, v.Locked)
	}
	return out
}

// mlock splits and merges VMAs as mprotect does, sets VM_LOCKED, and
// faults the range in; munlock undoes the flag and the split.
func TestMlockSplitsMergesAndPopulates(t *testing.T) {
	m := newTestMachine(t, 0)
	rw := core.ProtRead | core.ProtWrite
	const a = 0x100000
	must(t, m.Mmap(1, a, 8*pg, rw, false, "", 0))
	must(t, m.Touch(1, a, 8*pg, true))
	must(t, m.Fork(1, 2))
	shared, _, _ := m.Resolve(1, a+2*pg)
	must(t, m.Mlock(1, a+2*pg, 3*pg))
	verify(t, m)
	if got, want := vmaRanges(m, 1), [][2]uint64{{a, a + 2*pg}, {a + 2*pg, a + 5*pg}, {a + 5*pg, a + 8*pg}}; !equalRanges(got, want) {
		t.Fatalf("VMAs after mlock %v, want %v", got, want)
	}
	if got := locked(m, 1); !got[1] || got[0] || got[2] {
		t.Fatalf("locked flags %v, want only the middle", got)
	}
	// make_pages_present wrote to the private writable pages: the COW
	// share with the child is broken in the locked range only.
	if f, _, _ := m.Resolve(1, a+2*pg); f == shared {
		t.Fatal("mlock of a private writable range did not break copy-on-write")
	}
	if f, _, _ := m.Resolve(1, a+pg); f != func() core.FrameID { f, _, _ := m.Resolve(2, a+pg); return f }() {
		t.Fatal("mlock broke copy-on-write outside its range")
	}
	// Locking again changes nothing; munlock merges the three back.
	must(t, m.Mlock(1, a+2*pg, 3*pg))
	if n := len(m.Lookup(1).VMAs()); n != 3 {
		t.Fatalf("a second mlock left %d VMAs", n)
	}
	must(t, m.Munlock(1, a, 8*pg))
	if got := vmaRanges(m, 1); len(got) != 1 || got[0] != [2]uint64{a, a + 8*pg} {
		t.Fatalf("VMAs after munlock %v, want one", got)
	}
	verify(t, m)
}

// A read-only mapping is read in; a shared writable one is read, not
// dirtied; an inaccessible one is left alone.
func TestMlockPopulatesByProtection(t *testing.T) {
	m := newTestMachine(t, 0)
	must(t, m.Mmap(1, 0x100000, 2*pg, core.ProtRead, false, "lib", 0))
	must(t, m.Mmap(1, 0x200000, 2*pg, core.ProtRead|core.ProtWrite, true, "db", 0))
	must(t, m.Mmap(1, 0x300000, 2*pg, 0, false, "", 0))
	for _, a := range []uint64{0x100000, 0x200000, 0x300000} {
		must(t, m.Mlock(1, a, 2*pg))
	}
	verify(t, m)
	for _, c := range []struct {
		addr     uint64
		resident bool
	}{{0x100000, true}, {0x201000, true}, {0x300000, false}} {
		f, p, ok := m.Resolve(1, c.addr)
		if ok != c.resident {
			t.Errorf("%#x resident %v, want %v", c.addr, ok, c.resident)
		}
		if ok && (p.Writable() || m.Frame(f).Flags&core.FrameDirty != 0) {
			t.Errorf("%#x: mlock wrote to a page it should only read", c.addr)
		}
	}
}

// VM_LOCKED is not inherited by fork (dup_mmap clears it), and stays with
// a VMA moved by mremap.
func TestMlockAcrossForkAndMremap(t *testing.T) {
	m := newTestMachine(t, 0)
	rw := core.ProtRead | core.ProtWrite
	must(t, m.Mmap(1, 0x100000, 4*pg, rw, false, "", 0))
	must(t, m.Mlock(1, 0x100000, 4*pg))
	must(t, m.Fork(1, 2))
	if got := locked(m, 2); got[0] {
		t.Fatal("the child inherited VM_LOCKED")
	}
	must(t, m.Mremap(1, 0x100000, 4*pg, 0x800000, 4*pg))
	if got := locked(m, 1); len(got) != 1 || !got[0] {
		t.Fatalf("after mremap the locked flags are %v", got)
	}
	// A locked VMA does not merge with an unlocked neighbour.
	must(t, m.Mmap(1, 0x804000, 4*pg, rw, false, "", 0))
	if n := len(m.Lookup(1).VMAs()); n != 2 {
		t.Fatalf("%d VMAs: a locked and an unlocked VMA merged", n)
	}
	verify(t, m)
}

// mlock and munlock of a range that is not all mapped is bad input (the
// kernel's ENOMEM), and changes nothing.
func TestMlockOfUnmappedRange(t *testing.T) {
	m := newTestMachine(t, 0)
	must(t, m.Mmap(1, 0x100000, 2*pg, core.ProtRead, false, "", 0))
	for _, err := range []error{
		m.Mlock(1, 0x100000, 3*pg),
		m.Munlock(1, 0xff000, 2*pg),
		m.Mlock(1, 0x100001, pg),
		m.Mlock(7, 0x100000, pg), // a new empty process
	} {
		var ie *core.InputError
		if !errors.As(err, &ie) {
			t.Errorf("got %v, want an input error", err)
		}
	}
	if got := locked(m, 1); len(got) != 1 || got[0] {
		t.Fatalf("a failed mlock changed the VMA: %v", got)
	}
}

func equalRanges(a, b [][2]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Reclaim gives a locked page a swap slot before try_to_unmap fails on
// it (add_to_swap first), which leaves the page in the swap cache with no
// swap entry. When its last mapping goes, zap frees it with its slot, as
// free_pages_and_swap_cache does, instead of keeping both for ever.
func TestZapFreesASwapCachePageNothingRefersTo(t *testing.T) {
	m := core.NewMachine(core.Config{MemBytes: 16 * pg, Seed: 1, NewIndex: fileindex.NewLinear, Verify: true, Aging: core.AgingRandom}, pagescan.Strategy.New)
	must(t, m.Mmap(1, 0x10000, pg, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Mlock(1, 0x10000, pg))
	must(t, m.Reclaim(1))
	if m.FramesInUse() != 1 || m.SwapSlots() != 1 || m.Stats.SwapOuts != 0 {
		t.Fatalf("after reclaim of the locked page: %d frames, %d swap slots, %d swap-outs; want it kept, in the swap cache", m.FramesInUse(), m.SwapSlots(), m.Stats.SwapOuts)
	}
	must(t, m.Munmap(1, 0x10000, pg))
	verify(t, m)
	if m.FramesInUse() != 0 || m.SwapSlots() != 0 {
		t.Fatalf("after munmap: %d frames, %d swap slots; want both freed", m.FramesInUse(), m.SwapSlots())
	}
}
