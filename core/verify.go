package core

import (
	"fmt"
	"math"
	"slices"
)

// Verification: every reverse walk checked against ground truth, at a
// cost proportional to the run.
//
// # The rules
//
//	rule 0  the MMU's own state: the shadow count of each frame (shadow.go)
//	        equals what a scan of every page table finds, and no PTE maps
//	        a free frame or a frame beyond memory;
//	rule 1  no false positive: every mapping a walk reports is a present
//	        PTE mapping the frame, reported once;
//	rule 2  nothing missed: a walk reports every mapping of the frame
//	        outside nonlinear VMAs (their pages are found the way each
//	        era's -nonlinear policy finds them, if at all);
//	rule 3  Frame.MapCount plus its folio's entire mapcount (PageMapCount)
//	        equals the number of PTEs mapping the frame, a PMD leaf
//	        counting once for each of its pages (thp.go);
//	rule 4  when try_to_unmap reports success, no PTE maps the frame;
//	rule 5  a large folio (folio.go) is naturally aligned, its pages are
//	        anonymous pages of it, its large mapcount is the sum of their
//	        mapcounts and its entire mapcount is not negative, and 0
//	        unless it is a PMD's 2 MiB (checked by passes).
//
// # How each is checked without a scan per frame
//
// Rule 1 looks every reported (pid, address) up in that process's page
// tables: one four-level lookup per mapping. Given rule 1, rule 2 is a
// count: the distinct, real, reported mappings outside nonlinear VMAs
// must number the shadow count minus the frame's mappings inside
// nonlinear VMAs, which only a file page of a file with a non-empty
// nonlinear list can have (found by scanning those VMAs alone). Rules 3
// and 4 compare MapCount and try_to_unmap's answer with the shadow count.
// Only on a failure is every page table scanned, to show the oracle's
// set of mappings for the failing frame.
//
// # When
//
//	Verify, VerifyPass   scan every page table once (counts only): rules 0
//	                     and 3 for every frame; then walk the mapped
//	                     frames, rules 1 and 2
//	VerifyEvent          walk the frames try_to_unmap left mapped; rule 3
//	                     for a rotating sample of frames, and their walks
//	try_to_unmap         rules 4 and 3, inside reclaim (Config.Verify)
//	migration            rules 4, 3 and 2 after try_to_migrate, rules 1 and 2
//	                     for remove_migration_ptes' walk (migrate.go)
//	CheckReported        rules 1 and 2 for any set a walk produced
//
// # The walk budget
//
// Checking a walk costs the walk, and the strategy decides what a walk
// costs: a pagescan walk scans every page table, an anon_vma walk of a
// page shared by 64 processes looks up 64 page tables. Walking every
// mapped frame at every check and a sample after every event would cost
// many times the run (and be quadratic for pagescan), while the run itself
// walks only the pages reclaim picks. So the walks of VerifyPass and
// VerifyEvent's sample draw on a deterministic budget: each may do walk
// work up to its share of the run's own work so far (runWork), plus
// budgetFloor. Once a share is spent, a pass leaves its remaining frames
// to the next pass, which resumes where this one stopped, and samples
// check counts only. What is never limited: the counts (rules 0, 3 and 4)
// of every frame at every pass and of every sampled frame, the try_to_unmap
// results, the walks of frames reclaim left mapped, and CheckReported.
// VerifyStats tells how many walks were checked and how many mapped
// frames passes left to the budget.
//
// Walks and time spent verifying are left out of the run's measurements
// (Machine.Walk is restored, the time is added to VerifyTime).

// WalkBudget sets the shares of the run's own work (runWork) that the walks
// made to verify may cost, in walk units: the WalkCounters of the
// strategy's walk (VMAs, PTEs, steps), plus walkCost per walk checked and
// one per mapping it reports. Zero means no limit.
type WalkBudget struct {
	Pass   float64 // the walks of VerifyPass
	Sample float64 // the walks of VerifyEvent's sample
}

// walkCost is the fixed cost of checking one walk, in walk units.
const walkCost = 4

// budgetFloor is the walk work each share allows before the run has done
// any, so that the first events are checked too.
const budgetFloor = 1 << 12

// VerifyStats counts what verification checked.
type VerifyStats struct {
	Passes int64 // full passes: every page table scanned, every frame counted
	Frames int64 // frame checks: MapCount and the shadow against the truth
	Walks  int64 // walks checked mapping by mapping (rules 1 and 2)
	Unmaps int64 // try_to_unmap results checked (rules 4 and 3)
	// PassMapped counts the mapped frames that passes found, PassWalked
	// those whose walks they checked; the rest exceeded the budget.
	PassMapped, PassWalked int64
	// Spent is the walk work verification did, Work the run's own work,
	// both in walk units (WalkBudget).
	Spent, Work int64
}

