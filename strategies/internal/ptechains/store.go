package ptechains

import (
	"fmt"
	"math/bits"
)

// PTE is a page-table-entry address (pte_addr_t). 0 is never a valid PTE
// address (it is the kernel's "empty slot" value), and the top bit is taken
// by the PG_direct flag of Head, so valid values are 1..MaxPTE.
type PTE = uint64

// MaxPTE is the largest PTE value the store accepts.
const MaxPTE PTE = 1<<63 - 1

// Head is the per-page rmap word: the struct page union pte { chain; direct }
// together with the PG_direct flag, in one plain integer. It is
//
//	0                  the page is not mapped (pte.direct == 0)
//	directFlag | pte   PG_direct set, pte.direct = pte
//	handle (1..2^32-1) pte.chain = the head block
//
// The zero Head is an unmapped page, so a strategy's frame table needs no
// initialisation. A Head holds no Go pointer; copying one is only safe as a
// snapshot (Add, Remove, UnmapEach and Collapse take *Head because they
// rewrite it, as the kernel rewrote page->pte).
type Head uint64

// directFlag plays PG_direct. It is the top bit so that handles and direct
// ptes are both plain small integers underneath.
const directFlag Head = 1 << 63

// IsDirect reports whether the page is mapped exactly once through the direct
// pte (PG_direct).
func (h Head) IsDirect() bool { return h&directFlag != 0 }

// IsEmpty reports whether the page has no reverse mapping at all.
func (h Head) IsEmpty() bool { return h == 0 }

// IsChain reports whether the page's ptes live in chain blocks.
func (h Head) IsChain() bool { return h != 0 && h&directFlag == 0 }

// Direct returns the direct pte, if the page is in direct mode.
func (h Head) Direct() (PTE, bool) {
	if h&directFlag == 0 {
		return 0, false
	}
	return PTE(h &^ directFlag), true
}

// Store is the pte_chain slab plus the chain operations. The zero Store is not
// usable; call New. A Store is not safe for concurrent use (the kernel
// serialised each chain with PG_chainlock; the simulator is single-threaded).
type Store struct {
	nrpte  int    // ptes per block
	stride int    // words per block: next_and_idx + nrpte ptes
	shift  uint   // width of the index field in next_and_idx
	mask   uint64 // 1<<shift - 1

	// mem is the slab: block b occupies mem[b*stride : (b+1)*stride], word 0
	// its next_and_idx, words 1..nrpte its ptes[0..nrpte-1]. Block 0 is the
	// NULL block and is never handed out, so handle 0 can mean "none" in
	// Head, in next_and_idx and in the free list.
	mem []uint64

	freeList uint32 // first free block, linked through next_and_idx; 0 = none
	nfree    int    // blocks on the free list

	live, peak    int
	allocs, frees uint64

	// Touch, if set, is called with every block a chain operation reads
	// or writes, once per step it reports: the strategy hands it to its
	// machine's cost model (core.Machine.Step).
	Touch func(block uint32)
}

func (s *Store) touch(b uint32) {
	if s.Touch != nil {
		s.Touch(b)
	}
}

// New returns a store whose blocks hold nrpte ptes each (7 for x86-64; see
// NRPTEFor). nrpte must be at least 2, since converting a direct page to a
// chain puts two ptes in one block.
func New(nrpte int) *Store {
	if nrpte < 2 || nrpte > 1<<16 {
		panic(fmt.Sprintf("ptechains: NRPTE %d out of range [2, 65536]", nrpte))
	}
	// The index field must hold 0..nrpte: nrpte itself marks an empty
	// block, which only free blocks are.
	shift := uint(bits.Len(uint(nrpte)))
	s := &Store{
		nrpte:  nrpte,
		stride: nrpte + 1,
		shift:  shift,
		mask:   1<<shift - 1,
	}
	s.mem = make([]uint64, s.stride) // the NULL block
	return s
}

