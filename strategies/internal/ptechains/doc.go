// Package ptechains is the pte-chain store of the Linux 2.5.27 - 2.6.6
// reverse map: for every mapped page, the list of page-table entries that map
// it, kept the way mm/rmap.c of 2.6.0 kept it.
//
// Two strategies of the simulator use it: the full pte-chain rmap (every
// mapped page has a chain) and McCracken's partial object rmap (only
// anonymous pages keep chains; file pages are found through their
// address_space). Both must see the same block layout, the same slab
// footprint and the same walk costs, so the store lives in one package.
//
// # The data structure
//
// struct page carried a one-word union, pte { struct pte_chain *chain;
// pte_addr_t direct; }, and the page flag PG_direct said which member was
// live. A page mapped once needs no chain block at all: the pte address sits
// in the page itself. From the second mapping on, the ptes live in
// cache-line-sized blocks,
//
//	struct pte_chain {
//		unsigned long next_and_idx;
//		pte_addr_t ptes[NRPTE];
//	} ____cacheline_aligned;
//
// NRPTE = (L1_CACHE_BYTES - sizeof(long)) / sizeof(pte_addr_t): 7 on x86-64
// (64-byte line), 7, 15 or 31 on i386 with 32-, 64- or 128-byte lines (see
// NRPTEFor). Because a block is aligned to its own size and NRPTE+1 is a
// power of two, the low bits of the next pointer are free, and next_and_idx
// packs the pointer to the next block with the index of the first used slot
// of this block, so that add finds its slot without scanning.
//
// Here a page's union plus PG_direct is a Head, one uint64 the strategy keeps
// in its per-frame slot:
//
//	page mapped once (PG_direct):
//
//	  Head = D | p1          pte.direct = p1; no block; Len 1, Blocks 0
//
//	page mapped 10 times (NRPTE = 7): Head = handle 12, two blocks
//
//	            next_and_idx   ptes[0] [1]   [2]   [3]   [4]   [5]   [6]
//	  block 12 +------------+-----+-----+-----+-----+-----+-----+-----+
//	  (head)   | next=5|i=4 |  0  |  0  |  0  |  0  | p10 | p9  | p8  |
//	           +-----|------+-----+-----+-----+-----+-----+-----+-----+
//	                 |         free slots (low)   ^ first used slot = 4
//	                 v
//	  block 5  +------------+-----+-----+-----+-----+-----+-----+-----+
//	  (full)   | next=0|i=0 | p7  | p6  | p5  | p4  | p3  | p2  | p1  |
//	           +------------+-----+-----+-----+-----+-----+-----+-----+
//
// p1 was the direct pte; the second add moved it to ptes[6] of a new block
// and put p2 in ptes[5]; p3..p7 filled downwards; p8 found ptes[0] used and
// pushed block 12 in front, taking its last slot. Removing p3 now would move
// p10 (the head's first used pte) into p3's slot and set the head's index to
// 5.
//
// # The rules (page_add_rmap, page_remove_rmap, page_referenced, try_to_unmap)
//
//   - Add to an unmapped page: store the pte as direct, set PG_direct.
//   - Add to a direct page: one new block; the old pte goes in ptes[NRPTE-1],
//     the new one in ptes[NRPTE-2], index NRPTE-2; PG_direct cleared.
//   - Add when ptes[0] of the head block is used (the head is full): push a
//     new head block holding the pte in its last slot, index NRPTE-1.
//   - Otherwise put the pte just below the head's first used slot and
//     decrement the index.
//   - Remove: a direct page whose pte matches becomes unmapped. Otherwise
//     search the blocks, head first; the hole is filled with the head's first
//     used pte, that slot is cleared and the index incremented; an emptied
//     head block is freed and its successor becomes the head. Remove never
//     converts a one-pte chain back to direct mode.
//   - Collapse (page_referenced, i.e. only under memory pressure): a chain of
//     one block with one pte is freed and the page goes direct again.
//   - UnmapEach (try_to_unmap): walk the chain; each pte the callback unmaps
//     is removed with the same fill-from-head rule, during the walk.
//
// # Invariants (checked by Store.Check and Store.CheckAll)
//
//   - Only the head block has free slots, and they are its lowest slots:
//     slots below the head's index are zero, all others are nonzero; every
//     other block is full (index 0).
//   - No block in a chain is empty: an emptied head is freed at once.
//   - A chain never holds 0 or the same pte twice (a pte maps one page once).
//   - Free blocks are zeroed (the slab constructor's state, which the kernel
//     relied on: pte_chain_ctor zeroed objects once, and removal re-zeroes
//     every slot it vacates before __pte_chain_free).
//
// # Slab model
//
// Blocks come from the "pte_chain" slab cache. Here all blocks live in one
// flat []uint64, NRPTE+1 words per block (word 0 is next_and_idx, words
// 1..NRPTE are ptes[0..NRPTE-1]), addressed by a uint32 handle; handle 0 is
// the NULL pointer and its block is never used. Free blocks are linked
// through their next_and_idx word. So a steady-state Add or Remove
// allocates nothing on the Go heap, and the whole store is one pointer-free
// slice the garbage collector never scans. next_and_idx is encoded as
// handle<<s | index with s = bits.Len(NRPTE); when NRPTE+1 is a power of two
// (7, 15, 31) handle<<s is exactly the block's word offset in the slab, so the
// encoding is the kernel's pointer|index.
//
// The kernel fronted the slab with a one-deep per-CPU cache
// (local_pte_chain) because callers preallocate a block before taking the
// page_table_lock and usually hand it back unused. The free list here is
// LIFO, which subsumes that cache: the block freed last is the block handed
// out next. The simulator is single-threaded and Add takes its block only
// when it needs one; a strategy that wants to count the preallocation round
// trip can ask AddNeedsBlock first.
//
// # Cost model
//
//   - Add: O(1); touches at most two blocks (the old head to test ptes[0],
//     the new head), returned as steps.
//   - Remove: O(chain length); the search visits blocks head first and
//     returns how many it read; not-found reads them all.
//   - Each / UnmapEach: O(mappings); steps are blocks visited, the callback
//     sees every pte.
//   - Collapse: O(1).
//   - Memory: ceil(n/NRPTE) blocks of (NRPTE+1) words for a page mapped n >= 2
//     times, none for n = 1; LiveBlocks and PeakBlocks report it.
//
// # Sources
//
//   - Linux 2.6.0 mm/rmap.c (Rik van Riel's pte-based rmap; struct
//     pte_chain, page_add_rmap, page_remove_rmap, page_referenced,
//     try_to_unmap, pte_chain_alloc, __pte_chain_free).
//   - BitKeeper history, HT:d5c8293240: the batching of ptes into
//     cache-line-sized pte_chain blocks, "7, 15 or 31" ptes per block.
//   - BitKeeper history, HT:7cb2b0f4b6: the next_and_idx encoding of the next
//     pointer and the first-used index in one word.
package ptechains
