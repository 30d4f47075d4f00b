package strace

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/workloads/trace"
)

// FuzzImport: no input makes Import panic; an input it rejects gets an
// *Error naming a line; an input it accepts gives a trace that reads back
// and replays without error (every event valid) under one strategy, with
// the oracle on at the end. The seed corpus in testdata/fuzz/FuzzImport
// holds pieces of the real logs and of the tricky cases.
//
// Each execution must stay cheap, a millisecond or so for the largest
// seeds: the fuzzer minimizes every new interesting input by running it
// thousands of times without counting those runs, so a slow execution
// shows as a throughput stuck at 0/sec. The replay therefore runs under
// anonvma-avc, whose walks are cheap (pagescan's scan every page table),
// and runs the oracle once, at the end.
func FuzzImport(f *testing.F) {
	f.Add([]byte(logOf(execSh, forkTo+"101", "101 1.2 "+anon8k+") = 0x7f0000000000")), uint8(0), uint64(1))
	st, idx := fuzzStrategy(f)
	f.Fuzz(func(t *testing.T, log []byte, policy uint8, seed uint64) {
		opts := Options{
			Touch:    TouchPolicy(policy % 4),
			Fraction: 0.5,
			Seed:     seed,
			// Keep the replay quick whatever sizes the input maps.
			MaxTouchBytes: 64 << 10,
			NoStack:       policy&4 != 0,
		}
		var out bytes.Buffer
		stats, err := Import(bytes.NewReader(log), "fuzz.log", trace.NewWriter(&out), opts)
		if err != nil {
			var ie *Error
			if !errors.As(err, &ie) || ie.Line < 1 || ie.File != "fuzz.log" {
				t.Fatalf("error %v is not an *Error naming a line of fuzz.log", err)
			}
			return
		}
		m := core.NewMachine(core.Config{Seed: 1, NewIndex: idx.New, Verify: true}, st.New)
		if err := replay(m, "fuzz.trace", out.Bytes(), 0); err != nil {
			t.Fatalf("the trace of an accepted log does not replay: %v\nstats %v\ntrace:\n%s", err, stats, out.Bytes())
		}
	})
}

// FuzzImportGenerated turns the fuzz bytes into a plausible strace log
// (calls on a few colliding addresses by several tasks, split into
// unfinished and resumed halves, clones of every kind, execs, exits) and
// checks that Import accepts it and that the trace replays without error.
// Random bytes rarely form such logs, so this target reaches the model's
// corners (mremap of merged ranges, threads exec'ing, vfork children
// mapping) that FuzzImport reaches only by chance.
func FuzzImportGenerated(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"), uint8(0))
	f.Add([]byte("\x07\x17\x27\x37\x00\x10\x20\x30\x0b\x1b\x2b\x3b\x05\x15\x25\x35\x09\x19"), uint8(2))
	f.Add([]byte("\x0c\x1c\x2c\x0d\x1d\x2d\x01\x11\x21\x0e\x1e\x0f\x1f\x08\x18\x28\x38"), uint8(3))
	st, idx := fuzzStrategy(f)
	f.Fuzz(func(t *testing.T, data []byte, policy uint8) {
		log := generateLog(data)
		opts := Options{Touch: TouchPolicy(policy % 4), Fraction: 0.5, Seed: uint64(policy), MaxTouchBytes: 64 << 10}
		var out bytes.Buffer
		stats, err := Import(bytes.NewReader([]byte(log)), "gen.log", trace.NewWriter(&out), opts)
		if err != nil {
			t.Fatalf("Import of a generated log: %v\nlog:\n%s", err, log)
		}
		m := core.NewMachine(core.Config{Seed: 1, NewIndex: idx.New, Verify: true}, st.New)
		if err := replay(m, "gen.trace", out.Bytes(), 32); err != nil {
			t.Fatalf("replay: %v\nstats %v\nlog:\n%s\ntrace:\n%s", err, stats, log, out.Bytes())
		}
	})
}

// fuzzStrategy is the strategy the fuzz targets replay under: cheap
// enough per execution to keep the fuzzer's throughput up (see FuzzImport).
func fuzzStrategy(f *testing.F) (core.Strategy, core.IndexKind) {
	sts, err := strategies.Select("anonvma-avc")
	if err != nil {
		f.Fatal(err)
	}
	idx, err := strategies.Index(sts[0].DefaultIndex)
	if err != nil {
		f.Fatal(err)
	}
	return sts[0], idx
}

// generateLog interprets data as a sequence of strace lines.
func generateLog(data []byte) string {
	g := &logGen{data: data, nextTID: 101, tasks: []uint32{100}, pending: map[uint32]string{}}
	g.line(100, `execve("/bin/sh", ["sh"], 0x7ffc0000 /* 1 var */) = 0`)
	for len(g.data) > 0 && g.n < 400 {
		g.step()
	}
	return g.out.String()
}

type logGen struct {
	data    []byte
	out     bytes.Buffer
	n       int
	nextTID uint32
	tasks   []uint32
	pending map[uint32]string // a task's unfinished call: the resumed half to print
}

func (g *logGen) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

func (g *logGen) line(tid uint32, text string) {
	g.n++
	fmt.Fprintf(&g.out, "%d %d.%06d %s\n", tid, 1000+g.n/1000, g.n%1000, text)
}

// call prints a call whole, or, if split, its start now and its end at
// the task's next step.
func (g *logGen) call(tid uint32, start, end string, split bool) {
	if split {
		g.line(tid, start+" <unfinished ...>")
		name := start[:strings.IndexByte(start, '(')]
		g.pending[tid] = "<... " + name + " resumed>" + end
		return
	}
	g.line(tid, start+end)
}

