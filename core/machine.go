package core

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"rmapbench/core/cachemodel"
	"time"
)

// Config fixes a Machine's simulated hardware and policies.
type Config struct {
	Arch *Arch
	// MemBytes is the simulated physical memory; reclaim runs when it is
	// full. Zero means 16 GiB.
	MemBytes int64
	// Seed seeds every random choice (reclaim's victims).
	Seed uint64
	// NewIndex builds the i_mmap index of each file.
	NewIndex func() FileIndex
	// Verify keeps the shadow count of PTEs per frame (shadow.go) and
	// checks rules 4 and 3 after every try_to_unmap; the Verify methods
	// check the rest (verify.go).
	Verify bool
	// Options are strategy settings by name (nonlinear=hugh,
	// avc-reuse=false); a strategy reads the ones it knows, and core
	// reads fork-copy=all|anon, which overrides ForkCopy.
	Options map[string]string
	// ForkCopy is the fork copy policy of the strategy's era
	// (forkcopy.go); NewMachineFor sets it from Strategy.ForkCopy.
	ForkCopy ForkCopy
	// Ctx, if set, interrupts long operations when it is cancelled
	// (cancel.go).
	Ctx context.Context
	// MaxSimBytes is the budget for the simulator's own memory (page
	// tables, frames, VMAs, ...; budget.go). Zero means
	// DefaultMaxSimBytes.
	MaxSimBytes int64
	// Aging is reclaim's page-aging policy (aging.go); the zero value is
	// the two-list LRU.
	Aging Aging
	// HW is the hardware profile of the cache model (cost.go): "" or
	// "off" for none, else a name cachemodel.Lookup knows.
	HW string
}

// DefaultMemBytes is the default simulated memory.
const DefaultMemBytes = 16 << 30

// Machine is the simulated computer: physical memory, page tables,
// processes, files, swap, and one rmap strategy.
type Machine struct {
	Arch  *Arch
	Space Space
	// Walk counts the work of reverse walks (strategies add to it).
	Walk  WalkCounters
	Stats Stats
	// VerifyTime is the time spent checking against the oracle, which
	// measurements leave out.
	VerifyTime  time.Duration
	verifyDepth int // verification steps running (verifyClock)

	cfg      Config
	rm       Rmapper
	pm       *physMem
	pt       *pageTables
	swap     swapSpace
	rng      *rand.Rand
	procs    map[uint64]*MM
	exited   map[uint64]bool
	mmList   []*MM // live mms in creation order
	mmSeq    uint64
	files    map[string]*File
	fileList []*File
	vmaKind  ObjKind
	forkCopy ForkCopy  // copy_page_range's policy (forkcopy.go)
	ksm      *ksmState // ksmd, from the first MADV_MERGEABLE (ksm.go)
	content  uint64    // the counter of fresh contents (content.go)
	shmemSeq int       // shared anonymous mappings made so far
	pinned   FrameID
	mapped   int64 // present PTEs mapping real frames (the sum of MapCounts)
	// nested is the time spent in reclaim or verification inside the
	// operation being timed, which the operation's time excludes.
	nested      time.Duration
	inReclaim   bool
	batch       []MapRef  // reused PTE batches
	swapBatch   []uint32  // reused: the swap slots of a table zap cleared
	one         [1]MapRef // a batch of one, without allocating
	verifyState *verifier
	polls       uint64 // calls of poll (cancel.go)
	budget      budget // the simulator's own memory (budget.go)
	rs          agingState
	mig         migration // the page migration in progress (migrate.go)
	// op is the operation running now and work what each kind of
	// operation did so far (work.go).
	op   Op
	work [NumOps + 1]OpWork
	// hw is the cache model (-hw; nil when off), pageStruct the size of
	// a struct page in it, and walking counts the reverse walks running
	// (cost.go).
	hw         *cachemodel.Cache
	pageStruct int
	walking    int
	// folioOrder is the order of the folios anonymous faults allocate,
	// deferred the deferred split queue (folio.go).
	folioOrder uint8
	deferred   []FrameID
	// thp enables PMD-mapped 2 MiB folios, pmdLeaves counts the PMD
	// leaves in the page tables, thpRefs is the run of refs a PMD's rmap
	// call passes (thp.go).
	thp       bool
	pmdLeaves int
	thpRefs   []MapRef
}

