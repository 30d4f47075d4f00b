package workloads

import "fmt"

// pageFault is will-it-scale's page_fault1..4 (tests/page_fault1.c to
// page_fault4.c): each copy maps a 128 MiB region, touches every page of
// it once, unmaps it, and loops.
//
//	variant  test         the region                      the touch
//	1        page_fault1  anonymous, private              write: a new zeroed page
//	2        page_fault2  a file of its own, private      write: a private copy of the file page (COW)
//	3        page_fault3  a file of its own, shared       write: the page-cache page, dirtied
//	4        page_fault4  a file of its own, private      read: the page-cache page
//
// Each copy creates its file (mkstemp, ftruncate to the region's size,
// unlink) before its loop. The copies run at once: the workload
// interleaves their touches 1 MiB at a time. This is the fault path
// every rmap pays on: anon_vma_prepare and page_add_anon_rmap (or a pte
// chain) per new anonymous page, page_add_file_rmap per file page, and
// the removal of each at munmap.
var pageFault = &Generator{
	Name:    "pagefault",
	BenchID: "PageFault",
	Summary: "will-it-scale page_fault1..4: copies mapping, touching and unmapping a region in a loop (anon write, file COW, file shared write, file read)",
	Knobs: []Knob{
		{Name: "variant", Choices: []string{"1", "2", "3", "4"}, Help: "page_faultN: 1 anon private write, 2 file private write (COW), 3 file shared write, 4 file private read"},
		{Name: "procs", ByScale: [3]int64{2, 4, 16}, Min: 1, Help: "copies running at once (will-it-scale -t)"},
		{Name: "size", Bytes: true, ByScale: [3]int64{1 * mib, 128 * mib, 128 * mib}, Min: 64 * kib, Help: "the region (will-it-scale: 128MiB)"},
		{Name: "loops", ByScale: [3]int64{2, 4, 16}, Min: 1, Help: "iterations of each copy"},
		{Name: "reclaim", ByScale: [3]int64{32, 256, 1024}, Min: 0, Help: "pages reclaimed in each iteration while the regions are mapped (0: the test alone)"},
	},
	generate: genPageFault,
}

func genPageFault(k Values, seed uint64, e *emitter) {
	variant := int(k["variant"]) + 1
	procs, size, loops, victims := int(k["procs"]), pages(k["size"]), int(k["loops"]), uint64(k["reclaim"])
	copies := willItScale(e, fmt.Sprintf("page_fault%d", variant), procs)
	write, shared := variant != 4, variant == 3
	const chunk = 1 * mib
	for l := 0; l < loops; l++ {
		for _, c := range copies {
			if variant == 1 {
				e.mmapAnon(c, wisRegion, size, rw, false)
			} else {
				e.mmapFile(c, wisRegion, size, rw, shared, fmt.Sprintf("/tmp/willitscale.%d", c), 0)
			}
		}
		for off := uint64(0); off < size; off += chunk {
			for _, c := range copies {
				e.touch(c, wisRegion+off, min(chunk, size-off), write)
			}
		}
		for i, c := range copies {
			wisCount(e, c, i)
		}
		if victims > 0 {
			e.reclaim(victims)
		}
		for _, c := range copies {
			e.munmap(c, wisRegion, size)
		}
	}
	wisEnd(e, copies)
}
