package workloads

import "math/rand/v2"

// reclaimMix is a hot/cold working set under memory pressure: forked
// servers, each a leader that writes a large heap and maps a shared data
// file, and seven workers forked from it. Every worker writes a slice of
// the heap of its own (copy-on-write: a private page on the family's
// anonymous object) and, round after round, reads and writes that slice
// and the hot part of the data file again; the rest of the heap and of
// the file was touched once at start and stays cold. Between rounds
// reclaim takes a fixed share of the cold pages' worth.
//
// It exposes what aging is for and what it costs. An aging policy that
// tells hot pages from cold keeps the hot slices resident and refaults
// little; random victims hit hot pages in proportion and every one comes
// back (refaults). And every page aging looks at is asked "who used you?"
// through the rmap first: a worker's COWed page, mapped once, costs
// anon_vma every VMA of the family and the anon_vma_chain one (vmas per
// ref walk), pte chains one entry.
var reclaimMix = &Generator{
	Name:    "reclaim",
	BenchID: "Reclaim",
	Summary: "forked servers' hot/cold working sets under memory pressure: refaults by aging policy, page_referenced walks of COWed pages",
	Knobs: []Knob{
		{Name: "procs", ByScale: [3]int64{16, 64, 256}, Min: 1, Help: "processes (servers of eight: a leader and seven forked workers)"},
		{Name: "rss", Bytes: true, ByScale: [3]int64{1 * mib, 4 * mib, 16 * mib}, Min: 256 * kib, Help: "each leader's heap"},
		{Name: "rounds", ByScale: [3]int64{4, 8, 16}, Min: 1, Help: "rounds of work and reclaim"},
	},
	generate: genReclaim,
}

func genReclaim(k Values, seed uint64, e *emitter) {
	procs, heap, rounds := uint64(k["procs"]), pages(k["rss"]), uint64(k["rounds"])
	rng := rand.New(rand.NewPCG(seed, 0x7c))
	const (
		family = 8 // a leader and seven workers
		data   = 8 * mib
		hotDat = data / 32 // the data file's hot part, read by everyone
	)
	// Each member's hot slice: a 32nd of the heap, member i's at i/32.
	slice := max(heap/32/pageSize, 4) * pageSize
	hot := func(member uint64) uint64 { return heapBase + member*slice%heap }
	var pids []uint64
	var members []uint64 // member index within the family
	for p := uint64(0); p < procs; p++ {
		pid, member := 1+p, p%family
		if member == 0 {
			startProgram(e, pid, "/usr/sbin/server", 64, heap)
			e.mmapFile(pid, dataBase, data, ro, true, "/var/lib/data", 0)
			e.touch(pid, dataBase, data/4, false)
		} else {
			e.fork(1+p/family*family, pid)
			e.touch(pid, hot(member), slice, true) // COW: the worker's own pages
		}
		pids, members = append(pids, pid), append(members, member)
	}
	// Cold: each leader's heap but its own slice (the workers' slices of
	// it stay mapped, unused, by the others), and the file read at start.
	leaders := (procs + family - 1) / family
	cold := leaders*(heap-slice)/pageSize + (data/4-hotDat)/pageSize
	victims := clampVictims(cold/(rounds+1), 4096)
	for r := uint64(0); r < rounds; r++ {
		for i, pid := range pids {
			base, n := hot(members[i]), slice/pageSize
			e.touch(pid, base, slice, false)
			for j := 0; j < 4; j++ {
				e.touch(pid, base+uint64(rng.IntN(int(n)))*pageSize, pageSize, true)
			}
			e.touch(pid, dataBase+randPage(rng, hotDat)*pageSize, 4*pageSize, false)
		}
		e.reclaim(victims)
		e.check()
	}
}
