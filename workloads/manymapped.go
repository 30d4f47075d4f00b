package workloads

import "math/rand/v2"

// manyMapped is a massively mapped file: many processes each map several
// windows of one large file and read them, then reclaim walks its pages.
// A walk of a file page through a linear i_mmap visits every VMA of the
// file — it "rises linearly with the number of times any part of the file
// is mapped" (OLS 2004, section 3.1) — while a prio or interval tree
// visits only the VMAs over the page (rmap 17, HT:41980beada: akpm's and
// mingo's tests of "strikingly poor performance of the i_mmap lists").
var manyMapped = &Generator{
	Name:    "manymapped",
	BenchID: "ManyMapped",
	Summary: "many processes mapping windows of one large file, then reclaim: linear i_mmap against prio/interval trees",
	Knobs: []Knob{
		{Name: "procs", ByScale: [3]int64{32, 256, 1024}, Min: 1, Help: "processes mapping the file"},
		{Name: "windows", ByScale: [3]int64{4, 8, 8}, Min: 1, Help: "windows each process maps"},
		{Name: "file", Bytes: true, ByScale: [3]int64{64 * mib, 256 * mib, 1 << 30}, Min: 1 * mib, Help: "size of the file"},
	},
	generate: genManyMapped,
}

func genManyMapped(k Values, seed uint64, e *emitter) {
	procs, windows, file := uint64(k["procs"]), uint64(k["windows"]), pages(k["file"])
	rng := rand.New(rand.NewPCG(seed, 0x3a))
	const window = 16 * pageSize
	filePages := file / pageSize
	for p := uint64(0); p < procs; p++ {
		pid := 1 + p
		for w := uint64(0); w < windows; w++ {
			addr := dataBase + w*(window+pageSize)
			off := uint64(rng.IntN(int(max(filePages-16, 1)))) * pageSize
			e.mmapFile(pid, addr, window, ro, true, "/data/big.db", off)
			e.touch(pid, addr, window, false)
		}
	}
	for r := 0; r < 4; r++ {
		e.reclaim(clampVictims(procs*windows/2, 1024))
		e.check()
	}
}