// NRPTEFor is the kernel's NRPTE = (L1_CACHE_BYTES - sizeof(long)) /
// sizeof(pte_addr_t): 7 for x86-64 (64, 8, 8), 7, 15, 31 for i386 with 32-,
// 64-, 128-byte lines (long and pte_addr_t 4 bytes), 7 for i386 PAE with
// 64-byte lines (long 4, pte_addr_t 8).
func NRPTEFor(l1CacheBytes, longBytes, pteAddrBytes int) int {
	return (l1CacheBytes - longBytes) / pteAddrBytes
}

// NRPTE returns the number of ptes per block.
func (s *Store) NRPTE() int { return s.nrpte }

// --- next_and_idx and slab helpers ---------------------------------------

func (s *Store) base(b uint32) int { return int(b) * s.stride }

func (s *Store) encode(next uint32, idx int) uint64 { return uint64(next)<<s.shift | uint64(idx) }

// next is pte_chain_next.
func (s *Store) next(b uint32) uint32 { return uint32(s.mem[s.base(b)] >> s.shift) }

// idx is pte_chain_idx: the first used slot of block b.
func (s *Store) idx(b uint32) int { return int(s.mem[s.base(b)] & s.mask) }

// alloc takes a block from the slab: the free list first (LIFO, standing in
// for the per-CPU one-deep cache in front of the slab), else a new block at
// the end. The block's ptes are zero (slab-constructor state); its
// next_and_idx is left for the caller to set.
func (s *Store) alloc() uint32 {
	var b uint32
	if s.freeList != 0 {
		b = s.freeList
		s.freeList = s.next(b)
		s.nfree--
	} else {
		n := len(s.mem) / s.stride
		if n > 1<<32-1 {
			panic("ptechains: slab exhausted (2^32-1 blocks)")
		}
		b = uint32(n)
		// append(x, make(...)...) extends in place without a temporary.
		s.mem = append(s.mem, make([]uint64, s.stride)...)
	}
	s.live++
	if s.live > s.peak {
		s.peak = s.live
	}
	s.allocs++
	return b
}

// release is __pte_chain_free. The caller has zeroed every pte of b. The
// index field is set to nrpte ("no slot used") so that a stale handle to a
// free block fails Check instead of reading as a valid chain.
func (s *Store) release(b uint32) {
	s.mem[s.base(b)] = s.encode(s.freeList, s.nrpte)
	s.freeList = b
	s.nfree++
	s.live--
	s.frees++
}

// --- page_add_rmap / page_remove_rmap ------------------------------------

// AddNeedsBlock reports whether Add(h, ...) would take a block from the slab:
// true for a direct page and for a chain whose head block is full. The kernel
// caller could not know this under the lock and always preallocated; a
// strategy can use this to count the blocks that came back unused.
func (s *Store) AddNeedsBlock(h Head) bool {
	if h == 0 {
		return false
	}
	if h&directFlag != 0 {
		return true
	}
	return s.mem[s.base(uint32(h))+1] != 0
}

// Add records ptep in the chain of the page whose head is *h
// (page_add_rmap). It returns the number of chain blocks it touched: 0 when
// the page goes direct, 1 when a direct page converts to a chain or the pte
// goes into a free slot of the head block, 2 when a full head (read to test
// ptes[0]) gets a new block pushed in front of it.
//
// Add does not look for duplicates (neither did the kernel; it would make add
// O(n)); adding a pte already in the chain is a caller bug that Check
// reports. Add panics if ptep is 0 or above MaxPTE.
func (s *Store) Add(h *Head, ptep PTE) (steps int) {
	if ptep-1 >= MaxPTE { // ptep == 0 or ptep > MaxPTE
		panic(fmt.Sprintf("ptechains: invalid pte address %#x", ptep))
	}
	cur := *h
	if cur == 0 {
		*h = Head(ptep) | directFlag
		return 0
	}
	last := s.nrpte // word offset of ptes[NRPTE-1] within a block
	if cur&directFlag != 0 {
		// Convert a direct pointer into a pte_chain.
		b := s.alloc()
		o := s.base(b)
		s.mem[o+last] = uint64(cur &^ directFlag)
		s.mem[o+last-1] = ptep
		s.mem[o] = s.encode(0, s.nrpte-2)
		*h = Head(b)
		s.touch(b)
		return 1
	}
	head := uint32(cur)
	o := s.base(head)
	if s.mem[o+1] != 0 {
		// ptes[0] is used: the head is full; push a new head.
		b := s.alloc()
		no := s.base(b)
		s.mem[no] = s.encode(head, s.nrpte-1)
		s.mem[no+last] = ptep
		*h = Head(b)
		s.touch(head)
		s.touch(b)
		return 2
	}
	// Slot idx-1 is word idx of the block; decrementing next_and_idx
	// decrements the index field (which is > 0 here) without touching next.
	idx := int(s.mem[o] & s.mask)
	s.mem[o+idx] = ptep
	s.mem[o]--
	s.touch(head)
	return 1
}

