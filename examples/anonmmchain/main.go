// Command anonmmchain is rmapbench with one more strategy: anonmm-chain, a
// design the kernel discussed in March 2004 and never merged, written
// outside rmapbench's strategies list as any researcher's would be. It
// registers the strategy and runs the whole rmapbench command, so
//
//	go run ./examples/anonmmchain -strategy all -scale small -verify
//
// runs it beside the six built-in strategies, checked against the same
// oracle, and `go test ./examples/anonmmchain` runs the conformance kit on
// it. docs/new-strategy.md walks through it hook by hook.
//
// # The design
//
// Hugh Dickins' anonmm (rmapbench's anonmm strategy) finds an anonymous
// page through the chain of mms forked from one exec, at the one virtual
// address recorded in the page: every mapping of the page must sit at
// that address. mremap breaks that when it moves a page that other mms
// still share. In the anonmm that reached the 2.6.6-mm tree, the page is
// copied (Linus' suggestion, OLS 2004 section 4). In the discussion
// before it, Andrea Arcangeli objected that mremap then "will be
// attaching a persistent dynamic overhead to the vma it touches.
// Currently it does in form of pte_chains", and William Lee Irwin III,
// who ran such a tree, answered that "the case where mremap() creates
// rmap_chains is so rare I never ever saw it happen in 6 months of
// regular practical use and testing" (linux-kernel, 12 March 2004,
// archived at lkml.indiana.edu/hypermail/linux/kernel/0403.1/1273.html).
// anonmm-chain is that alternative: anonmm's chain walk for the pages at
// their recorded address, and a chain of extra locations for a page that
// mremap moved while it was shared, instead of a copy. Andrea's anon_vma
// won (2.6.7) and neither version of anonmm was released.
//
// # What it models, and what it does not
//
//   - One family object per exec with the list of its live mms, where
//     anonmm had one anonmm per mm linked under the exec's head: the walk
//     visits the same mms, one page-table lookup each. It counts as
//     "anonmm" objects one per member mm plus one for the family.
//   - A chain entry per extra location (mm, address), counted as
//     "rmap_chain" objects of three words each (an estimate: wli's tree
//     is not available to size it from). rmap_chain-objs shows how rare
//     (or not) the chains are under a workload; mremap-copies stays 0.
//   - File pages go through i_mmap with the -nonlinear policy, as in every
//     object-based strategy (package strategies/filermap).
//   - Cost model: fork, fault, munmap, exit O(1) per page as in anonmm
//     (plus a chain entry per moved location, copied at fork); a walk
//     visits every mm of the family, then the page's chain.
package main

import (
	"fmt"
	"os"

	"rmapbench/cli"
	"rmapbench/strategies"
)

func main() {
	if err := strategies.Register(Strategy); err != nil {
		fmt.Fprintln(os.Stderr, "anonmmchain:", err)
		os.Exit(2)
	}
	cli.Main()
}
