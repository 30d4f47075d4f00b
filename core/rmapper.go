package core

// MapRef names one PTE that maps a frame: the frame, the PTE's address in
// the page-table arena and the virtual address it translates.
type MapRef struct {
	Frame FrameID
	PTE   PTEAddr
	Addr  uint64
}

// AddKind says how a page came to be mapped, which decides the anonymous
// identity a strategy gives it.
type AddKind uint8

const (
	// AddAnon: a new exclusive anonymous page (do_anonymous_page, or the
	// copy made by a COW break): page_add_anon_rmap with exclusive set.
	AddAnon AddKind = iota
	// AddFile: a page-cache page (page_add_file_rmap).
	AddFile
	// AddSwapIn: an anonymous page from swap that other PTEs may still
	// reference (do_swap_page, not exclusive: the oldest anon object).
	AddSwapIn
	// AddSwapInExclusive: an anonymous page from swap that only this PTE
	// references and that is being written (do_swap_page reusing the page).
	AddSwapInExclusive
	// AddKsm: ksmd pointed the PTE at a KSM page instead of the page it
	// mapped (replace_page's page_add_anon_rmap, which leaves a KSM page's
	// page->mapping alone; ksm.go). The frame may be mapped at other
	// addresses of other processes. Only strategies that implement
	// KSMLinker see it.
	AddKsm
)

// Rmapper is a reverse-mapping strategy: the hooks through which the
// simulated MMU tells it what changes, and the walks through which reclaim
// and verification ask it where a frame is mapped. The MMU calls each hook
// at the point where the kernel of the strategy's era called the matching
// rmap function, so the work a strategy does is the work its kernel did.
//
// Rules every hook can rely on:
//   - the MMU owns PTEs, VMAs, the i_mmap index and Frame.MapCount; a
//     strategy changes PTEs only through Machine.UnmapOne;
//   - adding hooks (PageAdd, PagesDup) see each frame before its MapCount
//     is raised, so MapCount == 0 means "first mapping"
//     (atomic_inc_and_test(&page->_mapcount));
//   - PagesRemove sees the frames after every MapCount of its batch has
//     been lowered, so MapCount == 0 means "no mapping left";
//   - the frames of a batch may repeat (a nonlinear VMA can map one file
//     page at several addresses).
type Rmapper interface {
	// MMInit is called for a new mm: parent is the mm it is forked from,
	// or nil for a new process or after exec. anonmm links or starts its
	// chain here (dup_rmap, exec_rmap).
	MMInit(mm, parent *MM)
	// MMExit is called when an mm is torn down (exit, and the old mm at
	// exec), after all its VMAs were unlinked (exit_rmap).
	MMExit(mm *MM)

	// VMACreated is called for a VMA made by mmap that did not merge.
	// Object-based strategies do nothing until the first anonymous fault.
	VMACreated(v *VMA)
	// VMAFork is called by fork for each VMA of the parent, with its copy
	// in the child, before any PTE is copied (anon_vma_link in 2.6.7,
	// anon_vma_fork with the AVC).
	VMAFork(child, parent *VMA)
	// VMASplit is called when v was split and tail is the new VMA holding
	// the upper part; both keep the anonymous identity (anon_vma_clone).
	VMASplit(v, tail *VMA)
	// VMAAdjusted is called after v's range or PgOff changed in place
	// (vma_adjust: mmap or mremap growing a neighbour). Trees keyed by the
	// VMA's page range must re-key it.
	VMAAdjusted(v *VMA)
	// CanMerge reports whether the anonymous state of two adjacent VMAs
	// allows them to become one (is_mergeable_anon_vma). The MMU has
	// already checked file, protection and flags, and for file VMAs the
	// offset; for anonymous VMAs the vm_pgoff rule is the strategy's: a
	// design that finds anonymous pages by their offset (anon_vma) must
	// refuse when next.PgOff != prev.PgOff+prev.Pages(), one that does
	// not (2.6.6 and before) merges whatever it is.
	CanMerge(prev, next *VMA) bool
	// VMAMerge is called when gone's range has been absorbed into kept;
	// it replaces VMAUnlink for gone (anon_vma_merge).
	VMAMerge(kept, gone *VMA)
	// VMAMove is called by mremap before moving PTEs: dst is the new VMA
	// at the new address with src's PgOff (copy_vma). src is unlinked
	// after its PTEs are moved.
	VMAMove(dst, src *VMA)
	// VMAUnlink is called when a VMA goes away (munmap, exit, exec), after
	// its PTEs are zapped (unlink_anon_vmas, anon_vma_unlink).
	VMAUnlink(v *VMA)

	// AnonPrepare is called before the first anonymous page is added to v
	// and before every COW copy (anon_vma_prepare).
	AnonPrepare(v *VMA)
	// PageAdd is called when a fault maps r.Frame at r.Addr in v. It
	// returns false if the strategy cannot record the page at this address
	// (anonmm after mremap); the MMU then maps a private copy instead,
	// counted in mremap-copies, and adds that.
	PageAdd(v *VMA, r MapRef, kind AddKind) bool
	// PagesDup is called by fork for a batch of present PTEs just copied
	// into child (page_dup_rmap; page_add_rmap per PTE for pte chains).
	PagesDup(child *VMA, refs []MapRef)
	// PagesRemove is called after a batch of PTEs of v was cleared by
	// munmap, exit, exec, MADV_DONTNEED or a COW break (page_remove_rmap).
	PagesRemove(v *VMA, refs []MapRef)
	// PageMove is called by mremap for each present PTE moved from src to
	// dst. It returns false if the strategy needs the page copied first
	// (anonmm: a shared anonymous page cannot change address); the MMU
	// then breaks COW at the old address, counted in mremap-copies, and
	// moves the copy.
	PageMove(dst, src *VMA, from, to MapRef) bool

	// Walk calls visit for every mapping of f the strategy can find, until
	// visit returns false, without changing anything (rmap_walk). It counts
	// its work in Machine.Walk. It is also remove_migration_ptes' walk
	// (migrate.go): f is then the new page of a migration, its MapCount
	// counts the migration entries to find, and Machine.CheckAddress and
	// ScanRange report each entry as a PTE mapping f; visit puts the page
	// there.
	Walk(f FrameID, visit func(v *VMA, addr uint64) bool)
	// TryToUnmap unmaps f from every PTE it can find, through
	// Machine.UnmapOne (or UnmapOneIfOld, whose young PTE ends the walk,
	// in the eras whose try_to_unmap_one checked the accessed bit), and
	// reports whether f is left unmapped. It counts its work in
	// Machine.Walk. It is also try_to_migrate, while Machine.Migrating:
	// UnmapOne then leaves migration entries, VM_LOCKED does not stop the
	// walk (test Machine.Mlocked, not VMA.Locked), and f's own rmap state
	// (a chain entry for a PTE left holding a migration entry, an
	// anonymous identity) must stay for the new page to take over.
	TryToUnmap(f FrameID) bool
	// PageReferenced is the rmap walk of page_referenced for the mapped
	// frame f: it hands every PTE it finds mapping f to
	// Machine.ReferencedOne, which tests and clears the accessed bit, and
	// returns how many were young. It may stop once it has found all
	// MapCount mappings, as the object-based walks did, and may change
	// its own state as its era's page_referenced did (2.6.0 collapsed a
	// one-entry pte chain; anonmm moved a page off an exited mm). It
	// counts its work in Machine.Walk.
	PageReferenced(f FrameID) int
}

