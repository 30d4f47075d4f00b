package strace_test

import (
	"fmt"
	"os"
	"strings"

	"rmapbench/workloads/strace"
	"rmapbench/workloads/trace"
)

// A shell vforks a child that execs ls: no fork event (vfork copies no page
// tables), the child appears as a new process at its exec, and the known
// policy writes the heap as brk grows it.
func ExampleImport() {
	log := `100 1.000 execve("/bin/sh", ["sh", "-c", "ls"], 0x7ffc0000 /* 9 vars */) = 0
100 1.001 brk(NULL) = 0x555555554000
100 1.002 brk(0x555555575000) = 0x555555575000
100 1.003 vfork( <unfinished ...>
101 1.004 execve("/bin/ls", ["ls"], 0x555555560000 /* 9 vars */ <unfinished ...>
100 1.005 <... vfork resumed>) = 101
101 1.006 <... execve resumed>) = 0
101 1.007 exit_group(0) = ?
101 1.008 +++ exited with 0 +++
100 1.009 +++ exited with 0 +++
`
	w := trace.NewWriter(os.Stdout)
	stats, err := strace.Import(strings.NewReader(log), "sh.log", w, strace.Options{NoStack: true, NoComments: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d processes, %d vforks, %d execs, %d exits\n", stats.Processes, stats.Vforks, stats.Execs, stats.Exits)
	// Output:
	// rmaptrace 1
	// 100 exec
	// 100 mmap 0x555555554000 0x21000 rw- private anon
	// 100 touch 0x555555554000 0x21000 w
	// 101 exec
	// 101 exit
	// 100 exit
	// 2 processes, 1 vforks, 2 execs, 2 exits
}
