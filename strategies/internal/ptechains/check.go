package ptechains

import (
	"errors"
	"fmt"
)

// Check verifies the invariants of one page's reverse map and returns an
// error describing the first violation, or nil:
//
//   - a direct pte is a valid PTE; a chain handle names a carved, non-NULL
//     block and the chain ends (no cycle);
//   - the head block's slots below its first-used index are zero and all
//     slots from it up are nonzero; every later block is full (index 0) with
//     no zero slot; so no block is empty and only the head has free slots,
//     in its low slots;
//   - no pte appears twice.
//
// It costs O(mappings) time and allocates; it is meant for tests.
func (s *Store) Check(h Head) error {
	_, err := s.check(h, nil)
	return err
}

// check does Check and, if owner is not nil, marks each block of the chain in
// owner, failing if a block is already marked (shared by two chains). It
// returns the number of blocks.
func (s *Store) check(h Head, owner []bool) (int, error) {
	if h == 0 {
		return 0, nil
	}
	if h&directFlag != 0 {
		p := PTE(h &^ directFlag)
		if p == 0 {
			return 0, errors.New("direct head with pte 0")
		}
		return 0, nil
	}
	if uint64(h) > 1<<32-1 {
		return 0, fmt.Errorf("chain head %#x: handle out of range", uint64(h))
	}
	carved := len(s.mem)/s.stride - 1
	seen := make(map[PTE]int)
	n := 0
	for b, pos := uint32(h), 0; b != 0; b, pos = s.next(b), pos+1 {
		if int(b) > carved {
			return n, fmt.Errorf("block %d (#%d in chain): handle beyond the slab (%d blocks)", b, pos, carved)
		}
		if n >= carved {
			return n, fmt.Errorf("chain longer than the slab (%d blocks): cycle through block %d", carved, b)
		}
		n++
		if owner != nil {
			if owner[b] {
				return n, fmt.Errorf("block %d (#%d in chain) belongs to another chain or repeats", b, pos)
			}
			owner[b] = true
		}
		idx := s.idx(b)
		if idx >= s.nrpte {
			return n, fmt.Errorf("block %d (#%d in chain) is empty (index %d): freed or never filled", b, pos, idx)
		}
		if pos > 0 && idx != 0 {
			return n, fmt.Errorf("block %d (#%d in chain) is not the head but has free slots (index %d)", b, pos, idx)
		}
		o := s.base(b)
		for i := 0; i < s.nrpte; i++ {
			p := s.mem[o+1+i]
			if i < idx {
				if p != 0 {
					return n, fmt.Errorf("head block %d: slot %d below first used index %d holds %#x", b, i, idx, p)
				}
				continue
			}
			if p == 0 {
				return n, fmt.Errorf("block %d (#%d in chain): used slot %d is zero", b, pos, i)
			}
			if p > MaxPTE {
				return n, fmt.Errorf("block %d (#%d in chain): slot %d holds invalid pte %#x", b, pos, i, p)
			}
			if where, dup := seen[p]; dup {
				return n, fmt.Errorf("pte %#x appears twice (blocks #%d and #%d in chain)", p, where, pos)
			}
			seen[p] = pos
		}
	}
	return n, nil
}

// CheckAll checks every head with Check and then the slab as a whole: no
// block belongs to two chains, LiveBlocks equals the blocks in the given
// chains (so heads must be every page the store serves), and the free list
// holds exactly the remaining carved blocks, each zeroed and marked empty.
// For tests.
func (s *Store) CheckAll(heads []Head) error {
	carved := len(s.mem)/s.stride - 1
	owner := make([]bool, carved+1)
	total := 0
	for i, h := range heads {
		n, err := s.check(h, owner)
		if err != nil {
			return fmt.Errorf("head %d (%#x): %w", i, uint64(h), err)
		}
		total += n
	}
	if total != s.live {
		return fmt.Errorf("LiveBlocks %d but the heads' chains hold %d blocks", s.live, total)
	}
	nfree := 0
	for b := s.freeList; b != 0; b = s.next(b) {
		if int(b) > carved {
			return fmt.Errorf("free list: handle %d beyond the slab (%d blocks)", b, carved)
		}
		if owner[b] {
			return fmt.Errorf("free list: block %d is also in a chain, or the free list cycles", b)
		}
		owner[b] = true
		nfree++
		if s.idx(b) != s.nrpte {
			return fmt.Errorf("free block %d: index %d, want %d (empty)", b, s.idx(b), s.nrpte)
		}
		o := s.base(b)
		for i := 0; i < s.nrpte; i++ {
			if s.mem[o+1+i] != 0 {
				return fmt.Errorf("free block %d: slot %d not zeroed (%#x)", b, i, s.mem[o+1+i])
			}
		}
	}
	if nfree != s.nfree {
		return fmt.Errorf("free list holds %d blocks, counter says %d", nfree, s.nfree)
	}
	if s.live+nfree != carved {
		return fmt.Errorf("%d live + %d free blocks != %d carved: blocks leaked", s.live, nfree, carved)
	}
	for i, v := range s.mem[:s.stride] {
		if v != 0 {
			return fmt.Errorf("NULL block word %d written (%#x)", i, v)
		}
	}
	if s.allocs-s.frees != uint64(s.live) {
		return fmt.Errorf("allocs %d - frees %d != live %d", s.allocs, s.frees, s.live)
	}
	return nil
}