// Remove removes ptep from the page's reverse map (page_remove_rmap). found
// is false if ptep is not there, which is a caller bug (the kernel silently
// ignored it). steps is the number of blocks searched.
//
// The hole left by ptep is filled with the head block's first used pte, so
// only the head ever has free slots; an emptied head is freed. A chain left
// with one pte stays a chain: only Collapse (page_referenced) goes back to
// direct mode.
func (s *Store) Remove(h *Head, ptep PTE) (found bool, steps int) {
	cur := *h
	if cur == 0 || ptep == 0 {
		return false, 0
	}
	if cur&directFlag != 0 {
		if PTE(cur&^directFlag) == ptep {
			*h = 0
			return true, 0
		}
		return false, 0
	}
	start := uint32(cur)
	so := s.base(start)
	victim := so + 1 + int(s.mem[so]&s.mask) // word of the head's first used pte
	for pc := start; pc != 0; {
		o := s.base(pc)
		w := s.mem[o]
		steps++
		s.touch(pc)
		used := s.mem[o+1+int(w&s.mask) : o+1+s.nrpte]
		for i, pa := range used {
			if pa != ptep {
				continue
			}
			used[i] = s.mem[victim]
			s.mem[victim] = 0
			if victim == so+s.nrpte {
				// Emptied the head block.
				*h = Head(s.next(start))
				s.release(start)
			} else {
				s.mem[so]++
			}
			return true, steps
		}
		pc = uint32(w >> s.shift)
	}
	return false, steps
}

// --- walks ---------------------------------------------------------------

// Each calls fn for every pte of the page (the direct pte, or every pte of
// every block, head block first, each block from its first used slot up)
// until fn returns false. It returns the number of blocks visited (0 for a
// direct or unmapped page). This is the page_referenced walk.
//
// fn must not add to or remove from this page's chain (use UnmapEach to
// remove during a walk); it may change other pages' chains in the same
// store.
func (s *Store) Each(h Head, fn func(PTE) bool) (steps int) {
	if h == 0 {
		return 0
	}
	if h&directFlag != 0 {
		fn(PTE(h &^ directFlag))
		return 0
	}
	for pc := uint32(h); pc != 0; {
		o := s.base(pc)
		w := s.mem[o]
		steps++
		s.touch(pc)
		for i := o + 1 + int(w&s.mask); i <= o+s.nrpte; i++ {
			// Index s.mem afresh on every call: fn may grow the slab
			// by adding to another page.
			if !fn(s.mem[i]) {
				return steps
			}
		}
		pc = uint32(w >> s.shift)
	}
	return steps
}

