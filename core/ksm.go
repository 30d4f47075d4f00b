package core

import (
	"fmt"
	"strconv"
	"unsafe"

	"rmapbench/core/internal/rbtree"
)

// KSM: Kernel Samepage Merging (mm/ksm.c, 2.6.32+; docs/ksm.md). A
// process marks anonymous memory mergeable (MADV_MERGEABLE); ksmd scans
// those pages (a trace's `ksm N`) and maps identical ones to one
// write-protected KSM page, which a write copies again.
//
//	mm_slot list (scan order)      per mm: rmap_items by address
//	head ─ mm A ─ mm B ─ …         ┌───────────────┐
//	        ▲ cursor               │ mm, address   │ one per anonymous page
//	                               │ oldchecksum   │ ksmd has scanned
//	                               └───────────────┘
//	unstable tree (rbtree by content, dropped at every full scan)
//	      rmap_items of pages unchanged since the last scan
//	stable tree (rbtree by content)
//	      stable_node ── the KSM page, its rmap_items (newest first),
//	      │              each with the anonymous object of its VMA
//	      └─ or a chain (4.13+): dups of one content, each a KSM page
//	         with at most max_page_sharing rmap_items
//
// The files: ksm.go (this overview, madvise, the life of an mm),
// ksm_scan.go (ksmd's scan and cmp_and_merge_page), ksm_tree.go (the two
// trees, stable nodes, chains of dups), ksm_merge.go (write-protect,
// replace_page, breaking COW), ksm_walk.go (rmap_walk_ksm).
//
// Sources: 2.6.32 mm/ksm.c (Izik Eidus, Andrea Arcangeli, Chris Wright,
// Hugh Dickins; 31dbd01f3143 and f8af4da3b4c1); Hugh Dickins' 2.6.33
// series "ksm: hold anon_vma in rmap_item", "ksm: let shared pages be
// swappable", "ksm: rmap_walk to remove_migation_ptes" (linux-mm,
// 2009-11-24), which made KSM pages reclaimable through their
// rmap_items; Andrea Arcangeli's 2c653d0ee2ae "ksm: introduce
// ksm_max_page_sharing per page deduplication limit" (4.13); the rest as
// mm/ksm.c of 4.13 - 6.6 has it.
//
// What the kernel does that is left out: NUMA (merge_across_nodes, one
// tree per node, and the migrate_nodes list of KSM pages migration moved
// to another node; migration itself moves a KSM page, migrate.go), THP
// (split_huge_page before merging), use_zero_pages, 6.7's smart scan,
// 5.1 - 5.8's reuse_ksm_page, the KSM-wide unmerge of run=2, and the
// time base of ksmd: a `ksm N` event scans N pages at once, and where
// the kernel waits 2 s between prunes of a chain of dups
// (stable_node_chains_prune_millisecs), the simulator waits one full scan.
// The checksum that keeps changing pages out of the unstable tree is a
// 32-bit hash of the content, as the kernel's.
//
// Where the simulator differs from the kernel. The kernel's rmap of a
// KSM page can miss a mapping for a while, which the verification rule
// does not allow, hence the first three:
//
//   - fork gives the child an rmap_item for every KSM page it maps, as
//     ksmd's next visit of the child would. The kernel leaves that to
//     ksmd and meanwhile finds the child's mapping through the parent's
//     rmap_item (rmap_walk_ksm's second pass, search_new_forks): once the
//     parent's rmap_item goes (the parent exits, or writes the page and
//     ksmd rescans it), the child's mapping cannot be found until ksmd
//     comes round. With an rmap_item per mapping the walk needs one pass.
//   - a page mapped more than once (shared since fork) is not made a KSM
//     page in place (try_to_merge_one_page with no KSM page yet): its
//     other mappings would have no rmap_item. ksmd merges it the other
//     way round, pointing this mapping at a KSM page made of an identical
//     page mapped once, and each of the other mappings when it scans them.
//   - a KSM page still in the swap cache is copied when a swap PTE of it
//     is faulted in (swapInKsmCopy), where the kernel maps it again.
//   - a KSM page's stable node is removed when the page is freed; the
//     kernel notices later, through get_ksm_page's "keyhole" (a stale
//     node found by a search, or when its rmap_items are next scanned).
//     pages_shared and pages_sharing drop at once instead.
//   - `ksm N` stops early once a whole scan changes nothing (KSMScan).
//
// When a process exits, its rmap_items leave the trees at once (the
// kernel's __ksm_exit leaves the mm_slot for ksmd's next step, which
// frees them).

