package core

import "time"

// Op is a kind of timed operation.
type Op int

const (
	OpFork Op = iota
	OpExec
	OpExit
	OpFault
	OpMmap
	OpMunmap
	OpMprotect
	OpMremap
	OpDontNeed
	OpRemap
	OpWalk    // one try_to_unmap walk of reclaim
	OpRefWalk // one page_referenced walk of reclaim's aging
	OpMlock   // mlock and munlock
	OpMadvise // madvise (MADV_MERGEABLE, MADV_UNMERGEABLE)
	OpKsm     // a ksm event: ksmd's scan
	OpMigrate // migrate: its count is the pages moved
	NumOps
)

var opNames = [NumOps]string{"fork", "exec", "exit", "fault", "mmap", "munmap", "mprotect", "mremap", "dontneed", "remap", "walk", "ref-walk", "mlock", "madvise", "ksm", "migrate"}

func (o Op) String() string { return opNames[o] }

// Stats are what the machine measured.
type Stats struct {
	Count [NumOps]int64
	Time  [NumOps]time.Duration

	MremapCopies int64 // pages copied only because a strategy could not move them
	// KSMCopies are pages copied at swap-in because KSM had shared the
	// swapped-out page with mappings the page's own anonymous object
	// does not cover (ksm_might_need_to_copy, ksm.go).
	KSMCopies    int64
	PeakMappings int64 // the most present PTEs mapping real frames at once
	SwapOuts     int64 // anonymous pages written to swap
	SwapIns      int64
	Writebacks   int64 // dirty file pages written before eviction
	Reclaimed    int64 // frames freed by reclaim (pages-reclaimed)
	ReclaimFails int64 // victims left mapped after try_to_unmap

	// Aging (aging.go). RefWalks and UnmapWalks split Walk.Walks by kind;
	// RefWork is the part of Walk's counters spent in page_referenced, and
	// RefOnceWork the part of that spent on anonymous pages mapped once
	// (in a forked server, the pages a child COWed).
	RefWalks       int64
	UnmapWalks     int64
	RefWork        WalkCounters
	RefOnceWork    WalkCounters
	PagesScanned   int64 // pages taken off the inactive list / oldest generation and looked at
	FileRefaults   int64 // faults that read back a file page reclaim had evicted (refault.go)
	PTScanPTEs     int64 // PTE slots read by the multi-gen LRU's page-table aging walk
	LookAroundPTEs int64 // PTE slots read by lru_gen_look_around

	// Migration (migrate.go): pages moved, pages left in place, the
	// try_to_migrate and remove_migration_ptes walks (part of Walk.Walks)
	// and the part of Walk's counters they spent.
	Migrations   int64
	MigrateFails int64
	MigrateWalks int64
	MigrateWork  WalkCounters

	// Large folios (folio.go): folios of more than one page allocated,
	// folios split, and the part of those splits made by the deferred
	// split scan (folios left partially mapped).
	FolioAllocs int64
	FolioSplits int64
	// THPMaps counts the 2 MiB folios faults mapped by a PMD, THPSplits
	// the PMDs split to PTEs (thp.go).
	THPMaps, THPSplits int64
	FolioDeferred      int64
}

// Refaults is faults that brought back a page reclaim had taken: swap-ins
// of anonymous pages and reads of evicted file pages.
func (s *Stats) Refaults() int64 { return s.SwapIns + s.FileRefaults }

// timer measures one operation, leaving out nested reclaim/verification.
// It also makes the operation the one its work is attributed to
// (work.go) until endOp.
type timer struct {
	start  time.Time
	nested time.Duration
	prev   Op
}

func (m *Machine) startOp(op Op) timer {
	return timer{start: time.Now(), nested: m.nested, prev: m.enterOp(op)}
}

func (m *Machine) endOp(t timer, op Op, count int64) {
	m.leaveOp(t.prev)
	d := time.Since(t.start) - (m.nested - t.nested)
	m.Stats.Time[op] += d
	m.Stats.Count[op] += count
}
