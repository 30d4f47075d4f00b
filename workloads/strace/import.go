package strace

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"

	"rmapbench/workloads/internal/mirror"
	"rmapbench/workloads/trace"
)

// Error is a line of the log that cannot be imported. Error() gives
// "NAME:LINE: what is wrong".
type Error = trace.Error

// MaxLineLength is the longest log line Import accepts.
const MaxLineLength = 16 << 20

// Stats counts what an import found and wrote.
type Stats struct {
	Lines  int // lines read
	Events int // trace events written
	// Touches is the number of touch events among Events, TouchedBytes
	// the bytes they cover.
	Touches      int
	TouchedBytes uint64
	Processes    int // address spaces, i.e. distinct PIDs in the trace
	Tasks        int // tasks (threads and processes) seen in the log
	Threads      int // tasks created with CLONE_THREAD
	SharedVM     int // tasks created with CLONE_VM but neither CLONE_THREAD nor CLONE_VFORK
	Forks        int // fork events: clones that copy the address space
	Vforks       int // vfork, or clone/clone3 with CLONE_VFORK: no event
	Execs        int // successful execve: exec events
	Exits        int // exit events: the last task of an address space ended
	Failed       int // failed calls of the system calls that matter, skipped
	// Ignored counts lines without meaning for memory: other system
	// calls, signals, strace's own notes, calls whose result is "?",
	// a resumed half whose start is unknown.
	Ignored int
	// Buffered counts tasks whose first lines came before their creator's
	// clone returned, and were held back until it did.
	Buffered int
	// Unclaimed counts buffered tasks replayed as tasks of unknown origin
	// because the buffer was full (maxBufferedTasks, maxBufferedBytes)
	// before a clone claimed them.
	Unclaimed int
	// UnnamedFiles counts the files of a log without -y, which the
	// importer names file:1, file:2, ... (fileName).
	UnnamedFiles int
	// OutOfRange counts calls skipped or cut short because their range is
	// not page aligned or passes 2^47 (the vsyscall page, for one).
	OutOfRange int
	// Approximated counts calls the importer could not mirror exactly:
	// an mremap of a range it does not know as one mapping (replaced by
	// munmap and mmap), a remap_file_pages outside a known shared file
	// mapping (skipped).
	Approximated int
}

// Warnings describe what in the import makes the trace less faithful than
// the log could have made it, one sentence each.
func (s Stats) Warnings() []string {
	var w []string
	if s.UnnamedFiles > 0 {
		w = append(w, fmt.Sprintf("the log names no files (record it with strace -y): its %d mapped files are called file:1 to file:%d, and processes that map the same file do not share it in the trace", s.UnnamedFiles, s.UnnamedFiles))
	}
	if s.Unclaimed > 0 {
		w = append(w, fmt.Sprintf("%d tasks printed more than the importer holds (%d tasks, %d MiB) while their creator's clone was unfinished; they were imported as new processes", s.Unclaimed, maxBufferedTasks, maxBufferedBytes>>20))
	}
	return w
}

// String summarises s in two lines.
func (s Stats) String() string {
	return fmt.Sprintf("%d lines: %d tasks (%d threads, %d shared-VM clones), %d forks, %d vforks, %d execs, %d failed calls, %d lines ignored, %d buffered tasks, %d out of range, %d approximated\n"+
		"%d events: %d processes, %d exits, %d touches of %d pages",
		s.Lines, s.Tasks, s.Threads, s.SharedVM, s.Forks, s.Vforks, s.Execs, s.Failed, s.Ignored, s.Buffered, s.OutOfRange, s.Approximated,
		s.Events, s.Processes, s.Exits, s.Touches, s.TouchedBytes/pageSize)
}

const (
	pageSize  = trace.PageSize
	addrLimit = trace.AddrLimit

	// The synthetic stack of an exec: 132 KiB (the kernel's initial stack
	// VMA with its 128 KiB expansion) ending one page below 2^47, where
	// x86-64 Linux puts it without randomisation.
	stackTop  = addrLimit - pageSize
	stackSize = 132 << 10
	// knownStackBytes is what the known policy writes at the top of a
	// stack.
	knownStackBytes = 16 << 10
)

