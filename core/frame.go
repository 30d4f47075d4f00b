package core

// FrameID numbers a physical frame. Frame 0 is the shared zero page: read
// faults on anonymous memory map it read-only, and, as in Linux, it takes
// no part in reverse mapping.
type FrameID uint32

// ZeroFrame is the shared zero page.
const ZeroFrame FrameID = 0

// FrameFlags are the page flags rmap and reclaim look at.
type FrameFlags uint16

const (
	FrameInUse      FrameFlags = 1 << iota // allocated
	FrameAnon                              // anonymous (PageAnon); otherwise a page-cache page
	FrameDirty                             // must be written back before eviction
	FrameSwapCache                         // has a swap slot (PageSwapCache)
	FrameReferenced                        // PG_referenced
	FrameActive                            // PG_active: on (or isolated from) the active list
	// FrameKsm is PageKsm: a page ksmd merged (ksm.go). Frame.Anon is
	// then its stable node (page->mapping = stable_node|PAGE_MAPPING_KSM),
	// and Frame.Index means nothing.
	FrameKsm
	// frameHeld marks an unmapped page of a large folio that the folio
	// keeps allocated until it is split or wholly unmapped (folio.go).
	frameHeld
	// frameDeferred marks the head of a folio on the deferred split
	// queue (folio.go).
	frameDeferred
)

// Frame holds the fields of struct page that reverse mapping uses.
type Frame struct {
	// File is the page-cache owner of a file page (page->mapping of a
	// file page); nil for anonymous pages.
	File *File
	// Anon is the strategy's anonymous object (page->mapping of an anon
	// page: an anonmm, an anon_vma); nil where the strategy keeps none.
	// Core's for a KSM page (FrameKsm): its stable node (ksm.go).
	Anon any
	// Index is the page's offset in File, or for anonymous pages whatever
	// the strategy stores there (a virtual address for anonmm, a linear
	// page offset for anon_vma).
	Index uint64
	// Slot is the per-strategy word (the pte union of 2.6.0's struct page).
	Slot uint64
	// Content is an opaque token for what the page holds. Writes change
	// it and copies carry it, so tests can see copy-on-write at work.
	Content uint64
	// MapCount is the number of present PTEs mapping the frame. Core keeps
	// it at every PTE it sets or clears (page_add_rmap/page_remove_rmap's
	// _mapcount), so every strategy sees the same count.
	MapCount int32
	Flags    FrameFlags
	// lru is the reclaim list the frame is on (0: none, or isolated by
	// reclaim); gen is its multi-gen LRU generation counter, gen+1, which
	// the aging may raise while the frame stays on an older list (0: not
	// on the multi-gen LRU). See lru.go and mglru.go.
	lru      uint8
	gen      uint8
	swapSlot uint32 // swap slot + 1 while FrameSwapCache
	ptes     int32  // with Config.Verify, the shadow count (shadow.go)
	// folio is the head frame of the large folio the frame belongs to (0:
	// the frame is a folio of one page); on the head, order is the
	// folio's order, largeMap its large mapcount, entireMap its entire
	// mapcount and held the number of its pages it holds unmapped
	// (folio.go).
	folio                     FrameID
	order                     uint8
	largeMap, entireMap, held int32
	// lruPrev and lruNext link the frame into its list (page->lru).
	lruPrev, lruNext FrameID
}

// physMem is the simulated physical memory: a flat slice of frames that
// grows on demand up to limit, and a free list.
type physMem struct {
	frames []Frame
	free   []FrameID
	limit  int // total frames, including the zero page
	inUse  int
	// freeRuns are the free folios of each order (folio.go).
	freeRuns [MaxFolioOrder + 1][]FrameID
}

func newPhysMem(limit int) *physMem {
	pm := &physMem{limit: limit}
	pm.frames = append(pm.frames, Frame{Flags: FrameInUse}) // the zero page
	return pm
}

// alloc returns a free frame, or false if memory is full.
func (pm *physMem) alloc() (FrameID, bool) {
	var f FrameID
	if n := len(pm.free); n > 0 {
		f = pm.free[n-1]
		pm.free = pm.free[:n-1]
	} else if len(pm.frames) < pm.limit {
		f = FrameID(len(pm.frames))
		pm.frames = append(pm.frames, Frame{})
	} else if pm.breakRun() {
		return pm.alloc()
	} else {
		return 0, false
	}
	pm.frames[f] = Frame{Flags: FrameInUse}
	pm.inUse++
	return f, true
}

func (pm *physMem) release(f FrameID) {
	pm.frames[f] = Frame{}
	pm.free = append(pm.free, f)
	pm.inUse--
}
