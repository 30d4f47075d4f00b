package perf

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"rmapbench/workloads/trace"
)

const (
	anonRW     = 0x22 // MAP_PRIVATE|MAP_ANONYMOUS
	cloneFork  = 0x01200011
	cloneThr   = 0x003d0f00 // pthread's flags with clone: CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|...
	heapAddr   = 0x7f0000000000
	stackBelow = 0x7ffffffde000 - 0x2000
)

// events returns the event lines of a trace, without the header.
func events(tr string) string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(tr), "\n") {
		if l != trace.Header && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestImport(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(s *script)
		want  string
		check func(t *testing.T, st Stats)
	}{
		{
			name: "the traced command's exec maps its program and stack; its faults are touches",
			build: func(s *script) {
				s.start(10)
				s.fault(10, 0x400123, false)
				s.fault(10, 0x402010, true)
				s.fault(10, 0x7fffffffe008, true)
				s.taskExit(10)
			},
			want: `10 exec
10 mmap 0x7ffffffde000 0x21000 rw- private anon
10 mmap 0x400000 0x2000 r-x private file /bin/prog 0x0
10 mmap 0x402000 0x1000 rw- private file /bin/prog 0x2000
10 touch 0x400000 0x1000 r
10 touch 0x402000 0x1000 w
10 touch 0x7fffffffe000 0x1000 w
10 exit`,
			check: func(t *testing.T, st Stats) {
				if st.Faults != 3 || st.Touches != 3 || st.Execs != 1 || st.Mappings != 3 || st.Unmatched != 0 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name: "madvise: MADV_DONTNEED, MADV_MERGEABLE, MADV_UNMERGEABLE; other advice is ignored",
			build: func(s *script) {
				s.start(10)
				s.mmap(10, heapAddr, 0x3000, 3, anonRW, -1, 0, "//anon")
				for _, behavior := range []int{12, 13, 4, 3} {
					s.enter(10, "madvise", fmt.Sprintf("start: 0x7f0000000000, len_in: 0x2000, behavior: 0x%x", behavior))
					s.exit(10, "madvise", 0)
				}
				s.taskExit(10)
			},
			want: `10 exec
10 mmap 0x7ffffffde000 0x21000 rw- private anon
10 mmap 0x400000 0x2000 r-x private file /bin/prog 0x0
10 mmap 0x402000 0x1000 rw- private file /bin/prog 0x2000
10 mmap 0x7f0000000000 0x3000 rw- private anon
10 madvise 0x7f0000000000 0x2000 mergeable
10 madvise 0x7f0000000000 0x2000 unmergeable
10 dontneed 0x7f0000000000 0x2000
10 exit`,
		},
		{
			name: "fork copies; the child's write is a touch of its own; exits",
			build: func(s *script) {
				s.start(10)
				s.mmap(10, heapAddr, 0x3000, 3, anonRW, -1, 0, "//anon")
				s.fault(10, heapAddr+0x10, true)
				s.clone(10, 11, cloneFork)
				s.fault(11, heapAddr+0x20, true)
				s.enter(11, "exit_group", "error_code: 0x00000000")
				s.taskExit(11)
				s.enter(10, "munmap", "addr: 0x7f0000000000, len: 0x00002001")
				s.exit(10, "munmap", 0)
				s.taskExit(10)
			},
			want: `10 exec
10 mmap 0x7ffffffde000 0x21000 rw- private anon
10 mmap 0x400000 0x2000 r-x private file /bin/prog 0x0
10 mmap 0x402000 0x1000 rw- private file /bin/prog 0x2000
10 mmap 0x7f0000000000 0x3000 rw- private anon
10 touch 0x7f0000000000 0x1000 w
10 fork 11
11 touch 0x7f0000000000 0x1000 w
11 exit
10 munmap 0x7f0000000000 0x3000
10 exit`,
			check: func(t *testing.T, st Stats) {
				if st.Forks != 1 || st.Exits != 2 || st.Processes != 2 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name: "a thread (clone with CLONE_THREAD) shares its process's memory; only the last exit ends it",
			build: func(s *script) {
				s.start(10)
				s.mmap(10, heapAddr, 0x2000, 3, anonRW, -1, 0, "//anon")
				s.clone(10, 12, cloneThr)
				s.fault(12, heapAddr+0x1000, true)
				s.taskExit(12)
				s.fault(10, heapAddr, false)
				s.taskExit(10)
			},
			want: `10 exec
10 mmap 0x7ffffffde000 0x21000 rw- private anon
10 mmap 0x400000 0x2000 r-x private file /bin/prog 0x0
10 mmap 0x402000 0x1000 rw- private file /bin/prog 0x2000
10 mmap 0x7f0000000000 0x2000 rw- private anon
10 touch 0x7f0000001000 0x1000 w
10 touch 0x7f0000000000 0x1000 r
10 exit`,
			check: func(t *testing.T, st Stats) {
				if st.Threads != 1 || st.Exits != 1 || st.Tasks != 2 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name: "clone3 is taken as CLONE_VM: the child shares until it execs under a PID of its own",
			build: func(s *script) {
				s.start(10)
				s.mmap(10, heapAddr, 0x1000, 3, anonRW, -1, 0, "//anon")
				s.enter(10, "clone3", "uargs: 0x7ffe041800c0, size: 0x00000058")
				s.fork(10, 13)
				s.fault(13, heapAddr, true)
				s.enter(13, "execve", "filename: 0x55a3dc004017, argv: 0x7ffe04180230, envp: 0x7ffe041803f8")
				s.record(13, 0x7ffffffde000, 0x21000, 0x7ffffffde000, "rw-p", "[stack]")
				s.record(13, 0x500000, 0x1000, 0, "r-xp", "/bin/true")
				s.execLine(13, 13, "/bin/true")
				s.exit(13, "execve", 0)
				s.exit(10, "clone3", 13)
				s.fault(13, 0x500000, false)
				s.taskExit(13)
			},
			want: `10 exec
10 mmap 0x7ffffffde000 0x21000 rw- private anon
10 mmap 0x400000 0x2000 r-x private file /bin/prog 0x0
10 mmap 0x402000 0x1000 rw- private file /bin/prog 0x2000
10 mmap 0x7f0000000000 0x1000 rw- private anon
10 touch 0x7f0000000000 0x1000 w
13 exec
13 mmap 0x7ffffffde000 0x21000 rw- private anon
13 mmap 0x500000 0x1000 r-x private file /bin/true 0x0
13 touch 0x500000 0x1000 r
13 exit`,
			check: func(t *testing.T, st Stats) {
				if st.Clone3 != 1 || st.Forks != 0 || st.Execs != 2 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name: "vfork: the child borrows; without mapping records sched_process_exec applies the exec",
			build: func(s *script) {
				s.start(10)
				s.enter(10, "vfork", "")
				s.fork(10, 14)
				s.exit(14, "vfork", 0)
				s.enter(14, "execve", "filename: 0x1, argv: 0x2, envp: 0x3")
				s.exit(14, "execve", -2) // ENOENT along PATH
				s.enter(14, "execve", "filename: 0x1, argv: 0x2, envp: 0x3")
				s.execLine(14, 14, "/bin/ls")
				s.exit(14, "execve", 0)
				s.exit(10, "vfork", 14)
				s.fault(14, 0x400000, false) // no mapping records: nothing mapped
				s.taskExit(14)
			},
			want: `10 exec
10 mmap 0x7ffffffde000 0x21000 rw- private anon
10 mmap 0x400000 0x2000 r-x private file /bin/prog 0x0
10 mmap 0x402000 0x1000 rw- private file /bin/prog 0x2000
14 exec
14 exit`,
			check: func(t *testing.T, st Stats) {
				if st.Vforks != 1 || st.Failed != 1 || st.Uncovered != 1 || st.Unmatched != 0 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name: "faults no mapping allows are counted and skipped; a stack grows down",
			build: func(s *script) {
				s.start(10)
				s.fault(10, 0x100000, false)              // nothing there
				s.fault(10, 0x400000, true)               // write to r-x
				s.fault(10, 0x7fff00000010, false)        // [vdso]
				s.fault(10, 0xffffffffff600000, false)    // vsyscall
				s.fault(10, stackBelow+8, true)           // two pages below the stack
				s.fault(10, 0x7ffffffde000-(9<<20), true) // past 8 MiB
			},
			want: `10 exec
10 mmap 0x7ffffffde000 0x21000 rw- private anon
10 mmap 0x400000 0x2000 r-x private file /bin/prog 0x0
10 mmap 0x402000 0x1000 rw- private file /bin/prog 0x2000
10 mmap 0x7ffffffdc000 0x2000 rw- private anon
10 touch 0x7ffffffdc000 0x1000 w`,
			check: func(t *testing.T, st Stats) {
				if st.Faults != 6 || st.Touches != 1 || st.Uncovered != 3 || st.Denied != 1 || st.Special != 1 || st.StackGrowth != 1 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name: "file names: the mapping record's path; another inode at the same path; //anon; descriptors",
			build: func(s *script) {
				s.start(10)
				s.mmap(10, 0x7f0000000000, 0x1000, 1, 0x02, 3, 0, "/lib/libc.so.6")
				// A file replaced at the same path: the record's inode differs.
				s.enter(10, "mmap", "addr: 0x00000000, len: 0x00001000, prot: 0x00000001, flags: 0x00000002, fd: 0x00000003, off: 0x00000000")
				s.line(10, "PERF_RECORD_MMAP2 10/10", "[0x7f0000010000(0x1000) @ 0 fe:00 999 0]: r--p /lib/libc.so.6")
				s.exit(10, "mmap", 0x7f0000010000)
				s.mmap(10, 0x7f0000020000, 0x1000, 3, 0x02, 4, 0, "//anon") // /dev/zero private
				s.enter(10, "openat", "dfd: 0xffffff9c, filename: 0x7f70cdcd80b1, flags: 0x00080000, mode: 0x00000000")
				s.exit(10, "openat", 5)
				s.mmap(10, 0x7f0000030000, 0x2000, 1, 0x01, 5, 0x1000, "") // no record: the descriptor's name
				s.mmap(10, 0x7f0000040000, 0x1000, 1, 0x01, 5, 0, "")
				s.mmap(10, 0x7f0000050000, 0x1000, 1, 0x01, 7, 0, "") // never opened
				s.enter(10, "close", "fd: 0x00000005")
				s.exit(10, "close", 0)
				s.enter(10, "openat", "dfd: 0xffffff9c, filename: 0x7f70cdcd80b1, flags: 0x00000000, mode: 0x00000000")
				s.exit(10, "openat", 5)
				s.mmap(10, 0x7f0000060000, 0x1000, 1, 0x01, 5, 0, "")
			},
			want: `10 exec
10 mmap 0x7ffffffde000 0x21000 rw- private anon
10 mmap 0x400000 0x2000 r-x private file /bin/prog 0x0
10 mmap 0x402000 0x1000 rw- private file /bin/prog 0x2000
10 mmap 0x7f0000000000 0x1000 r-- private file /lib/libc.so.6 0x0
10 mmap 0x7f0000010000 0x1000 r-- private file /lib/libc.so.6@fe:00%20999%200 0x0
10 mmap 0x7f0000020000 0x1000 rw- private anon
10 mmap 0x7f0000030000 0x2000 r-- shared file file:1 0x1000
10 mmap 0x7f0000040000 0x1000 r-- shared file file:1 0x0
10 mmap 0x7f0000050000 0x1000 r-- shared file file:2 0x0
10 mmap 0x7f0000060000 0x1000 r-- shared file file:3 0x0`,
		},
		{
			name: "mremap of one mapping moves it; of two merged mmaps it is munmap and mmap; brk",
			build: func(s *script) {
				s.start(10)
				s.mmap(10, heapAddr, 0x2000, 3, anonRW, -1, 0, "//anon")
				s.enter(10, "mremap", "addr: 0x7f0000000000, old_len: 0x00002000, new_len: 0x00004000, flags: 0x00000001, new_addr: 0x00000000")
				s.exit(10, "mremap", 0x7f0000100000)
				s.mmap(10, heapAddr, 0x1000, 3, anonRW, -1, 0, "//anon")
				s.mmap(10, heapAddr+0x1000, 0x1000, 3, anonRW, -1, 0, "//anon")
				s.enter(10, "mremap", "addr: 0x7f0000000000, old_len: 0x00002000, new_len: 0x00002000, flags: 0x00000003, new_addr: 0x7f0000200000")
				s.exit(10, "mremap", 0x7f0000200000)
				s.enter(10, "brk", "brk: 0x00000000")
				s.exit(10, "brk", 0x600000)
				s.enter(10, "brk", "brk: 0x00621000")
				s.exit(10, "brk", 0x621000)
				s.enter(10, "brk", "brk: 0x00611000")
				s.exit(10, "brk", 0x611000)
			},
			want: `10 exec
10 mmap 0x7ffffffde000 0x21000 rw- private anon
10 mmap 0x400000 0x2000 r-x private file /bin/prog 0x0
10 mmap 0x402000 0x1000 rw- private file /bin/prog 0x2000
10 mmap 0x7f0000000000 0x2000 rw- private anon
10 mremap 0x7f0000000000 0x2000 0x7f0000100000 0x4000
10 mmap 0x7f0000000000 0x1000 rw- private anon
10 mmap 0x7f0000001000 0x1000 rw- private anon
10 munmap 0x7f0000000000 0x2000
10 mmap 0x7f0000200000 0x2000 rw- private anon
10 mmap 0x600000 0x21000 rw- private anon
10 munmap 0x611000 0x10000`,
			check: func(t *testing.T, st Stats) {
				if st.Approximated != 1 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name: "lost lines: an exit without its enter, a fork line lost, a tid reused without its exit",
			build: func(s *script) {
				s.start(10)
				s.exit(10, "munmap", 0) // its enter was lost
				// The fork line is lost: the clone's return creates the child.
				s.enter(10, "clone", "clone_flags: 0x01200011, newsp: 0x00000000, parent_tidptr: 0x00000000, child_tidptr: 0x00000000, tls: 0x00000000")
				s.exit(10, "clone", 15)
				s.fault(15, 0x402000, true)
				// 15's exit is lost; a later fork reuses its tid.
				s.clone(10, 15, cloneFork)
				s.fault(15, 0x402000, true)
			},
			want: `10 exec
10 mmap 0x7ffffffde000 0x21000 rw- private anon
10 mmap 0x400000 0x2000 r-x private file /bin/prog 0x0
10 mmap 0x402000 0x1000 rw- private file /bin/prog 0x2000
10 fork 15
15 touch 0x402000 0x1000 w
15 exit
10 fork 4294967297
4294967297 touch 0x402000 0x1000 w`,
			check: func(t *testing.T, st Stats) {
				if st.Unmatched != 1 || st.Forks != 2 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			// The leader's exit came; the exec ends the last thread, 17,
			// and the old memory with it.
			name: "an exec by a thread takes the leader's tid; the other threads end",
			build: func(s *script) {
				s.start(10)
				s.clone(10, 16, cloneThr)
				s.clone(10, 17, cloneThr)
				s.enter(17, "execve", "filename: 0x1, argv: 0x2, envp: 0x3")
				s.taskExit(16)
				s.taskExit(10)
				s.record(10, 0x500000, 0x1000, 0, "r-xp", "/bin/true")
				s.execLine(10, 17, "/bin/true")
				s.exit(10, "execve", 0)
				s.fault(10, 0x500000, false)
				s.taskExit(10)
			},
			want: `10 exec
10 mmap 0x7ffffffde000 0x21000 rw- private anon
10 mmap 0x400000 0x2000 r-x private file /bin/prog 0x0
10 mmap 0x402000 0x1000 rw- private file /bin/prog 0x2000
10 exit
4294967297 exec
4294967297 mmap 0x500000 0x1000 r-x private file /bin/true 0x0
4294967297 touch 0x500000 0x1000 r
4294967297 exit`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{}
			tc.build(s)
			tr, st := importText(t, s.String())
			if got := events(tr); got != tc.want {
				t.Errorf("events:\n%s\nwant:\n%s", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, st)
			}
			replayEvery(t, []byte(tr))
		})
	}
}

// TestImportOrder: lines out of timestamp order take their place; equal
// timestamps keep file order.
func TestImportOrder(t *testing.T) {
	text := `            prog    10 [000]   100.000001: PERF_RECORD_MMAP2 10/10: [0x400000(0x1000) @ 0 fe:00 1 0]: rw-p /bin/prog
            prog    10 [001]   100.000005: exceptions:page_fault_user: address=0x400000 ip=0x0 error_code=0x6
            prog    10 [000]   100.000003: syscalls:sys_enter_mmap: addr: 0x00000000, len: 0x00001000, prot: 0x00000001, flags: 0x00000022, fd: 0xffffffff, off: 0x00000000
            prog    10 [000]   100.000004: syscalls:sys_exit_mmap: 0x500000
            prog    10 [001]   100.000004: exceptions:page_fault_user: address=0x500000 ip=0x0 error_code=0x4
`
	tr, st := importText(t, text)
	want := `10 exec
10 mmap 0x400000 0x1000 rw- private file /bin/prog 0x0
10 mmap 0x500000 0x1000 r-- private anon
10 touch 0x500000 0x1000 r
10 touch 0x400000 0x1000 w`
	if got := events(tr); got != want {
		t.Errorf("events:\n%s\nwant:\n%s", got, want)
	}
	if st.Late != 0 {
		t.Errorf("late %d", st.Late)
	}
}

// TestImportLateLine: a line older than the whole window is taken where
// it comes, and counted.
func TestImportLateLine(t *testing.T) {
	s := &script{}
	s.start(10)
	for i := 0; i < Window+10; i++ {
		s.fault(10, 0x402000, true)
	}
	text := s.String() + "            prog    10 [000]   100.000000: exceptions:page_fault_user: address=0x400000 ip=0x0 error_code=0x4\n"
	_, st := importText(t, text)
	if st.Late != 1 || st.Touches != Window+11 {
		t.Errorf("late %d, touches %d", st.Late, st.Touches)
	}
}

// TestImportErrors: bad input is an *Error naming the file and line.
func TestImportErrors(t *testing.T) {
	good := (&script{}).start(10).String()
	for _, tc := range []struct {
		name, text string
		line       int
		want       string
	}{
		{"not perf", "hello world\n", 1, "not a line of perf script output"},
		{"truncated last line", good + "            prog    10 [000]   100.000100: exceptions:page_fa", 7, "truncated"},
		{"bad argument", good + "prog 10 [000] 100.0001: syscalls:sys_enter_mmap: addr: 0x0, len: zz, prot: 0x1, flags: 0x2, fd: 0x3, off: 0x0\n", 7, "bad len"},
		{"missing argument", good + "prog 10 [000] 100.0001: syscalls:sys_enter_munmap: addr: 0x0\n", 7, "no argument len"},
		{"bad result", good + "prog 10 [000] 100.0001: syscalls:sys_exit_mmap: -12\n", 7, "bad result"},
		{"bad fault", good + "prog 10 [000] 100.0001: exceptions:page_fault_user: address=0xzz ip=0x0 error_code=0x6\n", 7, "bad address"},
		{"bad fork", good + "prog 10 [000] 100.0001: sched:sched_process_fork: comm=prog pid=10 child_comm=prog\n", 7, "no child_pid="},
		{"bad record", good + "prog 10 [000] 100.0001: PERF_RECORD_MMAP2 10/10: [0x400000 @ 0]: r--p /x\n", 7, "no START(LEN)"},
		{"bad protection", good + "prog 10 [000] 100.0001: PERF_RECORD_MMAP2 10/10: [0x400000(0x1000) @ 0 0:0 0 0]: rwqp /x\n", 7, "bad protection"},
		{"huge timestamp", "prog 10 [000] 99999999999999999999.0: sched:sched_process_exit: pid=1\n", 1, "timestamp"},
		{"long line", strings.Repeat("x", MaxLineLength+10) + "\n", 1, "longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Import(context.Background(), strings.NewReader(tc.text), "bad.txt", trace.NewWriter(&out), Options{})
			var e *Error
			if !errors.As(err, &e) || e.File != "bad.txt" || e.Line != tc.line || !strings.Contains(e.Msg, tc.want) {
				t.Fatalf("error %v, want bad.txt:%d: ...%s...", err, tc.line, tc.want)
			}
		})
	}
}

// TestImportBounds: an input that would make the importer hold more
// tasks, mappings or descriptors than a real machine has is an error at
// the line that passes the bound.
func TestImportBounds(t *testing.T) {
	defer func(tasks, pieces, fds int) { maxTasks, maxPieces, maxFDs = tasks, pieces, fds }(maxTasks, maxPieces, maxFDs)
	maxTasks, maxPieces, maxFDs = 3, 5, 2
	for _, tc := range []struct {
		name  string
		build func(s *script)
		line  int
		want  string
	}{
		{"tasks", func(s *script) {
			s.start(10).clone(10, 11, cloneFork).clone(10, 12, cloneFork).clone(10, 13, cloneFork)
		}, 6 + 4 + 4 + 2, "more than 3 live tasks"},
		{"mappings", func(s *script) {
			s.start(10) // 3 mappings
			for i := uint64(0); i < 3; i++ {
				s.mmap(10, heapAddr+2*i*pageSize, pageSize, 3, anonRW, -1, 0, "")
			}
		}, 6 + 3*2, "more than 5 mappings"},
		{"descriptors", func(s *script) {
			s.start(10)
			for fd := 3; fd < 6; fd++ {
				s.enter(10, "openat", "dfd: 0x0, filename: 0x0, flags: 0x0, mode: 0x0").exit(10, "openat", int64(fd))
			}
		}, 6 + 6, "more than 2 open descriptors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{}
			tc.build(s)
			var out bytes.Buffer
			_, err := Import(context.Background(), strings.NewReader(s.String()), "big.txt", trace.NewWriter(&out), Options{})
			var e *Error
			if !errors.As(err, &e) || e.Line != tc.line || !strings.Contains(e.Msg, tc.want) {
				t.Fatalf("error %v, want big.txt:%d: ...%s...", err, tc.line, tc.want)
			}
		})
	}
}

// TestImportTruncatedGzip: gzip data cut short is an error naming a line.
func TestImportTruncatedGzip(t *testing.T) {
	s := &script{}
	s.start(10)
	for i := 0; i < 2000; i++ {
		s.fault(10, 0x402000, true)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(s.String()))
	zw.Close()
	cut := z.Bytes()[:z.Len()/2]
	var out bytes.Buffer
	_, err := Import(context.Background(), bytes.NewReader(cut), "cut.txt.gz", trace.NewWriter(&out), Options{})
	var e *Error
	if !errors.As(err, &e) || e.File != "cut.txt.gz" || e.Line < 1 || !strings.Contains(e.Msg, "truncated") {
		t.Fatalf("error %v, want cut.txt.gz:LINE: ... truncated", err)
	}
	// The whole file imports.
	if _, err := Import(context.Background(), bytes.NewReader(z.Bytes()), "whole.txt.gz", trace.NewWriter(&out), Options{}); err != nil {
		t.Fatal(err)
	}
}

// TestImportCancelled: a cancelled context stops the import.
func TestImportCancelled(t *testing.T) {
	s := &script{}
	s.start(10)
	for i := 0; i < 10000; i++ {
		s.fault(10, 0x402000, true)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	if _, err := Import(ctx, strings.NewReader(s.String()), "x", trace.NewWriter(&out), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// TestParseLineForms: the forms of the line prefix perf script prints.
func TestParseLineForms(t *testing.T) {
	for _, tc := range []struct {
		text string
		tid  uint32
		ts   uint64
	}{
		{"              sh 12495 [001]   486.079822:      sched:sched_process_exit: comm=sh pid=12495 prio=120 group_dead=true", 12495, 486079822000},
		{"Web Content 77 [3] 1.5: sched:sched_process_exit: comm=Web Content pid=77 prio=120", 77, 1500000000},
		{"sh 12495/12496 [001] 486.079822123: sched:sched_process_exit: pid=12496", 12496, 486079822123},
		{"sh 12495 486.079822: sched:sched_process_exit: pid=12495", 12495, 486079822000},
		{"2 12 [000] 3.000001: sched:sched_process_exit: pid=12", 12, 3000001000}, // a numeric comm
	} {
		var r record
		if problem := parseLine(tc.text, &r); problem != "" {
			t.Errorf("%q: %s", tc.text, problem)
			continue
		}
		if r.tid != tc.tid || r.ts != tc.ts || r.kind != kindTaskExit {
			t.Errorf("%q: tid %d ts %d kind %d, want %d %d %d", tc.text, r.tid, r.ts, r.kind, tc.tid, tc.ts, kindTaskExit)
		}
	}
	var r record
	if problem := parseLine("x 1 [0] 1.0: sched:sched_process_exec: filename=/tmp/a pid=3 b pid=5 old_pid=5", &r); problem != "" || r.args[0] != 5 || r.path != "/tmp/a pid=3 b" {
		t.Errorf("exec with pid= in its file name: %q %v %q", problem, r.args, r.path)
	}
}