// NewMachine builds a machine running the strategy that newRmapper makes.
func NewMachine(cfg Config, newRmapper func(*Machine) Rmapper) *Machine {
	if cfg.Arch == nil {
		cfg.Arch = arches["x86_64"]
	}
	if cfg.MemBytes == 0 {
		cfg.MemBytes = DefaultMemBytes
	}
	m := &Machine{
		Arch:   cfg.Arch,
		cfg:    cfg,
		pm:     newPhysMem(int(cfg.MemBytes >> pageShift)),
		pt:     newPageTables(),
		rng:    rand.New(rand.NewPCG(cfg.Seed, 0x726d6170)),
		procs:  make(map[uint64]*MM),
		exited: make(map[uint64]bool),
		files:  make(map[string]*File),
		budget: budget{limit: cmp.Or(cfg.MaxSimBytes, DefaultMaxSimBytes)},
		op:     OpNone,
	}
	m.Space.work = m.curWork
	m.pageStruct, _ = m.Arch.StructSize("page")
	if cfg.HW != "" && cfg.HW != "off" {
		p, err := cachemodel.Lookup(cfg.HW)
		if err != nil {
			panic("core: " + err.Error())
		}
		m.hw = cachemodel.New(p)
	}
	size, _ := m.Arch.StructSize("vma")
	m.vmaKind = m.Space.Register("vma", size, false)
	// The i_mmap linkage lives in every VMA whatever the strategy: its
	// shape is the index's (-fileindex), as in the index's era.
	m.DeclareFields(cfg.NewIndex().VMAField())
	m.initVerify()
	m.rs.init(cfg.Aging)
	m.rm = newRmapper(m)
	m.forkCopy = forkCopyOf(cfg)
	m.folioOrder = folioOrderOf(cfg)
	m.thp = thpOf(cfg)
	ksmMaxSharing(cfg) // an invalid setting panics here, not at the first madvise
	return m
}

// NewMachineFor builds a machine running st with the policies of st's
// era (cfg.ForkCopy = st.ForkCopy).
func NewMachineFor(cfg Config, st Strategy) *Machine {
	cfg.ForkCopy = st.ForkCopy
	return NewMachine(cfg, st.New)
}

// Option returns the strategy option key, or def if it is not set.
func (m *Machine) Option(key, def string) string {
	if v, ok := m.cfg.Options[key]; ok {
		return v
	}
	return def
}

// Rmapper returns the machine's strategy.
func (m *Machine) Rmapper() Rmapper { return m.rm }

// InputError is an operation that makes no sense for the machine's state
// (a touch outside any VMA, an event for an exited process, ...). A trace
// that causes one is bad input.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErr(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// OutOfMemoryError is returned when an allocation finds memory full and
// reclaim can free nothing.
type OutOfMemoryError struct{ Frames int }

func (e *OutOfMemoryError) Error() string {
	return fmt.Sprintf("out of simulated memory: %d frames in use and reclaim freed none", e.Frames)
}

// Process returns the mm of pid, creating an empty process the first time
// pid is named (docs/trace-format.md). An exited pid is an error, and so is a machine
// past its memory budget (every event of a process starts here).
func (m *Machine) Process(pid uint64) (*MM, error) {
	if err := m.checkProcess(pid); err != nil {
		return nil, err
	}
	if mm := m.procs[pid]; mm != nil {
		return mm, nil
	}
	if m.exited[pid] {
		return nil, inputErr("process %d has exited", pid)
	}
	return m.newMM(pid, nil), nil
}

// Lookup returns the live mm of pid, or nil.
func (m *Machine) Lookup(pid uint64) *MM { return m.procs[pid] }

// MMs returns the live address spaces in creation order. The slice must
// not be modified.
func (m *Machine) MMs() []*MM { return m.mmList }

func (m *Machine) newMM(pid uint64, parent *MM) *MM {
	m.mmSeq++
	mm := &MM{PID: pid, seq: m.mmSeq}
	mm.pgd = m.pt.alloc(mm, levels-1, 0)
	m.procs[pid] = mm
	m.mmList = append(m.mmList, mm)
	m.Space.hold(InMM, 1)
	m.rm.MMInit(mm, parent)
	return mm
}

