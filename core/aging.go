package core

import "fmt"

// Aging: which pages reclaim takes, and the rmap walks that choice costs.
//
// In the kernel the rmap walk that runs most is not try_to_unmap but
// page_referenced (folio_referenced today): every mapped page reclaim
// looks at is first asked "who used you?" through the rmap, which tests
// and clears the accessed bit of every PTE mapping it; only pages found
// unreferenced go on to try_to_unmap. The aging policy (-aging, Config.Aging)
// decides which pages are looked at, so it decides the population every
// walk counter is measured on:
//
//	policy  kernel                     victims                         rmap walks per page looked at
//	random  none (the simulator's old  N frames drawn from the seeded  try_to_unmap only, young PTEs
//	        behaviour, kept to compare) generator                      unmapped too
//	lru     2.6.0 - 2.6.27: one active  the inactive list's tail, the  page_referenced (refill and
//	        and one inactive list per   active list refilling it       shrink_list), then try_to_unmap
//	        zone (lru.go)                                              for the unreferenced
//	mglru   6.1+ multi-gen LRU          the oldest generation; aging   folio_referenced (with look-around)
//	        (mglru.go, mglru_walk.go,   walks page tables, not rmap    for pages no page-table walk or
//	        lookaround.go)                                             look-around promoted, then try_to_unmap
//
// Every policy runs under every strategy: the strategy supplies the walks
// (Rmapper.PageReferenced, Rmapper.TryToUnmap), core the lists and the
// decisions. What reclaim does with a page once chosen (swap it out, write
// it back, drop it) is the same for all policies (reclaim.go).
//
// # Bounded by progress
//
// `reclaim N` (Machine.Reclaim) asks for N pages, and memory running out
// asks for SWAP_CLUSTER_MAX at a time (allocFrame). Either stops early
// when reclaim can make no progress, whatever N is: progress is a page
// freed, an accessed bit or PG_referenced cleared, a PTE unmapped or a
// page deactivated. None of those can be undone while reclaim runs (no
// process touches memory meanwhile) and each lowers a finite quantity
// (2 x young bits + PG_referenced flags + active pages + mapped PTEs +
// frames; an activation always follows a cleared accessed bit), so a
// policy that stops after a few full rounds without progress stops.

// Aging is reclaim's page-aging policy (-aging).
type Aging uint8

const (
	AgingLRU    Aging = iota // the two lists of 2.6 (the default)
	AgingRandom              // seeded random victims
	AgingMGLRU               // the multi-gen LRU of 6.1
)

var agingNames = [...]string{AgingLRU: "lru", AgingRandom: "random", AgingMGLRU: "mglru"}

func (a Aging) String() string { return agingNames[a] }

// AgingNames are the -aging policies, the default first.
func AgingNames() []string { return agingNames[:] }

// ParseAging parses a policy name.
func ParseAging(s string) (Aging, error) {
	for i, name := range agingNames {
		if s == name {
			return Aging(i), nil
		}
	}
	return 0, fmt.Errorf("unknown aging policy %q (valid: lru, random, mglru)", s)
}

// agingState is the machine's reclaim state: the lists, the policy's own
// state, and the bookkeeping every policy shares.
type agingState struct {
	aging Aging
	lists [nLists]lruList
	lru   lruZone
	mg    mglru
	// progress counts reclaim's irreversible steps (see above).
	progress uint64
	// nrMapped is nr_mapped: frames with at least one present PTE.
	nrMapped int
	// unmapYoung is set when try_to_unmap failed on a young PTE
	// (UnmapOneIfOld), which sends the page back to the active list.
	unmapYoung bool
	// refCheck and refSeen record the PTEs a page_referenced walk
	// reported, for its check against the oracle (refcheck.go).
	refCheck  bool
	refAged   bool
	refLocked bool // the ref walk stopped at a VM_LOCKED shared VMA (ReferencedLocked)
	refSeen   []Mapping
	// seq counts reclaims started (ReclaimSeq).
	seq uint64
	// batch is reused for the pages isolated from a list.
	batch []FrameID
	// shadows are the evicted file pages (refault.go).
	shadows map[shadowKey]struct{}
}

func (s *agingState) init(a Aging) {
	s.aging = a
	s.lru.init()
	s.mg.init()
}

// lruAdd puts a page that a fault just brought in on the reclaim lists:
// lru_cache_add_active for anonymous pages and swap-ins, lru_cache_add
// (inactive) for page-cache pages read in, as 2.6's faults did; the
// youngest generation under the multi-gen LRU, where folio_add_lru marks
// every folio added in a fault active (6.1 mm/swap.c).
func (m *Machine) lruAdd(f FrameID, active bool) {
	switch m.rs.aging {
	case AgingLRU:
		m.lruAddTwoList(f, active)
	case AgingMGLRU:
		m.mgAdd(f)
	}
}

// lruForget takes a frame being freed off its list.
func (m *Machine) lruForget(f FrameID) {
	fr := &m.pm.frames[f]
	if fr.lru != 0 {
		m.lruDel(f)
	}
	if fr.gen != 0 {
		m.mgForget(f)
	}
}

// mapCountUp and mapCountDown keep nrMapped as a frame's MapCount
// crosses zero.
func (m *Machine) mapCountUp(fr *Frame) {
	if fr.MapCount == 0 && m.entireOf(fr) == 0 {
		m.rs.nrMapped++
	}
	fr.MapCount++
	if fr.folio != 0 {
		m.pm.frames[fr.folio].largeMap++
	}
}

func (m *Machine) mapCountDown(fr *Frame) {
	fr.MapCount--
	if fr.folio != 0 {
		m.pm.frames[fr.folio].largeMap--
	}
	if fr.MapCount == 0 && m.entireOf(fr) == 0 {
		m.rs.nrMapped--
	}
}

// ReclaimPages reclaims up to n pages by the machine's aging policy and
// returns how many it freed: fewer than n when a full pass can free
// nothing more (see "Bounded by progress").
func (m *Machine) ReclaimPages(n int) (freed int, err error) {
	return m.reclaim(n)
}

// Reclaim is the trace's `reclaim N`: memory pressure that reclaims n
// pages by the aging policy, or as many as it can.
func (m *Machine) Reclaim(n int) error {
	_, err := m.reclaim(n)
	return err
}
