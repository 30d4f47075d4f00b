// Package perf imports real programs, with their real page faults, from
// the text of `perf script` into rmaptrace v1 traces (package
// workloads/trace), for `rmapbench import-perf`.
//
// strace shows system calls but no page faults, so the strace importer
// invents the touches (a touch policy). perf records the faults with the
// system calls in one time base: every exceptions:page_fault_user becomes
// a touch of its page, at its place among the other events. The number
// of anonymous pages, copy-on-write breaks and shared pages that every
// rmap figure depends on is then the program's own.
//
// # Recording
//
// scripts/capture-perf.sh CMD... runs
//
//	perf record -d -e syscalls:sys_enter_X -e syscalls:sys_exit_X ... \
//	    -e sched:sched_process_fork -e sched:sched_process_exec \
//	    -e sched:sched_process_exit -e exceptions:page_fault_user -- CMD...
//	perf script --show-mmap-events | gzip
//
// for X in mmap, munmap, mremap, mprotect, brk, madvise, clone, clone3,
// vfork, fork, execve, exit_group, openat and close. perf follows CMD's
// children. -d and --show-mmap-events add the kernel's own mapping records
// (PERF_RECORD_MMAP2) to the text: they name the file of every file
// mapping (path and inode), and show the mappings exec makes (the
// program's segments, ld.so, the stack), which no system call does.
// Without them the import still works: files get synthetic names, and the
// faults in exec's mappings are skipped as uncovered.
//
// # Lines
//
// Every line is "COMM TID [CPU] SECONDS.FRACTION: EVENT: FIELDS" (COMM
// may hold spaces, TID may be PID/TID, [CPU] may be missing), or a blank
// line, or a '#' comment. The events used:
//
//	syscalls:sys_enter_NAME: ARG: 0xVALUE, ...   the task enters NAME
//	syscalls:sys_exit_NAME: 0xRESULT             NAME returns RESULT
//	exceptions:page_fault_user: address=0xA ip=0xI error_code=0xE
//	sched:sched_process_fork: comm=C pid=P child_comm=C child_pid=Q
//	sched:sched_process_exec: filename=F pid=P old_pid=O
//	sched:sched_process_exit: comm=C pid=P prio=N group_dead=B
//	PERF_RECORD_MMAP2 PID/TID: [0xSTART(0xLEN) @ PGOFF MAJ:MIN INO GEN]: PROT PATH
//
// Lines of other events and other system calls are ignored. A line that
// is none of these, an event with a field missing or not a number, a line
// longer than MaxLineLength, and a last line without its newline (perf
// script ends every line: the file was cut) give an *Error
// "NAME:LINE: what is wrong". So does gzip data cut short.
//
// # Order
//
// Lines are taken in timestamp order, lines with equal timestamps in file
// order. perf script sorts its output already; the importer holds the
// last Window lines in a heap so that a line out of place by fewer lines
// than that takes its place, with memory bounded by the window. A line
// older than one already taken is taken where it comes (Stats.Late).
//
// # From lines to events
//
// The trace has one PID per address space, as in the strace importer
// (whose rules for PIDs, vfork and CLONE_VM children, exec and exit this
// package follows). A task (a tid) uses an address space: threads share
// their process's, vfork and CLONE_VM children borrow their parent's until
// they exec.
//
//	perf lines                                 trace events
//	-----------------------------------------  ----------------------------------------
//	sys_exit_mmap = ADDR (after its enter)     PID mmap ADDR LEN' PROT private|shared anon|file NAME OFF
//	sys_exit_munmap = 0                        PID munmap ADDR LEN'
//	sys_exit_mprotect = 0                      PID mprotect ADDR LEN' PROT
//	sys_exit_mremap = NEW                      PID mremap OLD OLDLEN' NEW NEWLEN' (or munmap + mmap)
//	sys_exit_brk = END                         PID mmap or PID munmap of the heap's change
//	sys_exit_madvise = 0, MADV_DONTNEED        PID dontneed ADDR LEN'
//	sys_exit_madvise = 0, MADV_[UN]MERGEABLE   PID madvise ADDR LEN' mergeable|unmergeable
//	sched_process_fork, a fork                 PID fork CHILD
//	sched_process_fork, thread/vfork/CLONE_VM  nothing
//	first MMAP2 of an exec, or sched_process_exec  PID exec (or NEWPID exec)
//	MMAP2 inside an exec                       PID mmap START LEN PROT ... (the kernel's mapping)
//	sched_process_exit of the last user        PID exit
//	page_fault_user at ADDR                    PID touch PAGE 0x1000 r|w
//
// LEN' is the length rounded up to whole pages. A call takes effect at its
// sys_exit line, if that line follows the task's sys_enter line of the
// same call and the result is not an error (-4095 to -1); the sys_exit of
// the child's return from clone, fork and vfork has no enter and is
// ignored, as is any sys_exit whose enter was lost (Stats.Unmatched).
// The ranges, mremap, brk and the model that keeps every event valid are
// package workloads/internal/mirror's, shared with the strace importer:
// ranges not page aligned or past 2^47 are skipped (Stats.OutOfRange), an
// mremap of a range not known as one mapping becomes munmap and mmap
// (Stats.Approximated).
//
// Processes. sched_process_fork comes in the parent, inside its clone,
// clone3, fork or vfork; the call gives the flags: clone's clone_flags,
// vfork's CLONE_VM|CLONE_VFORK, fork's none. clone3 passes its flags in
// memory that the tracepoint does not show; it is taken as CLONE_VM with
// CLONE_FILES (Stats.Clone3), which is what glibc uses it for: threads
// (pthread_create) and posix_spawn. A fork line without its call is taken
// as a fork. A fork (no CLONE_VM) copies the parent's address space:
// "PID fork CHILD"; CLONE_THREAD, CLONE_VM and CLONE_VFORK children share
// it, and no event is written (vfork copies no page tables). A fork line
// whose child tid is still in use ends that task first (pid reuse with
// its exit lost); a sys_exit of clone returning a child the fork line did
// not announce (lost) creates the child then. A task seen first in any
// other line is a new process with an empty address space, the way the
// traced command appears.
//
// Exec. The kernel makes the new program's mappings between
// sys_enter_execve and sched_process_exec, after the point of no return.
// The first mapping record of an exec therefore applies the exec: the
// other known threads of the task's group end; the task gets an empty
// address space, under its PID ("PID exec") when it was the only user,
// under a new PID when it shared one (a vfork child); its O_CLOEXEC
// descriptors close. The records that follow are mapped as they say
// (Stats.Mappings): files by their path, anonymous memory ("//anon"),
// the stack ("[stack]"); [vdso], [vvar] and other bracketed names are the
// kernel's pages and are not modelled (faults there are Stats.Special).
// Without mapping records sched_process_exec applies the exec, and
// without that line a successful sys_exit_execve does. An exec by a
// thread other than the leader (old_pid is not pid) takes the leader's
// tid.
//
// Exits. sched_process_exit ends its task; the last task of an address
// space takes it with it: "PID exit". Tasks still alive when the text
// ends stay alive (the recording may have been cut short).
//
// PIDs. An address space's trace PID is the thread group id of the task
// that made it, or 2^32+N when that PID was used before in the trace
// (package mirror's PIDs). Trace PIDs are never reused.
//
// # Files
//
// A file mapping is named by the path of the mapping record the kernel
// made inside the mmap call, percent-encoded into one field (mirror
// EncodeName). When another file (another device, inode or generation)
// was mapped before at the same path, the name carries the identity as
// well, "PATH@MAJ:MIN INO GEN" encoded: a file replaced during a build,
// and the many "/memfd:x (deleted)" and "/dev/zero (deleted)" objects, stay
// apart. A private mapping of /dev/zero, which the kernel makes
// anonymous, is anonymous. Without a record, the descriptor names the
// file: each successful openat gives its descriptor a new name "file:N"
// (the tracepoint shows the path's address, not the path), close forgets
// it, fork copies the descriptor table and threads share it, exec closes
// O_CLOEXEC descriptors; a descriptor whose opening was not seen gets a
// name of its own until it is closed. Synthetic names lose the sharing of
// one file between processes.
//
// # Faults
//
// Every exceptions:page_fault_user line is a touch of the page holding
// its address in the task's address space: a write if bit 1 of the
// error code (X86_PF_WRITE) is set, a read otherwise (instruction
// fetches included), at its place in the event order (the tracepoint
// fires before the kernel handles the fault). Stats.Touches counts them.
// A fault is skipped, and counted, when no mapping covers its address
// (Stats.Uncovered: the mapping came before the recording, or from
// something it does not show), when the address lies in [vdso] or [vvar]
// (Stats.Special), or when the mapping's protection forbids the access
// (Stats.Denied: the program got SIGSEGV, or handled it as a garbage
// collector's write barrier does). A fault below a mapping that grows
// down (the stack, MAP_GROWSDOWN), within 8 MiB of its top (RLIMIT_STACK's
// usual value) and at least stack_guard_gap (1 MiB) above the mapping
// below, grows it as expand_downwards does: an mmap of the pages from the
// fault up to the stack, which the simulator merges with it
// (Stats.StackGrowth). Faults of the kernel on user addresses (a read()
// into fresh memory) are exceptions:page_fault_kernel, which the
// recording leaves out: those pages are not touched.
//
// # Validity
//
// Every trace Import writes replays without error: the model of package
// mirror covers exactly what the simulator maps, touches are made only of
// pages that a mapping allows the access to, and PIDs are never named
// after their exit.
//
// Memory is bounded: the reordering window holds Window lines; the live
// tasks, the mappings of one process and the open descriptors of one task
// are bounded by what a real machine allows (2^22 tasks, 2^20 mappings,
// 2^20 descriptors), and an input past a bound is an *Error at the line
// that passes it; at most 2^16 paths are remembered. The trace is written
// as the text is read.
package perf
