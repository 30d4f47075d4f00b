// Package strace imports the memory behaviour of real programs from
// `strace -f` logs into rmaptrace v1 traces (package ../trace;
// docs/trace-format.md from the module root), for `rmapbench import-strace`.
//
// Record a log with scripts/capture-strace.sh, which runs
//
//	strace -f -ttt -y -e trace=process,memory -o LOG COMMAND...
//
// -f follows every task, -y names the file behind each descriptor, -o keeps
// the program's own output out of the log; -ttt is optional.
//
// # Lines
//
// Import accepts the lines strace prints: an optional task id ("1234 " with
// -o, "[pid 1234] " on stderr), an optional timestamp (-t, -tt, -ttt, -r),
// then one of
//
//	NAME(ARGS) = RESULT [ERRNO (text)] [<duration>]
//	NAME(ARGS <unfinished ...>
//	<... NAME resumed>ARGS) = RESULT ...
//	--- SIGNAL ... ---                       ignored
//	+++ exited with N +++                    the task ends
//	+++ killed by SIGNAL [(core dumped)] +++ the task ends
//	+++ superseded by execve in pid N +++    ignored (see execve below)
//	strace: ..., [ ... ], blank lines        ignored
//
// Anything else is an *Error "NAME:LINE: what is wrong", as is a call of
// one of the system calls below that succeeded but whose arguments or
// result do not parse. Other system calls (wait4, exit_group, arch_prctl,
// munlock, openat, ...) are ignored whatever their arguments. A call whose
// result is "?" (the task died in it) and a failed call ("= -1 ENOMEM
// (...)", any negative result) change nothing.
//
// An unfinished call and its resumed half are joined, per task, into one
// call that takes effect at the resumed line: a call's effect exists only
// once it returns (an mmap's address is its result). A resumed half whose
// start was not seen is ignored, except execve's, which needs no argument.
//
// # From calls to events
//
// The trace has one PID per address space. A task (a thread id of the log)
// maps to the address space it uses: threads share their process's, a vfork
// child borrows its parent's. Successful calls become events:
//
//	strace call                                  trace events
//	-------------------------------------------  ----------------------------------------
//	mmap(A, LEN, PROT, FLAGS, FD, OFF) = ADDR    PID mmap ADDR LEN' PROT private|shared anon|file NAME OFF
//	munmap(A, LEN)                               PID munmap A LEN'
//	mprotect(A, LEN, PROT)                       PID mprotect A LEN' PROT
//	mremap(OLD, OLDLEN, NEWLEN, FLAGS) = NEW     PID mremap OLD OLDLEN' NEW NEWLEN'
//	brk(X) = END, END above the heap's end       PID mmap END0 END'-END0 rw- private anon
//	brk(X) = END, END below the heap's end       PID munmap END' END0-END'
//	madvise(A, LEN, MADV_DONTNEED)               PID dontneed A LEN'
//	madvise(A, LEN, MADV_MERGEABLE)              PID madvise A LEN' mergeable
//	madvise(A, LEN, MADV_UNMERGEABLE)            PID madvise A LEN' unmergeable
//	remap_file_pages(A, LEN, _, PGOFF, _)        PID remap A LEN' PGOFF
//	mlock(A, LEN), mlock2(A, LEN, _)             PID mlock A' LEN'' per mapped run
//	munlock(A, LEN)                              PID munlock A' LEN'' per mapped run
//	mlockall(MCL_CURRENT...), munlockall()       PID mlock|munlock of every mapped run
//	fork, clone without CLONE_VM or CLONE_VFORK  PID fork CHILD
//	vfork, clone/clone3 with CLONE_VFORK         nothing
//	clone/clone3 with CLONE_VM (thread or not)   nothing
//	execve, execveat                             PID exec (or NEWPID exec), stack mmap
//	+++ exited/killed +++ of the last user       PID exit
//	(the touch policy)                           PID touch ADDR LEN r|w
//
// LEN' is LEN rounded up to whole pages (END' likewise), END0 the heap's
// end before the call; PROT_NONE is "---". mmap2 is mmap with OFF in 4096-byte units; pkey_mprotect is
// mprotect.
//
// # Decisions
//
// Children whose lines come before their parent's clone returns. The
// child's tid is known only from the clone's result, and with make -j
// several clones can be unfinished at once, so the child cannot be
// attributed when it first prints. A task not seen before is therefore
// buffered while any clone, clone3, fork or vfork is unfinished; when a
// clone returns its tid, the child is created as that clone says (thread,
// vfork, or fork, the fork copying the parent's address space as it is
// then: the parent is inside the call, so nothing of it has changed since
// the call started, short of another thread's doing), and its buffered
// lines are replayed in order. A buffered task no clone claims (no clone
// is unfinished any more, or the log ends) is replayed as a task of
// unknown origin: a new process with an empty address space, the way the
// traced command itself appears (its first line is its execve). The
// buffer is bounded (1,024 tasks, 64 MiB of lines): past that, the task
// buffered first is replayed so, counted in Stats.Unclaimed, and a clone
// that returns its tid later ends it and starts the child afresh.
//
// PIDs. An address space's trace PID is the thread group id of the task
// that created it (the fork child, the exec'ing vfork child, the first
// task of unknown origin). If that PID was already used in the trace (pid
// reuse, or an exec that left a shared address space), it is 2^32+N
// instead, N counting such PIDs from 1. Trace PIDs are never reused.
//
// Threads (CLONE_THREAD) and CLONE_VM clones share the address space of
// their creator: their calls act on it, under its PID. A task's end ends
// the address space only when it was its last user: then "PID exit".
//
// vfork, and clone or clone3 with CLONE_VFORK (with or without CLONE_VM):
// the child borrows its parent's address space; nothing is emitted,
// because a vfork copies no page tables (a fork event would copy every
// PTE and make private pages copy-on-write, costs vfork does not have).
// Memory calls the child makes before it execs act on its parent's
// address space, under the parent's PID. Its successful execve gives it an
// address space of its own, a new PID that appears first as "PID exec";
// if it exits without exec'ing, nothing is emitted.
//
// execve that succeeds: the other threads of the caller's thread group are
// gone, as in Linux. If the caller was the address space's only user,
// "PID exec" empties it; otherwise (a vfork child, a CLONE_VM clone) the
// caller leaves it for a new PID, "NEWPID exec". strace reports an exec by
// a thread other than the leader under the leader's tid, as
// "<... execve resumed>) = 0" without a start; it is taken as the
// leader's exec. The executable, the dynamic loader, the vDSO and the
// stack are mapped by the kernel, invisibly to strace; only the stack is
// modelled: unless Options.NoStack, exec maps 132 KiB of anonymous rw-
// private memory ending at 0x7ffffffff000 (above every mapping strace
// shows on x86-64). Calls on the other invisible mappings (the
// executable's and ld.so's RELRO mprotect, for instance) are emitted as
// they are, and act on nothing.
//
// mmap: MAP_ANONYMOUS (or MAP_ANON) maps anonymous memory, anything else
// a file; MAP_SHARED and MAP_SHARED_VALIDATE map shared, anything else
// private; the mapping is at the returned address and replaces what was
// there (the trace's mmap is MAP_FIXED). With -y the file NAME is the
// path strace printed ("3</usr/lib/x86_64-linux-gnu/libc.so.6>"), with
// '%', spaces, tabs, '#', control characters and invalid UTF-8
// percent-encoded so that it is one field ("/tmp/a b (deleted)" becomes
// "/tmp/a%20b%20(deleted)"). Without -y a file is named "file:N", N
// counting files over the whole log: an mmap of a descriptor at offset 0
// without MAP_FIXED starts a new file for that descriptor in that address
// space (how a library or a whole file is mapped first), any other mmap
// of it continues the descriptor's current file. The segments of a
// library are then one file, but the same library in two processes is
// two files: without -y, sharing between processes is lost
// (Stats.UnnamedFiles counts such files, and Stats.Warnings says so). A file
// offset that is not page aligned (which the kernel refuses) skips the
// call. MAP_HUGETLB mappings are modelled with 4 KiB pages.
//
// mremap: when the model knows [OLD, OLD+OLDLEN') as one mapping, mremap
// with the returned address as NEW (MREMAP_MAYMOVE, MREMAP_FIXED, or in
// place); MREMAP_DONTUNMAP also maps the old range again, empty. Otherwise
// (a mapping the log did not show being made, or several mmaps the kernel
// merged) the mremap is approximated: "munmap OLD", then "mmap NEW" with
// the old range's attributes if they are uniform, or "munmap NEW"
// otherwise. An OLDLEN of 0 (a second mapping of shared pages) becomes an
// mmap of the same file pages when the model knows a shared file mapping
// at OLD, and "munmap NEW" otherwise. Stats.Approximated counts the
// approximations.
//
// brk: the first brk result of an address space (brk(NULL) after exec) is
// the start of its heap and its end; later results move the end, page
// rounded, never below the start. A failing brk returns the old end, and
// so changes nothing. Growing maps the new pages anonymous rw- private,
// which the simulator merges with the heap; shrinking unmaps.
//
// madvise: MADV_DONTNEED becomes dontneed, MADV_MERGEABLE and
// MADV_UNMERGEABLE become madvise mergeable|unmergeable (KSM); other
// advice is ignored (the simulator has no meaning for it). strace shows no
// page contents, so the touches of an imported trace write values no
// other page has: ksmd finds nothing to merge in them. remap_file_pages becomes remap when
// the range lies in one known shared file mapping, else it is skipped and
// counted in Stats.Approximated.
//
// mlock, mlock2 and munlock become mlock or munlock events over each run
// of the range the model has mapped (the simulator requires the range
// mapped; a mapping older than the log is not); a hole in the range
// counts in Stats.Approximated, as does mlock2's MLOCK_ONFAULT (the
// simulator's mlock always faults the range in). mlockall with
// MCL_CURRENT locks every mapped run; MCL_FUTURE, which would lock later
// mappings, has no event and counts as approximated.
//
// Ranges: lengths are rounded up to whole pages. A call whose address is
// not page aligned, whose length is 0, or whose range starts at or past
// 2^47 ([vsyscall] at 0xffffffffff600000, addresses of 5-level paging) is
// skipped; a range that crosses 2^47 is cut there. Stats.OutOfRange counts
// both.
//
// The end of the log: buffered tasks are replayed, pending touches made;
// processes still alive stay alive (the log may have been cut short).
//
// # Validity
//
// Every trace Import writes replays without error. The importer models
// each address space as a list of ranges with their protection, sharing,
// file and offset, changed only by the events it emits, in the way the
// simulator changes its VMAs. Touches are made only of mapped ranges, and
// write touches only of writable ones. An mremap or a remap is emitted
// only for a range known to lie in one simulator VMA (the model never
// merges ranges, and the simulator splits VMAs only where an event put an
// edge). PIDs are never named after their exit. The model, and the
// mirroring of mmap, munmap, mprotect, mremap and brk onto it, are package
// workloads/internal/mirror's, shared with the perf importer.
//
// # Touch policies
//
// strace shows system calls, never the page faults between them, so the
// touches of a trace imported from a log are a model, chosen by
// Options.Touch. Touches are deferred: the pages an address space maps
// (or makes accessible with mprotect from PROT_NONE) wait until one of its
// tasks makes a call other than mmap, and are touched then, before that
// call takes effect. That is when the program uses them: the dynamic
// loader maps a library with one read-only mmap, lays the segments over
// it with MAP_FIXED mmaps, then relocates; a library's data is written
// before the mprotect that makes its RELRO part read-only; a parent's
// pages are resident before it forks. A mapping covered by another before
// that point is never touched. Each mapping is touched once: a range with
// PROT_NONE waits until an mprotect makes it accessible; afterwards only
// the known policy's fork rule touches it again. A touch writes if the
// range is writable and reads otherwise; execute-only ranges are not
// touched. At most Options.MaxTouchBytes (default 256 MiB) of one mapping
// are touched.
//
// known (the default): what programs are known to touch.
//
//   - writable mappings (data segments, bss, the heap as brk grows it,
//     malloc's mmaps, shared memory) are written in full, except stacks:
//     the exec stack, and MAP_STACK or MAP_GROWSDOWN mappings (thread
//     stacks, posix_spawn's), are written in their top 16 KiB only, and
//     MAP_NORESERVE mappings (reservations) not at all;
//   - read-only and executable file mappings (text, read-only data, ELF
//     headers, locale files, ld.so.cache) and shared anonymous read-only
//     mappings are read in their first half, rounded up to a page (the
//     first half, not a random half, so that processes running the same
//     library touch the same file pages, as hot code is shared);
//   - private anonymous read-only mappings are not touched (a read maps
//     only the zero page);
//   - MAP_POPULATE mappings are touched in full;
//   - after a fork, parent and child each write the top 16 KiB of their
//     exec stack, breaking copy-on-write as both return from fork.
//
// none: no touches; the trace has the mappings only.
//
// all: every page of every mapping, once.
//
// fraction: each page of every mapping, once, with probability
// Options.Fraction, drawn from a PCG generator seeded with Options.Seed;
// runs of chosen pages are one touch.
//
// Every policy is deterministic: the same log and options give the same
// trace. The importer emits no reclaim or check events; add them to the
// trace as wanted.
//
// # Comments
//
// Unless Options.NoComments, the trace starts with a comment naming the
// log and the policy, and each exec event comes after a comment with the
// program strace printed ("# 16980: execve "/usr/bin/gcc", leaving the
// memory it shared with 16979").
package strace
