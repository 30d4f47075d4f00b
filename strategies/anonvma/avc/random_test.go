package avc

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
)

// TestRandomAgainstOracle drives random operations that overlap, split,
// merge, move, share and swap each other's pages on a small address range
// with little memory, checking the oracle and every invariant of the
// strategy after each one, and that every object is freed at the end.
func TestRandomAgainstOracle(t *testing.T) {
	seeds, events := 40, 600
	if testing.Short() {
		seeds, events = 8, 300
	}
	for _, mode := range reuseModes {
		t.Run(mode.name, func(t *testing.T) {
			for seed := uint64(1); seed <= uint64(seeds); seed++ {
				randomRun(t, mode.opts, seed, events)
			}
		})
	}
}

func randomRun(t *testing.T, opts map[string]string, seed uint64, events int) {
	t.Helper()
	m := core.NewMachine(core.Config{Seed: seed, MemBytes: 96 * pg, NewIndex: fileindex.NewLinear, Verify: true, Options: opts}, Strategy.New)
	rng := rand.New(rand.NewPCG(seed, 0xa7c))
	live := []uint64{1}
	next := uint64(2)
	bases := []uint64{0x100000, 0x7f0000000000}
	addr := func() uint64 { return bases[rng.IntN(len(bases))] + uint64(rng.IntN(40))*pg }
	length := func() uint64 { return uint64(1+rng.IntN(10)) * pg }
	prots := []core.Prot{rw, rw, rw, core.ProtRead, rwx}
	files := []string{"lib", "data"}
	// inVMA picks a range inside one of pid's VMAs.
	inVMA := func(pid uint64) (*core.VMA, uint64, uint64) {
		mm := m.Lookup(pid)
		if mm == nil || len(mm.VMAs()) == 0 {
			return nil, addr(), length()
		}
		vs := mm.VMAs()
		v := vs[rng.IntN(len(vs))]
		first := uint64(rng.IntN(int(v.Pages())))
		n := 1 + uint64(rng.IntN(int(v.Pages()-first)))
		return v, v.Start + first*pg, n * pg
	}
	for i := 0; i < events; i++ {
		p := live[rng.IntN(len(live))]
		var what string
		var err error
		switch k := rng.IntN(100); {
		case k < 14:
			a, l, pr := addr(), length(), prots[rng.IntN(len(prots))]
			shared := rng.IntN(10) == 0
			what = fmt.Sprintf("mmap %d %#x+%d %s shared=%v", p, a, l/pg, pr, shared)
			err = m.Mmap(p, a, l, pr, shared, "", 0)
		case k < 20:
			a, l, pr := addr(), length(), prots[rng.IntN(len(prots))]
			f := files[rng.IntN(len(files))]
			what = fmt.Sprintf("mmap %d %#x+%d %s file %s", p, a, l/pg, pr, f)
			err = m.Mmap(p, a, l, pr, rng.IntN(4) == 0, f, uint64(rng.IntN(8))*pg)
		case k < 50:
			v, a, l := inVMA(p)
			write := rng.IntN(3) > 0 && (v == nil || v.Prot&core.ProtWrite != 0)
			what = fmt.Sprintf("touch %d %#x+%d write=%v", p, a, l/pg, write)
			err = m.Touch(p, a, l, write)
		case k < 55:
			a, l := addr(), length()
			what = fmt.Sprintf("munmap %d %#x+%d", p, a, l/pg)
			err = m.Munmap(p, a, l)
		case k < 63:
			_, a, l := inVMA(p)
			if rng.IntN(3) == 0 {
				a, l = addr(), length()
			}
			pr := prots[rng.IntN(len(prots))]
			what = fmt.Sprintf("mprotect %d %#x+%d %s", p, a, l/pg, pr)
			err = m.Mprotect(p, a, l, pr)
		case k < 71:
			_, a, l := inVMA(p)
			na := a
			if rng.IntN(3) > 0 {
				na = addr()
			}
			nl := length()
			what = fmt.Sprintf("mremap %d %#x+%d -> %#x+%d", p, a, l/pg, na, nl/pg)
			err = m.Mremap(p, a, l, na, nl)
		case k < 74:
			_, a, l := inVMA(p)
			what = fmt.Sprintf("dontneed %d %#x+%d", p, a, l/pg)
			err = m.DontNeed(p, a, l)
		case k < 85:
			if len(live) >= 10 {
				continue
			}
			c := next
			next++
			live = append(live, c)
			what = fmt.Sprintf("fork %d -> %d", p, c)
			err = m.Fork(p, c)
		case k < 87:
			what = fmt.Sprintf("exec %d", p)
			err = m.Exec(p)
		case k < 92:
			if len(live) == 1 {
				continue
			}
			j := rng.IntN(len(live))
			p = live[j]
			live = append(live[:j], live[j+1:]...)
			what = fmt.Sprintf("exit %d", p)
			err = m.Exit(p)
		default:
			n := 1 + rng.IntN(30)
			what = fmt.Sprintf("reclaim %d", n)
			err = m.Reclaim(n)
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
	for _, p := range live {
		must(t, m.Exit(p))
	}
	if err := checkInvariants(m); err != nil {
		t.Fatalf("seed %d after every exit: %v", seed, err)
	}
	wantObjs(t, m, 0, 0)
}
