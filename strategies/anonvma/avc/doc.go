// Package avc is the anon_vma of the anon_vma_chain era: Rik van Riel's
// anon_vma_chain (2.6.34, commit 5beb49305251), with the root anon_vma
// (2.6.35, 5c341ee1), the interval tree of chains (3.7, Michel Lespinasse,
// bf181b9f) and degree-based anon_vma reuse (3.19, Konstantin Khlebnikov,
// commit 7a3ef208e662), as mm/rmap.c of 3.19 - 4.19 runs it. File pages
// are found through i_mmap (package objrmap).
//
// # Structures
//
// Each is a Go object allocated and freed where the kernel allocated and
// freed it, and reported to the space model under its slab name:
//
//   - anon_vma {root, parent, degree, refcount, rb_root}: the set of VMAs
//     that may map the anonymous pages that point at it. root is the oldest
//     anon_vma of the fork family; parent the anon_vma of the VMA it was
//     forked from. refcount is the anon_vma's own reference plus, on a root,
//     one per live descendant (get_anon_vma(root) in anon_vma_fork), so the
//     root outlives them all. degree counts the child anon_vmas plus the VMAs
//     whose vma->anon_vma it is (a root also counts itself as its own
//     parent). rb_root is an augmented interval tree (package itree) of the
//     anon_vma_chains linking it to VMAs, keyed by each VMA's page range
//     [vm_pgoff, vm_pgoff + pages - 1].
//   - anon_vma_chain {vma, anon_vma, same_vma, rb}: one link between a VMA
//     and an anon_vma. same_vma is the VMA's list of its chains, newest
//     first (list_add), so that it runs from the VMA's own anon_vma back to
//     the root.
//   - per VMA (core.VMA.Rmap): vma->anon_vma, where the VMA's new anonymous
//     pages go, and the head of its anon_vma_chain list.
//
// A page points at the oldest anon_vma that may map it (page->mapping with
// PAGE_MAPPING_ANON): vma->anon_vma for a page made in the VMA (a new
// anonymous page, a COW copy, an exclusive swap-in), the root for a page
// that other processes' PTEs may share (a non-exclusive swap-in).
// page->index is its linear offset in the VMA, kept across mremap because
// anonymous VMAs keep vm_pgoff.
//
// # Lifecycle
//
//   - first anonymous fault (anon_vma_prepare): share a compatible
//     neighbour's anon_vma if that neighbour's chain has one entry (Linus'
//     rule, d0e9fe17: VMAs that share an anon_vma have identical chains),
//     else allocate one; link one chain.
//   - fork (anon_vma_fork): clone the parent VMA's chain (one
//     anon_vma_chain per entry, i.e. per ancestor level), then give the
//     child its own anon_vma (parent = the parent VMA's, root = its root)
//     linked by one more chain, so the child's COW pages are invisible to
//     the parent's and siblings' walks.
//   - split, mremap (copy_vma), merge (vma_adjust's importer): the new or
//     importing VMA shares the anon_vma and clones the chain.
//   - munmap, exit, merge (unlink_anon_vmas): drop every chain of the VMA;
//     an anon_vma whose tree empties is freed, the root last.
//
// # The degree rule (3.19, 7a3ef208e662)
//
// A fork chain whose parents exit (a daemon that forks a worker that
// forks the next and exits) grew one anon_vma per generation before 3.19:
// every ancestor's anon_vma stays linked by the survivor's chain even
// though no VMA uses it. anon_vma_clone therefore reuses an anon_vma of
// the chain as the child's vma->anon_vma when it is not the source VMA's
// own and its degree is below 2 (no VMA uses it and it has at most one
// child), instead of allocating a new one. The root is never reused: its
// self-parent reference keeps its degree up. An anon_vma then has a VMA or
// at least two children, so a family keeps about two anon_vmas per live
// VMA instead of one per generation (a survivor of exiting parents keeps
// three chains per VMA: the root and two anon_vmas taking turns). The
// price is aliasing: a reused anon_vma's walks also visit the VMAs linked
// to it before. The option
// -avc-reuse=false (Options["avc-reuse"] = "false") turns the reuse off,
// giving 2.6.34 - 3.18's unbounded growth; degree is still kept (as a
// bookkeeping field the walk never reads) so the two modes differ only in
// the reuse decision.
//
// # Cost model
//
//   - fault: anon_vma_prepare once per VMA (one anon_vma_chain, sometimes
//     one anon_vma); a page costs two stores.
//   - fork: one anon_vma_chain per ancestor level per VMA with an
//     anon_vma, each an O(log n) tree insert, plus one anon_vma and one
//     chain unless an anon_vma is reused; nothing per PTE.
//   - exit, munmap: one tree remove and one free per chain of the VMA.
//   - split, mremap: one chain per entry of the VMA's chain.
//   - walk (rmap_walk_anon, try_to_unmap): stab the page's anon_vma tree at
//     page->index: O(log n + the VMAs that may map the page), i.e. the
//     process that made the page and those forked from it after, each
//     checked with vma_address and a page-table lookup. A COW copy made in
//     a child is looked for in that child's family only.
//
// # KSM
//
// An rmap_item of a KSM page (core/ksm.go) holds a reference on the
// anon_vma of the VMA the page was merged in (get_anon_vma); a KSM page's
// walk (rmap_walk_ksm, Machine.KSMWalk) looks, for each rmap_item, at every
// chain of that anon_vma's tree, over the whole range [0, ULONG_MAX]: the
// VMA itself and those forked from it since. A page KSM shared across
// families comes back from swap as a copy for every VMA whose root or
// offset does not match the page's (ksm_might_need_to_copy).
//
// Walk counters: chain-steps/walk counts the interval-tree nodes the stab
// examines (and a KSM page's rmap_items), vmas/walk the chains it
// reports, ptes/walk the page-table lookups.
//
// # anonvma-folio (6.8+, 6.9+)
//
// The package also registers anonvma-folio (folio.go): the same
// anon_vma_chain, which the folio era did not change, behind the folio
// rmap interface (core.FolioRmapper) that David Hildenbrand's "mm/rmap:
// interface overhaul" series (Dec 2023, 6.8) introduced:
// folio_add_anon_rmap_ptes and folio_add_file_rmap_ptes,
// folio_remove_rmap_ptes and folio_try_dup_anon_rmap_ptes take a run of
// PTEs of one folio. 6.8's multi-size THP (Ryan Roberts, commit
// 19eaf44954df) maps a new anonymous folio with one call
// (folio_add_new_anon_rmap); 6.9 batches fork ("mm/memory: optimize
// fork() with PTE-mapped THP", Jan 2024: copy_present_ptes with
// folio_pte_batch) and zap ("mm/memory: optimize unmap/zap with
// PTE-mapped THP", Feb 2024: zap_present_ptes). The large mapcount in one
// value (6.10, commit 05c5323b2a34) is the MMU's (core/folio.go).
//
// Cost model: as anonvma-avc per VMA and per walk; per PTE nothing, per
// run of PTEs of one folio one rmap call at a fault that maps a new
// folio, at fork's copy and at zap, where anonvma-avc makes one per PTE
// (rmap-calls/OP). Runs with -folio 4KiB make the same calls as
// anonvma-avc. What a call saves in the kernel (atomic mapcount updates,
// cache misses on struct page) has no cost in the simulator beyond the
// call: the counter is the measure, the times are shown beside it.
package avc
