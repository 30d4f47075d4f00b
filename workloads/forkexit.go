package workloads

import (
	"fmt"
	"math/rand/v2"
)

// forkExit is a shell running commands: the shell forks, the child writes
// a little (copy-on-write), execs a program that maps its text, libc and
// ld.so and writes a heap, then exits; a few commands run at once, every
// fourth child first forks a subshell that exits without exec, and
// reclaim runs now and then. This is the fork/exec/exit load on which
// pte chains cost "close to an order of magnitude" (OLS 2004, section 2):
// every PTE copied at fork and zapped at exit goes through the rmap.
var forkExit = &Generator{
	Name:    "forkexit",
	BenchID: "ForkExit",
	Summary: "a shell forking, exec'ing and exiting commands with libc and heaps, with reclaim: the fork/exec/exit cost of each rmap (OLS 2004)",
	Knobs: []Knob{
		{Name: "procs", ByScale: [3]int64{24, 256, 1024}, Min: 1, Help: "commands run"},
		{Name: "rss", Bytes: true, ByScale: [3]int64{2 * mib, 16 * mib, 64 * mib}, Min: 64 * kib, Help: "the shell's written heap; each command writes a quarter of it"},
		{Name: "running", ByScale: [3]int64{4, 4, 4}, Min: 1, Help: "commands alive at once (Anton Blanchard's test had 10,000 exiting shells)"},
	},
	generate: genForkExit,
}

// Address layout of a process, x86-64 style.
const (
	textBase  = 0x400000
	heapBase  = 0x1000000
	libcBase  = 0x7f1000000000
	libcText  = 2 * mib
	libcData  = 64 * kib
	ldsoBase  = 0x7f1000400000
	ldsoSize  = 256 * kib
	stackTop  = 0x7ffffff00000
	stackSize = 256 * kib
)

// startProgram maps and touches what a dynamically linked program touches
// after exec: its text and ld.so read, libc text partly read, libc data
// written (copy-on-write of a private file mapping), a written heap and
// the top of its stack.
func startProgram(e *emitter, pid uint64, prog string, textPages uint64, heap uint64) {
	e.mmapFile(pid, textBase, textPages*pageSize, rx, false, prog, 0)
	e.touch(pid, textBase, textPages*3/4*pageSize, false)
	e.mmapFile(pid, ldsoBase, ldsoSize, rx, false, "/lib/ld-linux-x86-64.so.2", 0)
	e.touch(pid, ldsoBase, ldsoSize, false)
	e.mmapFile(pid, libcBase, libcText, rx, false, "/lib/libc.so.6", 0)
	e.touch(pid, libcBase, libcText/2, false)
	e.mmapFile(pid, libcBase+libcText, libcData, rw, false, "/lib/libc.so.6", libcText)
	e.touch(pid, libcBase+libcText, 8*pageSize, true)
	if heap > 0 {
		e.mmapAnon(pid, heapBase, heap, rw, false)
		e.touch(pid, heapBase, heap, true)
	}
	e.mmapAnon(pid, stackTop-stackSize, stackSize, rw, false)
	e.touch(pid, stackTop-16*pageSize, 16*pageSize, true)
}

func genForkExit(k Values, seed uint64, e *emitter) {
	procs, heap, running := int(k["procs"]), pages(k["rss"]), int(k["running"])
	rng := rand.New(rand.NewPCG(seed, 0xf0e))
	const shell = 1
	startProgram(e, shell, "/bin/sh", 256, heap)
	var live []uint64
	// A fixed batch: the workload measures fork, exec and exit; the walks
	// are there so that every strategy also pays for its rmap's upkeep.
	const reclaimBatch = 64
	for i := 0; i < procs; i++ {
		child := uint64(1000 + i)
		e.fork(shell, child)
		e.touch(child, heapBase, min(4*pageSize, heap), true)
		e.touch(child, stackTop-2*pageSize, 2*pageSize, true)
		if i%4 == 3 {
			sub := uint64(500000 + i)
			e.fork(child, sub)
			e.touch(sub, stackTop-8*pageSize, 8*pageSize, true)
			e.exit(sub)
		}
		e.exec(child)
		prog := fmt.Sprintf("/usr/bin/cmd%d", rng.IntN(8))
		startProgram(e, child, prog, 32+uint64(rng.IntN(96)), heap/4/pageSize*pageSize)
		live = append(live, child)
		if len(live) > running {
			e.exit(live[0])
			live = live[1:]
		}
		if i%8 == 7 {
			e.reclaim(reclaimBatch)
		}
		if i%32 == 31 {
			e.check()
		}
	}
	for _, pid := range live {
		e.exit(pid)
	}
	e.check()
}