// Add adds o to s.
func (s *VerifyStats) Add(o VerifyStats) {
	s.Passes += o.Passes
	s.Frames += o.Frames
	s.Walks += o.Walks
	s.Unmaps += o.Unmaps
	s.PassMapped += o.PassMapped
	s.PassWalked += o.PassWalked
	s.Spent += o.Spent
	s.Work += o.Work
}

// verifier is the state of verification on one machine.
type verifier struct {
	sh        *shadow // nil if the machine was not built with Config.Verify
	counts    []int32 // a pass's scan, by frame
	nonlinear map[FrameID]int32
	walk      []hit                          // the walk being checked
	visit     func(v *VMA, addr uint64) bool // appends to walk
	keys      []uint64                       // its PTE addresses, sorted to find repeats
	victims   []FrameID                      // frames try_to_unmap left mapped, walked after the event
	cand      []FrameID                      // a sample's frames to walk
	want      []bool                         // by frame: counted by nonlinearCounts
	// passNext and sampleNext are where the next pass's walks and the
	// next event's sample start.
	passNext, sampleNext FrameID
	// The walk units spent by passes, by samples, and by unlimited
	// checks; acct is the one the check in progress charges.
	passSpent, sampleSpent, freeSpent int64
	acct                              *int64
	stats                             VerifyStats
}

// hit is one mapping a walk reported.
type hit struct {
	mm   *MM
	addr uint64
}

func (h hit) mapping() Mapping {
	if h.mm == nil {
		return Mapping{Addr: h.addr}
	}
	return Mapping{PID: h.mm.PID, Addr: h.addr}
}

func mappingsOfHits(hs []hit) []Mapping {
	out := make([]Mapping, len(hs))
	for i, h := range hs {
		out[i] = h.mapping()
	}
	return out
}

// initVerify sets up the shadow count of a machine built with
// Config.Verify.
func (m *Machine) initVerify() {
	if m.cfg.Verify {
		m.state().sh = &shadow{pm: m.pm}
		m.pt.shadow = m.verifyState.sh
	}
}

// state returns the verifier, making one without a shadow for a machine
// that was built without Config.Verify (tests call Verify on those).
func (m *Machine) state() *verifier {
	if m.verifyState == nil {
		v := &verifier{nonlinear: make(map[FrameID]int32)}
		v.visit = func(vma *VMA, addr uint64) bool {
			h := hit{addr: addr}
			if vma != nil {
				h.mm = vma.MM
			}
			v.walk = append(v.walk, h)
			return true
		}
		v.acct = &v.freeSpent
		m.verifyState = v
	}
	return m.verifyState
}

// VerifyStats returns what verification has checked on this machine.
func (m *Machine) VerifyStats() VerifyStats {
	v := m.verifyState
	if v == nil {
		return VerifyStats{}
	}
	s := v.stats
	s.Spent = v.passSpent + v.sampleSpent + v.freeSpent
	s.Work = m.runWork()
	return s
}

// runWork is the run's own work so far, in walk units, by a cost model:
// a PTE installed or removed counts half a unit (most are fork's copies
// and exit's zaps, a few nanoseconds each), a fault four more, and the
// units of the run's own walks an eighth (reclaim's walk units are often
// PTE slots scanned, far cheaper than a PTE looked up).
func (m *Machine) runWork() int64 {
	w := units(m.Walk)/8 + 4*m.Stats.Count[OpFault]
	if sh := m.verifyState.sh; sh != nil {
		w += sh.writes / 2
	}
	return w
}

func units(w WalkCounters) int64 { return w.VMAs + w.PTEs + w.Steps }

// scope starts a verification step that charges its walks to acct: it
// returns the balance acct may reach under share (no limit for share <=
// 0) and a function that ends the step, restoring the walk counters and
// adding the time to VerifyTime.
func (m *Machine) scope(acct *int64, share float64) (allow int64, end func()) {
	v := m.state()
	saved, prev := m.Walk, v.acct
	loud := m.quiet()
	stop := m.verifyClock()
	allow = math.MaxInt64
	if share > 0 {
		allow = int64(share*float64(m.runWork())) + budgetFloor
	}
	v.acct = acct
	return allow, func() {
		m.Walk = saved
		loud()
		v.acct = prev
		stop()
	}
}

