package workloads

import "fmt"

// mmapChurn is will-it-scale's mmap1 and mmap2 (tests/mmap1.c, mmap2.c):
// each copy maps 128 MiB and unmaps it at once, in a loop, never touching
// it.
//
//	kind  test   the region
//	anon  mmap1  anonymous, private, read-write
//	file  mmap2  a file of its own (mkstemp, ftruncate, unlink), private, read-write
//
// No page is faulted: what is measured is the VMA's own rmap upkeep. An
// anonymous VMA gets no anon_vma until its first fault; a file VMA is
// linked into and out of its file's i_mmap (list, prio tree or interval
// tree) at every iteration. Every 1024 iterations, and at the end, the
// workload reclaims some pages of the runner and the copies (their
// stacks and the results page), the only pages there are.
var mmapChurn = &Generator{
	Name:    "mmapchurn",
	BenchID: "MmapChurn",
	Summary: "will-it-scale mmap1/mmap2: copies mapping and unmapping 128MiB untouched, anonymous or file: the VMA's rmap upkeep alone",
	Knobs: []Knob{
		{Name: "kind", Choices: []string{"anon", "file"}, Help: "mmap1: anonymous; mmap2: a file of its own"},
		{Name: "procs", ByScale: [3]int64{2, 4, 16}, Min: 1, Help: "copies running at once (will-it-scale -t)"},
		{Name: "size", Bytes: true, ByScale: [3]int64{128 * mib, 128 * mib, 128 * mib}, Min: 64 * kib, Help: "the region (will-it-scale: 128MiB)"},
		{Name: "loops", ByScale: [3]int64{64, 4096, 65536}, Min: 1, Help: "iterations of each copy"},
		{Name: "reclaim", ByScale: [3]int64{8, 16, 16}, Min: 0, Help: "pages reclaimed every 1024 iterations and at the end (0: the test alone)"},
	},
	generate: genMmapChurn,
}

func genMmapChurn(k Values, seed uint64, e *emitter) {
	file := k["kind"] == 1
	procs, size, loops, victims := int(k["procs"]), pages(k["size"]), int(k["loops"]), uint64(k["reclaim"])
	test := "mmap1"
	if file {
		test = "mmap2"
	}
	copies := willItScale(e, test, procs)
	for l := 1; l <= loops; l++ {
		for i, c := range copies {
			if file {
				e.mmapFile(c, wisRegion, size, rw, false, fmt.Sprintf("/tmp/willitscale.%d", c), 0)
			} else {
				e.mmapAnon(c, wisRegion, size, rw, false)
			}
			e.munmap(c, wisRegion, size)
			wisCount(e, c, i)
		}
		if victims > 0 && (l%1024 == 0 || l == loops) {
			e.reclaim(victims)
		}
	}
	wisEnd(e, copies)
}