// Advice is the advice of a madvise call the machine understands.
type Advice uint8

const (
	// MadvMergeable is MADV_MERGEABLE.
	MadvMergeable Advice = iota + 1
	// MadvUnmergeable is MADV_UNMERGEABLE.
	MadvUnmergeable
)

// DefaultMaxPageSharing is max_page_sharing's default (4.13+).
const DefaultMaxPageSharing = 256

// ksmState is ksmd's state on one machine: the mm_slot list and its
// cursor (ksm_scan), the two trees and the sysfs counters.
type ksmState struct {
	// maxSharing is max_page_sharing: the most rmap_items of one KSM
	// page; 0 is no limit (before 4.13).
	maxSharing int

	head   ksmSlot          // ksm_mm_head
	slots  map[*MM]*ksmSlot // mm_slots_hash
	cursor *ksmSlot         // ksm_scan.mm_slot
	addr   uint64           // ksm_scan.address
	next   **rmapItem       // ksm_scan.rmap_list
	seqnr  uint64           // ksm_scan.seqnr: full scans completed
	tail   **rmapItem       // the end of a fork child's rmap_list, during Fork
	stable rbtree.Tree[*stableNode]
	// unstable holds the rmap_items of this full scan (root_unstable_tree).
	unstable rbtree.Tree[*rmapItem]

	pagesShared, pagesSharing, pagesUnshared int64
	rmapItems, chains, dups, merged          int64
	// progress counts what a scan changes (rmap_items made or freed,
	// checksums, merges, chains collapsed, mms leaving): a full scan
	// that changes none of it leaves ksmd where it was (KSMScan).
	progress uint64

	itemKind, nodeKind ObjKind
}

// ksmSlot is struct mm_slot: one mm on ksmd's list, with its rmap_items
// in address order.
type ksmSlot struct {
	prev, next *ksmSlot
	mm         *MM
	items      *rmapItem
}

// Host bytes of ksmd's structures, as the budget counts them (budget.go).
const (
	itemBudgetBytes   = int64(unsafe.Sizeof(rmapItem{})) + 8
	nodeBudgetBytes   = int64(unsafe.Sizeof(stableNode{})) + 8
	mmSlotBudgetBytes = int64(unsafe.Sizeof(ksmSlot{})) + 64 // + its map entry
)

// ksmBudgetBytes is what ksmd's structures cost the simulator: one
// rmap_item per page ksmd has found, more than the page tables that map
// those pages (budget.go).
func (m *Machine) ksmBudgetBytes() int64 {
	k := m.ksm
	if k == nil {
		return 0
	}
	return k.rmapItems*itemBudgetBytes + m.Space.Live(k.nodeKind)*nodeBudgetBytes + int64(len(k.slots))*mmSlotBudgetBytes
}

// ksmMaxSharing is the machine's max_page_sharing: the
// "ksm-max-page-sharing" option (0: no limit), else 256.
func ksmMaxSharing(cfg Config) int {
	s, ok := cfg.Options["ksm-max-page-sharing"]
	if !ok {
		return DefaultMaxPageSharing
	}
	n, err := ParseMaxPageSharing(s)
	if err != nil {
		panic("core: " + err.Error())
	}
	return n
}

// ParseMaxPageSharing parses a max_page_sharing setting: 0 for no limit
// (the kernels before 4.13), or at least 2, as sysfs accepts.
func ParseMaxPageSharing(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n == 1 || n > 1<<30 {
		return 0, fmt.Errorf("max_page_sharing %q: want 0 (no limit, before 4.13) or a number of at least 2", s)
	}
	return n, nil
}

