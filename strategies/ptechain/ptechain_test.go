package ptechain_test

import (
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/ptechain"
)

func objs(m *core.Machine, name string) (live, peak int64) {
	for _, o := range m.Space.Objects() {
		if o.Name == name {
			return o.Live, o.Peak
		}
	}
	return -1, -1
}

// 100 anonymous pages mapped by 50 processes: each page has 50 PTEs, which
// take ceil(50/7) = 8 blocks of NRPTE = 7, so 800 pte_chain objects.
func TestPteChainObjects100PagesBy50Processes(t *testing.T) {
	for _, tc := range []struct {
		arch  string
		want  int64
		bytes int64
	}{
		{"x86_64", 800, 800 * 64},
		{"i386", 800, 800 * 32},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			arch, _ := core.ArchByName(tc.arch)
			m := core.NewMachine(core.Config{Arch: arch, Seed: 1, NewIndex: fileindex.NewLinear, Verify: true}, ptechain.Strategy.New)
			const base, pages = 0x100000, 100
			if err := m.Mmap(1, base, pages*core.PageSize, core.ProtRead|core.ProtWrite, false, "", 0); err != nil {
				t.Fatal(err)
			}
			if err := m.Touch(1, base, pages*core.PageSize, true); err != nil {
				t.Fatal(err)
			}
			if live, _ := objs(m, "pte_chain"); live != 0 {
				t.Fatalf("singly mapped pages use %d pte_chain blocks, want 0 (PageDirect)", live)
			}
			for child := uint64(2); child <= 50; child++ {
				if err := m.Fork(1, child); err != nil {
					t.Fatal(err)
				}
			}
			live, peak := objs(m, "pte_chain")
			if live != tc.want || peak != tc.want {
				t.Fatalf("pte_chain-objs = %d (peak %d), want %d", live, peak, tc.want)
			}
			if b := m.Space.Bytes().Obj; b != tc.bytes {
				t.Fatalf("rmap-obj-B = %d, want %d", b, tc.bytes)
			}
			if err := m.Verify(0); err != nil {
				t.Fatal(err)
			}
			for child := uint64(2); child <= 50; child++ {
				if err := m.Exit(child); err != nil {
					t.Fatal(err)
				}
			}
			// One mapping left per page, but chains do not collapse on
			// removal: each page keeps one block.
			if live, _ := objs(m, "pte_chain"); live != pages {
				t.Fatalf("after the children exit pte_chain-objs = %d, want %d (no collapse on remove)", live, pages)
			}
			if err := m.Exit(1); err != nil {
				t.Fatal(err)
			}
			if live, _ := objs(m, "pte_chain"); live != 0 {
				t.Fatalf("after every exit pte_chain-objs = %d, want 0", live)
			}
		})
	}
}

// A walk costs the page's mappings, not the processes in the system.
func TestWalkVisitsOnlyMappings(t *testing.T) {
	m := core.NewMachine(core.Config{Seed: 1, NewIndex: fileindex.NewLinear, Verify: true}, ptechain.Strategy.New)
	rw := core.ProtRead | core.ProtWrite
	if err := m.Mmap(1, 0x100000, 4*core.PageSize, rw, false, "", 0); err != nil {
		t.Fatal(err)
	}
	if err := m.Touch(1, 0x100000, 4*core.PageSize, true); err != nil {
		t.Fatal(err)
	}
	for c := uint64(2); c <= 20; c++ {
		if err := m.Fork(1, c); err != nil {
			t.Fatal(err)
		}
		if err := m.Touch(c, 0x100000, core.PageSize, true); err != nil { // COW: private copy
			t.Fatal(err)
		}
	}
	f, _, _ := m.Resolve(2, 0x100000) // a child's private copy: one mapping
	m.Walk = core.WalkCounters{}
	var got []core.Mapping
	m.Rmapper().Walk(f, func(v *core.VMA, addr uint64) bool {
		got = append(got, core.Mapping{PID: v.MM.PID, Addr: addr})
		return true
	})
	if len(got) != 1 || m.Walk.VMAs != 1 || m.Walk.PTEs != 1 {
		t.Fatalf("walk of a singly mapped page: %v, %+v", got, m.Walk)
	}
	if !m.Rmapper().TryToUnmap(f) {
		t.Fatal("try_to_unmap failed")
	}
	if err := m.Verify(0); err != nil {
		t.Fatal(err)
	}
}
