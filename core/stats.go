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
	OpMlock   // mlock and munlock
	OpMadvise // madvise (MADV_MERGEABLE, MADV_UNMERGEABLE)
	OpKsm     // a ksm event: ksmd's scan
	NumOps
)

var opNames = [NumOps]string{"fork", "exec", "exit", "fault", "mmap", "munmap", "mprotect", "mremap", "dontneed", "remap", "walk", "mlock", "madvise", "ksm"}

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
	Reclaimed    int64 // frames freed by reclaim
	ReclaimFails int64 // victims left mapped after try_to_unmap
}

// timer measures one operation, leaving out nested reclaim/verification.
type timer struct {
	start  time.Time
	nested time.Duration
}

func (m *Machine) startOp() timer { return timer{start: time.Now(), nested: m.nested} }

func (m *Machine) endOp(t timer, op Op, count int64) {
	d := time.Since(t.start) - (m.nested - t.nested)
	m.Stats.Time[op] += d
	m.Stats.Count[op] += count
}