// ksmInit starts ksmd's state on the first MADV_MERGEABLE.
func (m *Machine) ksmInit() *ksmState {
	if m.ksm != nil {
		return m.ksm
	}
	k := &ksmState{maxSharing: ksmMaxSharing(m.cfg), slots: make(map[*MM]*ksmSlot)}
	k.head.prev, k.head.next = &k.head, &k.head
	k.cursor = &k.head
	itemSize, _ := m.Arch.StructSize("rmap_item")
	nodeSize, _ := m.Arch.StructSize("stable_node")
	// ksmd's structures are the same under every strategy; they are not
	// counted in rmap-obj-B (docs/accounting.md).
	k.itemKind = m.Space.Register("rmap_item", itemSize, false)
	k.nodeKind = m.Space.Register("stable_node", nodeSize, false)
	m.ksm = k
	return k
}

// Madvise is madvise(2) with MADV_MERGEABLE or MADV_UNMERGEABLE over the
// VMAs inside [addr, addr+length) (ksm_madvise). Parts of the range that
// nothing maps are passed over (Linux applies the advice to the rest and
// returns ENOMEM). MADV_MERGEABLE ignores shared mappings, as the kernel
// does; MADV_UNMERGEABLE first copies every KSM page of the range back to
// a private page (unmerge_ksm_pages). VMAs split and merge as the flag
// VM_MERGEABLE asks.
func (m *Machine) Madvise(pid, addr, length uint64, advice Advice) error {
	if err := checkRange("madvise", addr, length); err != nil {
		return err
	}
	if advice != MadvMergeable && advice != MadvUnmergeable {
		return inputErr("madvise: unknown advice %d", advice)
	}
	mm, err := m.Process(pid)
	if err != nil {
		return err
	}
	t := m.startOp(OpMadvise)
	defer m.endOp(t, OpMadvise, 1)
	on := advice == MadvMergeable
	end := addr + length
	changes := func(v *VMA) bool { return v.Mergeable != on && !v.Shared }
	vs := vmasIn(mm, addr, end)
	changed := false
	for _, v := range vs {
		changed = changed || changes(v)
	}
	if !changed {
		return nil
	}
	if on {
		m.ksmEnter(mm)
	}
	for _, v := range vs {
		if !changes(v) {
			continue
		}
		if v.Start < addr {
			v = m.split(v, addr)
		}
		if v.End > end {
			m.split(v, end)
		}
		if !on && m.hasAnonState(v) {
			if err := m.ksmUnmerge(v, v.Start, v.End); err != nil {
				return err
			}
		}
		v.Mergeable = on
	}
	m.mergeRange(mm, addr, end)
	return nil
}

// ksmEnter is __ksm_enter: mm joins ksmd's list just behind the cursor,
// so that ksmd reaches it at the end of the scan under way.
func (m *Machine) ksmEnter(mm *MM) {
	k := m.ksmInit()
	if k.slots[mm] != nil {
		return
	}
	s := &ksmSlot{mm: mm}
	at := k.cursor
	s.prev, s.next = at.prev, at
	at.prev.next = s
	at.prev = s
	k.slots[mm] = s
}

// ksmFork is ksm_fork: a child of an mm on ksmd's list joins it too.
// Fork then gives the child its rmap_items (ksmForkAttach).
func (m *Machine) ksmFork(parent, child *MM) {
	k := m.ksm
	if k == nil || k.slots[parent] == nil {
		return
	}
	m.ksmEnter(child)
	k.tail = &k.slots[child].items
}