// Linux flag values; strace prints them by name, or as numbers with -X raw.
const (
	mapShared    = 0x01
	mapFixed     = 0x10
	mapAnonymous = 0x20
	mapGrowsdown = 0x100
	mapNoreserve = 0x4000
	mapPopulate  = 0x8000
	mapStack     = 0x20000

	cloneVM     = 0x100
	cloneVfork  = 0x4000
	cloneThread = 0x10000

	mremapDontunmap = 4

	mclCurrent = 1
	mclFuture  = 2
	mclOnfault = 4
)

var (
	protNames = map[string]uint64{"PROT_NONE": 0, "PROT_READ": 1, "PROT_WRITE": 2, "PROT_EXEC": 4}
	mapNames  = map[string]uint64{
		"MAP_SHARED": mapShared, "MAP_PRIVATE": 0x02, "MAP_SHARED_VALIDATE": 0x03,
		"MAP_FIXED": mapFixed, "MAP_ANONYMOUS": mapAnonymous, "MAP_ANON": mapAnonymous,
		"MAP_GROWSDOWN": mapGrowsdown, "MAP_NORESERVE": mapNoreserve, "MAP_POPULATE": mapPopulate,
		"MAP_STACK": mapStack, "MAP_FIXED_NOREPLACE": 0x100000,
	}
	cloneNames  = map[string]uint64{"CLONE_VM": cloneVM, "CLONE_VFORK": cloneVfork, "CLONE_THREAD": cloneThread}
	mremapNames = map[string]uint64{"MREMAP_MAYMOVE": 1, "MREMAP_FIXED": 2, "MREMAP_DONTUNMAP": mremapDontunmap}
	madvNames   = map[string]uint64{"MADV_DONTNEED": mirror.MadvDontneed, "MADV_MERGEABLE": mirror.MadvMergeable, "MADV_UNMERGEABLE": mirror.MadvUnmergeable}
	mclNames    = map[string]uint64{"MCL_CURRENT": mclCurrent, "MCL_FUTURE": mclFuture, "MCL_ONFAULT": mclOnfault}
	mlockNames  = map[string]uint64{"MLOCK_ONFAULT": 1}
)

// task is a thread of the log, named by its thread id.
type task struct {
	tid     uint32
	group   *group
	mm      *addrSpace // nil until the task first needs one
	pending *logLine   // the call it left <unfinished ...>
}

// group is a thread group: what exec reduces to the exec'ing thread.
type group struct {
	tgid  uint32
	tasks []*task
}

// addrSpace is an address space: one PID of the trace.
type addrSpace struct {
	pid   uint64
	users int  // tasks using it: threads, CLONE_VM clones, vfork children
	named bool // the trace has named its PID
	space mirror.Space
	heap  mirror.Heap
	// fdFiles names, in logs without -y, the file behind each descriptor.
	fdFiles map[string]uint64
}

// buffer holds the lines of a task that appeared while some clone was
// unfinished: its creator is not known yet.
type buffer struct {
	lines []logLine
	bytes int // what the lines cost to hold (lineCost)
}

// The bounds of the buffer of tasks waiting for their clone. A log where
// a clone stays unfinished while other tasks print on (a hostile log, or
// one cut and pasted) would otherwise be held in memory whole. When a
// bound is passed, the task buffered first is replayed as a task of
// unknown origin, as at the end of the log; a clone that later returns
// its tid ends it and starts the child afresh (cloneTask). Real logs stay
// far below: the children of one make -j print a few lines each before
// their clones return.
const (
	maxBufferedTasks = 1024
	maxBufferedBytes = 64 << 20
)

// lineCost is what holding l costs: its text and the logLine.
func lineCost(l logLine) int { return len(l.body) + len(l.name) + 64 }

type importer struct {
	name  string
	w     *trace.Writer
	opts  Options
	rng   *rand.Rand
	stats Stats

	tasks         map[uint32]*task
	pendingClones int // tasks inside an unfinished clone, fork or vfork
	buffers       map[uint32]*buffer
	bufferOrder   []uint32 // buffered tids by first line
	bufferedBytes int      // the lines' cost in all buffers
	eof           bool

	live    []*addrSpace // in creation order
	pids    mirror.PIDs
	fileSeq uint64 // synthetic file names
	names   map[string]string
}

