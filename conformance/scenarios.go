package conformance

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/pagescan"
	"rmapbench/workloads"
	"rmapbench/workloads/trace"
)

// scenario is a short trace (docs/trace-format.md) of a life the
// kernel's rmap had to get right, replayed on a machine of frames pages.
type scenario struct {
	name   string
	frames int
	trace  string
}

// scenarios are the fidelity scenarios. Their memories are small, so
// that faults reclaim (kswapd) as well as the reclaim events.
var scenarios = []scenario{
	{"fork-cow-exec", 96, `
# A shell-like family: private anonymous and file pages shared by fork,
# copy-on-write in parents and children, exec, exit.
1 mmap 0x100000 0x10000 rw- private anon
1 touch 0x100000 0x10000 w
1 mmap 0x40000000 0x8000 r-x private file libc 0
1 touch 0x40000000 0x8000 r
1 mmap 0x40008000 0x4000 rw- private file libc 0x8000
1 touch 0x40008000 0x4000 w
1 fork 2
1 fork 3
2 touch 0x100000 0x4000 w
1 touch 0x104000 0x4000 w
3 touch 0x40008000 0x2000 w
2 fork 4
4 touch 0x100000 0x10000 w
reclaim 24
check
3 exit
2 exec
2 mmap 0x100000 0x4000 rw- private anon
2 touch 0x100000 0x4000 w
2 mmap 0x40000000 0x8000 r-x private file libc 0
2 touch 0x40000000 0x4000 r
reclaim 16
check
`},
	{"split-merge", 96, `
# VMAs split and merged by mprotect, partly unmapped, zapped by
# MADV_DONTNEED and mapped again, in a parent and a child sharing pages.
1 mmap 0x100000 0x20000 rw- private anon
1 touch 0x100000 0x20000 w
1 fork 2
1 mprotect 0x104000 0x8000 r--
2 mprotect 0x108000 0x4000 r--
1 touch 0x100000 0x20000 r
2 touch 0x100000 0x4000 w
1 mprotect 0x104000 0x8000 rw-
1 touch 0x100000 0x20000 w
2 munmap 0x10c000 0x4000
1 dontneed 0x110000 0x4000
2 mmap 0x10c000 0x4000 rw- private anon
2 touch 0x10c000 0x4000 w
reclaim 16
check
`},
	{"mremap-after-fork", 96, `
# Anonymous pages shared by fork, then moved, grown and shrunk by mremap
# in one process while the others keep them at the old address (anonmm
# copied these; anon_vma kept vm_pgoff), swapped out and faulted back.
1 mmap 0x100000 0x10000 rw- private anon
1 touch 0x100000 0x10000 w
1 fork 2
1 fork 3
2 mremap 0x100000 0x4000 0x900000 0x4000
2 touch 0x900000 0x4000 r
3 mremap 0x104000 0x4000 0xa00000 0x8000
3 touch 0xa00000 0x8000 w
1 mremap 0x108000 0x8000 0x108000 0x4000
reclaim 20
2 touch 0x900000 0x4000 w
3 touch 0xa00000 0x8000 r
check
`},
	{"swap", 80, `
# More anonymous memory than frames: pages go to swap and come back,
# read by both sharers (do_swap_page, not exclusive) and written
# (exclusive), then go again.
1 mmap 0x100000 0x40000 rw- private anon
1 touch 0x100000 0x40000 w
1 fork 2
reclaim 48
2 touch 0x100000 0x20000 r
1 touch 0x100000 0x10000 w
2 touch 0x120000 0x20000 w
reclaim 48
check
1 touch 0x100000 0x40000 r
check
`},
	{"shared-memory-and-files", 96, `
# Shared anonymous memory (a shmem file) across fork; a file mapped
# shared for writing, private in another process, read-only in a third
# that is no relative, written again while the third maps it (which must
# see the writes); dirty pages written back by reclaim.
1 mmap 0x200000 0x8000 rw- shared anon
1 touch 0x200000 0x8000 w
1 mmap 0x300000 0x8000 rw- shared file db 0
1 touch 0x300000 0x8000 w
1 fork 2
2 mmap 0x400000 0x8000 rw- private file db 0
2 touch 0x400000 0x4000 w
2 touch 0x200000 0x4000 w
3 mmap 0x500000 0x8000 r-- shared file db 0x4000
3 touch 0x500000 0x8000 r
1 touch 0x300000 0x8000 w
2 touch 0x200000 0x8000 w
reclaim 24
check
1 munmap 0x300000 0x4000
reclaim 8
check
`},
	{"remap-file-pages", 96, `
# remap_file_pages: windows of a shared file VMA rearranged (the VMA
# becomes nonlinear), mapped linearly by another process, reclaimed under
# the nonlinear policy.
1 mmap 0x600000 0x20000 rw- shared file big 0
1 touch 0x600000 0x20000 w
1 fork 2
2 remap 0x600000 0x4000 16
2 touch 0x600000 0x4000 r
1 remap 0x610000 0x8000 0
1 touch 0x610000 0x8000 w
3 mmap 0x700000 0x20000 r-- shared file big 0
3 touch 0x700000 0x20000 r
reclaim 32
check
2 remap 0x604000 0x4000 20
2 touch 0x604000 0x4000 r
reclaim 16
check
`},
	{"ksm", 64, `
# KSM: three unrelated processes write pages of the same values in
# mergeable memory; ksmd merges them (two pages of a process alike too),
# one writes a KSM page (copy), one forks and exits, one moves its pages
# (mremap copies them first) and unmerges part; KSM pages are reclaimed
# and come back from swap.
1 mmap 0x100000 0x8000 rw- private anon
1 madvise 0x100000 0x8000 mergeable
1 touch 0x100000 0x8000 w=1
2 mmap 0x200000 0x8000 rw- private anon
2 touch 0x200000 0x8000 w=1
2 madvise 0x200000 0x8000 mergeable
3 mmap 0x100000 0x4000 rw- private anon
3 madvise 0x100000 0x4000 mergeable
3 touch 0x100000 0x4000 w=2
3 touch 0x102000 0x1000 w=1
ksm 64
check
1 touch 0x101000 0x1000 w
2 fork 4
4 touch 0x200000 0x1000 w=2
2 exit
ksm 64
check
3 mremap 0x100000 0x4000 0x300000 0x4000
1 madvise 0x104000 0x2000 unmergeable
reclaim 24
check
4 touch 0x200000 0x8000 r
3 touch 0x300000 0x4000 r
ksm 64
check
`},
	{"migrate", 96, `
# Page migration (move_pages): private anonymous pages shared by a
# family and COWed in places, shared memory, a shared file, a locked
# range, a page in the swap cache and a nonlinear window, migrated by
# different processes, then written, reclaimed and migrated again.
1 mmap 0x100000 0x8000 rw- private anon
1 touch 0x100000 0x8000 w
1 mmap 0x200000 0x4000 rw- shared anon
1 touch 0x200000 0x4000 w
1 mmap 0x300000 0x8000 rw- shared file db 0
1 touch 0x300000 0x8000 w
1 mlock 0x104000 0x2000
1 fork 2
2 fork 3
3 touch 0x102000 0x2000 w
2 remap 0x304000 0x2000 0
2 touch 0x300000 0x8000 r
reclaim 24
1 touch 0x100000 0x8000 r
3 migrate 0x100000 0x8000
2 migrate 0x200000 0x4000
1 migrate 0x300000 0x8000
check
2 migrate 0x0 0x800000
3 touch 0x100000 0x8000 w
2 touch 0x200000 0x4000 w
reclaim 16
1 migrate 0x100000 0x300000
check
`},
}