// PageReuser is implemented by strategies whose kernel moved a page to the
// VMA's own anonymous object when a write fault kept a page the process
// owns alone (page_move_anon_rmap in do_wp_page, 2.6.35+), so that later
// walks of the page visit only that VMA's descendants.
type PageReuser interface {
	PageReuse(v *VMA, r MapRef)
}

// KSMLinker is implemented by strategies under which ksmd may merge pages
// (KSM, ksm.go). A strategy that does not implement it gets no KSM pages:
// ksmd scans and compares, but merges nothing.
//
// When ksmd makes a page a KSM page, core sets FrameKsm and points
// Frame.Anon at the page's stable node (page->mapping), as the kernel did:
// whatever anonymous identity the strategy had given the page is gone.
// Core keeps, for every mapping of a KSM page, an rmap_item naming its mm
// and address; KSMLink gives the rmap_item what the strategy needs to find
// that mapping again.
type KSMLinker interface {
	// KSMLink is called when ksmd is about to map a KSM page in v (merge
	// or fork): it returns the anonymous object the rmap_item keeps, with
	// a reference taken (rmap_item->anon_vma = vma->anon_vma and
	// get_anon_vma, 2.6.33+), or nil for a strategy that finds a KSM page
	// like any other (pte chains, a page-table scan). ok false refuses:
	// the strategy cannot find a KSM page in v (anonmm: one address per
	// page), and ksmd leaves the page as it is.
	KSMLink(v *VMA) (anon any, ok bool)
	// KSMUnlink drops the reference KSMLink took, when the rmap_item
	// leaves the stable tree (put_anon_vma). It is called only for a
	// non-nil anon.
	KSMUnlink(anon any)
}

// BaseRmapper implements the VMA hooks as doing nothing, for strategies
// that keep no per-VMA or per-mm state. Embed it and override what the
// strategy's kernel did. Its CanMerge merges anonymous VMAs whatever
// their vm_pgoff, as kernels before anon_vma did.
type BaseRmapper struct{}

func (BaseRmapper) MMInit(mm, parent *MM)         {}
func (BaseRmapper) MMExit(mm *MM)                 {}
func (BaseRmapper) VMACreated(v *VMA)             {}
func (BaseRmapper) VMAFork(child, parent *VMA)    {}
func (BaseRmapper) VMASplit(v, tail *VMA)         {}
func (BaseRmapper) VMAAdjusted(v *VMA)            {}
func (BaseRmapper) CanMerge(prev, next *VMA) bool { return true }
func (BaseRmapper) VMAMerge(kept, gone *VMA)      {}
func (BaseRmapper) VMAMove(dst, src *VMA)         {}
func (BaseRmapper) VMAUnlink(v *VMA)              {}
func (BaseRmapper) AnonPrepare(v *VMA)            {}

// Strategy describes a registered rmap strategy.
type Strategy struct {
	Name    string // command-line name
	Era     string // the kernels that ran it
	Summary string // one line for `rmapbench list`
	// DefaultIndex is the i_mmap index of the strategy's era.
	DefaultIndex string
	// ForkCopy is what the era's fork copied (forkcopy.go); NewMachineFor
	// gives it to the machine, and -fork-copy overrides it.
	ForkCopy ForkCopy
	// New builds the strategy for a machine; the machine's Space, Arch and
	// walk counters are ready when it is called.
	New func(m *Machine) Rmapper
}

// IndexKind describes a registered i_mmap index.
type IndexKind struct {
	Name    string
	Era     string
	Summary string
	New     func() FileIndex
}

// WalkCounters are the deterministic work counters of reverse walks.
type WalkCounters struct {
	Walks int64 // walks started by reclaim (page_referenced, try_to_unmap) and migration (try_to_migrate, remove_migration_ptes)
	VMAs  int64 // VMAs examined
	PTEs  int64 // page-table lookups or PTEs examined
	Steps int64 // chain blocks, list nodes or tree nodes followed
}
