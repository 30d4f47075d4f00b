package workloads

import "math/rand/v2"

// prefork is a pre-forking server: a parent with a large written heap and
// a read-mostly data file forks many long-lived workers; each worker
// writes a little of the heap (copy-on-write) and serves reads of the
// heap and the file, round after round, while reclaim walks pages that
// every worker shares. Shared anonymous pages mapped by N processes are
// where the strategies differ: pte chains hold N entries per page, an
// anon_vma lists every worker's VMA, anonmm every worker's mm.
var prefork = &Generator{
	Name:    "prefork",
	BenchID: "Prefork",
	Summary: "a server parent with a big heap forks long-lived workers that write a little and read a lot: shared anon pages, COW, many walks",
	Knobs: []Knob{
		{Name: "workers", ByScale: [3]int64{8, 64, 256}, Min: 1, Help: "worker processes"},
		{Name: "rss", Bytes: true, ByScale: [3]int64{4 * mib, 32 * mib, 128 * mib}, Min: 64 * kib, Help: "the parent's written heap"},
	},
	generate: genPrefork,
}

const dataBase = 0x7e0000000000

func genPrefork(k Values, seed uint64, e *emitter) {
	workers, heap := uint64(k["workers"]), pages(k["rss"])
	rng := rand.New(rand.NewPCG(seed, 0xbf))
	const parent = 1
	data := heap / 2 // the data file is half the heap
	startProgram(e, parent, "/usr/sbin/httpd", 512, heap)
	e.mmapFile(parent, dataBase, data, ro, false, "/srv/www/data", 0)
	e.touch(parent, dataBase, data, false)
	for w := uint64(0); w < workers; w++ {
		pid := 100 + w
		e.fork(parent, pid)
		e.touch(pid, stackTop-8*pageSize, 8*pageSize, true)
	}
	const rounds = 4
	for r := 0; r < rounds; r++ {
		for w := uint64(0); w < workers; w++ {
			pid := 100 + w
			// A worker writes 1/64 of the heap in small runs (its
			// session state) and reads a few runs of heap and data.
			for i := uint64(0); i < max(heap/pageSize/64/4, 1); i++ {
				e.touch(pid, heapBase+randPage(rng, heap)*pageSize, 4*pageSize, true)
			}
			for i := 0; i < 8; i++ {
				e.touch(pid, heapBase+randPage(rng, heap)*pageSize, 4*pageSize, false)
				e.touch(pid, dataBase+randPage(rng, data)*pageSize, 4*pageSize, false)
			}
		}
		e.reclaim(clampVictims(heap/pageSize/32, 512))
		e.check()
	}
}

// clampVictims bounds the victims of one reclaim event to [16, most]: the
// walks are what reclaim measures, and a few thousand per run give stable
// per-walk averages, while pagescan's walks, each a scan of every page
// table, would make larger sizes take hours. The bounds lie above what the
// small and default scales ask for.
func clampVictims(n, most uint64) uint64 { return min(max(n, 16), most) }

// pages rounds a byte count down to whole pages (at least one).
func pages(b int64) uint64 { return max(uint64(b)/pageSize, 1) * pageSize }

// randPage returns a page number from which a run of 4 pages fits in size.
func randPage(rng *rand.Rand, size uint64) uint64 {
	n := size / pageSize
	if n <= 4 {
		return 0
	}
	return uint64(rng.IntN(int(n - 4)))
}
