// Package trace reads and writes rmaptrace v1 files: the replayable
// workloads of rmapbench. docs/trace-format.md (from the module root)
// describes the format in full, with what each event does; this comment
// only summarizes its syntax.
//
// A trace is UTF-8 text with one event per line. Blank lines are skipped,
// '#' starts a comment that runs to the end of the line, and fields are
// separated by spaces or tabs. The first line that is neither blank nor a
// comment must be the header "rmaptrace 1". Every other line is an event:
//
//	PID fork CHILD
//	PID exec
//	PID exit
//	PID mmap ADDR LEN PROT private|shared anon
//	PID mmap ADDR LEN PROT private|shared file NAME OFFSET
//	PID munmap ADDR LEN
//	PID mprotect ADDR LEN PROT
//	PID mremap OLD OLDLEN NEW NEWLEN
//	PID touch ADDR LEN r|w|w=VALUE
//	PID dontneed ADDR LEN
//	PID remap ADDR LEN PGOFF
//	PID mlock ADDR LEN
//	PID munlock ADDR LEN
//	PID madvise ADDR LEN mergeable|unmergeable
//	PID migrate ADDR LEN
//	reclaim N
//	ksm N
//	folio SIZE
//	check
//
// A NAME is at most 4096 bytes (PATH_MAX) and a line at most 1 MiB.
// Numbers are unsigned decimal or 0x hexadecimal and fit in 64 bits.
// Addresses, lengths and file offsets are multiples of the 4096-byte page,
// lengths are non-zero, and a range may not end past 2^47. PROT is three
// characters such as "r-x". VALUE, the content a write gives every page of
// the range, is a number below 2^63.
//
// This package owns everything that can be decided from one line alone:
// syntax, field counts, number ranges, alignment. Whether an event makes
// sense for the simulated machine at that point (a touch outside every VMA,
// an event for an exited PID, ...) needs MMU state and is left to the
// executor that replays the events.
//
// [Reader] parses a trace into [Event] values and reports the first bad
// line as an [*Error] ("FILE:LINE: what is wrong"); [Open] adds files,
// standard input and gzip. [Writer] produces traces that [Reader] reads
// back to the same events.
package trace
