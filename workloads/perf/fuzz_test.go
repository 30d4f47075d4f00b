package perf

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/workloads/trace"
)

// FuzzImport: no input makes Import panic; an input it rejects gets an
// *Error naming a line of it; an input it accepts gives a trace that
// replays without error under one strategy with the oracle on. The seeds
// are the start of each recording and the test scripts.
func FuzzImport(f *testing.F) {
	for _, rec := range recordings {
		z, err := gzip.NewReader(bytes.NewReader(readRecording(f, rec.file)))
		if err != nil {
			f.Fatal(err)
		}
		all, _ := io.ReadAll(z)
		lines := strings.SplitAfter(string(all), "\n")
		f.Add([]byte(strings.Join(lines[:min(len(lines), 120)], "")))
	}
	s := &script{}
	s.start(10).mmap(10, heapAddr, 0x2000, 3, anonRW, -1, 0, "//anon").clone(10, 11, cloneFork).fault(11, heapAddr, true)
	f.Add([]byte(s.String()))
	st := strategies.All()[0]
	idx, err := strategies.Index(st.DefaultIndex)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		var out bytes.Buffer
		stats, err := Import(context.Background(), bytes.NewReader(text), "fuzz.txt", trace.NewWriter(&out), Options{})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.File != "fuzz.txt" {
				t.Fatalf("error %v is not an *Error naming a line of fuzz.txt", err)
			}
			return
		}
		if stats.Touches+stats.Uncovered+stats.Special+stats.Denied != stats.Faults {
			t.Fatalf("faults do not add up: %v", stats)
		}
		if replayTooBig(out.Bytes()) {
			return
		}
		m := core.NewMachine(core.Config{Seed: 1, NewIndex: idx.New, Verify: true}, st.New)
		if err := replay(m, out.Bytes(), 32); err != nil {
			t.Fatalf("the trace of an accepted input does not replay: %v\nstats %v\ntrace:\n%s", err, stats, out.Bytes())
		}
	})
}

// replayTooBig reports whether a trace maps or moves ranges too large to
// replay quickly (a fuzzed length can be 2^46): the import is what is
// fuzzed, and mmap itself costs nothing per page, but a fork or exit over
// a huge range does.
func replayTooBig(tr []byte) bool {
	rd := trace.NewReader(bytes.NewReader(tr), "x")
	for {
		ev, err := rd.Next()
		if err != nil {
			return false
		}
		if ev.Len > 1<<32 || ev.NewLen > 1<<32 {
			return true
		}
	}
}

// FuzzImportGenerated turns the fuzz bytes into plausible perf script
// text (calls on a few colliding addresses by several tasks, clones of
// every kind, execs with and without mapping records, faults anywhere,
// lines lost or out of order) and checks that Import accepts it and that
// the trace replays without error. Random bytes rarely form such text, so
// this target reaches the corners of the model that FuzzImport reaches
// only by chance.
func FuzzImportGenerated(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13"))
	f.Add([]byte("\x07\x17\x27\x37\x00\x10\x20\x30\x0b\x1b\x2b\x3b\x05\x15\x25\x35\x09\x19\x04\x44\x14"))
	f.Add([]byte("\x0c\x1c\x2c\x0d\x1d\x2d\x01\x11\x21\x0e\x1e\x0f\x1f\x08\x18\x28\x38\x03\x13\x23\x33"))
	st := strategies.All()[0]
	idx, err := strategies.Index(st.DefaultIndex)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hundred steps reach every corner; longer inputs only slow the
		// fuzzer down (minimizing them takes minutes).
		text := generateText(data[:min(len(data), 200)])
		var out bytes.Buffer
		stats, err := Import(context.Background(), strings.NewReader(text), "gen.txt", trace.NewWriter(&out), Options{})
		if err != nil {
			t.Fatalf("Import of generated text: %v\ntext:\n%s", err, text)
		}
		m := core.NewMachine(core.Config{Seed: 1, NewIndex: idx.New, Verify: true}, st.New)
		if err := replay(m, out.Bytes(), 32); err != nil {
			t.Fatalf("replay: %v\nstats %v\ntext:\n%s\ntrace:\n%s", err, stats, text, out.Bytes())
		}
	})
}

