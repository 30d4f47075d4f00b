package core_test

import (
	"strconv"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
)

// folioMachine is a verifying machine running the strategy called name
// with folios of size bytes.
func folioMachine(t *testing.T, name string, size int64) *core.Machine {
	t.Helper()
	return strategyMachine(t, name, core.Config{Options: map[string]string{"folio": strconv.FormatInt(size, 10)}})
}

const (
	folioBase = 0x40000000
	rw        = core.ProtRead | core.ProtWrite
)

// A write fault maps the whole aligned folio, with one rmap call under
// anonvma-folio and one per page under anonvma-avc; the folio's large
// mapcount counts its PTEs.
func TestFolioFaultMapsTheFolio(t *testing.T) {
	for _, tc := range []struct {
		name  string
		calls int64
	}{{"anonvma-folio", 1}, {"anonvma-avc", 16}, {"ptechain", 16}} {
		m := folioMachine(t, tc.name, 64<<10)
		must(t, m.Mmap(1, folioBase, 1<<20, rw, false, "", 0))
		must(t, m.Touch(1, folioBase+5*pg, pg, true))
		f, _, ok := m.Resolve(1, folioBase+5*pg)
		if !ok {
			t.Fatal("the touched page is not mapped")
		}
		head, nr := m.Folio(f)
		if h0, _, _ := m.Resolve(1, folioBase); h0 != head || nr != 16 || m.FolioMapCount(f) != 16 {
			t.Errorf("%s: folio head %d (page 0 maps %d), %d pages, folio mapcount %d; want 16 pages mapped from page 0", tc.name, head, h0, nr, m.FolioMapCount(f))
		}
		if got := m.Lookup(1).RSS; got != 16 {
			t.Errorf("%s: RSS %d, want 16", tc.name, got)
		}
		if got := m.WorkOf(core.OpFault).Calls; got != tc.calls {
			t.Errorf("%s: %d rmap calls for the fault, want %d", tc.name, got, tc.calls)
		}
		must(t, m.Verify(0))
	}
}

// A folio that passes the VMA's end, or whose PTEs are not all none, is
// not allocated: the fault falls back to the next size that fits.
func TestFolioFaultFallsBack(t *testing.T) {
	m := folioMachine(t, "anonvma-folio", 64<<10)
	// 12 pages: 64 KiB does not fit, 32 KiB does at page 0, 16 KiB at 8.
	must(t, m.Mmap(1, folioBase, 12*pg, rw, false, "", 0))
	must(t, m.Touch(1, folioBase, pg, true))
	if got := m.Lookup(1).RSS; got != 8 {
		t.Errorf("RSS %d after the first fault, want 8 (a 32 KiB folio)", got)
	}
	must(t, m.Touch(1, folioBase+9*pg, pg, true))
	if got := m.Lookup(1).RSS; got != 12 {
		t.Errorf("RSS %d after the second fault, want 12 (a 16 KiB folio)", got)
	}
	// The zero page read at page 1 of another VMA leaves page 0 alone.
	must(t, m.Mmap(1, folioBase+(1<<20), 1<<20, rw, false, "", 0))
	must(t, m.Touch(1, folioBase+(1<<20)+pg, pg, false))
	must(t, m.Touch(1, folioBase+(1<<20), pg, true))
	if got := m.Lookup(1).RSS; got != 13 {
		t.Errorf("RSS %d after the fault next to the zero page, want 13 (one page)", got)
	}
	must(t, m.Verify(0))
}

// The bar, at 4 MiB instead of 1 GiB: with 64 KiB folios,
// anonvma-folio's rmap calls at fork are at most a quarter of
// anonvma-avc's (a sixteenth, one per folio), and at exit too; with
// 4 KiB pages they are the same.
func TestFolioForkBatches(t *testing.T) {
	run := func(name string, size int64) (fork, exit int64) {
		m := folioMachine(t, name, size)
		must(t, m.Mmap(1, folioBase, 4<<20, rw, false, "", 0))
		must(t, m.Touch(1, folioBase, 4<<20, true))
		must(t, m.Fork(1, 2))
		must(t, m.Verify(0))
		must(t, m.Exit(2))
		must(t, m.Verify(0))
		return m.WorkOf(core.OpFork).Calls, m.WorkOf(core.OpExit).Calls
	}
	af, ae := run("anonvma-avc", 64<<10)
	ff, fe := run("anonvma-folio", 64<<10)
	if af != 1024 || ff*4 > af || ff != 64 || fe != 64 || ae != 1024 {
		t.Errorf("64 KiB folios: fork %d calls under anonvma-folio, %d under anonvma-avc; exit %d and %d", ff, af, fe, ae)
	}
	af, _ = run("anonvma-avc", pg)
	ff, _ = run("anonvma-folio", pg)
	if af != ff || af != 1024 {
		t.Errorf("4 KiB pages: fork %d calls under anonvma-folio, %d under anonvma-avc, want 1024 each", ff, af)
	}
}

// munmap of half a folio defers its split: the unmapped pages stay
// allocated until reclaim runs the deferred split queue.
func TestFolioPartialMunmapDefersSplit(t *testing.T) {
	for _, st := range strategies.All() {
		m := folioMachine(t, st.Name, 64<<10)
		must(t, m.Mmap(1, folioBase, 64<<10, rw, false, "", 0))
		must(t, m.Touch(1, folioBase, pg, true))
		before := m.FramesInUse()
		must(t, m.Munmap(1, folioBase+8*pg, 8*pg))
		must(t, m.Verify(0))
		if m.FramesInUse() != before || m.Stats.FolioSplits != 0 {
			t.Errorf("%s: %d frames in use after the partial munmap, %d before; %d splits", st.Name, m.FramesInUse(), before, m.Stats.FolioSplits)
		}
		f, _, _ := m.Resolve(1, folioBase)
		if m.FolioMapCount(f) != 8 {
			t.Errorf("%s: folio mapcount %d, want 8", st.Name, m.FolioMapCount(f))
		}
		if _, err := m.ReclaimPages(1); err != nil {
			t.Fatal(err)
		}
		if m.Stats.FolioDeferred != 1 || m.FramesInUse() > before-8 {
			t.Errorf("%s: %d deferred splits, %d frames in use, want 1 and at most %d", st.Name, m.Stats.FolioDeferred, m.FramesInUse(), before-8)
		}
		must(t, m.Verify(0))
	}
}

// A write to a page of a folio shared with a child copies that page
// alone (do_wp_page); the folio stays whole, mapped 16 times by the
// parent and 15 by the child.
func TestFolioCOWCopiesOnePage(t *testing.T) {
	m := folioMachine(t, "anonvma-folio", 64<<10)
	must(t, m.Mmap(1, folioBase, 64<<10, rw, false, "", 0))
	must(t, m.Touch(1, folioBase, 64<<10, true))
	must(t, m.Fork(1, 2))
	inUse := m.FramesInUse()
	must(t, m.Touch(2, folioBase+3*pg, pg, true))
	f, _, _ := m.Resolve(1, folioBase)
	c, _, _ := m.Resolve(2, folioBase+3*pg)
	if _, nr := m.Folio(c); nr != 1 || m.FramesInUse() != inUse+1 || m.FolioMapCount(f) != 31 {
		t.Errorf("the copy is in a folio of %d pages, %d frames in use (was %d), folio mapcount %d, want 1, %d, 31", nr, m.FramesInUse(), inUse, m.FolioMapCount(f), inUse+1)
	}
	must(t, m.Verify(0))
}
