package workloads

import "rmapbench/workloads/trace"

// ksm is KSM under reclaim: sharing unrelated processes (guests of a
// host, say) each write the same data into a mergeable anonymous region,
// page i of every one holding the value i; ksmd merges each page's
// copies into KSM pages (two full scans: one to see the pages unchanged,
// one to merge), and a reclaim then unmaps KSM pages through their
// reverse walk (rmap_walk_ksm under the anon_vma strategies: every
// rmap_item of the page). With max_page_sharing (4.13+, default 256) a
// page shared by more processes becomes a chain of dups, each a KSM page
// with at most 256 mappings, so a walk stays bounded whatever the
// sharing; without it (-ksm-max-page-sharing 0, the kernels before) one
// KSM page takes every sharer and its walk grows with them (commit
// 2c653d0ee2ae). Each round the processes write their data again, so
// that every round starts from private pages under every strategy.
var ksmWorkload = &Generator{
	Name:    "ksm",
	BenchID: "KSM",
	Summary: "unrelated processes writing the same pages into mergeable memory, merged by ksmd, reclaimed: KSM walks, max_page_sharing's chains of dups (4.13)",
	Knobs: []Knob{
		{Name: "sharing", ByScale: [3]int64{40, 512, 2048}, Min: 1, Help: "processes sharing each page (max_page_sharing is 256)"},
		{Name: "pages", ByScale: [3]int64{8, 32, 64}, Min: 1, Help: "pages of each process, page i holding the value i"},
		{Name: "rounds", ByScale: [3]int64{1, 2, 4}, Min: 1, Help: "rounds of merging and reclaim"},
	},
	generate: genKSM,
}

const ksmBase = 0x7e0000000000

func genKSM(k Values, seed uint64, e *emitter) {
	procs, n, rounds := uint64(k["sharing"]), uint64(k["pages"]), int(k["rounds"])
	size := n * pageSize
	writeAll := func(pid uint64) {
		for i := uint64(0); i < n; i++ {
			e.write(pid, ksmBase+i*pageSize, pageSize, i)
		}
	}
	for p := uint64(1); p <= procs; p++ {
		e.mmapAnon(p, ksmBase, size, rw, false)
		e.madvise(p, ksmBase, size, trace.AdviceMergeable)
		writeAll(p)
	}
	for r := 0; r < rounds; r++ {
		if r > 0 {
			for p := uint64(1); p <= procs; p++ {
				writeAll(p)
			}
		}
		e.ksm(2 * procs * n)
		e.check()
		// Half the KSM pages (of one dup each, with the limit).
		e.reclaim(max(n/2, 1))
		e.check()
	}
}
