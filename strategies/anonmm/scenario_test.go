package anonmm

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
)

// A shell-like life: fork, COW, exec, split and merge by mprotect, a
// partial mremap, file mappings private and shared, reclaim and swap-in,
// exit; the oracle and the reference counts are checked after every step.
func TestScenarioForkExecSplitCOWReclaim(t *testing.T) {
	h := newHarness(t, 64*pg) // small: faults reclaim as they go
	m := h.m
	const heap, lib, shm = 0x100000, 0x40000000, 0x7f0000000000
	h.do(m.Mmap(1, heap, 16*pg, rw, false, "", 0))
	h.do(m.Mmap(1, lib, 8*pg, core.ProtRead|core.ProtExec, false, "libc", 0))
	h.do(m.Mmap(1, lib+8*pg, 4*pg, rw, false, "libc", 8*pg)) // private data: COW copies are anonymous
	h.do(m.Mmap(1, shm, 4*pg, rw, true, "", 0))              // shared anonymous = shmem file
	h.do(m.Touch(1, heap, 16*pg, true))
	h.do(m.Touch(1, lib, 8*pg, false))
	h.do(m.Touch(1, lib+8*pg, 4*pg, true))
	h.do(m.Touch(1, shm, 4*pg, true))

	h.do(m.Fork(1, 2))
	h.do(m.Fork(1, 3))
	h.do(m.Touch(2, heap, 4*pg, true))                  // COW in a child
	h.do(m.Touch(1, heap+4*pg, 4*pg, true))             // COW in the parent
	h.do(m.Touch(3, lib+8*pg, 2*pg, true))              // COW of private file data
	h.do(m.Mprotect(1, heap+2*pg, 4*pg, core.ProtRead)) // split in three
	h.do(m.Touch(1, heap, 16*pg, false))
	h.do(m.Mprotect(1, heap+2*pg, 4*pg, rw)) // merge back
	h.do(m.Touch(1, heap, 16*pg, true))
	// Part of the heap moves in child 2: the parent has copied every
	// page it wrote, but pages 8-11 are still shared with child 3, so
	// each is copied; pages 0-3, which 2 copied, just move.
	h.do(m.Mremap(2, heap, 4*pg, 0xa00000, 4*pg))
	h.wantCopies("moving the child's own pages", 0)
	h.do(m.Mremap(2, heap+8*pg, 4*pg, 0x900000, 6*pg))
	h.wantCopies("moving pages shared with a sibling", 4)
	h.do(m.Touch(2, 0x900000, 6*pg, true))
	h.do(m.Reclaim(40))
	h.do(m.Touch(2, heap+4*pg, 4*pg, false)) // swap-in
	h.do(m.Touch(3, heap, 16*pg, true))      // swap-in and COW
	h.do(m.Fork(2, 4))
	h.do(m.Exec(3))
	h.do(m.Mmap(3, heap, 4*pg, rw, false, "", 0))
	h.do(m.Touch(3, heap, 4*pg, true))
	h.do(m.DontNeed(1, heap, 2*pg))
	h.do(m.Reclaim(64))
	h.do(m.Touch(4, heap+4*pg, 4*pg, true))
	h.do(m.Touch(4, 0x900000, 6*pg, false))
	h.do(m.Touch(4, 0xa00000, 4*pg, true))
	h.do(m.Touch(1, shm, 4*pg, false))
	h.do(m.Munmap(1, heap+pg, 2*pg))
	for _, pid := range []uint64{2, 1, 4, 3} {
		h.do(m.Exit(pid))
	}
	h.wantObjs("every process exited", 0)
}

// Random operation sequences over a small address range and a small
// memory, so that operations overlap, split, merge, share, move and
// reclaim each other's pages; the oracle and the anonmm reference counts
// are checked after every event, and at the end every anonmm must be
// gone.
func TestRandomAgainstTheOracle(t *testing.T) {
	seeds, events := 30, 400
	if testing.Short() {
		seeds, events = 6, 200
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		runRandom(t, seed, events)
	}
}