// Scenarios replays every fidelity scenario under st in every i_mmap
// index and nonlinear policy, checking the oracle after every event, the
// Rules at the end, that every process then reads what it reads under
// pagescan (the reference), and that exit leaves no object live.
func Scenarios(t *testing.T, st core.Strategy) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			for _, s := range setups(st) {
				if err := runScenario(st, s, sc); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// runScenario is one scenario in one setup.
func runScenario(st core.Strategy, s setup, sc scenario) error {
	m, err := replay(st, s, sc)
	if err != nil {
		return fmt.Errorf("%s, %s: %w", st.Name, s, err)
	}
	if err := checkRules(m); err != nil {
		return fmt.Errorf("%s, %s, %s, at the end: %w", st.Name, s, sc.name, err)
	}
	got, err := visible(m)
	if err != nil {
		return fmt.Errorf("%s, %s, %s, reading every page at the end: %w", st.Name, s, sc.name, err)
	}
	ref, err := replay(pagescan.Strategy, s, sc)
	if err != nil {
		return fmt.Errorf("the reference (pagescan), %s: %w", s, err)
	}
	want, err := visible(ref)
	if err != nil {
		return fmt.Errorf("the reference (pagescan), %s, %s: %w", s, sc.name, err)
	}
	if err := sameMemory(got, want); err != nil {
		return fmt.Errorf("%s, %s, %s: processes do not read what they read without rmap: %w", st.Name, s, sc.name, err)
	}
	if err := checkNoLeak(m); err != nil {
		return fmt.Errorf("%s, %s, %s: %w", st.Name, s, sc.name, err)
	}
	return nil
}

// replay runs sc under st in s, checking the oracle after every event and
// the Rules at every check event.
func replay(st core.Strategy, s setup, sc scenario) (*core.Machine, error) {
	m := newMachine(st, s, sc.frames, 1)
	rp := &workloads.Replayer{M: m}
	r := trace.NewReader(strings.NewReader("rmaptrace 1\n"+strings.TrimLeft(sc.trace, "\n")), sc.name+".trace")
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return m, nil
		}
		if err != nil {
			return nil, err
		}
		if err := rp.Apply(ev); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", r.Name(), r.Line(), err)
		}
		if err := m.Verify(0); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", r.Name(), r.Line(), err)
		}
		if ev.Op == trace.OpCheck {
			if err := checkRules(m); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", r.Name(), r.Line(), err)
			}
		}
	}
}

