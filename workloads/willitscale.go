package workloads

import "fmt"

// will-it-scale (github.com/antonblanchard/will-it-scale) runs one small
// test function in N copies at once and counts the loops they make. Its
// process mode (main.c, the *_processes binaries): the runner maps a
// results area, a shared file of one 128-byte cache line per copy, and
// zeroes it; it forks the copies; each copy runs the test's loop and
// bumps its counter in the shared page after each iteration. The
// pagefault and mmapchurn workloads are its tests page_fault1..4 and
// mmap1/mmap2.

// Addresses of the will-it-scale workloads (x86-64, where mmap(NULL)
// puts them: below the libraries).
const (
	wisResults = 0x7f0ff0000000 // the runner's results area
	wisRegion  = 0x7f0800000000 // each copy's test region
)

// willItScale starts the runner of test and its procs copies, and returns
// the copies' PIDs.
func willItScale(e *emitter, test string, procs int) []uint64 {
	const runner = 1
	startProgram(e, runner, fmt.Sprintf("/usr/lib/will-it-scale/%s_processes", test), 32, 256*kib)
	area := (uint64(procs)*128 + pageSize - 1) &^ (pageSize - 1)
	e.mmapFile(runner, wisResults, area, rw, true, "/tmp/shared_area", 0)
	e.touch(runner, wisResults, area, true) // memset
	copies := make([]uint64, procs)
	for i := range copies {
		c := uint64(100 + i)
		e.fork(runner, c)
		// The copy returns from fork on its stack: copy-on-write.
		e.touch(c, stackTop-2*pageSize, 2*pageSize, true)
		copies[i] = c
	}
	return copies
}

// wisCount is copy i bumping its counter in the results area.
func wisCount(e *emitter, c uint64, i int) {
	e.touch(c, wisResults+uint64(i)*128/pageSize*pageSize, pageSize, true)
}

// wisEnd ends the run: the runner kills the copies and exits.
func wisEnd(e *emitter, copies []uint64) {
	for _, c := range copies {
		e.exit(c)
	}
	e.check()
	e.exit(1)
}
