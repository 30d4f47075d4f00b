package ptechains_test

import (
	"fmt"

	"rmapbench/strategies/internal/ptechains"
)

// A page's life under the pte-chain rmap: direct, chained, unmapped by the
// reclaim walk.
func Example() {
	s := ptechains.New(ptechains.NRPTEFor(64, 8, 8)) // x86-64: 7 ptes per block
	var page ptechains.Head                          // in the strategy's frame table

	s.Add(&page, 0x1000) // first mapping: direct, no block
	fmt.Println("direct:", page.IsDirect(), "blocks:", s.LiveBlocks())

	for pte := ptechains.PTE(0x2000); pte <= 0x9000; pte += 0x1000 {
		s.Add(&page, pte) // 9 mappings in all: two blocks
	}
	fmt.Println("mappings:", s.Len(page), "blocks:", s.Blocks(page))

	// try_to_unmap: remove every pte except one the callback cannot take
	// (a failed trylock, SWAP_AGAIN); keep walking.
	steps := s.UnmapEach(&page, func(pte ptechains.PTE) (remove, stop bool) {
		return pte != 0x5000, false
	})
	fmt.Println("walked blocks:", steps, "left:", s.Len(page), "direct:", page.IsDirect())

	// page_referenced later finds a single mapping and goes direct again.
	fmt.Println("collapsed:", s.Collapse(&page), "direct:", page.IsDirect(), "blocks:", s.LiveBlocks())
	// Output:
	// direct: true blocks: 0
	// mappings: 9 blocks: 2
	// walked blocks: 2 left: 1 direct: false
	// collapsed: true direct: true blocks: 0
}
