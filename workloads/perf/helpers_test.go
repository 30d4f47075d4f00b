package perf

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/workloads"
	"rmapbench/workloads/trace"
)

// script builds perf script text line by line, one microsecond apart.
type script struct {
	b  strings.Builder
	us int
}

func (s *script) line(tid int, event, fields string) *script {
	s.us++
	fmt.Fprintf(&s.b, "%16s %6d [%03d] %6d.%06d: %s: %s\n", "prog", tid, tid%4, 100+s.us/1000000, s.us%1000000, event, fields)
	return s
}

func (s *script) enter(tid int, name, args string) *script {
	return s.line(tid, "syscalls:sys_enter_"+name, args)
}

func (s *script) exit(tid int, name string, res int64) *script {
	return s.line(tid, "syscalls:sys_exit_"+name, fmt.Sprintf("0x%x", uint64(res)))
}

// mmap is a whole mmap call: enter, the kernel's record (when path is not
// ""), exit.
func (s *script) mmap(tid int, addr, length uint64, prot, flags int, fd int, off uint64, path string) *script {
	s.enter(tid, "mmap", fmt.Sprintf("addr: 0x%08x, len: 0x%08x, prot: 0x%08x, flags: 0x%08x, fd: 0x%08x, off: 0x%08x",
		0, length, prot, flags, uint32(fd), off))
	if path != "" {
		s.record(tid, addr, length, off, protString(prot, flags&mapShared != 0), path)
	}
	return s.exit(tid, "mmap", int64(addr))
}

func (s *script) record(tid int, start, length, pgoff uint64, prot, path string) *script {
	s.us++
	fmt.Fprintf(&s.b, "%16s %6d [000] %6d.%06d: PERF_RECORD_MMAP2 %d/%d: [0x%x(0x%x) @ 0x%x fe:00 %d 0]: %s %s\n",
		"prog", tid, 100+s.us/1000000, s.us%1000000, tid, tid, start, length, pgoff, len(path), prot, path)
	return s
}

func (s *script) fault(tid int, addr uint64, write bool) *script {
	ec := 4
	if write {
		ec |= 2
	}
	return s.line(tid, "exceptions:page_fault_user", fmt.Sprintf("address=0x%x ip=0x401000 error_code=0x%x", addr, ec))
}

func (s *script) fork(parent, child int) *script {
	return s.line(parent, "sched:sched_process_fork", fmt.Sprintf("comm=prog pid=%d child_comm=prog child_pid=%d", parent, child))
}

// clone is a whole clone call with its fork line.
func (s *script) clone(parent, child int, flags uint64) *script {
	s.enter(parent, "clone", fmt.Sprintf("clone_flags: 0x%08x, newsp: 0x00000000, parent_tidptr: 0x00000000, child_tidptr: 0x00000000, tls: 0x00000000", flags))
	s.fork(parent, child)
	s.exit(parent, "clone", int64(child))
	return s.exit(child, "clone", 0)
}

func (s *script) execLine(tid, oldTid int, file string) *script {
	return s.line(tid, "sched:sched_process_exec", fmt.Sprintf("filename=%s pid=%d old_pid=%d", file, tid, oldTid))
}

func (s *script) taskExit(tid int) *script {
	return s.line(tid, "sched:sched_process_exit", fmt.Sprintf("comm=prog pid=%d prio=120 group_dead=true", tid))
}

// start is the traced command's exec as perf shows it: the kernel's
// mapping records of its program and stack, the exec line, the exit from
// execve without its enter.
func (s *script) start(tid int) *script {
	s.record(tid, 0x7ffffffde000, 0x21000, 0x7ffffffde000, "rw-p", "[stack]")
	s.record(tid, 0x400000, 0x2000, 0, "r-xp", "/bin/prog")
	s.record(tid, 0x402000, 0x1000, 0x2000, "rw-p", "/bin/prog")
	s.record(tid, 0x7fff00000000, 0x2000, 0, "r-xp", "[vdso]")
	s.execLine(tid, tid, "/bin/prog")
	return s.exit(tid, "execve", 0)
}

// protString writes prot as a mapping record does: "rw-p", "r--s".
func protString(prot int, shared bool) string {
	b := []byte("---p")
	if prot&1 != 0 {
		b[0] = 'r'
	}
	if prot&2 != 0 {
		b[1] = 'w'
	}
	if prot&4 != 0 {
		b[2] = 'x'
	}
	if shared {
		b[3] = 's'
	}
	return string(b)
}

func (s *script) String() string { return s.b.String() }

// importText imports text and returns the trace and the stats.
func importText(t testing.TB, text string) (string, Stats) {
	t.Helper()
	var out bytes.Buffer
	st, err := Import(context.Background(), strings.NewReader(text), "test.txt", trace.NewWriter(&out), Options{NoComments: true})
	if err != nil {
		t.Fatalf("Import: %v\ninput:\n%s", err, text)
	}
	return out.String(), st
}

// replay replays the trace tr on m, verifying a rotating sample of sample
// frames after every event, every frame at every check, and at the end.
// Errors name the trace "stdin".
func replay(m *core.Machine, tr []byte, sample int) error {
	r := &workloads.Replayer{M: m, Verify: true, Sample: sample}
	src := &workloads.TraceSource{Path: "-", Stdin: bytes.NewReader(tr)}
	if err := src.Run(r.Apply); err != nil {
		return err
	}
	return m.Verify(0)
}

// replayEvery replays tr under every registered strategy with the oracle
// on, and fails at the first error.
func replayEvery(t *testing.T, tr []byte) {
	t.Helper()
	for _, st := range strategies.All() {
		idx, err := strategies.Index(st.DefaultIndex)
		if err != nil {
			t.Fatalf("%s: index %q: %v", st.Name, st.DefaultIndex, err)
		}
		m := core.NewMachine(core.Config{Seed: 1, NewIndex: idx.New, Verify: true}, st.New)
		if err := replay(m, tr, 32); err != nil {
			t.Errorf("strategy %s: %v", st.Name, err)
		}
	}
}