// FileByName returns the file called name, creating it on first use.
func (m *Machine) FileByName(name string) *File {
	if f := m.files[name]; f != nil {
		return f
	}
	f := &File{
		Name:    name,
		Index:   m.newIndex(),
		id:      uint64(len(m.fileList) + 1),
		cache:   make(map[uint64]*[tableEntries]FrameID),
		written: make(map[uint64]uint64),
		budget:  &m.budget,
	}
	m.budget.fileBytes += fileBudgetBytes + int64(len(name))
	m.files[name] = f
	m.fileList = append(m.fileList, f)
	return f
}

// Files returns every file in creation order.
func (m *Machine) Files() []*File { return m.fileList }

// Frame returns the frame f.
func (m *Machine) Frame(f FrameID) *Frame { return &m.pm.frames[f] }

// FrameCount is one more than the highest frame number ever used.
func (m *Machine) FrameCount() int { return len(m.pm.frames) }

// FramesInUse is the number of allocated frames (without the zero page).
func (m *Machine) FramesInUse() int { return m.pm.inUse }

// PTE returns the PTE at a.
func (m *Machine) PTE(a PTEAddr) PTE { return *m.pt.pte(a) }

// PTEOwner returns the mm and virtual address of the PTE at a: the
// 2.5/2.6.0 ptep_to_mm and ptep_to_address, through the page-table page.
func (m *Machine) PTEOwner(a PTEAddr) (*MM, uint64) { return m.pt.owner(a) }

// LookupPTE walks mm's page tables to addr and returns the PTE address, or
// 0 if no PTE table covers addr. Where a PMD leaf maps addr, it returns
// the PMD entry's address (thp.go). It counts one PTE lookup in Walk.
func (m *Machine) LookupPTE(mm *MM, addr uint64) PTEAddr {
	m.Walk.PTEs++
	if a := m.pmdAt(mm.pgd, addr); a != 0 {
		return a
	}
	t := m.pt.leaf(mm.pgd, addr)
	if t == 0 {
		return 0
	}
	return makePTEAddr(t, levelIndex(addr, 0))
}

// ScanPTEs calls fn for every present PTE in [v.Start, v.End) that maps a
// real frame, until fn returns false. It is the page-table scan of 2.4 and
// of the oracle. It returns the number of PTE slots examined.
func (m *Machine) ScanPTEs(v *VMA, fn func(addr uint64, a PTEAddr, p PTE) bool) (examined int64) {
	return m.ScanRange(v, v.Start, v.End, fn)
}

// ScanRange is ScanPTEs over [start, end) of v.
// While remove_migration_ptes walks (migrate.go), a migration entry for
// the page being migrated is handed to fn as a PTE mapping its new frame.
func (m *Machine) ScanRange(v *VMA, start, end uint64, fn func(addr uint64, a PTEAddr, p PTE) bool) (examined int64) {
	stop := false
	restoring := m.mig.restoring
	leaf := func(t tableID, lo, hi int) {
		if stop {
			return
		}
		tab := m.pt.tables[t]
		base := m.pt.meta[t].base
		for i := lo; i < hi; i++ {
			examined++
			p := PTE(tab[i])
			if !p.Present() {
				if !restoring || !p.migrationOf(m.mig.old) {
					continue
				}
				p = p.migrationTarget(m.mig.target)
			} else if p.Frame() == ZeroFrame {
				continue
			}
			if !fn(base+uint64(i)<<pageShift, makePTEAddr(t, i), p) {
				stop = true
				return
			}
		}
	}
	if m.hw != nil {
		// The cache model sees the PTEs each table's scan read, after
		// the scan, so that the loop above stays as it is without it.
		scan := leaf
		leaf = func(t tableID, lo, hi int) {
			before := examined
			scan(t, lo, hi)
			m.hwPTEs(t, lo, lo+int(examined-before))
		}
	}
	// A PMD leaf is handed to fn page by page, each with the PMD's
	// address (thp.go).
	pmd := func(t tableID, slot int) {
		if stop {
			return
		}
		a := makePTEAddr(t, slot)
		m.touchPTE(a)
		p := m.PTE(a)
		base := m.pt.pmdBase(a)
		for addr := max(base, start); addr < min(base+pteTableSpan, end); addr += PageSize {
			examined++
			if !fn(addr, a, m.pt.pmdPage(a, p, addr)) {
				stop = true
				return
			}
		}
	}
	m.pt.forEachEntry(v.MM.pgd, start, end, leaf, pmd)
	return examined
}