// place is one page of one process.
type place struct{ pid, addr uint64 }

// visible reads every readable page of every process, one page at a time
// (faulting it in, from swap or the file if it is out), and returns what
// each holds.
func visible(m *core.Machine) (map[place]uint64, error) {
	out := map[place]uint64{}
	for _, mm := range slices.Clone(m.MMs()) {
		for _, v := range slices.Clone(mm.VMAs()) {
			if v.Prot&core.ProtRead == 0 {
				continue
			}
			for a := v.Start; a < v.End; a += core.PageSize {
				if err := m.Touch(mm.PID, a, core.PageSize, false); err != nil {
					return nil, fmt.Errorf("read of %d:%#x: %v", mm.PID, a, err)
				}
				f, pte, ok := m.Resolve(mm.PID, a)
				switch {
				case ok:
					out[place{mm.PID, a}] = m.Frame(f).Content
				case pte.Present() && pte.Frame() == core.ZeroFrame:
					out[place{mm.PID, a}] = 0 // never written: the zero page
				default:
					return nil, fmt.Errorf("%d:%#x is not mapped after a read fault", mm.PID, a)
				}
			}
		}
		if err := m.Verify(0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sameMemory compares two readings of every page.
func sameMemory(got, want map[place]uint64) error {
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			return fmt.Errorf("%d:%#x is mapped under pagescan only", p.pid, p.addr)
		case g != w:
			return fmt.Errorf("%d:%#x holds %#x, under pagescan %#x", p.pid, p.addr, g, w)
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("%d pages readable, under pagescan %d", len(got), len(want))
	}
	return nil
}
