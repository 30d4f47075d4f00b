package workloads_test

import (
	"fmt"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/workloads"
	"rmapbench/workloads/trace"
)

func generator(t *testing.T, name string) *workloads.Generator {
	t.Helper()
	gs, err := workloads.Select(name)
	if err != nil {
		t.Fatal(err)
	}
	return gs[0]
}

// run replays a generator at small scale with overrides under one
// strategy with the oracle on, and returns the machine's counts and the
// events.
func run(t *testing.T, st core.Strategy, g *workloads.Generator, over workloads.Values) (core.Stats, []trace.Event) {
	t.Helper()
	idx, _ := strategies.Index(st.DefaultIndex)
	m := core.NewMachine(core.Config{Seed: 1, NewIndex: idx.New, Verify: true}, st.New)
	rp := &workloads.Replayer{M: m, Verify: true, Sample: 64}
	var evs []trace.Event
	err := g.Source(g.Values(workloads.ScaleSmall, over), 1).Run(func(ev trace.Event) error {
		evs = append(evs, ev)
		return rp.Apply(ev)
	})
	if err != nil {
		t.Fatal(err)
	}
	return m.Stats, evs
}

// TestPeersEveryChoiceVerifies runs every variant, kind and mode of the
// peers' workloads under every strategy with the oracle on (the default
// choice is in TestEveryWorkloadVerifies).
func TestPeersEveryChoiceVerifies(t *testing.T) {
	for _, tc := range []struct {
		workload, knob string
		values         []int64
	}{
		{"pagefault", "variant", []int64{1, 2, 3}},
		{"mmapchurn", "kind", []int64{1}},
		{"latproc", "mode", []int64{1, 2}},
		{"migrate", "kind", []int64{1, 2, 3, 4}},
	} {
		g := generator(t, tc.workload)
		for _, v := range tc.values {
			for _, st := range strategies.All() {
				t.Run(fmt.Sprintf("%s/%s=%d/%s", tc.workload, tc.knob, v, st.Name), func(t *testing.T) {
					run(t, st, g, workloads.Values{tc.knob: v})
				})
			}
		}
	}
}

// TestPageFaultEveryPageEveryLoop: each iteration of page_faultN maps a
// fresh region and faults every page of it, in every copy; the region is
// what the variant says.
func TestPageFaultEveryPageEveryLoop(t *testing.T) {
	g := generator(t, "pagefault")
	st := strategies.All()[4]
	const procs, size = 3, 384 << 10
	for variant, want := range []struct {
		file, shared, write bool
	}{{false, false, true}, {true, false, true}, {true, true, true}, {true, false, false}} {
		faults := func(loops int64) (int64, []trace.Event) {
			s, evs := run(t, st, g, workloads.Values{"variant": int64(variant), "procs": procs, "size": size, "loops": loops, "reclaim": 0})
			return s.Count[core.OpFault], evs
		}
		one, evs := faults(1)
		three, _ := faults(3)
		if got, want := three-one, int64(2*procs*size/trace.PageSize); got != want {
			t.Errorf("variant %d: two more loops made %d faults, want %d", variant+1, got, want)
		}
		regions, touches := 0, 0
		for _, ev := range evs {
			switch {
			case ev.Op == trace.OpMmap && ev.Len == size && ev.PID >= 100:
				regions++
				if (ev.File != "") != want.file || ev.Shared != want.shared || ev.Prot != trace.ProtRead|trace.ProtWrite {
					t.Errorf("variant %d: region %v", variant+1, ev)
				}
			case ev.Op == trace.OpTouch && ev.Len == size && ev.PID >= 100:
				touches++
				if ev.Write != want.write {
					t.Errorf("variant %d: touch %v", variant+1, ev)
				}
			}
		}
		if regions != procs || touches != procs {
			t.Errorf("variant %d: %d regions and %d whole touches, want %d of each", variant+1, regions, touches, procs)
		}
	}
}

// TestMmapChurnTouchesNothing: more iterations of mmap1 or mmap2 fault
// nothing more (the results page is written, but it is resident), and
// map and unmap once per copy per iteration.
func TestMmapChurnTouchesNothing(t *testing.T) {
	g := generator(t, "mmapchurn")
	st := strategies.All()[2]
	for kind := int64(0); kind < 2; kind++ {
		few, _ := run(t, st, g, workloads.Values{"kind": kind, "loops": 4, "reclaim": 0})
		many, _ := run(t, st, g, workloads.Values{"kind": kind, "loops": 40, "reclaim": 0})
		if few.Count[core.OpFault] != many.Count[core.OpFault] {
			t.Errorf("kind %d: %d faults with 4 loops, %d with 40", kind, few.Count[core.OpFault], many.Count[core.OpFault])
		}
		if d := many.Count[core.OpMunmap] - few.Count[core.OpMunmap]; d != 36*2 {
			t.Errorf("kind %d: 36 more loops of 2 copies made %d more munmaps", kind, d)
		}
	}
}

