package workloads

// mremapAfterFork moves and resizes anonymous memory after fork. With
// anonmm a page's index is its virtual address, so a page shared with a
// child cannot move: mremap forces a copy (counted in mremap-copies), and
// a swapped-out shared page moved by mremap is copied when it is faulted
// back at a clashing address. anon_vma keeps vm_pgoff across mremap and
// copies nothing; pte chains rewrite one entry per moved PTE. Linus
// suggested the copy (LKML "Re: anon_vma RFC2", 2004-03-13); the OLS 2004
// paper doubts that code remaps shared read-only anonymous pages at all.
var mremapAfterFork = &Generator{
	Name:    "mremap",
	BenchID: "MremapAfterFork",
	Summary: "anonymous memory moved and resized after fork, some of it swapped: anonmm's forced copies",
	Knobs: []Knob{
		{Name: "procs", ByScale: [3]int64{4, 16, 64}, Min: 1, Help: "children sharing the parent's buffers"},
		{Name: "rss", Bytes: true, ByScale: [3]int64{1 * mib, 8 * mib, 32 * mib}, Min: 64 * kib, Help: "size of each buffer"},
	},
	generate: genMremap,
}

func genMremap(k Values, seed uint64, e *emitter) {
	procs, size := uint64(k["procs"]), pages(k["rss"])
	const parent = 1
	const bufA, bufB = 0x10000000, 0x20000000
	const moveA, moveB = 0x30000000, 0x40000000
	// Two buffers: A shared with the children when it moves, B moved by
	// the parent after reclaim swapped part of it out.
	e.mmapAnon(parent, bufA, size, rw, false)
	e.touch(parent, bufA, size, true)
	e.mmapAnon(parent, bufB, size, rw, false)
	e.touch(parent, bufB, size, true)
	for c := uint64(0); c < procs; c++ {
		pid := 100 + c
		e.fork(parent, pid)
		e.touch(pid, bufA, size/4/pageSize*pageSize+pageSize, false)
	}
	// The parent grows buffer A by moving it (realloc of a large block).
	e.mremap(parent, bufA, size, moveA, 2*size)
	e.touch(parent, moveA, 2*size, true)
	e.check()
	// Half of B goes to swap, then B moves and grows; the parent and
	// every child fault it back, at the new and the old address.
	e.reclaim(size / pageSize)
	e.mremap(parent, bufB, size, moveB, size+size/2/pageSize*pageSize)
	e.touch(parent, moveB, size, false)
	for c := uint64(0); c < procs; c++ {
		pid := 100 + c
		e.touch(pid, bufB, size, false)
		// Each child moves its own view of A too.
		e.mremap(pid, bufA, size, moveA+(c+1)*4*size, size)
		e.touch(pid, moveA+(c+1)*4*size, size, false)
	}
	e.check()
}
