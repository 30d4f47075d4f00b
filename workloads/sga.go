package workloads

import "math/rand/v2"

// sga is the shared memory of a database (Oracle's SGA): one large shared
// segment attached by hundreds of processes, each reading most of it and
// writing a little. With pte chains every page carries one chain entry per
// process: "a 512 MB segment requires approximately 1 MB of kernel
// mapping structures per accessing process" (IBM's SLES 10 design
// document), and on i386 those structures must fit in 896 MiB of lowmem
// (by the same arithmetic, with 4.6 B of pte_chain per mapping on i386, a
// 1 GB SGA in 1,000 processes needs about 1.2 GB of chains). Run it with -arch i386 to see rmap-B
// against that limit.
var sga = &Generator{
	Name:    "sga",
	BenchID: "SGA",
	Summary: "one big shared segment attached by hundreds of processes: pte-chain space, the i386 lowmem case",
	Knobs: []Knob{
		{Name: "procs", ByScale: [3]int64{16, 100, 400}, Min: 1, Help: "processes attaching the segment"},
		{Name: "sga", Bytes: true, ByScale: [3]int64{8 * mib, 64 * mib, 256 * mib}, Min: 64 * kib, Help: "size of the shared segment"},
	},
	generate: genSGA,
}

const sgaBase = 0x7d0000000000

func genSGA(k Values, seed uint64, e *emitter) {
	procs, size := uint64(k["procs"]), pages(k["sga"])
	rng := rand.New(rand.NewPCG(seed, 0x5a))
	for p := uint64(0); p < procs; p++ {
		pid := 1 + p
		startProgram(e, pid, "/opt/db/bin/oracle", 128, 256*kib)
		e.mmapFile(pid, sgaBase, size, rw, true, "/SYSV00000001", 0)
		e.touch(pid, sgaBase, size, false)
		for i := 0; i < 16; i++ {
			e.touch(pid, sgaBase+randPage(rng, size)*pageSize, 4*pageSize, true)
		}
	}
	e.check()
	e.reclaim(clampVictims(size/pageSize/64, 256))
	e.check()
}
