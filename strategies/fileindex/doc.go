// Package fileindex provides the three i_mmap indexes a file's VMAs can be
// kept in, behind core.FileIndex:
//
//   - linear: a doubly linked list, as i_mmap/i_mmap_shared were up to
//     2.6.6 and in Dave McCracken's partial object rmap (rmap 7). A walk
//     visits every VMA of the file and checks with vma_address whether it
//     covers the page: cost O(VMAs mapping any part of the file).
//   - prio: the radix priority search tree of 2.6.7 - 3.6 (package
//     strategies/internal/priotree).
//   - interval: the augmented red-black interval tree of 3.7+ (commit
//     6b2dbba8b6ac; package strategies/internal/itree).
//
// Every index counts the nodes it examines, which the walks report as
// chain steps.
package fileindex
