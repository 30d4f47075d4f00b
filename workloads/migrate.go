package workloads

import "rmapbench/workloads/trace"

// migrateTree is the kernel's rmap selftest, tools/testing/selftests/mm/rmap.c
// (Wei Yang, "selftests/mm: test that rmap behave as expected", v4,
// <20250819080047.10063-3-richard.weiyang@gmail.com>): a page shared by a
// random tree of processes is migrated by one of them, and every other
// must then map the new page (has_same_pfn). The kselftest harness runs
// each test in a child of its own:
//
//	kind  test           the region (one page)
//	anon  migrate.anon   private anonymous, memset by the root: copy-on-write shared by the tree
//	shm   migrate.shm    shm_open("kst_rmap_shm"), shared, memset by the root
//	file  migrate.file   a file "kst_rmap_file" in the working directory, shared, memset by the root
//	ksm   migrate.ksm    private anonymous, mapped and memset by every process of the
//	                     tree (PR_SET_MEMORY_MERGE: mergeable), merged by ksmd into a KSM page
//
// Each test's root first maps the page that tells the pfn (FIXTURE_SETUP:
// shared anonymous), then its region; propagate_children forks the tree:
// every process above the last level draws 1 to MAX_CHILDREN (3)
// children and forks them one after the other, each child drawing from
// its parent's seed plus its index, down to TOTAL_LEVEL (5) levels; the
// worker is the process at a random level on a random path from the
// root. Once a process has forked its children it reads the region
// (access_region), or for ksm maps and fills its own
// (prepare_local_region). When all exist, the worker (for ksm: after
// starting ksmd, two full scans here) migrates the region to another node
// (move_pages with MPOL_MF_MOVE_ALL) and writes the pfn; every other
// process reads it and compares it with its own (has_same_pfn: a read of
// /proc/self/pagemap, no memory access). Then each process waits for its
// children and exits, and the root unmaps both areas (FIXTURE_TEARDOWN).
// KSM merges pages only under the strategies that let it (core/ksm.go);
// under the others the ksm test migrates the worker's own page.
//
// The trace serializes the tree depth first; with -verify the `check`
// after the migration is has_same_pfn, for every process at once (and
// every migration checks it for its page: core/migrate.go). Knobs beyond
// the selftest's: a larger region, several rounds of migration, and
// `reclaim` pages taken after the last round of each test.
var migrateTree = &Generator{
	Name:    "migrate",
	BenchID: "Migrate",
	Summary: "the kernel's rmap selftest: a random fork tree shares anonymous, shmem, file and KSM pages, one process migrates them, every process must map the new page",
	Knobs: []Knob{
		{Name: "kind", Choices: []string{"all", "anon", "shm", "file", "ksm"}, Help: "the selftest's tests migrate.anon, .shm, .file and .ksm in turn, or one of them"},
		{Name: "levels", ByScale: [3]int64{5, 5, 5}, Min: 1, Help: "height of the fork tree (TOTAL_LEVEL: 5)"},
		{Name: "children", ByScale: [3]int64{3, 3, 3}, Min: 1, Help: "most children of a process, each drawing 1 to this many (MAX_CHILDREN: 3)"},
		{Name: "size", Bytes: true, ByScale: [3]int64{4 * kib, 256 * kib, 2 * mib}, Min: 4 * kib, Help: "the region each test maps and migrates (the selftest: one page)"},
		{Name: "rounds", ByScale: [3]int64{1, 4, 16}, Min: 1, Help: "migrations of the region per test (the selftest: 1)"},
		{Name: "reclaim", ByScale: [3]int64{8, 32, 128}, Min: 0, Help: "pages reclaimed after the last round of each test (0: the test alone)"},
	},
	generate: genMigrate,
}

// Addresses of the selftest's areas (where mmap(NULL) puts them: below
// the libraries).
const (
	migRegion = 0x7f0800000000 // data->region
	migPFN    = 0x7f0ff0000000 // data->expected_pfn
)

// migNode is one process of the tree.
type migNode struct {
	pid    uint64
	level  int64
	worker bool   // on the worker's path (is_worker)
	seed   uint64 // its copy of data->rand_seed
	kids   []int
}

// draw is rand_r on a process's seed (a splitmix64 step here: the test
// seeds it with time(NULL), so no particular sequence is the test's).
func (n *migNode) draw(bound int64) int64 {
	n.seed += 0x9e3779b97f4a7c15
	z := n.seed
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return int64((z ^ z>>31) % uint64(bound))
}

