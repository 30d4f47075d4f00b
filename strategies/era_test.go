package strategies_test

import (
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
)

// machineFor builds a machine for st over its era's index, with st's era
// policies and the given options.
func machineFor(t *testing.T, st core.Strategy, arch string, opts map[string]string) *core.Machine {
	t.Helper()
	a, err := core.ArchByName(arch)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := strategies.Index(st.DefaultIndex)
	if err != nil {
		t.Fatal(err)
	}
	// Random aging: these tests call try_to_unmap on pages just touched,
	// whose young PTEs would make it fail under the LRU policies.
	return core.NewMachineFor(core.Config{Arch: a, Seed: 1, NewIndex: idx.New, Verify: true, Options: opts, Aging: core.AgingRandom}, st)
}

// size is the space model's sizeof(struct name) on arch.
func size(arch, name string) int64 {
	a, _ := core.ArchByName(arch)
	n, _ := a.StructSize(name)
	return int64(n)
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// One process writes 100 separate anonymous VMAs of two pages each. The
// space model must count the rmap fields of each era in every live VMA,
// mm and resident page, and the objects each strategy allocated: the
// table is the arithmetic of docs/accounting.md for this layout.
func TestSpaceOfHundredAnonymousVMAs(t *testing.T) {
	const vmas, pages = 100, 200
	for _, arch := range []string{"x86_64", "i386"} {
		w := int64(8)
		if arch == "i386" {
			w = 4
		}
		list, tree := 2*w, 4*w // shared:list, shared:prio or shared:interval
		mapcount := int64(4)
		for _, tc := range []struct {
			name           string
			obj, vma, page int64
		}{
			{"pagescan", 0, vmas * list, 0},
			{"ptechain", 0, vmas * list, pages * w},   // PageDirect: no block; the pte union in every page
			{"filelinear", 0, vmas * list, pages * w}, // the same union
			// one anonmm; the prio tree linkage and mm->anonmm
			{"anonmm", size(arch, "anonmm"), vmas*tree + w, pages * mapcount},
			// one anon_vma each (no neighbour to share); anon_vma_node and anon_vma in each VMA
			{"anonvma", vmas * size(arch, "anon_vma"), vmas * (tree + 2*w + w), pages * mapcount},
			// one anon_vma and one chain each; anon_vma_chain and anon_vma in each VMA
			{"anonvma-avc", vmas * (size(arch, "anon_vma_avc") + size(arch, "anon_vma_chain")), vmas * (tree + 2*w + w), pages * mapcount},
		} {
			t.Run(arch+"/"+tc.name, func(t *testing.T) {
				st, err := strategies.Select(tc.name)
				mustDo(t, err)
				m := machineFor(t, st[0], arch, nil)
				for i := uint64(0); i < vmas; i++ {
					a := 0x10000000 + i*3*core.PageSize
					mustDo(t, m.Mmap(1, a, 2*core.PageSize, core.ProtRead|core.ProtWrite, false, "", 0))
					mustDo(t, m.Touch(1, a, 2*core.PageSize, true))
				}
				b := m.Space.Bytes()
				if b.Obj != tc.obj || b.VMA != tc.vma || b.Page != tc.page || b.Sum != tc.obj+tc.vma+tc.page {
					t.Fatalf("rmap-obj-B %d, rmap-vma-B %d, rmap-page-B %d, rmap-B %d; want %d, %d, %d and their sum",
						b.Obj, b.VMA, b.Page, b.Sum, tc.obj, tc.vma, tc.page)
				}
				if b.SumPeak != b.Sum || b.VMAPeak != b.VMA || b.PagePeak != b.Page || b.ObjPeak != b.Obj {
					t.Fatalf("nothing was freed, yet the peaks differ from the live bytes: %+v", b)
				}
				// Everything goes with the process: no field bytes remain
				// for VMAs, mms or pages that no longer exist.
				mustDo(t, m.Exit(1))
				if b := m.Space.Bytes(); b.Sum != 0 || b.SumPeak != tc.obj+tc.vma+tc.page {
					t.Fatalf("after exit: %+v", b)
				}
			})
		}
	}
}

// The fork copy policy of each era: one process reads 1,000 pages of a
// shared file mapping and forks. 2.6.0 (ptechain) copies every PTE, so
// 2,000 PTEs map the file at the peak; 2.6.14+ (anonvma-avc) skips a VMA
// without an anon_vma and the child maps nothing until it faults.
func TestForkCopiesAsEachEraDid(t *testing.T) {
	const n = 1000
	run := func(st core.Strategy, opts map[string]string) *core.Machine {
		m := machineFor(t, st, "x86_64", opts)
		mustDo(t, m.Mmap(1, 0x10000000, n*core.PageSize, core.ProtRead|core.ProtWrite, true, "data", 0))
		mustDo(t, m.Touch(1, 0x10000000, n*core.PageSize, false))
		mustDo(t, m.Fork(1, 2))
		mustDo(t, m.Verify(0))
		return m
	}
	wantEra := map[string]int64{"pagescan": 2 * n, "ptechain": 2 * n, "filelinear": 2 * n, "anonmm": 2 * n, "anonvma": 2 * n, "anonvma-avc": n, "anonvma-folio": n}
	for _, st := range strategies.All() {
		if got := run(st, nil).Stats.PeakMappings; got != wantEra[st.Name] {
			t.Errorf("%s: mappings-peak %d, want %d", st.Name, got, wantEra[st.Name])
		}
		// -fork-copy overrides the era.
		if got := run(st, map[string]string{"fork-copy": "all"}).Stats.PeakMappings; got != 2*n {
			t.Errorf("%s -fork-copy all: mappings-peak %d, want %d", st.Name, got, 2*n)
		}
		m := run(st, map[string]string{"fork-copy": "anon"})
		if got := m.Stats.PeakMappings; got != n {
			t.Errorf("%s -fork-copy anon: mappings-peak %d, want %d", st.Name, got, n)
		}
		// The child refaults what it touches.
		mustDo(t, m.Touch(2, 0x10000000, 10*core.PageSize, false))
		if got := m.Stats.PeakMappings; got != n+10 {
			t.Errorf("%s -fork-copy anon: after the child reads 10 pages, mappings-peak %d, want %d", st.Name, got, n+10)
		}
		mustDo(t, m.Verify(0))
	}
}

// Under the 2.6.14 policy a VMA is copied when it has anonymous state
// (the strategy's anon_vma, or core's record of anon_vma_prepare for
// strategies without one): an anonymous VMA only read (zero page) or a
// private file mapping only read is skipped, one written is copied with
// all its PTEs, file pages included; a nonlinear VMA is always copied.
func TestForkCopyAnonFollowsAnonymousState(t *testing.T) {
	const pg = core.PageSize
	rw := core.ProtRead | core.ProtWrite
	for _, st := range strategies.All() {
		m := machineFor(t, st, "x86_64", map[string]string{"fork-copy": "anon"})
		mustDo(t, m.Mmap(1, 0x100000, 4*pg, rw, false, "", 0)) // anon, read only: zero page
		mustDo(t, m.Touch(1, 0x100000, 4*pg, false))
		mustDo(t, m.Mmap(1, 0x200000, 4*pg, rw, false, "lib", 0)) // private file, read
		mustDo(t, m.Touch(1, 0x200000, 4*pg, false))
		mustDo(t, m.Mmap(1, 0x300000, 4*pg, rw, false, "data", 0)) // private file, one page written
		mustDo(t, m.Touch(1, 0x300000, 4*pg, false))
		mustDo(t, m.Touch(1, 0x300000, pg, true))
		mustDo(t, m.Mmap(1, 0x400000, 4*pg, rw, true, "db", 0)) // shared file, remapped: nonlinear
		mustDo(t, m.Remap(1, 0x400000, pg, 3))
		mustDo(t, m.Touch(1, 0x400000, 4*pg, false))
		// Split the written file VMA: both halves keep the anonymous state.
		mustDo(t, m.Mprotect(1, 0x302000, 2*pg, core.ProtRead))
		mustDo(t, m.Fork(1, 2))
		mustDo(t, m.Verify(0))
		resident := func(addr uint64) bool { _, _, ok := m.Resolve(2, addr); return ok }
		for _, c := range []struct {
			addr uint64
			want bool
		}{{0x200000, false}, {0x300000, true}, {0x301000, true}, {0x303000, true}, {0x400000, true}, {0x403000, true}} {
			if got := resident(c.addr); got != c.want {
				t.Errorf("%s: child has %#x mapped: %v, want %v", st.Name, c.addr, got, c.want)
			}
		}
		if _, p, _ := m.Resolve(2, 0x100000); p.Present() {
			t.Errorf("%s: the child got the zero page of a VMA never written", st.Name)
		}
	}
}

// Before anon_vma (2.4 - 2.6.6, and anonmm's rmap 10-37), vma_merge let
// anonymous VMAs merge whatever their vm_pgoff (can_vma_merge_after:
// "if (!file) return 1"); anon_vma (2.6.7+) finds pages at their offset
// and merges only VMAs whose offsets run on. A buffer moved by mremap
// keeps its vm_pgoff, so moving it next to another gives two VMAs whose
// offsets do not run on.
func TestAnonymousMergeRuleOfEachEra(t *testing.T) {
	const pg = core.PageSize
	rw := core.ProtRead | core.ProtWrite
	want := map[string]int{"pagescan": 1, "ptechain": 1, "filelinear": 1, "anonmm": 1, "anonvma": 2, "anonvma-avc": 2, "anonvma-folio": 2}
	for _, st := range strategies.All() {
		m := machineFor(t, st, "x86_64", nil)
		mustDo(t, m.Mmap(1, 0x100000, 2*pg, rw, false, "", 0))
		mustDo(t, m.Mmap(1, 0x200000, 2*pg, rw, false, "", 0))
		mustDo(t, m.Touch(1, 0x200000, 2*pg, true))
		// Move the written buffer right after the first one (vm_pgoff
		// 0x200 lands where 0x102 would run on).
		mustDo(t, m.Mremap(1, 0x200000, 2*pg, 0x102000, 2*pg))
		mustDo(t, m.Verify(0))
		if got := len(m.Lookup(1).VMAs()); got != want[st.Name] {
			t.Errorf("%s: %d VMAs after the move, want %d", st.Name, got, want[st.Name])
		}
		// The merged VMA still behaves: its pages fork, move and unmap.
		mustDo(t, m.Touch(1, 0x100000, 4*pg, true))
		mustDo(t, m.Fork(1, 2))
		mustDo(t, m.Touch(2, 0x100000, 4*pg, true))
		mustDo(t, m.Mremap(1, 0x103000, pg, 0x300000, pg))
		mustDo(t, m.Reclaim(8))
		mustDo(t, m.Verify(0))
		mustDo(t, m.Munmap(1, 0x101000, 2*pg))
		mustDo(t, m.Verify(0))
	}
}

// A page mapped in a VM_LOCKED VMA cannot be unmapped. Every era but 2.4
// ends try_to_unmap at the first locked mapping it finds (SWAP_FAIL), so
// what is unmapped before it depends on the walk's order; 2.4's scan
// passes the locked PTE by and unmaps the rest. The parent locks its
// pages and forks: the child shares them unlocked.
func TestLockedMappingsStayMapped(t *testing.T) {
	const pg = core.PageSize
	rw := core.ProtRead | core.ProtWrite
	// Whether the child's mapping is gone after the failed walk: the
	// walk meets it before the parent's (2.4 scans on; pte chains and
	// 2.6.12's list_add put the newest first), or it starts at the
	// parent (anonmm tries page->mapping's mm first).
	childUnmapped := map[string]bool{"pagescan": true, "ptechain": true, "filelinear": true, "anonmm": false, "anonvma": true}
	for _, st := range strategies.All() {
		for _, file := range []string{"", "data"} {
			m := machineFor(t, st, "x86_64", nil)
			mustDo(t, m.Mmap(1, 0x100000, 4*pg, rw, file != "", file, 0))
			mustDo(t, m.Touch(1, 0x100000, 4*pg, file == ""))
			mustDo(t, m.Mlock(1, 0x100000, 4*pg))
			mustDo(t, m.Fork(1, 2))
			mustDo(t, m.Touch(2, 0x100000, 4*pg, false))
			f, _, _ := m.Resolve(1, 0x100000)
			if m.Frame(f).MapCount != 2 {
				t.Fatalf("%s %q: setup: mapcount %d, want 2", st.Name, file, m.Frame(f).MapCount)
			}
			if m.Rmapper().TryToUnmap(f) {
				t.Errorf("%s %q: try_to_unmap of a locked page succeeded", st.Name, file)
			}
			if _, _, ok := m.Resolve(1, 0x100000); !ok {
				t.Errorf("%s %q: the locked mapping was unmapped", st.Name, file)
			}
			if want, ok := childUnmapped[st.Name]; ok && file == "" {
				if _, _, mapped := m.Resolve(2, 0x100000); mapped == want {
					t.Errorf("%s: the child's mapping is there: %v, want %v", st.Name, mapped, !want)
				}
			}
			mustDo(t, m.Verify(0))
			// Reclaim copes: it counts the failures and frees what it can.
			mustDo(t, m.Reclaim(64))
			if m.Stats.ReclaimFails == 0 {
				t.Errorf("%s %q: reclaim of locked pages never failed", st.Name, file)
			}
			for i := uint64(0); i < 4; i++ {
				if _, _, ok := m.Resolve(1, 0x100000+i*pg); !ok {
					t.Errorf("%s %q: reclaim took a locked page at %#x", st.Name, file, 0x100000+i*pg)
				}
			}
			mustDo(t, m.Verify(0))
			// Unlocked, the pages go.
			mustDo(t, m.Munlock(1, 0x100000, 4*pg))
			if !m.Rmapper().TryToUnmap(f) {
				t.Errorf("%s %q: try_to_unmap after munlock failed", st.Name, file)
			}
			mustDo(t, m.Verify(0))
		}
	}
}
