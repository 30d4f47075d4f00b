// Package mirror is what the importers of real programs (workloads/strace,
// workloads/perf) share: a model of each address space they write events
// for, and the mirroring of the memory system calls onto it, so that every
// trace they write replays without error.
//
//	log or perf text --importer--> decoded calls --mirror--> trace events
//	                                                 |
//	                                          Space (the model)
//
// A [Space] is a sorted list of [Piece]s, ranges with one protection,
// sharing, file and offset, changed only by the events the importer emits
// and in the way the simulator (package core) changes its VMAs. Pieces
// never merge; the simulator merges VMAs but splits them only where an
// event put an edge, so a piece always lies inside one simulator VMA. An
// importer touches only mapped pieces, writes only writable ones, and
// emits an mremap only for a range [Space.OneVMA] accepts; anything else
// it approximates ([Space.MirrorMremap]) or skips.
//
// Invariant: after every event an importer emits through [Space.Map],
// [Space.Unmap], [Space.SetProt], [Space.MirrorMremap] and
// [Heap.MirrorBrk], the pieces cover exactly what the simulator has
// mapped in that process, with the same protections.
//
// Cost: a Space is a sorted slice; a lookup is a binary search, an insert
// or removal moves the pieces above it. Address spaces hold hundreds of
// pieces, not millions.
//
// The rest is small and shared for one way of doing each thing:
// [Decompress] (plain or gzip input), [PIDs]
// (trace PIDs never reused), [EncodeName] (a path as a trace NAME),
// [SanitizeComment] and [MadviseEvent] (the advice madvise events stand
// for).
package mirror
