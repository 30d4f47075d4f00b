package perf

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"rmapbench/workloads/internal/mirror"
	"rmapbench/workloads/trace"
)

// Linux flag values.
const (
	cloneVM     = 0x100
	cloneFiles  = 0x400
	cloneVfork  = 0x4000
	cloneThread = 0x10000
)

// task is a thread of the recording, named by its thread id.
type task struct {
	tid  uint32
	tgid uint32     // its thread group, where known (its own tid otherwise)
	mm   *addrSpace // nil until the task first needs one
	fds  *fdTable
	// enter is the system call the task is inside (its sys_enter line),
	// if hasEnter.
	enter    record
	hasEnter bool
	// mmapName is the file name the kernel's mapping record gave the mmap
	// the task is inside.
	mmapName string
	// fresh: nothing of the task has been seen yet but its first line,
	// which is how the traced command itself appears (in its exec).
	fresh bool
	// execing: inside execve; execDone: its exec has been applied, at
	// the first mapping record of the new program.
	execing, execDone bool
	// lastChild is the child of the task's last fork line.
	lastChild uint32
}

// addrSpace is an address space: one PID of the trace.
type addrSpace struct {
	pid   uint64
	users int  // tasks using it: threads, CLONE_VM clones, vfork children
	named bool // the trace has named its PID
	space mirror.Space
	heap  mirror.Heap
	// special are the ranges of [vdso], [vvar] and the like: mapped by
	// the kernel, not modelled.
	special [][2]uint64
}

// fdTable is a file descriptor table: the file name behind each
// descriptor, for the mmaps of that descriptor.
type fdTable struct {
	files map[uint64]fdFile
}

type fdFile struct {
	name    string
	cloexec bool
}

func (t *fdTable) copy() *fdTable {
	c := &fdTable{files: make(map[uint64]fdFile, len(t.files))}
	for fd, f := range t.files {
		c.files[fd] = f
	}
	return c
}

// task returns the task tid, creating a task of unknown origin for a tid
// not seen before: a new process, the way the traced command appears.
func (im *importer) task(tid uint32) *task {
	if t := im.tasks[tid]; t != nil {
		return t
	}
	t := &task{tid: tid, tgid: tid, fds: &fdTable{files: map[uint64]fdFile{}}, fresh: true}
	im.tasks[tid] = t
	im.stats.Tasks++
	return t
}

// mmOf returns t's address space, creating an empty one for a task of
// unknown origin.
func (im *importer) mmOf(t *task) *addrSpace {
	if t.mm == nil {
		t.mm = im.newSpace(t.tgid)
		t.mm.users++
	}
	return t.mm
}

func (im *importer) newSpace(tgid uint32) *addrSpace {
	return &addrSpace{pid: im.pids.Alloc(tgid)}
}

// endTask ends t (its exit, a tid reused, or an exec in its thread group).
// The last task of an address space takes it with it.
func (im *importer) endTask(t *task) error {
	if im.tasks[t.tid] == t {
		delete(im.tasks, t.tid)
	}
	mm := t.mm
	t.mm = nil
	if mm == nil {
		return nil
	}
	mm.users--
	if mm.users > 0 {
		return nil
	}
	return im.exitSpace(mm)
}

func (im *importer) exitSpace(mm *addrSpace) error {
	if !mm.named {
		return nil // the trace never heard of it
	}
	im.stats.Exits++
	return im.emit(mm, trace.Event{Op: trace.OpExit})
}

// emit writes ev for mm's PID.
func (im *importer) emit(mm *addrSpace, ev trace.Event) error {
	ev.PID = mm.pid
	if !mm.named {
		mm.named = true
		im.stats.Processes++
	}
	if err := im.w.Write(ev); err != nil {
		return writeError(err)
	}
	im.stats.Events++
	if ev.Op == trace.OpTouch {
		im.stats.Touches++
	}
	return nil
}

// emitter returns the function that writes the events of mm.
func (im *importer) emitter(mm *addrSpace) mirror.Emit {
	return func(ev trace.Event) error { return im.emit(mm, ev) }
}

// count counts a call the mirror could not mirror exactly.
func (im *importer) count(out mirror.Outcome) {
	switch out {
	case mirror.OutOfRange:
		im.stats.OutOfRange++
	case mirror.Approximated:
		im.stats.Approximated++
	}
}

// cloneFlags returns the CLONE_ flags of the clone-like call t is inside,
// for the fork line that call produced. clone3 takes its flags from
// memory the tracepoint does not show: it is taken as CLONE_VM (glibc uses
// clone3 for threads and posix_spawn, and fork uses clone). A fork line
// without its call gets fork's flags.
func (im *importer) cloneFlags(t *task) uint64 {
	if !t.hasEnter {
		im.stats.Unmatched++
		return 0
	}
	switch t.enter.sys {
	case sysClone:
		return t.enter.args[0]
	case sysClone3:
		im.stats.Clone3++
		return cloneVM | cloneFiles
	case sysVfork:
		return cloneVM | cloneVfork
	}
	return 0
}

// fork handles sched_process_fork: the child exists, created as its
// parent's call says.
func (im *importer) fork(r *record) error {
	parent := im.task(uint32(r.args[0]))
	parent.fresh = false
	child := uint32(r.args[1])
	if child == parent.tid {
		im.stats.Ignored++
		return nil
	}
	parent.lastChild = child
	return im.clone(parent, child, im.cloneFlags(parent))
}