// Verify makes a full pass without a budget: rules 0 and 3 for every
// frame, then rules 1 and 2 for the walk of every mapped frame, or of at
// most limit of them (limit > 0), resuming where the last pass stopped.
func (m *Machine) Verify(limit int) error {
	v := m.state()
	return m.pass(limit, &v.freeSpent, 0)
}

// VerifyPass is the check at a `check` event and at the end of a run: a
// full pass whose walks stay within the budget's Pass share.
func (m *Machine) VerifyPass(b WalkBudget) error {
	v := m.state()
	return m.pass(0, &v.passSpent, b.Pass)
}

func (m *Machine) pass(maxWalks int, acct *int64, share float64) error {
	v := m.state()
	allow, end := m.scope(acct, share)
	defer end()
	counts, bad, err := m.scanCounts(v.counts, v.nonlinear)
	v.counts = counts
	if err != nil {
		return err
	}
	if bad != nil {
		return bad
	}
	v.stats.Passes++
	n := len(m.pm.frames)
	for f := FrameID(1); int(f) < n; f++ {
		if err := m.poll(); err != nil {
			return err
		}
		c := counts[f]
		if v.sh != nil && v.sh.of(f) != c {
			return &VerifyError{Frame: f, Msg: fmt.Sprintf("the page tables hold %d PTEs mapping the frame, but the MMU's writes left %d", c, v.sh.of(f)), Oracle: m.OracleMappings(f)}
		}
		if err := m.checkCount(f, c); err != nil {
			return err
		}
		if m.pm.frames[f].folio == f {
			if err := m.checkFolio(f); err != nil {
				return err
			}
		}
		if c > 0 {
			v.stats.PassMapped++
		}
	}
	walked := 0
	first := v.passNext
	if first == 0 || int(first) >= n {
		first = 1
	}
	for i := 0; i < n-1; i++ {
		f := FrameID(1 + (int(first)-1+i)%(n-1))
		c := counts[f]
		if c == 0 {
			continue
		}
		if (maxWalks > 0 && walked >= maxWalks) || *acct >= allow {
			v.passNext = f
			break
		}
		if err := m.poll(); err != nil {
			return err
		}
		if err := m.checkWalk(f, c, v.nonlinear[f]); err != nil {
			return err
		}
		walked++
		v.stats.PassWalked++
	}
	return nil
}

// checkCount applies rule 0 to a free frame and rule 3 to a frame in use,
// given the number of PTEs that map it.
func (m *Machine) checkCount(f FrameID, c int32) error {
	fr := &m.pm.frames[f]
	if fr.Flags&FrameInUse == 0 {
		if c != 0 {
			o := m.OracleMappings(f)
			where := "a PTE"
			if len(o) > 0 {
				where = "PTE " + o[0].String()
			}
			return &VerifyError{Frame: f, Msg: where + " maps a free frame", Oracle: o}
		}
		return nil
	}
	m.verifyState.stats.Frames++
	if mc := m.PageMapCount(f); mc != c {
		return &VerifyError{Rule: 3, Frame: f, Msg: fmt.Sprintf("mapcount %d, but %d PTEs map the frame", mc, c), Oracle: m.OracleMappings(f)}
	}
	return nil
}

// VerifyEvent is the check after an event: the frames try_to_unmap left
// mapped during it are walked, then sample frames, rotating over all of
// memory, have their counts checked (rule 3) and, within the budget's
// Sample share, their walks (rules 1 and 2). A machine without a shadow
// makes a pass instead.
func (m *Machine) VerifyEvent(sample int, b WalkBudget) error {
	v := m.state()
	if v.sh == nil {
		return m.pass(sample, &v.freeSpent, 0)
	}
	allow, end := m.scope(&v.sampleSpent, b.Sample)
	defer end()
	if len(v.victims) > 0 {
		if err := m.checkVictims(); err != nil {
			return err
		}
	}
	// Counts first, for the whole sample; then walks while the budget
	// lasts, with one scan of nonlinear VMAs for all that need one.
	n := len(m.pm.frames)
	cand := v.cand[:0]
	needNonlinear := false
	for seen, checked := 0, 0; checked < sample && seen < 8*sample && seen < n-1; seen++ {
		f := v.sampleNext
		if f == 0 || int(f) >= n {
			f = 1
		}
		v.sampleNext = f + 1
		c := v.sh.of(f)
		if err := m.checkCount(f, c); err != nil {
			return err
		}
		if m.pm.frames[f].Flags&FrameInUse == 0 {
			continue
		}
		checked++
		if c > 0 {
			cand = append(cand, f)
			if fl := m.pm.frames[f].File; fl != nil && len(fl.Nonlinear) > 0 {
				needNonlinear = true
			}
		}
	}
	v.cand = cand
	if len(cand) == 0 || v.sampleSpent >= allow {
		return nil
	}
	if needNonlinear {
		m.nonlinearCounts(cand)
	}
	for _, f := range cand {
		if v.sampleSpent >= allow {
			break
		}
		var nl int32
		if needNonlinear {
			nl = v.nonlinear[f]
		}
		if err := m.checkWalk(f, v.sh.of(f), nl); err != nil {
			return err
		}
	}
	return nil
}