// UnmapEach is the try_to_unmap walk. It calls fn for every pte of the page,
// in Each's order, exactly once, until fn reports stop. When fn reports
// remove, that pte is removed from the page at once with Remove's
// fill-from-head rule, without a second search. It returns the number of
// blocks visited; *h is updated (to 0 when the last pte goes).
//
// Why this is safe (the 2.6.0 argument, "it works out"): the pte that fills a
// hole is always the head block's first used pte, which in walk order is at
// or before the current position, so it has been seen already (and kept, or
// it would have been removed); moving it into the current slot, which the
// walk then passes, neither repeats it nor skips anything. The ptes fn has
// not yet seen are never moved. An emptied head block is freed and its
// successor, which is full, becomes the head with first used slot 0.
//
// The callback sees the ptes in exactly the order Each would have shown them
// before the call. A remove for a direct page clears it. fn must not add to or
// remove from this page's chain itself; it may change other pages' chains.
func (s *Store) UnmapEach(h *Head, fn func(PTE) (remove, stop bool)) (steps int) {
	cur := *h
	if cur == 0 {
		return 0
	}
	if cur&directFlag != 0 {
		if remove, _ := fn(PTE(cur &^ directFlag)); remove {
			*h = 0
		}
		return 0
	}
	start := uint32(cur)
	victimIdx := s.idx(start)
	for pc := start; pc != 0; {
		next := s.next(pc)
		steps++
		s.touch(pc)
		for i := s.idx(pc); i < s.nrpte; i++ {
			o := s.base(pc)
			remove, stop := fn(s.mem[o+1+i])
			if remove {
				so := s.base(start)
				s.mem[o+1+i] = s.mem[so+1+victimIdx]
				s.mem[so+1+victimIdx] = 0
				victimIdx++
				if victimIdx == s.nrpte {
					// Emptied the head. It is never a block still to be
					// walked: if it is pc, i is its last slot.
					nh := s.next(start)
					*h = Head(nh)
					s.release(start)
					start, victimIdx = nh, 0
				} else {
					s.mem[so]++
				}
			}
			if stop {
				return steps
			}
		}
		pc = next
	}
	return steps
}

// Collapse turns a chain of one block holding one pte back into a direct pte
// and frees the block, as page_referenced did when its walk counted exactly
// one mapping (the only place 2.6.0 went back to PG_direct, so that it
// happened only under memory pressure). It reports whether it collapsed.
// O(1): a one-pte chain is necessarily one block with the pte in
// ptes[NRPTE-1].
func (s *Store) Collapse(h *Head) bool {
	cur := *h
	if cur == 0 || cur&directFlag != 0 {
		return false
	}
	b := uint32(cur)
	o := s.base(b)
	if s.mem[o] != s.encode(0, s.nrpte-1) {
		return false
	}
	p := s.mem[o+s.nrpte]
	s.mem[o+s.nrpte] = 0
	s.release(b)
	*h = Head(p) | directFlag
	return true
}

// --- sizes and statistics ------------------------------------------------

// Len returns the number of ptes mapping the page. O(blocks).
func (s *Store) Len(h Head) int {
	if h == 0 {
		return 0
	}
	if h&directFlag != 0 {
		return 1
	}
	b := uint32(h)
	n := s.nrpte - s.idx(b)
	for b = s.next(b); b != 0; b = s.next(b) {
		n += s.nrpte
	}
	return n
}

// Blocks returns the number of chain blocks of the page (0 when unmapped or
// direct). O(blocks).
func (s *Store) Blocks(h Head) int {
	if h == 0 || h&directFlag != 0 {
		return 0
	}
	n := 0
	for b := uint32(h); b != 0; b = s.next(b) {
		n++
	}
	return n
}

// LiveBlocks returns the number of blocks now in chains.
func (s *Store) LiveBlocks() int { return s.live }

// PeakBlocks returns the largest LiveBlocks since New or ResetPeak.
func (s *Store) PeakBlocks() int { return s.peak }

// ResetPeak restarts peak tracking at the current LiveBlocks, for measuring
// one phase of a run.
func (s *Store) ResetPeak() { s.peak = s.live }

// Stats is the slab's accounting.
type Stats struct {
	Live   int    // blocks in chains (LiveBlocks)
	Peak   int    // PeakBlocks
	Free   int    // blocks on the free list
	Slab   int    // blocks ever carved from the slab: Live + Free
	Allocs uint64 // blocks taken (pte_chain_alloc that was consumed)
	Frees  uint64 // blocks released (__pte_chain_free)
}

// Stats returns the slab's accounting.
func (s *Store) Stats() Stats {
	return Stats{
		Live:   s.live,
		Peak:   s.peak,
		Free:   s.nfree,
		Slab:   len(s.mem)/s.stride - 1,
		Allocs: s.allocs,
		Frees:  s.frees,
	}
}

// BlockWords is the size of one block in 64-bit words (NRPTE+1): 8 words, one
// 64-byte cache line, for NRPTE = 7 on x86-64.
func (s *Store) BlockWords() int { return s.stride }
