package strace

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"

	"rmapbench/workloads/trace"
)

// events imports log and returns the trace's event lines (no header, no
// comments), after checking that the trace replays under every strategy.
func events(t *testing.T, log string, opts Options) ([]string, Stats) {
	t.Helper()
	tr, st := importBytes(t, "test.log", []byte(log), opts)
	replayEvery(t, "test.log", tr)
	var lines []string
	for _, l := range strings.Split(string(tr), "\n") {
		if l == "" || strings.HasPrefix(l, "#") || l == "rmaptrace 1" {
			continue
		}
		lines = append(lines, l)
	}
	return lines, st
}

// bare: no touches, no stack, no comments: the structural events only.
var bare = Options{Touch: TouchNone, NoStack: true, NoComments: true}

// logOf joins lines, dropping the indentation the table uses.
func logOf(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

const (
	execSh   = `100 1.0 execve("/bin/sh", ["sh"], 0x7ffc0000 /* 1 var */) = 0`
	forkTo   = `100 1.1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = `
	anon8k   = `mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0`
	threadTo = `100 1.1 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f0000bff910, parent_tid=0x7f0000bff910, exit_signal=0, stack=0x7f0000400000, stack_size=0x7fff00, tls=0x7f0000bff640} => {parent_tid=[101]}, 88) = 101`
)

func TestTrickyCases(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  string
		opts Options
		want []string
		// check tests the stats.
		check func(t *testing.T, st Stats)
	}{
		{
			name: "unfinished and resumed interleaved across tasks take effect at the resumed line",
			log: logOf(
				execSh,
				forkTo+"101",
				"100 1.2 "+anon8k+" <unfinished ...>",
				`101 1.3 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3</lib/x.so>, 0 <unfinished ...>`,
				`101 1.4 munmap(0x7f0000200000, 4096 <unfinished ...>`+"", // replaced: a start without an end is dropped
				`101 1.5 <... munmap resumed>) = 0`,
				`100 1.6 <... mmap resumed>) = 0x7f0000000000`,
				`101 1.7 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3</lib/x.so>, 0) = 0x7f0000100000`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 fork 101",
				"101 munmap 0x7f0000200000 0x1000",
				"100 mmap 0x7f0000000000 0x2000 rw- private anon",
				"101 mmap 0x7f0000100000 0x1000 r-- private file /lib/x.so 0x0",
			},
		},
		{
			name: "a fork child's lines before the clone returns are held until it does",
			log: logOf(
				execSh,
				`100 1.1 mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000`,
				`100 1.2 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10 <unfinished ...>`,
				`101 1.3 munmap(0x7f0000000000, 4096) = 0`,
				`101 1.4 exit_group(0) = ?`,
				`101 1.5 +++ exited with 0 +++`,
				`100 1.6 <... clone resumed>) = 101`,
				`100 1.7 munmap(0x7f0000000000, 4096) = 0`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 mmap 0x7f0000000000 0x1000 rw- private anon",
				"100 fork 101",
				"101 munmap 0x7f0000000000 0x1000",
				"101 exit",
				"100 munmap 0x7f0000000000 0x1000",
			},
			check: func(t *testing.T, st Stats) {
				if st.Buffered != 1 || st.Forks != 1 || st.Processes != 2 || st.Exits != 1 {
					t.Errorf("stats %+v: want 1 buffered, 1 fork, 2 processes, 1 exit", st)
				}
			},
		},
		{
			name: "two clones unfinished at once: each child goes to the clone that returns its tid (make -j2)",
			log: logOf(
				`16979 1.0 execve("/usr/bin/make", ["make", "-j2"], 0x7ffe3c3b5050 /* 42 vars */) = 0`,
				`16979 1.1 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7fa81473b000, stack_size=0x9000}, 88 <unfinished ...>`,
				`16980 1.2 execve("/usr/bin/gcc", ["gcc"], 0x55f5d0561160 /* 45 vars */ <unfinished ...>`,
				`16979 1.3 <... clone3 resumed>) = 16980`,
				`16980 1.4 <... execve resumed>) = 0`,
				`16979 1.5 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7fa81473b000, stack_size=0x9000}, 88 <unfinished ...>`,
				`16980 1.6 vfork( <unfinished ...>`,
				`16981 1.7 execve("/usr/bin/gcc", ["gcc"], 0x55f5d0566cf0 /* 45 vars */ <unfinished ...>`,
				`16979 1.8 <... clone3 resumed>) = 16981`,
				`16982 1.9 execve("/usr/lib/gcc/x86_64-linux-gnu/12/cc1", ["cc1"], 0x3b9ebe60 /* 49 vars */ <unfinished ...>`,
				`16981 2.0 <... execve resumed>) = 0`,
				`16981 2.1 brk(NULL <unfinished ...>`,
				`16980 2.2 <... vfork resumed>) = 16982`,
				`16982 2.3 <... execve resumed>) = 0`,
				`16981 2.4 <... brk resumed>) = 0x5275000`,
				`16982 2.5 `+anon8k+`) = 0x7fb0b1d16000`,
			),
			opts: bare,
			want: []string{
				"16979 exec",
				"16980 exec",
				"16981 exec",
				"16982 exec",
				"16982 mmap 0x7fb0b1d16000 0x2000 rw- private anon",
			},
			check: func(t *testing.T, st Stats) {
				if st.Vforks != 3 || st.Forks != 0 || st.Execs != 4 || st.Buffered != 3 {
					t.Errorf("stats %+v: want 3 vforks, 0 forks, 4 execs, 3 buffered", st)
				}
			},
		},
		{
			name: "a thread's calls act on its process, and its exit ends only the thread",
			log: logOf(
				execSh,
				threadTo,
				`101 1.2 mmap(NULL, 134217728, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0) = 0x7e0000000000`,
				`101 1.3 mprotect(0x7e0000000000, 135168, PROT_READ|PROT_WRITE) = 0`,
				`101 1.4 +++ exited with 0 +++`,
				`100 1.5 clone(child_stack=0x7f0000800000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, parent_tid=[102], tls=0x7f0000800640, child_tidptr=0x7f0000800910) = 102`,
				`100 1.6 munmap(0x7e0000000000, 134217728) = 0`,
				`102 1.7 exit(0) = ?`,
				`102 1.8 +++ exited with 0 +++`,
				`100 1.9 exit_group(0) = ?`,
				`100 2.0 +++ exited with 0 +++`,
			),
			opts: Options{NoStack: true, NoComments: true},
			want: []string{
				"100 exec",
				"100 mmap 0x7e0000000000 0x8000000 --- private anon",
				"100 mprotect 0x7e0000000000 0x21000 rw-",
				// MAP_NORESERVE: a reservation, not written.
				"100 munmap 0x7e0000000000 0x8000000",
				"100 exit",
			},
			check: func(t *testing.T, st Stats) {
				if st.Threads != 2 || st.Processes != 1 || st.Exits != 1 || st.Tasks != 3 {
					t.Errorf("stats %+v: want 2 threads, 1 process, 1 exit, 3 tasks", st)
				}
			},
		},
		{
			name: "vfork: the child borrows the parent's memory until its exec makes it a new process",
			log: logOf(
				execSh,
				`100 1.1 vfork( <unfinished ...>`,
				`101 1.2 mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000`,
				`101 1.3 execve("/nope", ["nope"], 0x7ffc0000 /* 1 var */) = -1 ENOENT (No such file or directory)`,
				`101 1.4 execve("/bin/true", ["true"], 0x7ffc0000 /* 1 var */ <unfinished ...>`,
				`100 1.5 <... vfork resumed>) = 101`,
				`101 1.6 <... execve resumed>) = 0`,
				`101 1.7 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3</etc/ld.so.cache>, 0) = 0x7f0000001000`,
				`101 1.8 exit_group(0) = ?`,
				`101 1.9 +++ exited with 0 +++`,
				`100 2.0 vfork() = 102`,
				`102 2.1 exit_group(127) = ?`,
				`102 2.2 +++ exited with 127 +++`,
				`100 2.3 +++ exited with 0 +++`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 mmap 0x7f0000000000 0x1000 rw- private anon",
				"101 exec",
				"101 mmap 0x7f0000001000 0x1000 r-- private file /etc/ld.so.cache 0x0",
				"101 exit",
				"100 exit",
			},
			check: func(t *testing.T, st Stats) {
				if st.Vforks != 2 || st.Forks != 0 || st.Failed != 1 || st.Processes != 2 || st.Exits != 2 {
					t.Errorf("stats %+v: want 2 vforks, 0 forks, 1 failed, 2 processes, 2 exits", st)
				}
			},
		},
		{
			name: "clone with CLONE_VFORK but not CLONE_VM is a vfork too: no fork event",
			log: logOf(
				execSh,
				`100 1.1 clone(child_stack=NULL, flags=CLONE_VFORK|SIGCHLD) = 101`,
				`101 1.2 execve("/bin/true", ["true"], 0x7ffc0000 /* 1 var */) = 0`,
			),
			opts: bare,
			want: []string{"100 exec", "101 exec"},
		},
		{
			name: "touches are made when a call starts, before other tasks' later lines",
			log: logOf(
				execSh,
				forkTo+"101",
				"100 1.2 "+anon8k+") = 0x7f0000000000",
				`100 1.3 munmap(0x7f0000100000, 4096 <unfinished ...>`,
				"101 1.4 "+anon8k+") = 0x7f0000200000",
				`100 1.5 <... munmap resumed>) = 0`,
			),
			opts: Options{NoStack: true, NoComments: true},
			want: []string{
				"100 exec",
				"100 fork 101",
				"100 mmap 0x7f0000000000 0x2000 rw- private anon",
				"100 touch 0x7f0000000000 0x2000 w",
				"101 mmap 0x7f0000200000 0x2000 rw- private anon",
				"100 munmap 0x7f0000100000 0x1000",
				"101 touch 0x7f0000200000 0x2000 w", // at the end of the log
			},
		},
		{
			name: "failed mmap and failed execve change nothing",
			log: logOf(
				execSh,
				`100 1.1 mmap(NULL, 1099511627776, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = -1 ENOMEM (Cannot allocate memory)`,
				`100 1.2 execve("/nope", ["nope"], 0x7ffc0000 /* 1 var */) = -1 ENOENT (No such file or directory)`,
				`100 1.3 `+anon8k+`) = 0x7f0000000000`,
				`100 1.4 clone(child_stack=NULL, flags=SIGCHLD) = -1 EAGAIN (Resource temporarily unavailable)`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 mmap 0x7f0000000000 0x2000 rw- private anon",
			},
			check: func(t *testing.T, st Stats) {
				if st.Failed != 3 || st.Execs != 1 {
					t.Errorf("stats %+v: want 3 failed, 1 exec", st)
				}
			},
		},
		{
			name: "MAP_FIXED over a mapping; touches wait for the next call and come before the RELRO mprotect",
			log: logOf(
				execSh,
				`100 1.1 mmap(NULL, 16384, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3</lib/l.so>, 0) = 0x7f0000000000`,
				`100 1.2 mmap(0x7f0000001000, 8192, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3</lib/l.so>, 0x1000) = 0x7f0000001000`,
				`100 1.3 mmap(0x7f0000003000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3</lib/l.so>, 0x3000) = 0x7f0000003000`,
				`100 1.4 mprotect(0x7f0000003000, 4096, PROT_READ) = 0`,
			),
			opts: Options{NoStack: true, NoComments: true},
			want: []string{
				"100 exec",
				"100 mmap 0x7f0000000000 0x4000 r-- private file /lib/l.so 0x0",
				"100 mmap 0x7f0000001000 0x2000 r-x private file /lib/l.so 0x1000",
				"100 mmap 0x7f0000003000 0x1000 rw- private file /lib/l.so 0x3000",
				"100 touch 0x7f0000000000 0x1000 r",
				"100 touch 0x7f0000001000 0x1000 r",
				"100 touch 0x7f0000003000 0x1000 w",
				"100 mprotect 0x7f0000003000 0x1000 r--",
			},
		},
		{
			name: "brk grows the heap, rounds, shrinks, and a failing brk changes nothing",
			log: logOf(
				execSh,
				`100 1.1 brk(NULL) = 0x555555554000`,
				`100 1.2 brk(0x555555575000) = 0x555555575000`,
				`100 1.3 brk(0x555555580123) = 0x555555580123`,
				`100 1.4 brk(0x555555560000) = 0x555555560000`,
				`100 1.5 brk(0x7ffffff00000) = 0x555555560000`,
				`100 1.6 brk(0x555555540000) = 0x555555540000`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 mmap 0x555555554000 0x21000 rw- private anon",
				"100 mmap 0x555555575000 0xc000 rw- private anon",
				"100 munmap 0x555555560000 0x21000",
				"100 munmap 0x555555554000 0xc000",
			},
		},
		{
			name: "mremap: MAYMOVE, in place, shrink, unknown range, FIXED; grown pages are new",
			log: logOf(
				execSh,
				`100 1.1 mmap(NULL, 135168, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000`,
				`100 1.2 mremap(0x7f0000000000, 135168, 270336, MREMAP_MAYMOVE) = 0x7f0000100000`,
				`100 1.3 mremap(0x7f0000100000, 270336, 540672, MREMAP_MAYMOVE) = 0x7f0000100000`,
				`100 1.4 mremap(0x7f0000100000, 540672, 4000, MREMAP_MAYMOVE) = 0x7f0000100000`,
				`100 1.5 mremap(0x7f0000300000, 4096, 8192, MREMAP_MAYMOVE) = 0x7f0000400000`,
				`100 1.6 mremap(0x7f0000100000, 4096, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x7f0000500000) = 0x7f0000500000`,
			),
			opts: Options{NoStack: true, NoComments: true},
			want: []string{
				"100 exec",
				"100 mmap 0x7f0000000000 0x21000 rw- private anon",
				"100 touch 0x7f0000000000 0x21000 w",
				"100 mremap 0x7f0000000000 0x21000 0x7f0000100000 0x42000",
				"100 touch 0x7f0000121000 0x21000 w",
				"100 mremap 0x7f0000100000 0x42000 0x7f0000100000 0x84000",
				"100 touch 0x7f0000142000 0x42000 w",
				"100 mremap 0x7f0000100000 0x84000 0x7f0000100000 0x1000",
				"100 munmap 0x7f0000300000 0x1000",
				"100 munmap 0x7f0000400000 0x2000",
				"100 mremap 0x7f0000100000 0x1000 0x7f0000500000 0x2000",
				"100 touch 0x7f0000501000 0x1000 w",
			},
			check: func(t *testing.T, st Stats) {
				if st.Approximated != 1 {
					t.Errorf("stats %+v: want 1 approximated", st)
				}
			},
		},
		{
			name: "mremap of a range pieced together from two mmaps becomes munmap and mmap",
			log: logOf(
				execSh,
				`100 1.1 mmap(0x7f0000000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000`,
				`100 1.2 mmap(0x7f0000001000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000001000`,
				`100 1.3 mremap(0x7f0000000000, 8192, 16384, MREMAP_MAYMOVE) = 0x7f0000100000`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 mmap 0x7f0000000000 0x1000 rw- private anon",
				"100 mmap 0x7f0000001000 0x1000 rw- private anon",
				"100 munmap 0x7f0000000000 0x2000",
				"100 mmap 0x7f0000100000 0x4000 rw- private anon",
			},
		},
		{
			name: "a moved mapping does not join its new neighbour; an overlapping move is approximated",
			log: logOf(
				execSh,
				`100 1.1 mmap(0x7f0000000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000`,
				`100 1.2 mmap(0x7f0000100000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000100000`,
				`100 1.3 mremap(0x7f0000100000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED, 0x7f0000001000) = 0x7f0000001000`,
				`100 1.4 mremap(0x7f0000000000, 8192, 12288, MREMAP_MAYMOVE) = 0x7f0000000000`,
				`100 1.5 mmap(0x7f0000010000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7f0000010000`,
				`100 1.6 mremap(0x7f0000010000, 8192, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x7f0000011000) = 0x7f0000011000`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 mmap 0x7f0000000000 0x1000 rw- private anon",
				"100 mmap 0x7f0000100000 0x1000 rw- private anon",
				"100 mremap 0x7f0000100000 0x1000 0x7f0000001000 0x1000",
				"100 munmap 0x7f0000000000 0x2000",
				"100 mmap 0x7f0000000000 0x3000 rw- private anon",
				"100 mmap 0x7f0000010000 0x2000 rw- private anon",
				"100 munmap 0x7f0000010000 0x2000",
				"100 mmap 0x7f0000011000 0x2000 rw- private anon",
			},
			check: func(t *testing.T, st Stats) {
				if st.Approximated != 2 {
					t.Errorf("stats %+v: want 2 approximated", st)
				}
			},
		},
		{
			name: "+++ killed +++ ends a task like an exit",
			log: logOf(
				execSh,
				forkTo+"101",
				`101 1.2 `+anon8k+`) = 0x7f0000000000`,
				`101 1.3 --- SIGKILL {si_signo=SIGKILL, si_code=SI_USER, si_pid=1, si_uid=0} ---`,
				`101 1.4 +++ killed by SIGKILL +++`,
				`100 1.5 --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---`,
				`100 1.6 +++ killed by SIGSEGV (core dumped) +++`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 fork 101",
				"101 mmap 0x7f0000000000 0x2000 rw- private anon",
				"101 exit",
				"100 exit",
			},
		},
		{
			name: "an exec by a thread, reported under the leader's tid, removes the other threads",
			log: logOf(
				execSh,
				threadTo,
				`101 1.2 execve("/bin/x", ["x"], 0x7ffc0000 /* 1 var */ <unfinished ...>`,
				`100 1.3 <... execve resumed>) = 0`,
				`100 1.4 +++ superseded by execve in pid 101 +++`,
				`100 1.5 `+anon8k+`) = 0x7f0000000000`,
				`100 1.6 +++ exited with 0 +++`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 exec",
				"100 mmap 0x7f0000000000 0x2000 rw- private anon",
				"100 exit",
			},
		},
		{
			name: "a reused pid gets a new trace PID",
			log: logOf(
				execSh,
				forkTo+"101",
				`101 1.2 +++ exited with 0 +++`,
				forkTo+"101",
				`101 1.3 exit_group(0) = ?`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 fork 101",
				"101 exit",
				"100 fork 4294967297",
			},
		},
		{
			name: "out-of-range and misaligned calls are skipped",
			log: logOf(
				execSh,
				`100 1.1 munmap(0xffffffffff600000, 4096) = 0`,
				`100 1.2 mprotect(0x7ffffffff000, 8192, PROT_READ) = 0`,
				`100 1.3 munmap(0x7f0000000123, 4096) = 0`,
				`100 1.4 munmap(0x7f0000000000, 0) = 0`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 mprotect 0x7ffffffff000 0x1000 r--",
			},
			check: func(t *testing.T, st Stats) {
				if st.OutOfRange != 4 {
					t.Errorf("stats %+v: want 4 out of range", st)
				}
			},
		},
		{
			name: "file names: -y paths encoded, and without -y one file per mapping sequence",
			log: logOf(
				execSh,
				`100 1.1 mmap(NULL, 4096, PROT_READ, MAP_SHARED, 4</tmp/a b#c (deleted)>, 0) = 0x7f0000200000`,
				`100 1.2 mmap(NULL, 16384, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3, 0) = 0x7f0000000000`,
				`100 1.3 mmap(0x7f0000001000, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x1000) = 0x7f0000001000`,
				`100 1.4 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f0000100000`,
				`100 1.5 mmap2(NULL, 8192, PROT_READ, MAP_PRIVATE, 5</x>, 3) = 0x7f0000300000`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 mmap 0x7f0000200000 0x1000 r-- shared file /tmp/a%20b%23c%20(deleted) 0x0",
				"100 mmap 0x7f0000000000 0x4000 r-- private file file:1 0x0",
				"100 mmap 0x7f0000001000 0x1000 r-x private file file:1 0x1000",
				"100 mmap 0x7f0000100000 0x2000 r-- private file file:2 0x0",
				"100 mmap 0x7f0000300000 0x2000 r-- private file /x 0x3000",
			},
		},
		{
			name: "dontneed, remap_file_pages, other advice",
			log: logOf(
				execSh,
				`100 1.1 mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_SHARED, 3</dev/shm/x>, 0) = 0x7f0000000000`,
				`100 1.2 remap_file_pages(0x7f0000000000, 4096, 0, 3, 0) = 0`,
				`100 1.3 madvise(0x7f0000000000, 8192, MADV_DONTNEED) = 0`,
				`100 1.4 madvise(0x7f0000000000, 8192, MADV_WILLNEED) = 0`,
				`100 1.5 remap_file_pages(0x7f0000100000, 4096, 0, 3, 0) = 0`,
				`100 1.6 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000200000`,
				`100 1.7 madvise(0x7f0000200000, 8000, MADV_MERGEABLE) = 0`,
				`100 1.8 madvise(0x7f0000201000, 4096, 0xd /* MADV_UNMERGEABLE */) = 0`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 mmap 0x7f0000000000 0x4000 rw- shared file /dev/shm/x 0x0",
				"100 remap 0x7f0000000000 0x1000 3",
				"100 dontneed 0x7f0000000000 0x2000",
				"100 mmap 0x7f0000200000 0x2000 rw- private anon",
				"100 madvise 0x7f0000200000 0x2000 mergeable",
				"100 madvise 0x7f0000201000 0x1000 unmergeable",
			},
			check: func(t *testing.T, st Stats) {
				if st.Approximated != 1 {
					t.Errorf("stats %+v: want 1 approximated", st)
				}
			},
		},
		{
			name: "stderr format ([pid N]), no timestamps, a -T duration",
			log: logOf(
				`execve("/bin/sh", ["sh"], 0x7ffc0000 /* 1 var */) = 0 <0.000100>`,
				`clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 7 <0.000050>`,
				`strace: Process 7 attached`,
				`[pid     7] `+anon8k+`) = 0x7f0000000000 <0.000010>`,
				`[pid     7] +++ exited with 0 +++`,
			),
			opts: bare,
			want: []string{
				"0 exec",
				"0 fork 7",
				"7 mmap 0x7f0000000000 0x2000 rw- private anon",
				"7 exit",
			},
		},
		{
			name: "known policy: exec stack and its COW break after fork",
			log: logOf(
				execSh,
				forkTo+"101",
			),
			opts: Options{NoComments: true},
			want: []string{
				"100 exec",
				"100 mmap 0x7ffffffde000 0x21000 rw- private anon",
				"100 touch 0x7fffffffb000 0x4000 w",
				"100 fork 101",
				"100 touch 0x7fffffffb000 0x4000 w",
				"101 touch 0x7fffffffb000 0x4000 w",
			},
		},
		{
			name: "mlock, munlock, mlock2 and mlockall lock what the model has mapped",
			log: logOf(
				execSh,
				`100 1.1 mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000`,
				`100 1.2 mlock(0x7f0000001000, 8192) = 0`,
				`100 1.3 munlock(0x7f0000000000, 16384) = 0`,
				`100 1.4 mlock2(0x7f0000000000, 4096, MLOCK_ONFAULT) = 0`,
				`100 1.5 mlockall(MCL_CURRENT|MCL_FUTURE) = 0`,
				`100 1.6 munlockall() = 0`,
				`100 1.7 mlock(0x7f0000003000, 8192) = 0`,
				`100 1.8 mlock(0x7f0000000000, 4096) = -1 ENOMEM (Cannot allocate memory)`,
				`100 1.9 mlockall(MCL_FUTURE) = 0`,
			),
			opts: bare,
			want: []string{
				"100 exec",
				"100 mmap 0x7f0000000000 0x4000 rw- private anon",
				"100 mlock 0x7f0000001000 0x2000",
				"100 munlock 0x7f0000000000 0x4000",
				"100 mlock 0x7f0000000000 0x1000",
				"100 mlock 0x7f0000000000 0x4000",
				"100 munlock 0x7f0000000000 0x4000",
				"100 mlock 0x7f0000003000 0x1000",
			},
			check: func(t *testing.T, st Stats) {
				// MLOCK_ONFAULT, MCL_FUTURE twice, the range past the mapping.
				if st.Approximated != 4 || st.Failed != 1 {
					t.Errorf("stats %+v: want 4 approximated, 1 failed", st)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st := events(t, tc.log, tc.opts)
			if g, w := strings.Join(got, "\n"), strings.Join(tc.want, "\n"); g != w {
				t.Errorf("events:\n%s\nwant:\n%s", g, w)
			}
			if tc.check != nil {
				tc.check(t, st)
			}
		})
	}
}

func TestPolicies(t *testing.T) {
	log := logOf(
		execSh,
		`100 1.1 mmap(NULL, 40960, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000`,
		`100 1.2 mmap(NULL, 40960, PROT_READ, MAP_PRIVATE, 3</f>, 0) = 0x7f0000100000`,
		`100 1.3 mmap(NULL, 40960, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000200000`,
		`100 1.4 mmap(NULL, 40960, PROT_EXEC, MAP_PRIVATE, 3</f>, 0) = 0x7f0000300000`,
		`100 1.5 mprotect(0x7f0000200000, 8192, PROT_READ) = 0`,
		`100 1.6 munmap(0x7f0000300000, 4096) = 0`,
	)
	touched := func(opts Options) (reads, writes uint64, touches int) {
		opts.NoStack, opts.NoComments = true, true
		got, st := events(t, log, opts)
		for _, l := range got {
			f := strings.Fields(l)
			if f[1] != "touch" {
				continue
			}
			n, _ := parseNumber(f[3])
			if f[4] == "w" {
				writes += n / pageSize
			} else {
				reads += n / pageSize
			}
		}
		if st.Touches == 0 != (reads+writes == 0) {
			t.Errorf("%v: stats say %d touches", opts.Touch, st.Touches)
		}
		return reads, writes, st.Touches
	}
	if r, w, _ := touched(Options{Touch: TouchNone}); r+w != 0 {
		t.Errorf("none touched %d pages", r+w)
	}
	// all: the anon 10 pages written, the file 10 read, the 2 pages made
	// readable read once; PROT_NONE and execute-only never.
	if r, w, _ := touched(Options{Touch: TouchAll}); w != 10 || r != 12 {
		t.Errorf("all: %d read, %d written; want 12, 10", r, w)
	}
	// known: anon written, file read half; anonymous read-only not at all.
	if r, w, _ := touched(Options{Touch: TouchKnown}); w != 10 || r != 5 {
		t.Errorf("known: %d read, %d written; want 5, 10", r, w)
	}
	if r, w, _ := touched(Options{Touch: TouchFraction, Fraction: 1}); w != 10 || r != 12 {
		t.Errorf("fraction 1: %d read, %d written; want 12, 10", r, w)
	}
	if r, w, _ := touched(Options{Touch: TouchFraction, Fraction: 0}); r+w != 0 {
		t.Errorf("fraction 0 touched %d pages", r+w)
	}
	r, w, _ := touched(Options{Touch: TouchFraction, Fraction: 0.5, Seed: 1})
	if r+w == 0 || r+w == 22 {
		t.Errorf("fraction 0.5 touched %d of 22 pages", r+w)
	}
	if r2, w2, _ := touched(Options{Touch: TouchFraction, Fraction: 0.5, Seed: 1}); r2 != r || w2 != w {
		t.Errorf("fraction 0.5 seed 1 is not deterministic: %d+%d then %d+%d", r, w, r2, w2)
	}
	if r, w, _ := touched(Options{Touch: TouchAll, MaxTouchBytes: 8192}); w != 2 || r != 4 {
		t.Errorf("all with MaxTouchBytes 8192: %d read, %d written; want 4, 2", r, w)
	}
}

func TestParseTouchPolicy(t *testing.T) {
	for _, p := range []TouchPolicy{TouchKnown, TouchNone, TouchAll, TouchFraction} {
		got, err := ParseTouchPolicy(p.String())
		if err != nil || got != p {
			t.Errorf("ParseTouchPolicy(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := ParseTouchPolicy("most"); err == nil {
		t.Error("ParseTouchPolicy(most) succeeded")
	}
	var out bytes.Buffer
	if _, err := Import(strings.NewReader(""), "x", trace.NewWriter(&out), Options{Touch: TouchFraction, Fraction: 1.5}); err == nil {
		t.Error("Import with fraction 1.5 succeeded")
	}
}

func TestErrorsNameFileAndLine(t *testing.T) {
	for _, tc := range []struct{ log, want string }{
		{"100 1.0 execve(\"/bin/sh\", [], 0x0) = 0\nhello world\n", "bad.log:2: not an strace line"},
		{"100 mmap(NULL, lots, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n", "bad.log:1: mmap: bad LENGTH \"lots\""},
		{"\n\n100 munmap(0x1000) = 0\n", "bad.log:3: munmap: want arguments ADDR, LENGTH"},
		{"100 brk(NULL) = banana\n", "bad.log:1: brk: cannot parse the result \"banana\""},
		{"100 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0\n", "bad.log:1: mmap: no \") = RESULT\""},
		{"100 +++ exploded +++\n", "bad.log:1: unrecognised +++ line"},
		{"100 1.0 <... mmap resumed) = 0\n", "bad.log:1: \"<... \" without \"NAME resumed>\""},
		{"99999999999 mmap() = 0\n", "bad.log:1: pid \"99999999999\" is out of range"},
	} {
		var out bytes.Buffer
		_, err := Import(strings.NewReader(tc.log), "bad.log", trace.NewWriter(&out), bare)
		var ie *Error
		if !errors.As(err, &ie) {
			t.Errorf("%q: error %v, want an *Error", tc.log, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.want) || ie.File != "bad.log" {
			t.Errorf("%q: error %q, want it to start with %q", tc.log, err, tc.want)
		}
	}
}

func TestGzipIsRecognised(t *testing.T) {
	log := logOf(execSh, "100 1.1 "+anon8k+") = 0x7f0000000000")
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(log))
	zw.Close()
	plain, _ := importBytes(t, "a.log", []byte(log), Options{})
	zipped, _ := importBytes(t, "a.log", z.Bytes(), Options{})
	if !bytes.Equal(plain, zipped) || len(plain) == 0 {
		t.Errorf("gzip import differs from plain:\n%s\n---\n%s", zipped, plain)
	}
}