// checkVictims walks every frame try_to_unmap left mapped since the last
// check, without a budget: they are the frames reclaim itself walked.
func (m *Machine) checkVictims() error {
	v := m.verifyState
	fs := v.victims
	v.victims = v.victims[:0]
	m.nonlinearCounts(fs)
	for _, f := range fs {
		c := v.sh.of(f)
		if err := m.checkCount(f, c); err != nil {
			return err
		}
		if c > 0 {
			if err := m.checkWalk(f, c, v.nonlinear[f]); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkWalk walks f with the strategy and checks what it reports against
// total PTEs mapping f, nonlinear of them inside nonlinear VMAs.
func (m *Machine) checkWalk(f FrameID, total, nonlinear int32) error {
	v := m.verifyState
	before := units(m.Walk)
	v.walk = v.walk[:0]
	m.walk(func() { m.rm.Walk(f, v.visit) })
	*v.acct += units(m.Walk) - before + int64(len(v.walk)) + walkCost
	return m.checkReported(f, v.walk, total, nonlinear, "walk")
}

// nonlinearOf counts the PTEs mapping f inside nonlinear VMAs.
func (m *Machine) nonlinearOf(f FrameID) int32 {
	fr := &m.pm.frames[f]
	if fr.File == nil || len(fr.File.Nonlinear) == 0 {
		return 0
	}
	m.nonlinearCounts([]FrameID{f})
	return m.verifyState.nonlinear[f]
}

// nonlinearCounts counts into verifier.nonlinear the PTEs mapping each
// frame of fs inside nonlinear VMAs, by scanning the nonlinear VMAs of
// their files once: only a page-cache page of a file that has some can
// be mapped there. A scanned slot costs 1/8 of a walk unit.
func (m *Machine) nonlinearCounts(fs []FrameID) {
	v := m.verifyState
	clear(v.nonlinear)
	var files []*File
	want := v.want
	for _, f := range fs {
		fl := m.pm.frames[f].File
		if fl == nil || len(fl.Nonlinear) == 0 {
			continue
		}
		if len(want) < len(m.pm.frames) {
			want = make([]bool, len(m.pm.frames))
			v.want = want
		}
		want[f] = true
		if !slices.Contains(files, fl) {
			files = append(files, fl)
		}
	}
	var slots int64
	for _, fl := range files {
		for _, vma := range fl.Nonlinear {
			slots += m.ScanPTEs(vma, func(_ uint64, _ PTEAddr, p PTE) bool {
				if f := p.Frame(); int(f) < len(want) && want[f] {
					v.nonlinear[f]++
				}
				return true
			})
		}
	}
	for _, f := range fs {
		if int(f) < len(want) {
			want[f] = false
		}
	}
	*v.acct += slots / 8
}

// CheckReported checks a set of mappings of f that a reverse walk of the
// strategy reported (what names the walk in messages: "walk",
// "page_referenced walk") against the page tables: rule 1 (each is a
// present PTE mapping f, none twice) and rule 2 (none outside nonlinear
// VMAs is missing). It may be called at any time, also inside reclaim.
func (m *Machine) CheckReported(f FrameID, reported []Mapping, what string) error {
	v := m.state()
	_, end := m.scope(&v.freeSpent, 0)
	defer end()
	var total int32
	if v.sh != nil {
		total = v.sh.of(f)
	} else {
		total = int32(len(m.oracleOf(f)))
	}
	hits := make([]hit, len(reported))
	for i, mp := range reported {
		hits[i] = hit{m.procs[mp.PID], mp.Addr}
	}
	return m.checkReported(f, hits, total, m.nonlinearOf(f), what)
}

// checkReported applies rules 1 and 2 to rep, given that total PTEs map
// f, nonlinear of them inside nonlinear VMAs.
func (m *Machine) checkReported(f FrameID, rep []hit, total, nonlinear int32, what string) error {
	v := m.verifyState
	v.stats.Walks++
	keys := v.keys[:0]
	var linear int32
	for _, h := range rep {
		a, ok := m.mapsAt(h.mm, h.addr, f)
		if !ok {
			return &VerifyError{Rule: 1, Frame: f, Msg: fmt.Sprintf("the %s reports %v, which does not map the frame", what, h.mapping()), Walk: mappingsOfHits(rep), Oracle: m.OracleMappings(f)}
		}
		keys = append(keys, uint64(a))
		if nonlinear == 0 {
			// Every reported mapping is real, so none is nonlinear.
			linear++
		} else if vma := h.mm.FindVMA(h.addr); vma == nil || !vma.Nonlinear {
			linear++
		}
	}
	v.keys = keys
	if len(keys) > 1 {
		slices.Sort(keys)
		for i := 1; i < len(keys); i++ {
			if keys[i] == keys[i-1] {
				owner, addr := m.pt.owner(PTEAddr(keys[i]))
				mp := Mapping{PID: owner.PID, Addr: addr}
				return &VerifyError{Rule: 1, Frame: f, Msg: fmt.Sprintf("the %s reports %v twice", what, mp), Walk: mappingsOfHits(rep), Oracle: m.OracleMappings(f)}
			}
		}
	}
	if linear == total-nonlinear {
		return nil
	}
	// Every reported mapping is real and distinct, so one is missing.
	oracle := m.oracleOf(f)
	msg := fmt.Sprintf("the %s reports %d of the %d mappings outside nonlinear VMAs", what, linear, total-nonlinear)
	walk := mappingsOfHits(rep)
	for _, e := range oracle {
		if !e.nonlinear && !slices.Contains(walk, e.Mapping) {
			msg = fmt.Sprintf("the %s misses %v", what, e.Mapping)
			break
		}
	}
	return &VerifyError{Rule: 2, Frame: f, Msg: msg, Walk: walk, Oracle: mappingsOf(oracle)}
}

// mapsAt reports whether a present PTE of mm at addr maps f, and its
// address. A torn-down mm (pgd 0) maps nothing.
func (m *Machine) mapsAt(mm *MM, addr uint64, f FrameID) (PTEAddr, bool) {
	if mm == nil || mm.pgd == 0 || addr%PageSize != 0 || addr >= addrSpaceSize {
		return 0, false
	}
	if a := m.pmdAt(mm.pgd, addr); a != 0 {
		return a, m.pt.pmdMaps(a, m.PTE(a), f, addr)
	}
	t := m.pt.leaf(mm.pgd, addr)
	if t == 0 {
		return 0, false
	}
	a := makePTEAddr(t, levelIndex(addr, 0))
	p := *m.pt.pte(a)
	return a, p.Present() && p.Frame() == f
}

// checkUnmapped applies rule 4, then rule 3, right after try_to_unmap of f
// reported unmapped; a frame left mapped is walked after the event.
func (m *Machine) checkUnmapped(f FrameID, unmapped bool) error {
	v := m.state()
	_, end := m.scope(&v.freeSpent, 0)
	defer end()
	left, err := m.checkUnmapResult(f, unmapped, "try_to_unmap")
	if err == nil && left > 0 {
		v.victims = append(v.victims, f)
	}
	return err
}

// checkUnmapResult applies rule 4, then rule 3, to f after what (a
// try_to_unmap walk) reported unmapped or not, and returns the number of
// PTEs left mapping f. The caller has opened a scope.
func (m *Machine) checkUnmapResult(f FrameID, unmapped bool, what string) (int32, error) {
	v := m.verifyState
	v.stats.Unmaps++
	var left int32
	if v.sh != nil {
		left = v.sh.of(f)
	} else {
		left = int32(len(m.oracleOf(f)))
	}
	mc := m.PageMapCount(f)
	switch {
	case unmapped && left > 0:
		return left, &VerifyError{Rule: 4, Frame: f, Msg: what + " succeeded but PTEs still map the frame", Oracle: m.OracleMappings(f)}
	case mc != left:
		return left, &VerifyError{Rule: 3, Frame: f, Msg: fmt.Sprintf("after %s, mapcount %d but %d PTEs map the frame", what, mc, left), Oracle: m.OracleMappings(f)}
	}
	return left, nil
}