// CheckAddress is page_check_address: it walks v's page tables to addr
// (counted as one PTE lookup) and returns the PTE address if a present PTE
// there maps f. While remove_migration_ptes walks f (migrate.go), a
// migration entry for the page being migrated maps f too
// (page_vma_mapped_walk with PVMW_MIGRATION).
func (m *Machine) CheckAddress(v *VMA, addr uint64, f FrameID) (PTEAddr, bool) {
	a := m.LookupPTE(v.MM, addr)
	if a == 0 {
		return 0, false
	}
	m.touchPTE(a)
	p := m.PTE(a)
	if p.Huge() {
		return a, m.pt.pmdMaps(a, p, f, addr)
	}
	if p.Present() {
		return a, p.Frame() == f
	}
	return a, m.mig.restoring && f == m.mig.target && p.migrationOf(m.mig.old)
}

// ClearYoung is ptep_clear_flush_young: it clears the accessed bit of the
// PTE at a and reports whether it was set.
func (m *Machine) ClearYoung(a PTEAddr) bool {
	m.touchPTE(a)
	p := m.pt.pte(a)
	young := *p&pteAccessed != 0
	*p &^= pteAccessed
	if young {
		m.rs.progress++
	}
	return young
}

// UnmapOne is try_to_unmap_one: if the PTE at a (in v, for addr) maps f,
// clear it, leaving a swap entry for an anonymous page or a file entry for
// a page of a nonlinear VMA away from its linear place, and lower f's
// MapCount. While Migrating, the page being migrated gets a migration
// entry instead, outside nonlinear VMAs (try_to_migrate_one; migrate.go),
// and the mm's RSS keeps counting it. It reports whether it unmapped. The
// caller's own rmap records are its business: a PTE left holding a
// migration entry (PTE.IsMigration) still refers to the page. a may be 0,
// in which case it is looked up (and counted).
func (m *Machine) UnmapOne(v *VMA, addr uint64, a PTEAddr, f FrameID) bool {
	if a == 0 {
		if a = m.LookupPTE(v.MM, addr); a == 0 {
			return false
		}
	}
	if m.PTE(a).Huge() {
		// try_to_unmap_one's split_huge_pmd_address (thp.go).
		if !m.pt.pmdMaps(a, m.PTE(a), f, addr) {
			return false
		}
		m.splitPMD(v.MM, addr)
		a = makePTEAddr(m.pt.leaf(v.MM.pgd, addr), levelIndex(addr, 0))
	}
	p := m.PTE(a)
	if !p.Present() || p.Frame() != f {
		return false
	}
	fr := &m.pm.frames[f]
	if p.Dirty() {
		fr.Flags |= FrameDirty
	}
	var repl PTE
	switch {
	case m.mig.unmapping && f == m.mig.old && !v.Nonlinear:
		repl = mkMigrationPTE(f, p)
		m.mig.entries = append(m.mig.entries, a)
	case fr.Flags&FrameAnon != 0:
		slot := m.swap.ensureSlot(m, f)
		m.swap.slots[slot].refs++
		repl = mkSwapPTE(slot)
	case v.Nonlinear && v.LinearPgOff(addr) != fr.Index:
		repl = mkFilePTE(fr.Index)
	}
	m.pt.set(a, repl)
	m.ptes(1)
	m.touchPTE(a)
	m.mapCountDown(fr)
	m.mapped--
	m.rs.progress++
	if !repl.IsMigration() {
		v.MM.RSS--
	}
	return true
}

// addMapped counts n new mappings and keeps their peak.
func (m *Machine) addMapped(n int64) {
	m.mapped += n
	if m.mapped > m.Stats.PeakMappings {
		m.Stats.PeakMappings = m.mapped
	}
}