func runRandom(t *testing.T, seed uint64, n int) {
	t.Helper()
	// Alternate the linear list and the prio tree of the era.
	index := fileindex.NewLinear
	if seed%2 == 0 {
		index = fileindex.NewPrio
	}
	m := core.NewMachine(core.Config{MemBytes: 96 * pg, Seed: seed, NewIndex: index, Verify: true}, Strategy.New)
	rng := rand.New(rand.NewPCG(seed, 7))
	live := []uint64{1}
	next := uint64(2)
	bases := []uint64{0x100000, 0x40000000, 0x7f0000000000}
	addr := func() uint64 { return bases[rng.IntN(len(bases))] + uint64(rng.IntN(40))*pg }
	length := func() uint64 { return uint64(1+rng.IntN(10)) * pg }
	prots := []core.Prot{core.ProtRead, rw, rw, core.ProtRead | core.ProtExec}
	files := []string{"libc", "data"}
	inVMA := func(p uint64) (uint64, uint64) {
		mm := m.Lookup(p)
		if mm == nil || len(mm.VMAs()) == 0 || rng.IntN(8) == 0 {
			return addr(), length()
		}
		vs := mm.VMAs()
		v := vs[rng.IntN(len(vs))]
		first := uint64(rng.IntN(int(v.Pages())))
		cnt := 1 + uint64(rng.IntN(int(v.Pages()-first)))
		return v.Start + first*pg, cnt * pg
	}
	for i := 0; i < n; i++ {
		p := live[rng.IntN(len(live))]
		var what string
		var err error
		switch k := rng.IntN(100); {
		case k < 12:
			a, l := addr(), length()
			what = fmt.Sprintf("mmap anon %d %#x+%#x", p, a, l)
			err = m.Mmap(p, a, l, prots[rng.IntN(len(prots))], rng.IntN(5) == 0, "", 0)
		case k < 20:
			a, l := addr(), length()
			what = fmt.Sprintf("mmap file %d %#x+%#x", p, a, l)
			err = m.Mmap(p, a, l, prots[rng.IntN(len(prots))], rng.IntN(2) == 0, files[rng.IntN(len(files))], uint64(rng.IntN(8))*pg)
		case k < 48:
			a, l := inVMA(p)
			write := rng.IntN(2) == 0
			if mm := m.Lookup(p); mm != nil {
				if v := mm.FindVMA(a); v != nil && v.Prot&core.ProtWrite == 0 {
					write = false
				}
			}
			what = fmt.Sprintf("touch %d %#x+%#x write=%v", p, a, l, write)
			err = m.Touch(p, a, l, write)
		case k < 52:
			a, l := addr(), length()
			what = fmt.Sprintf("munmap %d %#x+%#x", p, a, l)
			err = m.Munmap(p, a, l)
		case k < 57:
			a, l := inVMA(p)
			what = fmt.Sprintf("mprotect %d %#x+%#x", p, a, l)
			err = m.Mprotect(p, a, l, prots[rng.IntN(len(prots))])
		case k < 67:
			old, l := inVMA(p)
			nw, nl := old, length()
			if rng.IntN(4) > 0 {
				nw = addr()
			}
			what = fmt.Sprintf("mremap %d %#x+%#x -> %#x+%#x", p, old, l, nw, nl)
			err = m.Mremap(p, old, l, nw, nl)
		case k < 70:
			a, l := addr(), length()
			what = fmt.Sprintf("dontneed %d %#x+%#x", p, a, l)
			err = m.DontNeed(p, a, l)
		case k < 73:
			// remap_file_pages in a shared file VMA: nonlinear file
			// pages, which objrmap's policy handles.
			a, l := inVMA(p)
			pgoff := uint64(rng.IntN(16))
			what = fmt.Sprintf("remap %d %#x+%#x pgoff %d", p, a, l, pgoff)
			err = m.Remap(p, a, l, pgoff)
		case k < 80:
			if len(live) >= 10 {
				continue
			}
			c := next
			next++
			live = append(live, c)
			what = fmt.Sprintf("fork %d -> %d", p, c)
			err = m.Fork(p, c)
		case k < 83:
			what = fmt.Sprintf("exec %d", p)
			err = m.Exec(p)
		case k < 87:
			if len(live) == 1 {
				continue
			}
			j := rng.IntN(len(live))
			pid := live[j]
			live = append(live[:j], live[j+1:]...)
			what = fmt.Sprintf("exit %d", pid)
			err = m.Exit(pid)
		default:
			nr := 1 + rng.IntN(24)
			what = fmt.Sprintf("reclaim %d", nr)
			err = m.Reclaim(nr)
		}
		var ie *core.InputError
		if errors.As(err, &ie) {
			continue
		}
		if err == nil {
			err = m.Verify(0)
		}
		if err == nil {
			err = checkInvariants(m)
		}
		if err != nil {
			t.Fatalf("seed %d, event %d (%s): %v", seed, i+1, what, err)
		}
	}
	for _, pid := range live {
		if err := m.Exit(pid); err != nil {
			t.Fatalf("seed %d: exit %d: %v", seed, pid, err)
		}
		if err := checkInvariants(m); err != nil {
			t.Fatalf("seed %d: after exit %d: %v", seed, pid, err)
		}
	}
	for _, o := range m.Space.Objects() {
		if o.Name == "anonmm" && o.Live != 0 {
			t.Fatalf("seed %d: %d anonmm objects left after every process exited", seed, o.Live)
		}
	}
}
