package core_test

import (
	"errors"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/pagescan"
)

const pg = core.PageSize

func newTestMachine(t *testing.T, mem int64) *core.Machine {
	t.Helper()
	return core.NewMachine(core.Config{MemBytes: mem, Seed: 1, NewIndex: fileindex.NewLinear, Verify: true}, pagescan.Strategy.New)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func verify(t *testing.T, m *core.Machine) {
	t.Helper()
	if err := m.Verify(0); err != nil {
		t.Fatal(err)
	}
}

func content(t *testing.T, m *core.Machine, pid, addr uint64) uint64 {
	t.Helper()
	f, _, ok := m.Resolve(pid, addr)
	if !ok {
		t.Fatalf("pid %d addr %#x: not resident", pid, addr)
	}
	return m.Frame(f).Content
}

func vmaRanges(m *core.Machine, pid uint64) [][2]uint64 {
	var out [][2]uint64
	for _, v := range m.Lookup(pid).VMAs() {
		out = append(out, [2]uint64{v.Start, v.End})
	}
	return out
}

func TestCOWAfterFork(t *testing.T) {
	m := newTestMachine(t, 0)
	const a = 0x10000
	must(t, m.Mmap(1, a, 4*pg, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Touch(1, a, 4*pg, true))
	before := content(t, m, 1, a)
	must(t, m.Fork(1, 2))
	verify(t, m)

	pf, pp, _ := m.Resolve(1, a)
	cf, cp, _ := m.Resolve(2, a)
	if pf != cf || pp.Writable() || cp.Writable() {
		t.Fatalf("after fork: parent frame %d writable=%v, child frame %d writable=%v; want one shared read-only frame", pf, pp.Writable(), cf, cp.Writable())
	}
	if got := m.Frame(pf).MapCount; got != 2 {
		t.Fatalf("mapcount after fork = %d, want 2", got)
	}
	if m.Stats.PeakMappings != 8 {
		t.Fatalf("peak mappings after fork = %d, want 8", m.Stats.PeakMappings)
	}
	must(t, m.Touch(2, a, pg, true)) // child writes: COW break
	verify(t, m)
	cf2, cp2, _ := m.Resolve(2, a)
	if cf2 == pf || !cp2.Writable() {
		t.Fatalf("child write did not get a private writable copy")
	}
	if content(t, m, 1, a) != before {
		t.Fatalf("the child's write changed the parent's page")
	}
	if m.Frame(pf).MapCount != 1 {
		t.Fatalf("parent mapcount after COW = %d, want 1", m.Frame(pf).MapCount)
	}
	// The parent is now the only user: its write reuses the page.
	must(t, m.Touch(1, a, pg, true))
	if f, _, _ := m.Resolve(1, a); f != pf {
		t.Fatalf("an exclusive page was copied instead of reused")
	}
	verify(t, m)
}

func TestReadFaultMapsZeroPageThenCOW(t *testing.T) {
	m := newTestMachine(t, 0)
	must(t, m.Mmap(1, 0x10000, pg, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Touch(1, 0x10000, pg, false))
	if _, _, ok := m.Resolve(1, 0x10000); ok {
		t.Fatal("a read of anonymous memory mapped a real frame, want the zero page")
	}
	if m.FramesInUse() != 0 {
		t.Fatalf("frames in use = %d, want 0", m.FramesInUse())
	}
	must(t, m.Touch(1, 0x10000, pg, true))
	if m.FramesInUse() != 1 {
		t.Fatalf("frames in use after write = %d, want 1", m.FramesInUse())
	}
	verify(t, m)
}

func TestSplitAndMerge(t *testing.T) {
	rw := core.ProtRead | core.ProtWrite
	tests := []struct {
		name string
		ops  func(m *core.Machine) error
		want [][2]uint64
	}{
		{"adjacent mmaps merge", func(m *core.Machine) error {
			if err := m.Mmap(1, 0x10000, 2*pg, rw, false, "", 0); err != nil {
				return err
			}
			return m.Mmap(1, 0x12000, 2*pg, rw, false, "", 0)
		}, [][2]uint64{{0x10000, 0x14000}}},
		{"munmap in the middle splits", func(m *core.Machine) error {
			if err := m.Mmap(1, 0x10000, 4*pg, rw, false, "", 0); err != nil {
				return err
			}
			return m.Munmap(1, 0x11000, pg)
		}, [][2]uint64{{0x10000, 0x11000}, {0x12000, 0x14000}}},
		{"mprotect in the middle splits in three", func(m *core.Machine) error {
			if err := m.Mmap(1, 0x10000, 4*pg, rw, false, "", 0); err != nil {
				return err
			}
			return m.Mprotect(1, 0x11000, 2*pg, core.ProtRead)
		}, [][2]uint64{{0x10000, 0x11000}, {0x11000, 0x13000}, {0x13000, 0x14000}}},
		{"mprotect back merges again", func(m *core.Machine) error {
			if err := m.Mmap(1, 0x10000, 4*pg, rw, false, "", 0); err != nil {
				return err
			}
			if err := m.Mprotect(1, 0x11000, 2*pg, core.ProtRead); err != nil {
				return err
			}
			return m.Mprotect(1, 0x11000, 2*pg, rw)
		}, [][2]uint64{{0x10000, 0x14000}}},
		{"file mappings merge only at contiguous offsets", func(m *core.Machine) error {
			if err := m.Mmap(1, 0x10000, pg, core.ProtRead, false, "f", 0); err != nil {
				return err
			}
			if err := m.Mmap(1, 0x11000, pg, core.ProtRead, false, "f", pg); err != nil {
				return err
			}
			return m.Mmap(1, 0x12000, pg, core.ProtRead, false, "f", 5*pg)
		}, [][2]uint64{{0x10000, 0x12000}, {0x12000, 0x13000}}},
		{"MAP_FIXED replaces what was there", func(m *core.Machine) error {
			if err := m.Mmap(1, 0x10000, 4*pg, rw, false, "", 0); err != nil {
				return err
			}
			return m.Mmap(1, 0x11000, pg, core.ProtRead, false, "f", 0)
		}, [][2]uint64{{0x10000, 0x11000}, {0x11000, 0x12000}, {0x12000, 0x14000}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMachine(t, 0)
			must(t, tc.ops(m))
			got := vmaRanges(m, 1)
			if len(got) != len(tc.want) {
				t.Fatalf("VMAs = %x, want %x", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("VMAs = %x, want %x", got, tc.want)
				}
			}
			verify(t, m)
		})
	}
}

func TestMunmapFreesPagesAndTables(t *testing.T) {
	m := newTestMachine(t, 0)
	must(t, m.Mmap(1, 0x40000000, 1024*pg, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Touch(1, 0x40000000, 1024*pg, true))
	if m.FramesInUse() != 1024 {
		t.Fatalf("frames = %d, want 1024", m.FramesInUse())
	}
	tables, _ := m.PageTables()
	must(t, m.Munmap(1, 0x40000000, 1024*pg))
	if m.FramesInUse() != 0 {
		t.Fatalf("frames after munmap = %d, want 0", m.FramesInUse())
	}
	after, _ := m.PageTables()
	// 1024 pages span two PTE tables (and a PMD, a PUD): all but the PGD go.
	if after != 1 || tables <= after {
		t.Fatalf("page tables %d -> %d, want only the PGD left", tables, after)
	}
}

func TestMremapKeepsContents(t *testing.T) {
	rw := core.ProtRead | core.ProtWrite
	for _, tc := range []struct {
		name           string
		newAddr        uint64
		oldLen, newLen uint64
	}{
		{"move", 0x7000000, 8 * pg, 8 * pg},
		{"move and grow", 0x7000000, 8 * pg, 12 * pg},
		{"move and shrink", 0x7000000, 8 * pg, 4 * pg},
		{"grow in place", 0x100000, 8 * pg, 16 * pg},
		{"shrink in place", 0x100000, 8 * pg, 2 * pg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMachine(t, 0)
			const old = 0x100000
			must(t, m.Mmap(1, old, tc.oldLen, rw, false, "", 0))
			must(t, m.Touch(1, old, tc.oldLen, true))
			must(t, m.Fork(1, 2)) // shared pages move too
			var want []uint64
			for a := uint64(0); a < tc.oldLen; a += pg {
				want = append(want, content(t, m, 1, old+a))
			}
			must(t, m.Mremap(1, old, tc.oldLen, tc.newAddr, tc.newLen))
			verify(t, m)
			for i := uint64(0); i < min(tc.oldLen, tc.newLen)/pg; i++ {
				if got := content(t, m, 1, tc.newAddr+i*pg); got != want[i] {
					t.Fatalf("page %d after mremap: content %d, want %d", i, got, want[i])
				}
			}
			if tc.newAddr != old {
				if m.Lookup(1).FindVMA(old) != nil {
					t.Fatal("the old range is still mapped")
				}
			}
			v := m.Lookup(1).FindVMA(tc.newAddr)
			if v == nil || v.End != tc.newAddr+tc.newLen {
				t.Fatalf("VMA after mremap = %v, want it to end at %#x", vmaRanges(m, 1), tc.newAddr+tc.newLen)
			}
			if v.PgOff != old>>12 {
				t.Fatalf("anonymous vm_pgoff %#x changed by mremap, want %#x", v.PgOff, old>>12)
			}
			must(t, m.Touch(1, tc.newAddr, tc.newLen, true))
			verify(t, m)
		})
	}
}

func TestExecAndExitFreeEverything(t *testing.T) {
	m := newTestMachine(t, 0)
	rw := core.ProtRead | core.ProtWrite
	must(t, m.Mmap(1, 0x400000, 16*pg, core.ProtRead|core.ProtExec, false, "/bin/sh", 0))
	must(t, m.Mmap(1, 0x600000, 64*pg, rw, false, "", 0))
	must(t, m.Touch(1, 0x400000, 16*pg, false))
	must(t, m.Touch(1, 0x600000, 64*pg, true))
	must(t, m.Fork(1, 2))
	must(t, m.Touch(2, 0x600000, 64*pg, true))
	must(t, m.Exec(2))
	if n := len(m.Lookup(2).VMAs()); n != 0 {
		t.Fatalf("after exec: %d VMAs, want 0", n)
	}
	if m.FramesInUse() != 64+16 {
		t.Fatalf("after exec frames = %d, want the parent's 80", m.FramesInUse())
	}
	must(t, m.Exit(2))
	must(t, m.Exit(1))
	// Anonymous pages are gone; the file pages stay in the page cache.
	if m.FramesInUse() != 16 {
		t.Fatalf("after exit frames = %d, want 16 page-cache pages", m.FramesInUse())
	}
	if live, _ := m.PageTables(); live != 0 {
		t.Fatalf("after exit %d page tables live, want 0", live)
	}
	if err := m.Touch(1, 0x600000, pg, false); err == nil {
		t.Fatal("an event for an exited process succeeded")
	}
	for _, o := range m.Space.Objects() {
		if o.Name == "vma" && o.Live != 0 {
			t.Fatalf("%d VMAs live after every process exited", o.Live)
		}
	}
}

func TestReclaimSwapsAndFaultsBack(t *testing.T) {
	m := newTestMachine(t, 0)
	rw := core.ProtRead | core.ProtWrite
	must(t, m.Mmap(1, 0x100000, 32*pg, rw, false, "", 0))
	must(t, m.Mmap(1, 0x800000, 32*pg, rw, true, "data", 0))
	must(t, m.Touch(1, 0x100000, 32*pg, true))
	must(t, m.Touch(1, 0x800000, 32*pg, true))
	must(t, m.Fork(1, 2))
	want := map[uint64]uint64{}
	for a := uint64(0); a < 32*pg; a += pg {
		want[0x100000+a] = content(t, m, 1, 0x100000+a)
		want[0x800000+a] = content(t, m, 1, 0x800000+a)
	}
	must(t, m.Reclaim(1000))
	if m.FramesInUse() != 0 {
		t.Fatalf("after reclaim %d frames in use, want 0", m.FramesInUse())
	}
	if m.Stats.Writebacks != 32 || m.Stats.SwapOuts != 32 {
		t.Fatalf("writebacks %d swapouts %d, want 32 and 32", m.Stats.Writebacks, m.Stats.SwapOuts)
	}
	verify(t, m)
	for _, pid := range []uint64{1, 2} {
		must(t, m.Touch(pid, 0x100000, 32*pg, false))
		must(t, m.Touch(pid, 0x800000, 32*pg, false))
		for a, c := range want {
			if got := content(t, m, pid, a); got != c {
				t.Fatalf("pid %d %#x after swap-in: content %d, want %d", pid, a, got, c)
			}
		}
	}
	// Both processes map one swapped-in copy of each anonymous page.
	if m.FramesInUse() != 64 {
		t.Fatalf("frames after faulting back = %d, want 64", m.FramesInUse())
	}
	verify(t, m)
}

func TestMemoryPressureReclaimsByItself(t *testing.T) {
	m := newTestMachine(t, 64*pg)
	must(t, m.Mmap(1, 0x100000, 256*pg, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Touch(1, 0x100000, 256*pg, true))
	if m.FramesInUse() > 64 {
		t.Fatalf("%d frames in use with 64 of memory", m.FramesInUse())
	}
	if m.Stats.SwapOuts < 256-64 {
		t.Fatalf("swap-outs %d, want at least %d", m.Stats.SwapOuts, 256-64)
	}
	must(t, m.Touch(1, 0x100000, 256*pg, false))
	verify(t, m)
}

func TestBadInput(t *testing.T) {
	m := newTestMachine(t, 0)
	must(t, m.Mmap(1, 0x10000, pg, core.ProtRead, false, "", 0))
	must(t, m.Mmap(1, 0x20000, pg, core.ProtRead|core.ProtWrite, false, "", 0))
	var ie *core.InputError
	for name, err := range map[string]error{
		"touch outside VMAs":        m.Touch(1, 0x30000, pg, false),
		"write to read-only":        m.Touch(1, 0x10000, pg, true),
		"fork to existing":          m.Fork(1, 1),
		"remap of anonymous":        m.Remap(1, 0x10000, pg, 3),
		"mremap across VMAs":        m.Mremap(1, 0x10000, 0x11000, 0x50000, pg),
		"mremap overlapping itself": m.Mremap(1, 0x20000, pg, 0x1f000, 2*pg),
		"unaligned mmap":            m.Mmap(1, 0x10001, pg, core.ProtRead, false, "", 0),
		"mmap past the user limit":  m.Mmap(1, core.UserLimit-pg, 2*pg, core.ProtRead, false, "", 0),
	} {
		if !errors.As(err, &ie) {
			t.Errorf("%s: error %v, want an InputError", name, err)
		}
	}
	// Growing in place over what follows is MAP_FIXED-like, not an error.
	must(t, m.Mremap(1, 0x10000, pg, 0x10000, 0x20000))
	if got := vmaRanges(m, 1); len(got) != 1 || got[0] != [2]uint64{0x10000, 0x30000} {
		t.Fatalf("after growing in place VMAs = %x", got)
	}
	verify(t, m)
}

func TestNonlinearRemap(t *testing.T) {
	m := newTestMachine(t, 0)
	must(t, m.Mmap(1, 0x100000, 8*pg, core.ProtRead|core.ProtWrite, true, "db", 0))
	must(t, m.Remap(1, 0x100000, 2*pg, 6))
	must(t, m.Touch(1, 0x100000, 8*pg, false))
	v := m.Lookup(1).FindVMA(0x100000)
	if !v.Nonlinear || len(v.File.Nonlinear) != 1 || v.File.Index.Len() != 0 {
		t.Fatal("remap_file_pages did not move the VMA to the nonlinear list")
	}
	f, _, _ := m.Resolve(1, 0x100000)
	g, _, _ := m.Resolve(1, 0x106000)
	if f != g || m.Frame(f).MapCount != 2 {
		t.Fatalf("page 6 should be mapped twice (at 0 and at 6): frames %d %d", f, g)
	}
	verify(t, m)
	must(t, m.Reclaim(100))
	verify(t, m)
	must(t, m.Touch(1, 0x100000, 8*pg, false))
	if f, _, _ := m.Resolve(1, 0x100000); m.Frame(f).Index != 6 {
		t.Fatalf("after reclaim the remapped address faults in page %d, want 6", m.Frame(f).Index)
	}
}

// Fork and exit allocate nothing per PTE: the page tables come from the
// arena's free list, and a batch of PTE references is reused.
func TestForkExitAllocationsDoNotGrowWithPTEs(t *testing.T) {
	allocs := func(pages uint64) float64 {
		m := newTestMachine(t, 0)
		must(t, m.Mmap(1, 0x10000000, pages*core.PageSize, core.ProtRead|core.ProtWrite, false, "", 0))
		must(t, m.Touch(1, 0x10000000, pages*core.PageSize, true))
		must(t, m.Fork(1, 2))
		must(t, m.Exit(2))
		return testing.AllocsPerRun(5, func() {
			m.Fork(1, 2)
			m.Exit(2)
		})
	}
	small, big := allocs(1<<10), allocs(1<<16)
	if big > small || big > 8 {
		t.Fatalf("fork+exit allocations: %.0f for 1K PTEs, %.0f for 64K PTEs; want a small constant", small, big)
	}
}