// clone creates child as a clone of t with the given CLONE_ flags.
func (im *importer) clone(t *task, child uint32, flags uint64) error {
	if old := im.tasks[child]; old != nil {
		// The tid was reused and its end never seen.
		if err := im.endTask(old); err != nil {
			return err
		}
	}
	parent := im.mmOf(t)
	c := &task{tid: child, tgid: child, fds: t.fds}
	if flags&cloneFiles == 0 {
		c.fds = t.fds.copy()
	}
	im.tasks[child] = c
	im.stats.Tasks++
	switch {
	case flags&cloneThread != 0:
		c.tgid = t.tgid
		c.mm = parent
		parent.users++
		im.stats.Threads++
	case flags&(cloneVM|cloneVfork) != 0:
		// A vfork child borrows its parent's memory until it execs or
		// exits; vfork copies no page tables: no event.
		c.mm = parent
		parent.users++
		switch {
		case flags&cloneVfork != 0:
			im.stats.Vforks++
		case t.enter.sys != sysClone3:
			im.stats.SharedVM++
		}
	default:
		mm := im.newSpace(child)
		mm.space = parent.space.Clone()
		mm.heap = parent.heap
		mm.special = append([][2]uint64(nil), parent.special...)
		mm.named = true
		im.stats.Processes++
		if err := im.emit(parent, trace.Event{Op: trace.OpFork, Child: mm.pid}); err != nil {
			return err
		}
		im.stats.Forks++
		c.mm = mm
		mm.users++
	}
	return nil
}

// exec gives t a new, empty address space: the other tasks of its thread
// group are gone, as in Linux; the same trace PID, through an exec event,
// when nobody else used the old one; a new PID, appearing first as "PID
// exec", when the old one was shared (a vfork child, or a CLONE_VM clone,
// leaving its parent's memory to it). Descriptors opened with O_CLOEXEC
// close.
func (im *importer) exec(t *task) error {
	var others []*task
	for _, o := range im.tasks {
		if o != t && o.tgid == t.tgid {
			others = append(others, o)
		}
	}
	slices.SortFunc(others, func(a, b *task) int { return cmp.Compare(a.tid, b.tid) })
	for _, o := range others {
		if err := im.endTask(o); err != nil {
			return err
		}
	}
	old := t.mm
	var mm *addrSpace
	if old != nil && old.users == 1 {
		mm = old
		mm.space, mm.heap, mm.special = mirror.Space{}, mirror.Heap{}, nil
	} else {
		if old != nil {
			t.mm = nil
			old.users--
			if old.users == 0 {
				if err := im.exitSpace(old); err != nil {
					return err
				}
			}
		}
		mm = im.mmOf(t)
	}
	fds := &fdTable{files: make(map[uint64]fdFile)}
	for fd, f := range t.fds.files {
		if !f.cloexec {
			fds.files[fd] = f
		}
	}
	t.fds = fds
	t.execDone = true
	im.stats.Execs++
	return im.emit(mm, trace.Event{Op: trace.OpExec})
}

// schedExec handles sched_process_exec: the exec has happened, if its
// mapping records have not applied it already. An exec by a thread other
// than the leader takes the leader's tid (old_pid is the thread's).
func (im *importer) schedExec(r *record) error {
	pid, oldPid := uint32(r.args[0]), uint32(r.args[1])
	t := im.tasks[oldPid]
	if oldPid != pid {
		if cur := im.tasks[pid]; cur != nil && cur.execDone {
			// The mapping records of the new program came under the
			// leader's tid: that task is the exec'd program, and the
			// thread that called execve is gone.
			if t != nil {
				if err := im.endTask(t); err != nil {
					return err
				}
			}
			t = cur
		} else if t != nil {
			if cur != nil {
				if err := im.endTask(cur); err != nil {
					return err
				}
			}
			delete(im.tasks, oldPid)
			t.tid, t.tgid = pid, pid
			im.tasks[pid] = t
		}
	}
	if t == nil {
		t = im.task(pid)
	}
	if !t.execDone {
		if err := im.exec(t); err != nil {
			return err
		}
	}
	// execDone stays set until the sys_exit_execve line, which has
	// nothing left to do.
	t.fresh, t.execing, t.execDone = false, false, true
	if t.mm != nil {
		return im.comment(fmt.Sprintf("%d: exec %s", t.mm.pid, r.path))
	}
	return nil
}

// fdName names the file behind descriptor fd of t for an mmap: the name
// its openat gave it, or, for a descriptor whose opening was not seen, a
// name of its own from now until it is closed.
func (im *importer) fdName(t *task, fd uint64) string {
	if f, ok := t.fds.files[fd]; ok {
		return f.name
	}
	name := im.newFileName()
	t.fds.files[fd] = fdFile{name: name}
	return name
}

// newFileName is "file:N", N counting the files named so over the import.
func (im *importer) newFileName() string {
	im.fileSeq++
	return "file:" + strconv.FormatUint(im.fileSeq, 10)
}

// pathName names the file a mapping record shows: its path, encoded as a
// trace NAME, or, when another file (another device, inode or
// generation) was seen at that path before (a file replaced, a memfd or
// a shared anonymous mapping, all "/memfd:x (deleted)" or "/dev/zero
// (deleted)"), the path with its identity. Past maxPaths paths, a new
// path always comes with its identity.
func (im *importer) pathName(path, ident string) string {
	first, seen := im.paths[path]
	if !seen && len(im.paths) < maxPaths {
		im.paths[path] = ident
		first, seen = ident, true
	}
	if !seen {
		return mirror.EncodeName(path + "@" + ident)
	}
	if ident == first || ident == "" {
		return mirror.EncodeName(path)
	}
	return mirror.EncodeName(path + "@" + ident)
}
