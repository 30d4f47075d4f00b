package core

// Work per operation: deterministic counters of what the rmap code did,
// attributed to the kind of operation that was running when it did it.
//
//	Fork ──startOp(OpFork)──► m.op = OpFork ──► hooks, walks, allocations
//	  │                                          count into m.Work[OpFork]
//	  └─ reclaim nested in it ─► m.op = OpRefWalk / OpWalk for each walk,
//	                             back to OpFork after it
//
// Work outside any operation (a trace's reclaim event between walks, the
// machine's setup) counts in Work[OpNone]. The counters never depend on
// the host: they are the same on every machine and every run of one seed,
// which is why their units carry assume=exact.
//
// One field per kind of work; each is counted at one place:
//
//	Calls  calls into the strategy's page-level rmap interface:
//	       page_add_*_rmap, page_dup_rmap, page_remove_rmap and their
//	       moves, one per PTE for the per-page interface of every era
//	       before folios (counted by the MMU where it calls the hook).
type OpWork struct {
	Calls int64
}

// OpNone is the slot of Machine.Work for work done outside any operation.
const OpNone = NumOps

// Work returns the work done by operations of kind op so far (op may be
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
