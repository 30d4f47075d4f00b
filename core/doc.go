// Package core is the simulated MMU that every reverse-mapping strategy of
// rmapbench runs on, the Rmapper interface through which a strategy sees
// the MMU, the oracle that checks it, and the space model that counts its
// objects. core knows no strategy.
//
// # The machine
//
//	processes (MM)                 page-table arena (one per Machine)
//	┌────────────┐   pgd           ┌────┬────┬────┬─────────────┐
//	│ pid 7      │ ──────────────▶ │PGD │PUD │PMD │ PTE table … │  tableID → [512]uint64
//	│ VMAs, by   │                 └────┴────┴────┴─────────────┘  meta: owner mm, base address
//	│ address    │                  PTEAddr = tableID<<9 | slot  (a pte_t *)
//	└────────────┘                  PTE = frame<<12 | present|write|accessed|dirty,
//	      │                               or a swap entry, a nonlinear file entry,
//	      │                               or (inside Migrate only) a migration entry
//	      ▼
//	VMA [start,end) pgoff prot shared file nonlinear ── Rmap (strategy) ── IndexNode (i_mmap)
//	      │ file                                   frames (flat slice)
//	      ▼                                        ┌─────────────────────────────────────┐
//	File: page cache pgoff→frame,                  │ File/Anon (mapping) Index MapCount   │
//	      i_mmap (FileIndex: list/prio/interval),  │ Flags Slot (per strategy) Content    │
//	      nonlinear list                           └─────────────────────────────────────┘
//	swap: slots with a resident copy (swap cache) or the content while out
//
// Frames, PTEs and page tables live in flat slices: fork copies only the
// PTE tables that exist (cost proportional to the present PTEs), and fork
// and exit allocate nothing per PTE. Frame 0 is the zero page, which read
// faults on anonymous memory map and which takes no part in rmap.
//
// Operations (Machine methods, one per trace event): Mmap (MAP_FIXED, with
// vma_merge), Munmap and Mprotect (split and merge as Linux does), Mremap
// (move, grow, shrink; anonymous vm_pgoff kept), Fork (copy-on-write; the
// VMAs copied follow the era's policy, forkcopy.go), Exec, Exit, Touch
// (read/write faults, COW break, swap-in), DontNeed, Remap
// (remap_file_pages), Mlock and Munlock (VM_LOCKED, mlock.go), Madvise
// (MADV_MERGEABLE, MADV_UNMERGEABLE) and KSMScan (ksmd: KSM merges pages
// of identical content into write-protected KSM pages, ksm.go), Migrate
// (move_pages: each page to a new frame through the strategy's walks,
// migrate.go), Reclaim (pages chosen by the aging policy, Config.Aging:
// 2.6's active/inactive lists, 6.1's multi-gen LRU or seeded random
// victims; page_referenced and try_to_unmap through the strategy;
// anonymous pages to swap, dirty file pages written back). A write can
// give pages a content (TouchValue, content.go), so that identical pages
// exist. When memory (Config.MemBytes) is full,
// allocation reclaims as kswapd would. Every touch sets the PTE's
// accessed bit (and dirty bit on a write), as the MMU does; a fault
// installs a young PTE (mk_pte with x86's _PAGE_ACCESSED), fork's copy is
// old (pte_mkold); only the aging and the unmap paths clear the bit
// (ReferencedOne, UnmapOneIfOld, ClearYoung). Runs are deterministic for
// a seed. The simulator's own memory (page tables, VMAs, processes,
// frames, names) has a budget, Config.MaxSimBytes (budget.go): an
// operation that would pass it fails with a *BudgetError before it
// starts. Long operations stop when Config.Ctx is cancelled (cancel.go).
//
// # The Rmapper interface, and why each hook exists
//
// The MMU calls a strategy where the kernel of its era called rmap code.
// Every hook exists because at least one strategy must do work there:
//
//	hook          kernel counterpart                 who needs it
//	MMInit        exec_rmap / dup_rmap               anonmm: a new chain at exec, a member at fork
//	MMExit        exit_rmap                          anonmm: the mm leaves its chain
//	VMACreated    (mmap without merge)               none of the six (a place for new designs)
//	VMAFork       anon_vma_link / anon_vma_fork      anonvma: share the list; anonvma-avc: clone the chain
//	VMASplit      __split_vma + anon_vma_clone       anonvma: link the new half; avc: clone and re-key
//	VMAAdjusted   vma_adjust (range changed)         anonvma-avc: re-key its interval trees
//	CanMerge      is_mergeable_anon_vma              anon_vma strategies: different anon_vmas do not merge
//	VMAMerge      anon_vma_merge                     anon_vma strategies: unlink the absorbed VMA
//	VMAMove       copy_vma (mremap)                  anon_vma strategies: the copy joins the anon_vma
//	VMAUnlink     unlink_anon_vmas / anon_vma_unlink anon_vma strategies: free what empties
//	AnonPrepare   anon_vma_prepare                   anon_vma strategies: find or allocate at first fault
//	PageAdd       page_add_{anon,file}_rmap,         every strategy: a chain entry (ptechain), the page's
//	              page_add_rmap                      anon identity (anonmm: vaddr; anon_vma: offset)
//	PagesDup      copy_page_range's per-PTE rmap     ptechain/filelinear: page_add_rmap per copied PTE
//	PagesRemove   zap_pte_range's page_remove_rmap   ptechain/filelinear: chain search; anonmm: drop ref
//	PageMove      move_page_tables                   ptechain: re-point the entry; anonmm: re-index or copy
//	Walk          rmap_walk (no side effects)        the oracle's check of every strategy
//	TryToUnmap    try_to_unmap                       reclaim: unmap a page it chose (unmap-walks)
//	PageReferenced page_referenced, folio_referenced aging: "who used this page?", asked of every mapped
//	               (the rmap walk)                   page reclaim looks at; the walk that runs most
//	PageReuser    page_move_anon_rmap (optional)     anonvma-avc: a reused COW page moves to its VMA's anon_vma
//	KSMLinker     rmap_item->anon_vma (optional)     anon_vma strategies: what an rmap_item of a KSM page keeps
//	              (get_anon_vma / put_anon_vma)      to find it (KSMWalk); anonmm refuses KSM pages
//	PageMigrator  folio_migrate_mapping's share of   ptechain/filelinear: the chain head (Frame.Slot) moves to
//	              rmap state (optional)              the new page; the MMU copies only Anon, File and Index
//	FolioRmapper  folio_{add_new_anon,try_dup_anon,  anonvma-folio: one call per run of PTEs of a large folio at
//	              remove}_rmap_ptes (optional, 6.8+) fault, fork and zap instead of one per PTE (folio.go), and
//	              and their _pmd variants              one per PMD mapping of a THP (-thp always, thp.go)
//
// Page migration (migrate.go, the trace's migrate) adds no walk: its
// try_to_migrate is TryToUnmap while Machine.Migrating (UnmapOne leaves
// migration entries, Machine.Mlocked ignores VM_LOCKED, UnmapOneIfOld the
// accessed bit), and its remove_migration_ptes is Walk of the new page,
// during which CheckAddress and ScanRange see a migration entry for the
// old page as a mapping of the new one (PVMW_MIGRATION). A strategy only
// has to keep its per-page state through try_to_migrate (ptechain keeps
// the chain entries of PTEs left holding migration entries, anonmm the
// page's anonmm) and move what the MMU does not copy (PageMigrator).
//
// A strategy keeps its per-frame state in Frame.Slot, Frame.Anon and
// Frame.Index, per-VMA state in VMA.Rmap and per-mm state in MM.Rmap. Two
// hooks can refuse: PageAdd and PageMove return false when the strategy
// cannot record a page at an address (anonmm after mremap; the anon_vma
// strategies for a swapped page KSM had shared across families); the MMU
// then maps a private copy and counts it in Stats.MremapCopies (or
// Stats.KSMCopies). A KSM page (FrameKsm) has its stable node in
// Frame.Anon (ksm.go).
//
// Invariants the MMU keeps for every strategy: Frame.MapCount is the
// number of present PTEs mapping the frame (adding hooks see it before it
// is raised, PagesRemove after it is lowered); only the MMU writes PTEs
// (a strategy unmaps through UnmapOne); a VMA is in its file's i_mmap index
// or, if nonlinear, on the file's nonlinear list, never both.
//
// # Cost accounting
//
// Strategies count their walks in Machine.Walk (VMAs examined, page-table
// lookups, chain or tree steps), and say where they read or write one of
// their objects with Machine.Step (and a walk's struct page with
// TouchPage): the one call feeds Walk.Steps inside a walk, the work of the
// operation running (work.go: rmap-steps/OP, with rmap-allocs, -frees,
// page-touches and ptes counted by the space model and the MMU), and,
// under -hw, the cache model at the object's modelled address (cost.go,
// package core/cachemodel, docs/cost-model.md). They register every object they allocate in
// Machine.Space under its kernel struct name, and declare the rmap fields
// their era put in vm_area_struct, mm_struct and struct page
// (DeclareFields); the i_mmap index declares its VMA linkage. The space
// model (space.go, docs/accounting.md) counts objects, and fields times
// the live VMAs, mms and frames, with the sizes of Arch. Machine.Stats
// times each operation, leaving out reclaim nested in it and all
// verification.
//
// # Ground truth
//
// The oracle uses nothing a strategy maintains: the page tables, and a
// count of the PTEs mapping each frame that the MMU keeps where it writes
// them (shadow.go), cross-checked against a scan of every page table.
// verify.go checks the rules: no false positive in a walk, no missed
// mapping outside nonlinear VMAs, MapCount equal to the true count,
// (after every try_to_unmap, with Config.Verify) no PTE left when
// try_to_unmap reports success, and (rule 5, folio.go) large folios whose
// mapcounts add up. A PMD leaf of a THP (thp.go) counts as one mapping
// of each of its 512 pages, against the page's mapcount plus its folio's
// entire mapcount (PageMapCount). With Config.Verify every
// page_referenced walk is held to rules 1 and 2 too, and must leave no
// PTE of its page young (refcheck.go).
package core