// maxInternedNames bounds the table of interned file names, as the trace
// reader's does.
const maxInternedNames = 1 << 16

// intern returns name as a string shared by every mapping of the same
// file, so the model holds each name once however often it is mapped.
func (im *importer) intern(name string) string {
	if s, ok := im.names[name]; ok {
		return s
	}
	if im.names == nil {
		im.names = make(map[string]string)
	}
	if len(im.names) < maxInternedNames {
		im.names[name] = name
	}
	return name
}

// Import reads the strace log r (plain or gzip, recognised by its magic
// bytes), named name in errors, and writes the equivalent trace to w,
// flushing it at the end. The log must come from `strace -f` (with -o, so
// that the program's own output is not mixed in); -ttt and -y are optional
// but recommended. It returns what it found. A line it cannot parse, or
// a read or decompression failure, gives an *Error ("NAME:LINE: ...");
// bad options and failures to write give plain errors. After an error, w
// holds the start of a trace at most: the caller should discard it.
func Import(r io.Reader, name string, w *trace.Writer, opts Options) (Stats, error) {
	if err := opts.validate(); err != nil {
		return Stats{}, err
	}
	im := &importer{
		name:    name,
		w:       w,
		opts:    opts,
		rng:     rand.New(rand.NewPCG(opts.Seed, 0x73747261)),
		tasks:   make(map[uint32]*task),
		buffers: make(map[uint32]*buffer),
	}
	in, err := mirror.Decompress(r, name)
	if err != nil {
		return im.stats, err
	}
	if !opts.NoComments {
		header := fmt.Sprintf("imported from the strace log %s; touch policy %v", name, opts.Touch)
		if opts.Touch == TouchFraction {
			header += fmt.Sprintf(" (fraction %v, seed %d)", opts.Fraction, opts.Seed)
		}
		if err := im.comment(header); err != nil {
			return im.stats, err
		}
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineLength)
	num := 0
	for sc.Scan() {
		num++
		im.stats.Lines++
		l, problem := parseLine(sc.Text(), num)
		if problem != "" {
			return im.stats, im.errorAt(num, "%s", problem)
		}
		if err := im.dispatch(l); err != nil {
			return im.stats, err
		}
		if err := im.releaseSettled(); err != nil {
			return im.stats, err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return im.stats, im.errorAt(num+1, "line longer than %d bytes", MaxLineLength)
		}
		msg := "read: " + err.Error()
		if ge := (*trace.GzipError)(nil); errors.As(err, &ge) {
			msg = ge.Error()
		}
		return im.stats, &Error{File: name, Line: num + 1, Msg: msg, Err: err}
	}
	if err := im.finish(); err != nil {
		return im.stats, err
	}
	if err := w.Flush(); err != nil {
		return im.stats, writeError(err)
	}
	return im.stats, nil
}

