package workloads

import "math/rand/v2"

// reclaimMix is a mixed population under steady memory pressure: families
// of forked processes with private heaps, shared libraries and a shared
// data file, all touching their memory round after round while reclaim
// keeps taking pages away, so every round swaps pages in again and walks
// anonymous and file pages alike. It measures what reverse mapping was
// for: the cost of finding and unmapping pages under pressure.
var reclaimMix = &Generator{
	Name:    "reclaim",
	BenchID: "Reclaim",
	Summary: "a mixed population under steady memory pressure: many walks of anon and file pages, swap-out and swap-in",
	Knobs: []Knob{
		{Name: "procs", ByScale: [3]int64{12, 64, 256}, Min: 1, Help: "processes (in families of four)"},
		{Name: "rss", Bytes: true, ByScale: [3]int64{1 * mib, 4 * mib, 16 * mib}, Min: 64 * kib, Help: "each family's heap"},
		{Name: "rounds", ByScale: [3]int64{4, 8, 16}, Min: 1, Help: "rounds of touching and reclaim"},
	},
	generate: genReclaim,
}

func genReclaim(k Values, seed uint64, e *emitter) {
	procs, heap, rounds := uint64(k["procs"]), pages(k["rss"]), int(k["rounds"])
	rng := rand.New(rand.NewPCG(seed, 0x7c))
	const data = 8 * mib
	var pids []uint64
	for p := uint64(0); p < procs; p++ {
		pid := 1 + p
		if p%4 == 0 {
			startProgram(e, pid, "/usr/bin/worker", 64, heap)
			e.mmapFile(pid, dataBase, data, ro, true, "/var/lib/data", 0)
			e.touch(pid, dataBase, data/4, false)
		} else {
			e.fork(1+p/4*4, pid) // a child of its family's leader
			e.touch(pid, heapBase, heap/4/pageSize*pageSize+pageSize, true)
		}
		pids = append(pids, pid)
	}
	footprint := heap/pageSize*(procs/4+1) + data/pageSize
	for r := 0; r < rounds; r++ {
		e.reclaim(clampVictims(footprint/16, 2048))
		for _, pid := range pids {
			for i := 0; i < 8; i++ {
				e.touch(pid, heapBase+randPage(rng, heap)*pageSize, 4*pageSize, rng.IntN(4) == 0)
				e.touch(pid, dataBase+randPage(rng, data)*pageSize, 4*pageSize, false)
			}
			e.touch(pid, libcBase+randPage(rng, libcText/2)*pageSize, 4*pageSize, false)
		}
		e.check()
	}
}
