package core

// The multi-gen LRU's aging (6.1 mm/vmscan.c, try_to_inc_max_seq and
// walk_mm): instead of asking the rmap of every page whether it was used,
// walk the page tables of every address space and clear the accessed bits
// in bulk — the 2.4 way (swap_out), back again. A young PTE's page has
// its generation counter raised to max_seq (folio_update_gen); then
// max_seq grows by one (inc_max_seq), so pages the walk did not find
// young drift one generation older.
//
// What the walk reads is pt-scan-ptes: every PTE slot of every PTE table
// it does not skip. It skips, as 6.1 does:
//   - an mm that has not run since the last walk (should_skip_mm; the
//     bit lru_gen_use_mm sets at context switch, here set by a touch),
//     and one with fewer than MIN_LRU_BATCH pages resident;
//   - a PTE table the previous walk found with too few young entries: a
//     Bloom filter per generation (two of 2^15 bits, two hash keys from
//     hash_ptr of the table) remembers the tables where at least one PTE
//     in eight was young (suitable_to_scan with 64-byte cache lines); a
//     walk tests the filter built by the walk before it, and builds the
//     next. The first walk has no filter and reads every table.
//
// The non-leaf accessed bit of x86 PMDs (LRU_GEN_NONLEAF_YOUNG), with
// which 6.1 also skips tables nobody touched, is not modelled: page
// tables here have no bits above the PTEs.

const (
	bloomFilterShift = 15 // BLOOM_FILTER_SHIFT
	goldenRatio64    = 0x61C8864680B583EB
)

// bloomFilter is one of lru_gen_mm_state's filters.
type bloomFilter [1 << bloomFilterShift / 64]uint64

// bloomKeys is get_item_key: two keys from hash_ptr(item, 2 * shift).
// The item is the PTE table, named as its PMD entry would be.
func bloomKeys(t tableID) (uint32, uint32) {
	h := uint32((uint64(t) << 3) * goldenRatio64 >> (64 - 2*bloomFilterShift))
	return h & (1<<bloomFilterShift - 1), h >> bloomFilterShift
}

func (b *bloomFilter) test(t tableID) bool {
	k0, k1 := bloomKeys(t)
	return b[k0/64]&(1<<(k0%64)) != 0 && b[k1/64]&(1<<(k1%64)) != 0
}

func (b *bloomFilter) add(t tableID) {
	k0, k1 := bloomKeys(t)
	b[k0/64] |= 1 << (k0 % 64)
	b[k1/64] |= 1 << (k1 % 64)
}

// mgAge is try_to_inc_max_seq: walk every mm, then a new generation.
func (m *Machine) mgAge() error {
	g := &m.rs.mg
	cur := g.filters[g.maxSeq%2]
	next := g.filters[(g.maxSeq+1)%2]
	if next == nil {
		next = new(bloomFilter)
		g.filters[(g.maxSeq+1)%2] = next
	} else {
		*next = bloomFilter{} // reset_bloom_filter
	}
	newGen := genFromSeq(g.maxSeq)
	for _, mm := range m.mmList {
		if !mm.agingUsed {
			continue
		}
		mm.agingUsed = false
		if mm.RSS < minLRUBatch {
			continue
		}
		for _, v := range mm.vmas {
			if err := m.poll(); err != nil {
				return err
			}
			m.pt.forEachLeaf(mm.pgd, v.Start, v.End, func(t tableID, lo, hi int) {
				if cur != nil && !cur.test(t) {
					return
				}
				if m.walkPTEs(t, lo, hi, newGen) {
					next.add(t)
				}
			})
		}
	}
	m.incMaxSeq()
	return nil
}

// walkPTEs is walk_pte_range over slots [lo, hi) of a PTE table: young
// PTEs are made old and their pages promoted to generation gen. It
// reports whether the table is worth the next walk (suitable_to_scan).
func (m *Machine) walkPTEs(t tableID, lo, hi int, gen int) bool {
	tab := m.pt.tables[t]
	young := 0
	for i := lo; i < hi; i++ {
		p := PTE(tab[i])
		if !p.Present() || p.Frame() == ZeroFrame || p&pteAccessed == 0 {
			continue
		}
		tab[i] = uint64(p &^ pteAccessed)
		young++
		m.rs.progress++
		m.mgUpdateGen(p.Frame(), gen)
	}
	m.Stats.PTScanPTEs += int64(hi - lo)
	return young*8 >= hi-lo
}
