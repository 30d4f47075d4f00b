// Package conformance checks any reverse-mapping strategy against the
// ground truth every strategy of rmapbench is held to. A strategy written
// outside this module (see examples/ and docs/new-strategy.md) runs it
// from its own test:
//
//	func TestConformance(t *testing.T) { conformance.Run(t, mystrategy.Strategy) }
//
// and the strategies of this module run it from strategies/property_test.go.
//
// # What is checked
//
// Every check drives a core.Machine running the strategy and checks it
// against the oracle, a scan of every page table that uses nothing a
// strategy maintains (core/oracle.go). The oracle's four rules hold after
// every event: (1) every mapping a walk reports maps the frame; (2) every
// mapping the page tables hold is reported, except inside nonlinear VMAs;
// (3) a frame's mapcount equals the oracle's count; (4) after try_to_unmap
// reports success, no PTE maps the frame.
//
//   - Random: random sequences of events over a small address range and a
//     small memory (mmap, munmap, mprotect, mremap, touch, dontneed,
//     remap_file_pages, fork, exec, exit, mlock, munlock, madvise
//     MADV_MERGEABLE and MADV_UNMERGEABLE, ksmd's scans, migrate,
//     reclaim), so that operations overlap, split, merge, share, move,
//     migrate and reclaim each other's pages, and pages written with a
//     few values become KSM pages; under every i_mmap index and both
//     nonlinear policies.
//   - Scenarios (fidelity): short traces of the lives the kernel's rmap
//     had to get right (copy-on-write after fork, VMA split and merge,
//     mremap of shared anonymous pages, swap-out and swap-in, shared
//     memory and files mapped shared and private, remap_file_pages, KSM
//     pages merged, copied, forked, moved and swapped, page migration);
//     after each, every process must read the same contents as under the
//     reference (pagescan, which keeps no rmap at all): a strategy may
//     cost more or less, never change what programs see.
//   - Rules: what the oracle cannot see, on every mapped frame at the end
//     of every scenario and random sequence: a walk changes nothing (no
//     frame field, PTE or object count moves), stops when its visitor
//     says so, and counts its work in Machine.Walk; and once every process
//     has exited, no object the strategy registered is left live.
//   - Deterministic: the same seed gives the same counters.
//
// A failure names the check, the index and nonlinear policy, the event
// (seed and number, or scenario line) and the rule, with both sets of
// mappings.
package conformance
