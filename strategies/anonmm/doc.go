// Package anonmm is Hugh Dickins' anonmm reverse mapping: full
// object-based rmap in which anonymous pages belong to a per-process
// object. It existed only as intermediate mainline commits of the
// 2.6.7-rc1 merge and in Andrew Morton's 2.6.6-mm trees: from "rmap 10
// add anonmm rmap" (HT:06e0ee4abf) to "rmap 38 remove anonmm rmap"
// (HT:08c7dd8f62), which replaced it with Andrea Arcangeli's anon_vma
// before any release. The code here follows mm/rmap.c, mm/mremap.c and
// mm/memory.c as they stood at HT:08c7dd8f62^ (HT: the BitKeeper-era
// history, docs/history.md) and the OLS 2004 paper (Dave McCracken, "Object-based Reverse
// Mapping", sections 3.2 and 4).
//
// # Structures
//
// Every mm has one struct anonmm (count, mm, head, list; the kernel's
// spinlock is left out, nothing here runs concurrently):
//
//   - a new process, and every exec, allocates a head anonmm
//     (exec_rmap): it starts a new chain and holds two references, one
//     from its mm and one from itself as head;
//   - fork allocates one anonmm for the child and appends it to the
//     list of the parent's head (dup_rmap): one reference from its mm,
//     and it gives its head one more;
//   - an anonymous page records the anonmm of the mm it was first
//     faulted into (page->mapping, one reference per page) and its own
//     virtual address (page->index = address, not a page offset): all
//     its mappings, in any mm of the chain, are at that one address;
//   - exit clears anonmm.mm and drops the mm's reference (exit_rmap). An
//     anonmm lives on while pages that other mms still map refer to it;
//     a non-head anonmm is freed when its count reaches zero, a head when
//     only its own reference is left, which happens at the exit of the
//     last mm of its chain.
//
// File pages are found through their file's i_mmap index
// (package strategies/internal/objrmap), as in every object-based era.
//
// # Cost model
//
//   - fork: O(1) per mm (one anonmm linked under the head); the PTE copy
//     only raises mapcounts (page_dup_rmap), no per-page rmap work;
//   - fault, munmap, exit: O(1) per page (a reference taken or dropped
//     at the first mapping and the last unmapping);
//   - walk (try_to_unmap_anon): try the recorded mm at page->index, then
//     every other anonmm on the chain, skipping mms that are gone or
//     have no RSS, one page-table lookup per candidate, until every
//     mapping is found. The cost is O(mms forked from the same exec),
//     whatever the number that actually map the page. A mapping found
//     in a VM_LOCKED VMA ends the walk with SWAP_FAIL; the file walk
//     (try_to_unmap_file) also passes by VMAs whose mm has no rss;
//   - mremap: one address per page cannot describe a page that two mms
//     see at two addresses. A present anonymous page mapped once is
//     moved by rewriting page->index (mremap_move_anon_rmap); a shared
//     one is copied first (make_page_exclusive, an early COW counted in
//     mremap-copies: the kernel printed "mremap moved %d cows"); a page
//     whose swap PTEs were moved while it was out is copied when it is
//     faulted back at an address that clashes with the one it has
//     (mremap_moved_anon_rmap in do_swap_page).
//
// Before anon_vma, vm_pgoff meant nothing for anonymous memory: vma_merge
// merged anonymous VMAs whatever it was (can_vma_merge_after's "if
// (!file) return 1" at HT:08c7dd8f62^), which core.BaseRmapper's CanMerge
// does; and fork copied every PTE (copy_page_range, ForkCopyAll).
//
// The copy on mremap is Linus Torvalds' suggestion, quoted in Andrea
// Arcangeli's reply "Re: anon_vma RFC2" on LKML, 2004-03-13
// (https://lkml.indiana.edu/hypermail/linux/kernel/0403.1/1569.html);
// the OLS 2004 paper (section 4) describes how Hugh adopted it: "if there
// is only one reference, that page can simply have its offset changed. If
// the page is shared, a copy is forced".
//
// # KSM
//
// KSM (2.6.32+, core/ksm.go) maps one page at many addresses of many
// families, which page->index as an address and one anonmm chain cannot
// describe: the hooks let anonmm refuse it (KSMLink), as PageMove refuses
// to move a shared page, and ksmd merges nothing under anonmm. Its scans
// and trees cost what they cost under any strategy.
//
// # Walk counters
//
// vmas/walk counts the mms tried (one find_vma each), ptes/walk their
// page-table lookups (one each), chain-steps/walk the anonmm list nodes
// followed after the recorded one, skipped ones included. The kernel's
// try_to_unmap_one looked the VMA up only after the PTE matched, and
// page_referenced_one not at all; counting one find_vma per mm tried
// makes vmas/walk the number of address spaces examined, the quantity
// that compares with anon_vma's VMAs.
//
// page_referenced_anon also moved a page whose recorded mm had exited to
// the first live mm found mapping it, so that the dead anonmm could be
// freed sooner; PageReferenced does so (referenced.go). Walk, which must
// change nothing, and try_to_unmap_anon leave a page's anonmm alone.
package anonmm