func genMigrate(k Values, seed uint64, e *emitter) {
	levels, children, size := k["levels"], k["children"], pages(k["size"])
	rounds, victims := k["rounds"], uint64(k["reclaim"])
	kinds := []int64{1, 2, 3, 4}
	if c := k["kind"]; c >= 1 && c <= 4 {
		kinds = []int64{c}
	}
	const harness = 1
	startProgram(e, harness, "/usr/lib/kselftests/mm/rmap", 48, 64*kib)
	next := uint64(100)
	for _, kind := range kinds {
		root := &migNode{pid: next, level: 1, worker: true, seed: seed*0x100 + uint64(kind)}
		next++
		e.fork(harness, root.pid)
		e.touch(root.pid, stackTop-2*pageSize, 2*pageSize, true)
		// FIXTURE_SETUP: the shared page for the pfn; the worker level
		// (rand() % TOTAL_LEVEL + 1).
		e.mmapAnon(root.pid, migPFN, pageSize, rw, true)
		workerLevel := 1 + root.draw(levels)
		// The test body maps and fills the region; do_prepare is what
		// each process does once it has forked its children.
		prepare := func(pid uint64) { e.touch(pid, migRegion, size, false) } // access_region
		switch kind {
		case 1:
			e.mmapAnon(root.pid, migRegion, size, rw, false)
		case 2:
			e.mmapFile(root.pid, migRegion, size, rw, true, "/dev/shm/kst_rmap_shm", 0)
		case 3:
			e.mmapFile(root.pid, migRegion, size, rw, true, "kst_rmap_file", 0)
		default:
			prepare = func(pid uint64) { // prepare_local_region
				e.mmapAnon(pid, migRegion, size, rw, false)
				e.madvise(pid, migRegion, size, trace.AdviceMergeable)
				e.write(pid, migRegion, size, 0xcf) // memset(region, 0xcf)
			}
		}
		if kind != 4 {
			e.touch(root.pid, migRegion, size, true) // memset
		}
		nodes := migForkTree(e, root, levels, children, prepare, &next)
		worker := nodes[0]
		for _, n := range nodes {
			if n.worker && n.level == workerLevel {
				worker = n
			}
		}
		for range rounds {
			if kind == 4 {
				e.ksm(2 * uint64(len(nodes)) * (size / pageSize)) // ksm_start: two full scans
			}
			e.migrate(worker.pid, migRegion, size)      // move_pages
			e.touch(worker.pid, migPFN, pageSize, true) // *expected_pfn = pfn
			for _, n := range nodes {
				if n != worker {
					e.touch(n.pid, migPFN, pageSize, false) // has_same_pfn
				}
			}
			e.check()
		}
		// Reclaim once the rounds are over, so that every round
		// migrates the whole region: nothing touches it again.
		if victims > 0 {
			e.reclaim(victims)
			e.check()
		}
		migExit(e, nodes, size)
	}
	e.exit(harness)
}

// migForkTree is propagate_children from root: forks depth first, each
// process calling prepare once it has forked its children. It returns the
// processes, the root first.
func migForkTree(e *emitter, root *migNode, levels, children int64, prepare func(pid uint64), next *uint64) []*migNode {
	nodes := []*migNode{root}
	type forking struct {
		node, made, want int
		workerChild      int64
	}
	// begin draws a process's children (none on the last level, which
	// breaks out of the loop before repeat:).
	begin := func(i int) forking {
		n := nodes[i]
		f := forking{node: i, workerChild: -1}
		if n.level < levels {
			f.want = int(1 + n.draw(children))
			if n.worker {
				f.workerChild = n.draw(int64(f.want))
			}
		}
		return f
	}
	stack := []forking{begin(0)}
	for len(stack) > 0 {
		top := len(stack) - 1
		f := &stack[top]
		parent := nodes[f.node]
		if f.made == f.want {
			prepare(parent.pid)
			stack = stack[:top]
			continue
		}
		c := f.made
		f.made++
		child := &migNode{pid: *next, level: parent.level + 1,
			worker: parent.worker && int64(c) == f.workerChild, seed: parent.seed + uint64(c)}
		*next++
		e.fork(parent.pid, child.pid)
		e.touch(child.pid, stackTop-2*pageSize, 2*pageSize, true) // back from fork
		parent.kids = append(parent.kids, len(nodes))
		nodes = append(nodes, child)
		stack = append(stack, begin(len(nodes)-1))
	}
	return nodes
}

// migExit ends the tree: every process waits for its children, then
// exits; the root unmaps the areas first (FIXTURE_TEARDOWN).
func migExit(e *emitter, nodes []*migNode, size uint64) {
	// Post-order without recursion: a tree of 2^40 levels must not
	// exhaust the stack before the budget stops it.
	type exiting struct{ node, kid int }
	stack := []exiting{{node: 0}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		n := nodes[top.node]
		if top.kid < len(n.kids) {
			top.kid++
			stack = append(stack, exiting{node: n.kids[top.kid-1]})
			continue
		}
		if top.node == 0 {
			e.munmap(n.pid, migRegion, size)
			e.munmap(n.pid, migPFN, pageSize)
		}
		e.exit(n.pid)
		stack = stack[:len(stack)-1]
	}
}