// ksmForkAttach gives the fork child an rmap_item for the KSM page f it
// maps at addr in v, at the end of its list (fork copies in address
// order), on f's stable node: what ksmd's next visit of the child would
// do (cmp_and_merge_page of "a KSM page forked"), done now so that the
// walk finds the mapping (ksm.go). Fork may take a KSM page past
// max_page_sharing, as the kernel lets it.
func (m *Machine) ksmForkAttach(v *VMA, addr uint64, f FrameID) {
	k := m.ksm
	n := ksmNodeOf(&m.pm.frames[f])
	if n == nil || k.tail == nil {
		panic("core: ksm: fork copied a KSM page outside ksmd's mms")
	}
	it := m.ksmNewItem(v.MM, addr)
	*k.tail = it
	k.tail = &it.next
	anon, ok := m.rm.(KSMLinker).KSMLink(v)
	if !ok {
		panic("core: ksm: a strategy refused a KSM page forked in a VMA it linked")
	}
	it.anon = anon
	m.ksmAppend(it, n)
}

// ksmExit is __ksm_exit together with the step of ksmd that frees an
// exited mm's slot: every rmap_item of mm leaves the trees and is freed.
// The mm's pages are already unmapped.
func (m *Machine) ksmExit(mm *MM) {
	k := m.ksm
	if k == nil {
		return
	}
	s := k.slots[mm]
	if s == nil {
		return
	}
	m.ksmFreeItems(&s.items) // before the cursor moves on: it may end the scan
	if k.cursor == s {
		k.moveCursor(s.next)
	}
	m.ksmDropSlot(s)
}

// ksmDropSlot takes s, whose rmap_items are gone, off ksmd's list.
func (m *Machine) ksmDropSlot(s *ksmSlot) {
	k := m.ksm
	k.progress++
	s.prev.next = s.next
	s.next.prev = s.prev
	delete(k.slots, s.mm)
}

// moveCursor points ksm_scan at slot s, from its first address; passing
// the list head completes a full scan.
func (k *ksmState) moveCursor(s *ksmSlot) {
	k.cursor = s
	k.addr = 0
	if s == &k.head {
		k.seqnr++
		k.next = nil
		return
	}
	k.next = &s.items
}

// hasAnonState reports whether v has anonymous rmap state: the
// strategy's vma->anon_vma (AnonStater), else core's record of
// anon_vma_prepare (forkcopy.go).
func (m *Machine) hasAnonState(v *VMA) bool {
	if s, ok := m.rm.(AnonStater); ok {
		return s.HasAnonState(v)
	}
	return v.anonPrepared
}

// KSMStats are ksmd's counters, as /sys/kernel/mm/ksm has them, and what
// the simulator counts besides.
type KSMStats struct {
	// Active reports that some process asked for KSM (MADV_MERGEABLE).
	Active bool
	// PagesShared is the number of KSM pages in use; PagesSharing the
	// further mappings sharing them; PagesUnshared the pages in the
	// unstable tree; PagesVolatile the other rmap_items (pages that
	// change too fast to be tried).
	PagesShared, PagesSharing, PagesUnshared, PagesVolatile int64
	// RmapItems is the number of rmap_items.
	RmapItems int64
	// StableNodeChains and StableNodeDups count the chains of dups
	// (4.13+) and the KSM pages on them.
	StableNodeChains, StableNodeDups int64
	// FullScans is the number of full scans ksmd completed.
	FullScans int64
	// Merged is the number of page-table entries ksmd pointed at a KSM
	// page (a page made a KSM page in place counts one).
	Merged int64
}

// KSMStats returns ksmd's counters.
func (m *Machine) KSMStats() KSMStats {
	k := m.ksm
	if k == nil {
		return KSMStats{}
	}
	return KSMStats{
		Active:           true,
		PagesShared:      k.pagesShared,
		PagesSharing:     k.pagesSharing,
		PagesUnshared:    k.pagesUnshared,
		PagesVolatile:    k.rmapItems - k.pagesShared - k.pagesSharing - k.pagesUnshared,
		RmapItems:        k.rmapItems,
		StableNodeChains: k.chains,
		StableNodeDups:   k.dups,
		FullScans:        int64(k.seqnr),
		Merged:           k.merged,
	}
}

// MaxPageSharing returns the machine's max_page_sharing (0: no limit).
func (m *Machine) MaxPageSharing() int { return ksmMaxSharing(m.cfg) }