// allocFrame returns a free frame, reclaiming as kswapd would when memory
// is full.
func (m *Machine) allocFrame() (FrameID, error) {
	if f, ok := m.pm.alloc(); ok {
		m.Space.hold(InPage, 1)
		return f, nil
	}
	if m.inReclaim {
		return 0, &OutOfMemoryError{Frames: m.pm.inUse}
	}
	// Reclaim a batch (SWAP_CLUSTER_MAX) at a time until a frame is
	// free, giving up when reclaim frees nothing.
	for tries := 0; tries < 64; tries++ {
		freed, err := m.reclaim(swapClusterMax)
		if err != nil {
			return 0, err
		}
		if f, ok := m.pm.alloc(); ok {
			m.Space.hold(InPage, 1)
			return f, nil
		}
		if freed == 0 {
			break
		}
	}
	return 0, &OutOfMemoryError{Frames: m.pm.inUse}
}

// freeFrame returns an unmapped frame to the free list.
func (m *Machine) freeFrame(f FrameID) {
	fr := &m.pm.frames[f]
	if fr.MapCount != 0 || m.entireOf(fr) != 0 {
		panic(fmt.Sprintf("core: freeing frame %d with mapcount %d", f, m.PageMapCount(f)))
	}
	if m.holdFolioPage(f) {
		return
	}
	m.lruForget(f)
	if fr.Flags&FrameKsm != 0 {
		m.ksmPageFreed(f)
	}
	m.pm.release(f)
	m.Space.hold(InPage, -1)
}

// putAnonIfUnused frees an anonymous frame nobody maps and no swap entry
// refers to.
func (m *Machine) putAnonIfUnused(f FrameID) {
	fr := &m.pm.frames[f]
	if f == ZeroFrame || fr.MapCount != 0 || m.entireOf(fr) != 0 || fr.Flags&FrameAnon == 0 || fr.Flags&FrameSwapCache != 0 {
		return
	}
	m.freeFrame(f)
}

// freeSwapAndPut is free_swap_cache and put_page for a page whose
// mapping just went (free_pages_and_swap_cache after zap, replace_page's
// try_to_free_swap): a page in the swap cache that no PTE and no swap
// entry refers to leaves the swap cache, and is freed with its slot.
func (m *Machine) freeSwapAndPut(f FrameID) {
	fr := &m.pm.frames[f]
	if m.PageMapCount(f) == 0 && fr.Flags&FrameSwapCache != 0 && !m.swap.shared(fr) {
		m.swap.release(m, fr.swapSlot)
		return
	}
	m.putAnonIfUnused(f)
}

func (m *Machine) addVMA(v *VMA) {
	m.countVMA(v, 1)
	v.MM.insertVMA(v)
	if v.File != nil {
		v.File.linkIndex(v)
	}
}

// dropVMA takes v out of its mm and its file's index.
func (m *Machine) dropVMA(v *VMA) {
	v.MM.removeVMA(v)
	if v.File != nil {
		v.File.unlinkIndex(v)
	}
	m.countVMA(v, -1)
}

// countVMA tells the space model of v created (n = 1) or freed (n = -1):
// the vma object, with its slot in the vma slab (cost.go), and the rmap
// fields every VMA carries.
func (m *Machine) countVMA(v *VMA, n int) {
	if n > 0 {
		v.obj = m.Space.New(m.vmaKind)
	} else {
		m.Space.Delete(v.obj)
	}
	m.Space.hold(InVMA, int64(n))
}

// Resolve returns the frame mapped at addr in pid and its PTE, without
// faulting; ok is false where no present PTE maps a real frame.
func (m *Machine) Resolve(pid, addr uint64) (f FrameID, p PTE, ok bool) {
	mm := m.procs[pid]
	if mm == nil {
		return 0, 0, false
	}
	a, p := m.entryAt(mm, addr)
	if a == 0 {
		return 0, 0, false
	}
	if !p.Present() || p.Frame() == ZeroFrame {
		return 0, p, false
	}
	return p.Frame(), p, true
}

// PageTables returns the number of page-table pages live now and at peak.
func (m *Machine) PageTables() (live, peak int) { return m.pt.live, m.pt.peak }

// SwapSlots returns the number of swap slots in use.
func (m *Machine) SwapSlots() int { return m.swap.live }