// TestLatProcModes: fork+exit execs nothing, exec execs once per child,
// shell twice (sh, then hello in its place); every child is forked and
// exits.
func TestLatProcModes(t *testing.T) {
	g := generator(t, "latproc")
	st := strategies.All()[1]
	const procs, iterations = 2, 5
	for mode, execsPerChild := range []int64{0, 1, 2} {
		s, _ := run(t, st, g, workloads.Values{"mode": int64(mode), "procs": procs, "iterations": iterations})
		children := int64(procs * iterations)
		if s.Count[core.OpExec] != execsPerChild*children || s.Count[core.OpFork] != children+procs ||
			s.Count[core.OpExit] != children+procs+1 {
			t.Errorf("mode %d: %d execs, %d forks, %d exits", mode, s.Count[core.OpExec], s.Count[core.OpFork], s.Count[core.OpExit])
		}
	}
}

// TestChoiceKnobs: a choice knob reads and writes its names.
func TestChoiceKnobs(t *testing.T) {
	g := generator(t, "latproc")
	k := g.Knobs[0]
	if v, err := k.ParseChoice("shell"); err != nil || v != 2 || k.Format(v) != "shell" {
		t.Errorf("mode=shell: %d %v %q", v, err, k.Format(v))
	}
	if _, err := k.ParseChoice("vfork"); err == nil {
		t.Error("mode=vfork accepted")
	}
	src := g.Source(g.Values(workloads.ScaleSmall, workloads.Values{"mode": 1}), 1)
	if p := src.Params()[0]; p.Key != "mode" || p.Value != "exec" {
		t.Errorf("name part %v, want mode=exec", p)
	}
}

// TestMigrateTree: each test of the rmap selftest is a fork tree of the
// given height in which every process above the last level forks 1 to
// children children, every process reads the region (or, for ksm, maps
// and fills its own), and one process of the tree migrates the whole
// region once per round; every page of it moves, under every strategy.
func TestMigrateTree(t *testing.T) {
	g := generator(t, "migrate")
	const levels, children, size, rounds = 4, 3, 3 * trace.PageSize, 2
	const region = 0x7f0800000000
	for kind := int64(1); kind <= 4; kind++ {
		for _, st := range strategies.All() {
			s, evs := run(t, st, g, workloads.Values{"kind": kind, "levels": levels, "children": children, "size": size, "rounds": rounds, "reclaim": 0})
			parent := map[uint64]uint64{}
			kids := map[uint64]int{}
			prepared := map[uint64]bool{}
			var migrators []uint64
			for _, ev := range evs {
				switch {
				case ev.Op == trace.OpFork && ev.PID != 1:
					parent[ev.Child] = ev.PID
					kids[ev.PID]++
				case ev.Op == trace.OpTouch && ev.Addr == region && (!ev.Write || ev.HasValue):
					if ev.Len != size || ev.HasValue != (kind == 4) {
						t.Fatalf("kind %d, %s: access_region %v", kind, st.Name, ev)
					}
					prepared[ev.PID] = true
				case ev.Op == trace.OpMigrate:
					if ev.Addr != region || ev.Len != size {
						t.Fatalf("kind %d, %s: %v", kind, st.Name, ev)
					}
					migrators = append(migrators, ev.PID)
				}
			}
			depth := func(p uint64) int {
				d := 1
				for ; parent[p] != 0; p = parent[p] {
					d++
				}
				return d
			}
			for p := range prepared {
				d := depth(p)
				switch n := kids[p]; {
				case d < levels:
					if n < 1 || n > children {
						t.Fatalf("kind %d, %s: process %d at level %d forked %d children", kind, st.Name, p, d, n)
					}
				case d == levels:
					if n != 0 {
						t.Fatalf("kind %d, %s: leaf %d forked %d children", kind, st.Name, p, n)
					}
				default:
					t.Fatalf("kind %d, %s: process %d at level %d of %d", kind, st.Name, p, d, levels)
				}
			}
			if len(prepared) != len(parent)+1 || len(migrators) != rounds {
				t.Fatalf("kind %d, %s: %d processes read the region, %d were forked; %d migrations of the region", kind, st.Name, len(prepared), len(parent), len(migrators))
			}
			want := int64(rounds * size / trace.PageSize)
			if kind == 4 && s.Migrations < want {
				// Under a strategy that lets ksmd merge, every page of
				// every process is one KSM page (memset).
				want = rounds
			}
			if s.Migrations != want || s.MigrateFails != 0 {
				t.Fatalf("kind %d, %s: %d pages migrated (%d failed), want %d", kind, st.Name, s.Migrations, s.MigrateFails, want)
			}
		}
	}
}
