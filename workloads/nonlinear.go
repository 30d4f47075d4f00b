package workloads

import "math/rand/v2"

// nonlinear is remap_file_pages at work, as databases used it to window a
// large shared file into a small address range: each process maps a
// shared window and rearranges its pages, reads them, and reclaim then
// has to unmap pages whose VMA offsets no longer say where they are. The
// i_mmap cannot find those mappings; -nonlinear chooses what
// try_to_unmap does instead: hugh (clusters of 32 PTEs from a rotating
// cursor) or andrea (every nonlinear PTE of the file until the page is
// gone).
var nonlinear = &Generator{
	Name:    "nonlinear",
	BenchID: "Nonlinear",
	Summary: "remap_file_pages over shared file windows, then reclaim: the hugh and andrea nonlinear policies",
	Knobs: []Knob{
		{Name: "procs", ByScale: [3]int64{8, 64, 256}, Min: 1, Help: "processes mapping a window"},
		{Name: "window", Bytes: true, ByScale: [3]int64{1 * mib, 4 * mib, 16 * mib}, Min: 256 * kib, Help: "size of each window"},
	},
	generate: genNonlinear,
}

func genNonlinear(k Values, seed uint64, e *emitter) {
	procs, window := uint64(k["procs"]), pages(k["window"])
	rng := rand.New(rand.NewPCG(seed, 0x41))
	winPages := window / pageSize
	filePages := 4 * winPages
	for p := uint64(0); p < procs; p++ {
		pid := 1 + p
		e.mmapFile(pid, sgaBase, window, rw, true, "/data/shared.db", 0)
		// Remap runs of 16 pages to random places of the file.
		for run := uint64(0); run+16 <= winPages; run += 16 {
			if rng.IntN(2) == 0 {
				e.remap(pid, sgaBase+run*pageSize, 16*pageSize, uint64(rng.IntN(int(filePages-16))))
			}
		}
		e.touch(pid, sgaBase, window, false)
		e.touch(pid, sgaBase+randPage(rng, window)*pageSize, 4*pageSize, true)
	}
	for r := 0; r < 4; r++ {
		e.reclaim(winPages)
		e.check()
		for p := uint64(0); p < procs; p += 2 {
			e.touch(1+p, sgaBase, window/2/pageSize*pageSize, false)
		}
	}
}