func (im *importer) errorAt(line int, format string, args ...any) error {
	return &Error{File: im.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func writeError(err error) error { return fmt.Errorf("strace: writing the trace: %w", err) }

// dispatch routes a line to its task. A task not seen before is, while
// some clone is unfinished, probably that clone's child, whose creator
// and kind (thread, vfork, fork) only the clone's return tells: its lines
// are buffered until a clone returns its tid. With no clone unfinished it
// is a task the log did not see created (the traced command itself), a
// new process with an empty address space.
func (im *importer) dispatch(l logLine) error {
	t := im.tasks[l.tid]
	if t == nil {
		if b := im.buffers[l.tid]; b != nil {
			b.lines = append(b.lines, l)
			b.bytes += lineCost(l)
			im.bufferedBytes += lineCost(l)
			return im.releaseOverflow()
		}
		if l.kind == lineSignal || l.kind == lineNote {
			im.stats.Ignored++
			return nil
		}
		if im.pendingClones > 0 && !im.eof {
			im.buffers[l.tid] = &buffer{lines: []logLine{l}, bytes: lineCost(l)}
			im.bufferOrder = append(im.bufferOrder, l.tid)
			im.bufferedBytes += lineCost(l)
			im.stats.Buffered++
			return im.releaseOverflow()
		}
		if l.kind == lineEnd {
			im.stats.Ignored++
			return nil
		}
		t = im.newTask(l.tid, &group{tgid: l.tid}, nil)
	}
	return im.handle(t, l)
}

// releaseSettled replays buffered tasks as tasks of unknown origin once
// no clone is unfinished (no clone can claim them any more), or at the
// end of the log.
func (im *importer) releaseSettled() error {
	for (im.pendingClones == 0 || im.eof) && len(im.bufferOrder) > 0 {
		tid := im.bufferOrder[0]
		im.bufferOrder = im.bufferOrder[1:]
		if err := im.replayBuffer(tid); err != nil {
			return err
		}
	}
	return nil
}

// releaseOverflow replays the task buffered first as a task of unknown
// origin while the buffers hold more than their bounds.
func (im *importer) releaseOverflow() error {
	for len(im.bufferOrder) > maxBufferedTasks || im.bufferedBytes > maxBufferedBytes {
		tid := im.bufferOrder[0]
		im.bufferOrder = im.bufferOrder[1:]
		im.newTask(tid, &group{tgid: tid}, nil)
		im.stats.Unclaimed++
		if err := im.replayBuffer(tid); err != nil {
			return err
		}
	}
	return nil
}

// replayBuffer dispatches the buffered lines of tid, now that its task
// exists (or is known to be of unknown origin).
func (im *importer) replayBuffer(tid uint32) error {
	b := im.buffers[tid]
	if b == nil {
		return nil
	}
	delete(im.buffers, tid)
	im.bufferedBytes -= b.bytes
	for _, l := range b.lines {
		if err := im.dispatch(l); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) finish() error {
	im.eof = true
	if err := im.releaseSettled(); err != nil {
		return err
	}
	// Processes still alive when the log ends stay alive: the log may
	// have been cut short, and what they touched since their last call
	// is all that is left to model.
	for _, mm := range append([]*addrSpace(nil), im.live...) {
		if err := im.flushTouches(mm); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) handle(t *task, l logLine) error {
	switch l.kind {
	case lineSignal, lineNote:
		im.stats.Ignored++
		return nil
	case lineEnd:
		return im.endTask(t)
	case lineUnfinished:
		im.dropPending(t)
		t.pending = &l
		if isClone(l.name) {
			im.pendingClones++
		}
		// The program ran up to this call: what it mapped before has
		// been used.
		if !isMmap(l.name) {
			return im.flushTouches(t.mm)
		}
		return nil
	case lineResumed:
		start := t.pending
		im.dropPending(t)
		body := l.body
		if start != nil && start.name == l.name {
			body = start.body + l.body
		} else if l.name != "execve" && l.name != "execveat" {
			// The start was never seen (or belonged to another call):
			// the arguments are lost.
			im.stats.Ignored++
			return nil
		}
		// An exec needs no arguments: strace moves the call of a thread
		// that execs to the thread group leader, which prints only
		// "<... execve resumed>) = 0".
		args, result, ok := splitCall(body)
		if !ok {
			return im.errorAt(l.num, "%s: no \") = RESULT\" at the end of the resumed call", l.name)
		}
		return im.call(t, l.name, args, result, l.num)
	default: // lineCall
		args, result, _ := splitCall(l.body)
		return im.call(t, l.name, args, result, l.num)
	}
}

func (im *importer) dropPending(t *task) {
	if t.pending != nil && isClone(t.pending.name) {
		im.pendingClones--
	}
	t.pending = nil
}

func isClone(name string) bool {
	switch name {
	case "clone", "clone2", "clone3", "fork", "vfork":
		return true
	}
	return false
}

func isMmap(name string) bool { return name == "mmap" || name == "mmap2" }

// call applies one completed call.
func (im *importer) call(t *task, name, args, result string, num int) error {
	if !isMmap(name) {
		if err := im.flushTouches(t.mm); err != nil {
			return err
		}
	}
	switch name {
	case "mmap", "mmap2", "munmap", "mprotect", "pkey_mprotect", "mremap", "brk", "madvise",
		"remap_file_pages", "mlock", "mlock2", "munlock", "mlockall", "munlockall",
		"clone", "clone2", "clone3", "fork", "vfork", "execve", "execveat":
	default:
		im.stats.Ignored++
		return nil
	}
	res, ok := parseResult(result)
	switch {
	case !ok:
		return im.errorAt(num, "%s: cannot parse the result %s", name, quote(result))
	case !res.known:
		im.stats.Ignored++
		return nil
	case res.failed:
		im.stats.Failed++
		return nil
	}
	c := &callCtx{im: im, t: t, name: name, args: args, res: res.value, num: num}
	switch name {
	case "mmap", "mmap2":
		return c.mmap()
	case "munmap":
		return c.munmap()
	case "mprotect", "pkey_mprotect":
		return c.mprotect()
	case "mremap":
		return c.mremap()
	case "brk":
		return c.brk()
	case "madvise":
		return c.madvise()
	case "remap_file_pages":
		return c.remapFilePages()
	case "mlock", "mlock2", "munlock":
		return c.mlock()
	case "mlockall", "munlockall":
		return c.mlockall()
	case "execve", "execveat":
		return c.execve()
	default:
		return c.clone()
	}
}

func (im *importer) newSpace(tgid uint32) *addrSpace {
	mm := &addrSpace{pid: im.pids.Alloc(tgid)}
	im.live = append(im.live, mm)
	return mm
}

func (im *importer) newTask(tid uint32, g *group, mm *addrSpace) *task {
	t := &task{tid: tid, group: g, mm: mm}
	g.tasks = append(g.tasks, t)
	if mm != nil {
		mm.users++
	}
	im.tasks[tid] = t
	im.stats.Tasks++
	return t
}

// mmOf returns t's address space, creating an empty one for a task of
// unknown origin.
func (im *importer) mmOf(t *task) *addrSpace {
	if t.mm == nil {
		t.mm = im.newSpace(t.group.tgid)
		t.mm.users++
	}
	return t.mm
}

// endTask ends t (+++ exited or killed +++, or an exec in its thread
// group). The last task of an address space takes it with it.
func (im *importer) endTask(t *task) error {
	im.dropPending(t)
	if im.tasks[t.tid] == t {
		delete(im.tasks, t.tid)
	}
	g := t.group
	for i, x := range g.tasks {
		if x == t {
			g.tasks = append(g.tasks[:i], g.tasks[i+1:]...)
			break
		}
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
	for i, x := range im.live {
		if x == mm {
			im.live = append(im.live[:i], im.live[i+1:]...)
			break
		}
	}
	if !mm.named {
		return nil // the trace never heard of it
	}
	if err := im.flushTouches(mm); err != nil {
		return err
	}
	im.stats.Exits++
	return im.emit(mm, trace.Event{Op: trace.OpExit})
}

// emit writes ev for mm's PID.
func (im *importer) emit(mm *addrSpace, ev trace.Event) error {
	ev.PID = mm.pid
	im.markNamed(mm)
	if err := im.w.Write(ev); err != nil {
		return writeError(err)
	}
	im.stats.Events++
	if ev.Op == trace.OpTouch {
		im.stats.Touches++
		im.stats.TouchedBytes += ev.Len
	}
	return nil
}

func (im *importer) markNamed(mm *addrSpace) {
	if !mm.named {
		mm.named = true
		im.stats.Processes++
	}
}

// emitter returns the function that writes the events of mm.
func (im *importer) emitter(mm *addrSpace) mirror.Emit {
	return func(ev trace.Event) error { return im.emit(mm, ev) }
}

// emitMmap maps p in mm: the event, and the piece in the model.
func (im *importer) emitMmap(mm *addrSpace, p mirror.Piece) error {
	return mm.space.Map(p, im.emitter(mm))
}

func (im *importer) emitMunmap(mm *addrSpace, start, end uint64) error {
	return mm.space.Unmap(start, end, im.emitter(mm))
}

func (im *importer) comment(text string) error {
	if im.opts.NoComments {
		return nil
	}
	if err := im.w.Comment(mirror.SanitizeComment(text)); err != nil {
		return writeError(err)
	}
	return nil
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
