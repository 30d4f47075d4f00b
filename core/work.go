package core

// Work per operation: deterministic counters of what the rmap code did,
// attributed to the kind of operation that was running when it did it.
//
//	Fork ──startOp(OpFork)──► m.op = OpFork ──► hooks, walks, allocations
//	  │                                          count into m.work[OpFork]
//	  └─ reclaim nested in it ─► m.op = OpRefWalk / OpWalk for each walk,
//	                             back to OpFork after it
//
// Work outside any operation (a trace's reclaim event between walks, the
// machine's setup) counts in m.work[OpNone]. The counters never depend on
// the host: they are the same on every machine and every run of one seed,
// which is why their units carry assume=exact.
//
// One field per kind of work; each is counted at one place:
//
//	Calls  calls into the strategy's page-level rmap interface:
//	       page_add_*_rmap, page_dup_rmap, page_remove_rmap and their
//	       moves, one per PTE for the per-page interface of every era
//	       before folios (counted by the MMU where it calls the hook).
//	Steps  chain entries, list nodes and tree nodes the strategy read or
//	       wrote: one per Machine.Step (cost.go); inside a reverse walk
//	       the same call counts Walk.Steps.
//	Allocs, Frees  objects of the strategy (pte_chain blocks, anon_vmas,
//	       anon_vma_chains, anonmms) allocated and freed: counted by the
//	       space model (Space.Alloc, Space.Free), which sees every one.
//	PageTouches  struct page rmap fields read or written: one per page
//	       handed to a page-level hook (the pte union or _mapcount it
//	       updates), and one per Machine.TouchPage of a walk.
//	PTEs   PTEs copied (fork) or cleared (zap, unmap, migrate, mremap's
//	       move), counted by the MMU.
//
// With a hardware profile (-hw, cost.go) every step, page touch and PTE
// also goes through the cache model: Misses counts the accesses that
// missed every level, Cycles the modelled cycles of all of them.
type OpWork struct {
	Calls       int64
	Steps       int64
	Allocs      int64
	Frees       int64
	PageTouches int64
	PTEs        int64
	Misses      int64
	Cycles      int64
}

// OpNone is the slot of the work counters for work done outside any operation.
const OpNone = NumOps

// WorkOf returns the work done by operations of kind op so far (op may be
// OpNone).
func (m *Machine) WorkOf(op Op) OpWork { return m.work[op] }

// curWork is the counters of the operation running now.
func (m *Machine) curWork() *OpWork { return &m.work[m.op] }

// enterOp makes op the operation that work is attributed to and returns
// the one it replaces, for leaveOp.
func (m *Machine) enterOp(op Op) Op {
	prev := m.op
	m.op = op
	return prev
}

// leaveOp gives work back to the operation enterOp replaced.
func (m *Machine) leaveOp(prev Op) { m.op = prev }

// rmapCalls counts n calls into the strategy's page-level rmap interface.
func (m *Machine) rmapCalls(n int) { m.curWork().Calls += int64(n) }
