package strace

import (
	"strings"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
)

// The expected counts were established from the logs themselves, not from
// the importer:
//
//	tasks:     zcat LOG | awk '{print $1}' | sort -u | wc -l
//	vforks:    grep -c 'vfork resumed>) = [0-9]*$' plus grep -c 'clone3({flags=CLONE_VM|CLONE_VFORK'
//	forks:     clone( lines without CLONE_VM returning a pid
//	execs:     execve lines ending in ") = 0"; failed: execve lines with "= -1 E"
//	exits:     grep -c '+++ exited' (no '+++ killed' in either log)
//	buffered:  children whose first line precedes their creator's clone return
//	mmap:      successful mmap calls + one stack per exec + brk growths
//	munmap:    successful munmap calls + brk shrinks
//	mprotect:  successful mprotect calls
//
// brk growths and shrinks were counted with a short script that follows
// each pid's brk results, rounded up to pages.
type realLog struct {
	file  string
	stats Stats // the fields compared: see check
	ops   map[string]int
}

var realLogs = []realLog{
	{
		file: "trace_make_y.txt.gz",
		stats: Stats{Tasks: 68, Processes: 68, Forks: 0, Vforks: 67, Threads: 0, Execs: 68, Exits: 68,
			Failed: 210, Buffered: 67, OutOfRange: 0, Approximated: 0},
		ops: map[string]int{"exec": 68, "fork": 0, "exit": 68, "mmap": 2346 + 68 + 530, "munmap": 138 + 62, "mprotect": 505},
	},
	{
		file: "trace_shloop_y.txt.gz",
		stats: Stats{Tasks: 402, Processes: 402, Forks: 401, Vforks: 0, Threads: 0, Execs: 202, Exits: 402,
			Failed: 0, Buffered: 0, OutOfRange: 0, Approximated: 0},
		ops: map[string]int{"exec": 202, "fork": 401, "exit": 402, "mmap": 4246 + 202 + 202, "munmap": 202, "mprotect": 607},
	},
	{
		// Captured here with scripts/capture-strace.sh from a Python
		// program: two threads (one reallocs a big buffer: mremap), a
		// subprocess (vfork, failed execs along PATH, exec), a fork.
		file: "python_threads_y.txt.gz",
		stats: Stats{Tasks: 5, Processes: 3, Forks: 1, Vforks: 1, Threads: 2, Execs: 2, Exits: 3,
			Failed: 10, Buffered: 1, OutOfRange: 0, Approximated: 0},
		ops: map[string]int{"exec": 2, "fork": 1, "exit": 3, "mmap": 110 + 2 + 21, "munmap": 15 + 4, "mprotect": 30, "mremap": 1},
	},
}

func (want realLog) check(t *testing.T, st Stats, tr []byte) {
	t.Helper()
	got := Stats{Tasks: st.Tasks, Processes: st.Processes, Forks: st.Forks, Vforks: st.Vforks, Threads: st.Threads,
		Execs: st.Execs, Exits: st.Exits, Failed: st.Failed, Buffered: st.Buffered, OutOfRange: st.OutOfRange,
		Approximated: st.Approximated}
	if got != want.stats {
		t.Errorf("%s: stats\n%+v\nwant\n%+v", want.file, got, want.stats)
	}
	ops := map[string]int{}
	for _, l := range strings.Split(string(tr), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && !strings.HasPrefix(l, "#") {
			ops[f[1]]++
		}
	}
	for op, n := range want.ops {
		if ops[op] != n {
			t.Errorf("%s: %d %s events, want %d", want.file, ops[op], op, n)
		}
	}
	if ops["touch"] != st.Touches {
		t.Errorf("%s: %d touch events, stats say %d", want.file, ops["touch"], st.Touches)
	}
}

// TestRealLogs imports the two logs of real programs and replays the
// traces under every registered strategy with the oracle on.
func TestRealLogs(t *testing.T) {
	for _, want := range realLogs {
		t.Run(want.file, func(t *testing.T) {
			tr, st := importBytes(t, want.file, readTestdata(t, want.file), Options{})
			want.check(t, st, tr)
			if st.Touches == 0 {
				t.Errorf("the known policy made no touches")
			}
			replayEvery(t, want.file, tr)
		})
	}
}

// TestRealLogsOtherPolicies checks that the other policies change only the
// touches, and that their traces replay (under one strategy, to keep the
// test short).
func TestRealLogsOtherPolicies(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	st := strategies.All()[0]
	idx, err := strategies.Index(st.DefaultIndex)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range realLogs {
		for _, opts := range []Options{{Touch: TouchNone}, {Touch: TouchAll}, {Touch: TouchFraction, Fraction: 0.25, Seed: 3}} {
			t.Run(want.file+"/"+opts.Touch.String(), func(t *testing.T) {
				tr, stats := importBytes(t, want.file, readTestdata(t, want.file), opts)
				want.check(t, stats, tr)
				if (stats.Touches == 0) != (opts.Touch == TouchNone) {
					t.Errorf("%d touches under policy %v", stats.Touches, opts.Touch)
				}
				m := core.NewMachine(core.Config{Seed: 1, NewIndex: idx.New, Verify: true}, st.New)
				if err := replay(m, want.file, tr, 32); err != nil {
					t.Errorf("strategy %s: %v", st.Name, err)
				}
			})
		}
	}
}

// TestDeterministic: the same log and options give the same trace.
func TestDeterministic(t *testing.T) {
	log := readTestdata(t, "trace_make_y.txt.gz")
	opts := Options{Touch: TouchFraction, Fraction: 0.5, Seed: 42}
	a, _ := importBytes(t, "a", log, opts)
	b, _ := importBytes(t, "a", log, opts)
	if string(a) != string(b) {
		t.Error("two imports of the same log differ")
	}
	opts.Seed = 43
	if c, _ := importBytes(t, "a", log, opts); string(c) == string(a) {
		t.Error("a different seed gave the same trace")
	}
}