// generateText makes perf script text from fuzz bytes, two bytes per
// step: the first picks a task (of 4) and an action, the second its
// argument.
func generateText(data []byte) string {
	s := &script{}
	tids := []int{10, 11, 12, 13}
	addr := func(b byte) uint64 { return heapAddr + uint64(b%12)*pageSize }
	var lines []string
	flush := func() {
		for _, l := range strings.SplitAfter(s.String(), "\n") {
			if l != "" {
				lines = append(lines, l)
			}
		}
		s.b.Reset()
	}
	s.start(10)
	for i := 0; i+1 < len(data); i += 2 {
		op, arg := data[i], data[i+1]
		tid := tids[op%4]
		n := uint64(1+arg%3) * pageSize
		switch op / 4 % 16 {
		case 0:
			s.mmap(tid, addr(arg), n, int(arg%4), anonRW, -1, 0, "//anon")
		case 1:
			s.mmap(tid, addr(arg), n, 1+int(arg%2)*2, 0x01+int(arg/3%2), 3, uint64(arg%4)*pageSize, fmt.Sprintf("/f%d", arg%3))
		case 2:
			s.enter(tid, "munmap", fmt.Sprintf("addr: 0x%x, len: 0x%x", addr(arg), n))
			s.exit(tid, "munmap", 0)
		case 3:
			s.enter(tid, "mprotect", fmt.Sprintf("start: 0x%x, len: 0x%x, prot: 0x%x", addr(arg), n, arg%8))
			s.exit(tid, "mprotect", 0)
		case 4:
			s.enter(tid, "mremap", fmt.Sprintf("addr: 0x%x, old_len: 0x%x, new_len: 0x%x, flags: 0x%x, new_addr: 0x0", addr(arg), n, n+pageSize*uint64(arg%2), 1+4*uint64(arg/8%2)))
			s.exit(tid, "mremap", int64(addr(arg/2+5)))
		case 5, 6:
			s.fault(tid, addr(arg)+uint64(arg), arg%2 == 0)
		case 7:
			child := tids[arg%4]
			switch arg / 4 % 4 {
			case 0:
				s.clone(tid, child, cloneFork)
			case 1:
				s.clone(tid, child, cloneThr)
			case 2:
				s.enter(tid, "vfork", "").fork(tid, child).exit(child, "vfork", 0)
			case 3:
				s.enter(tid, "clone3", "uargs: 0x1, size: 0x58").fork(tid, child).exit(tid, "clone3", int64(child))
			}
		case 8:
			s.enter(tid, "execve", "filename: 0x1, argv: 0x2, envp: 0x3")
			if arg%2 == 0 {
				s.record(tid, addr(arg), n, 0, "r-xp", "/bin/x")
				s.record(tid, 0x7ffffffde000, 0x21000, 0x7ffffffde000, "rw-p", "[stack]")
			}
			s.execLine(tid, tid, "/bin/x")
			s.exit(tid, "execve", 0)
		case 9:
			s.taskExit(tid)
		case 10:
			s.enter(tid, "brk", "brk: 0x0")
			s.exit(tid, "brk", int64(0x600000+uint64(arg)*pageSize/2))
		case 11:
			s.record(tid, addr(arg), n, uint64(arg%3)*pageSize, []string{"rw-p", "r--s", "---p"}[arg%3], []string{"//anon", "/g", "[vvar]"}[arg/3%3])
		case 12:
			s.fault(tid, 0x7ffffffde000-uint64(arg)*pageSize, true) // below the stack
		case 13:
			s.enter(tid, "madvise", fmt.Sprintf("start: 0x%x, len_in: 0x%x, behavior: 0x%x", addr(arg), n, arg%5))
			s.exit(tid, "madvise", 0)
		case 14:
			s.enter(tid, "openat", "dfd: 0x0, filename: 0x0, flags: 0x80000, mode: 0x0")
			s.exit(tid, "openat", 3)
		case 15:
			// A lost line, or one out of order: drop or swap the last two.
			flush()
			if k := len(lines); k >= 2 {
				if arg%2 == 0 {
					lines = lines[:k-1]
				} else {
					lines[k-1], lines[k-2] = lines[k-2], lines[k-1]
				}
			}
		}
	}
	flush()
	return strings.Join(lines, "")
}