func (g *logGen) addr() uint64   { return 0x7f0000000000 + uint64(g.byte()%24)*pageSize }
func (g *logGen) length() uint64 { return uint64(g.byte()%6+1)*pageSize - uint64(g.byte()%2)*100 }

var genProts = []string{"PROT_NONE", "PROT_READ", "PROT_READ|PROT_WRITE", "PROT_READ|PROT_EXEC", "PROT_WRITE"}

func (g *logGen) step() {
	op := g.byte()
	tid := g.tasks[int(g.byte())%len(g.tasks)]
	if end, ok := g.pending[tid]; ok {
		delete(g.pending, tid)
		g.line(tid, end)
		return
	}
	split := op&0x80 != 0
	prot := genProts[int(op>>4)%len(genProts)]
	switch op % 16 {
	case 0, 1: // anonymous mmap, fixed or not
		a, n := g.addr(), g.length()
		flags := "MAP_PRIVATE|MAP_ANONYMOUS"
		if op&0x10 != 0 {
			flags = "MAP_SHARED|MAP_ANONYMOUS"
		}
		if op%16 == 1 {
			flags += "|MAP_FIXED"
		}
		g.call(tid, fmt.Sprintf("mmap(%#x, %d, %s, %s, -1, 0", a, n, prot, flags), fmt.Sprintf(") = %#x", a), split)
	case 2: // file mmap
		a, n, off := g.addr(), g.length(), uint64(g.byte()%4)*pageSize
		share := "MAP_PRIVATE"
		if op&0x40 != 0 {
			share = "MAP_SHARED"
		}
		g.call(tid, fmt.Sprintf("mmap(NULL, %d, %s, %s, 3</lib/f%d.so>, %#x", n, prot, share, g.byte()%3, off), fmt.Sprintf(") = %#x", a), split)
	case 3:
		g.call(tid, fmt.Sprintf("munmap(%#x, %d", g.addr(), g.length()), ") = 0", split)
	case 4:
		g.call(tid, fmt.Sprintf("mprotect(%#x, %d, %s", g.addr(), g.length(), prot), ") = 0", split)
	case 5: // mremap: maymove, in place or fixed
		old, oldLen, newLen := g.addr(), g.length(), g.length()
		nw := old
		if op&0x10 != 0 {
			nw = g.addr()
		}
		flags := "MREMAP_MAYMOVE"
		if op&0x20 != 0 {
			flags += "|MREMAP_FIXED"
		}
		if op&0x40 != 0 {
			oldLen = 0
		}
		g.call(tid, fmt.Sprintf("mremap(%#x, %d, %d, %s, %#x", old, oldLen, newLen, flags, nw), fmt.Sprintf(") = %#x", nw), split)
	case 6:
		if op&0x10 != 0 {
			g.call(tid, "brk(NULL", ") = 0x555555554000", split)
		} else {
			end := 0x555555554000 + uint64(g.byte()%16)*pageSize + uint64(g.byte()%3)*1000
			g.call(tid, fmt.Sprintf("brk(%#x", end), fmt.Sprintf(") = %#x", end), split)
		}
	case 7, 8: // clone of some kind; the child may print before it returns
		child := g.nextTID
		g.nextTID++
		var start string
		switch op >> 4 & 3 {
		case 0:
			start = "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10"
		case 1:
			start = "clone3({flags=CLONE_VM|CLONE_THREAD|CLONE_SIGHAND, exit_signal=0, stack=0x7f0000400000, stack_size=0x7fff00}, 88"
		case 2:
			start = "vfork("
		case 3:
			start = "clone(child_stack=0x7f0000400000, flags=CLONE_VM|SIGCHLD"
		}
		if op%16 == 8 {
			g.line(tid, start+" <unfinished ...>")
			g.tasks = append(g.tasks, child)
			g.line(child, fmt.Sprintf("mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %#x", g.addr()))
			g.line(tid, fmt.Sprintf("<... %s resumed>) = %d", start[:strings.IndexByte(start, '(')], child))
			return
		}
		g.line(tid, fmt.Sprintf("%s) = %d", start, child))
		g.tasks = append(g.tasks, child)
	case 9: // execve, succeeding or not
		if op&0x10 != 0 {
			g.call(tid, `execve("/nope", ["nope"], 0x7ffc0000 /* 1 var */`, ") = -1 ENOENT (No such file or directory)", split)
		} else {
			g.call(tid, `execve("/bin/x", ["x"], 0x7ffc0000 /* 1 var */`, ") = 0", split)
		}
	case 10: // the task ends
		if len(g.tasks) > 1 || op&0x10 != 0 {
			g.line(tid, "+++ exited with 0 +++")
			for i, x := range g.tasks {
				if x == tid {
					g.tasks = append(g.tasks[:i], g.tasks[i+1:]...)
					break
				}
			}
			if len(g.tasks) == 0 {
				g.data = nil
			}
		}
	case 11:
		advice := []string{"MADV_DONTNEED", "MADV_MERGEABLE", "MADV_UNMERGEABLE"}[int(op>>4)%3]
		g.call(tid, fmt.Sprintf("madvise(%#x, %d, %s", g.addr(), g.length(), advice), ") = 0", split)
	case 12:
		g.call(tid, fmt.Sprintf("remap_file_pages(%#x, %d, 0, %d, 0", g.addr(), g.length(), g.byte()%4), ") = 0", split)
	case 13:
		g.line(tid, "--- SIGCHLD {si_signo=SIGCHLD} ---")
	case 14:
		g.call(tid, "wait4(-1, ", "NULL, 0, NULL) = 101", split)
	case 15: // an exec reported under another task of the log (a thread's exec)
		g.line(tid, "<... execve resumed>) = 0")
	}
}
