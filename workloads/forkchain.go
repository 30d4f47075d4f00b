package workloads

// forkChain is children forking children. First a live chain: every
// process forks the next and stays, each writing one page of every VMA
// (so each level has pages of its own); reclaim then walks pages of the
// root, which every descendant may map, and of the deepest child. The
// chain exits. Then a chain whose parents exit: each generation forks the
// next and exits, so only one process is alive at a time. Under the
// anon_vma_chain every fork adds one chain object per ancestor level per
// VMA; without the 3.19 degree reuse (-avc-reuse=false) the second phase
// leaves an anon_vma per generation behind, with it the count stays
// bounded (commit 7a3ef208e662).
var forkChain = &Generator{
	Name:    "forkchain",
	BenchID: "ForkChain",
	Summary: "children forking children, live and with exiting parents: anon_vma hierarchy growth and the 3.19 degree reuse",
	Knobs: []Knob{
		{Name: "depth", ByScale: [3]int64{16, 100, 400}, Min: 1, Help: "generations of each chain"},
		{Name: "vmas", ByScale: [3]int64{8, 20, 20}, Min: 1, Help: "anonymous VMAs written by the root"},
	},
	generate: genForkChain,
}

func genForkChain(k Values, seed uint64, e *emitter) {
	depth, vmas := uint64(k["depth"]), uint64(k["vmas"])
	const root = 1
	const vmaPages = 4
	// VMAs separated by a one-page gap so that they never merge.
	vmaAddr := func(i uint64) uint64 { return heapBase + i*(vmaPages+1)*pageSize }
	for i := uint64(0); i < vmas; i++ {
		e.mmapAnon(root, vmaAddr(i), vmaPages*pageSize, rw, false)
		e.touch(root, vmaAddr(i), vmaPages*pageSize, true)
	}
	writeOne := func(pid, level uint64) {
		for i := uint64(0); i < vmas; i++ {
			e.touch(pid, vmaAddr(i)+(level%vmaPages)*pageSize, pageSize, true)
		}
	}
	// Phase 1: a live chain.
	parent := uint64(root)
	for d := uint64(1); d <= depth; d++ {
		child := 1000 + d
		e.fork(parent, child)
		writeOne(child, d)
		parent = child
	}
	e.reclaim(vmas * vmaPages)
	e.check()
	for d := depth; d >= 1; d-- {
		e.exit(1000 + d)
	}
	// Phase 2: each generation forks the next and exits.
	parent = root
	for d := uint64(1); d <= depth; d++ {
		child := 100000 + d
		e.fork(parent, child)
		writeOne(child, d)
		if parent != root {
			e.exit(parent)
		}
		parent = child
	}
	e.reclaim(vmas * vmaPages)
	e.check()
}
