package strace

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"rmapbench/workloads/internal/mirror"
	"rmapbench/workloads/trace"
)

// callCtx is one successful call being applied.
type callCtx struct {
	im   *importer
	t    *task
	name string
	args string
	res  uint64 // the call's result
	num  int    // its line, for errors
}

func (c *callCtx) errorf(format string, args ...any) error {
	return c.im.errorAt(c.num, "%s: %s", c.name, fmt.Sprintf(format, args...))
}

// argList splits the arguments and insists on at least n of them.
func (c *callCtx) argList(n int, want string) ([]string, error) {
	args := splitArgs(c.args)
	if len(args) < n {
		return nil, c.errorf("want arguments %s, got %s", want, quote(c.args))
	}
	return args, nil
}

func (c *callCtx) number(what, s string) (uint64, error) {
	v, ok := parseNumber(s)
	if !ok {
		return 0, c.errorf("bad %s %s", what, quote(s))
	}
	return v, nil
}

// numbers parses the arguments at the positions that have a name (an
// empty name skips a position) as numbers, naming the bad one in errors.
func (c *callCtx) numbers(args []string, names ...string) ([]uint64, error) {
	vs := make([]uint64, len(names))
	for i, name := range names {
		if name == "" {
			continue
		}
		v, err := c.number(name, args[i])
		if err != nil {
			return nil, err
		}
		vs[i] = v
	}
	return vs, nil
}

func (c *callCtx) flags(what, s string, table map[string]uint64) (uint64, error) {
	v, ok := parseFlags(s, table)
	if !ok {
		return 0, c.errorf("bad %s %s", what, quote(s))
	}
	return v, nil
}

func (c *callCtx) prot(s string) (trace.Prot, error) {
	v, err := c.flags("PROT", s, protNames)
	return trace.Prot(v) & (trace.ProtRead | trace.ProtWrite | trace.ProtExec), err
}

// span returns the pages [start, end) that a call's (addr, length) covers
// (mirror.Span), counting the call out of range when it is skipped or cut.
func (c *callCtx) span(addr, length uint64) (start, end uint64, ok bool) {
	start, end, out, ok := mirror.Span(addr, length)
	c.im.count(out)
	return start, end, ok
}

func (c *callCtx) mmap() error {
	a, ok := splitMmapArgs(c.args)
	if !ok {
		return c.errorf("want arguments ADDR, LENGTH, PROT, FLAGS, FD, OFFSET, got %s", quote(c.args))
	}
	length, err := c.number("LENGTH", a.length)
	if err != nil {
		return err
	}
	prot, err := c.prot(a.prot)
	if err != nil {
		return err
	}
	flags, err := c.flags("FLAGS", a.flags, mapNames)
	if err != nil {
		return err
	}
	offset, err := c.number("OFFSET", a.offset)
	if err != nil {
		return err
	}
	if c.name == "mmap2" { // the offset is in 4096-byte units
		if offset > math.MaxUint64/4096 {
			c.im.stats.OutOfRange++
			return nil
		}
		offset *= 4096
	}
	start, end, ok := c.span(c.res, length)
	if !ok {
		return nil
	}
	mm := c.im.mmOf(c.t)
	p := mirror.Piece{Start: start, End: end, Prot: prot, Shared: flags&mapShared != 0, Marks: markPending}
	if flags&(mapStack|mapGrowsdown) != 0 {
		p.Marks |= markStackLike
	}
	if flags&mapNoreserve != 0 {
		p.Marks |= markNoReserve
	}
	if flags&mapPopulate != 0 {
		p.Marks |= markPopulate
	}
	if flags&mapAnonymous == 0 {
		if offset%pageSize != 0 || offset > math.MaxUint64-(end-start) {
			c.im.stats.OutOfRange++
			return nil
		}
		p.File, p.Offset = c.im.fileName(mm, a.fd, flags, offset)
		if len(p.File) > trace.MaxNameLength {
			return c.errorf("file name longer than %d bytes", trace.MaxNameLength)
		}
	}
	return c.im.emitMmap(mm, p)
}

// fileName names the file behind the descriptor argument fdArg. With -y
// it is the path strace printed, encoded as a single field. Without, the
// file cannot be known; a name "file:N" stands for it, N counting files
// in the whole log: a mapping of the descriptor at offset 0 without
// MAP_FIXED (how the dynamic loader starts mapping a library, and how a
// program maps a whole file) starts a new file, any other mapping of the
// descriptor continues the file the descriptor last had in that address
// space. So the segments of one library are one file, but the same library
// in two processes is two files: logs without -y understate sharing.
func (im *importer) fileName(mm *addrSpace, fdArg string, flags, offset uint64) (string, uint64) {
	fd, path := splitFD(fdArg)
	if path != "" {
		return im.intern(mirror.EncodeName(path)), offset
	}
	fd = strings.TrimSpace(fd)
	n, seen := mm.fdFiles[fd]
	if !seen || (flags&mapFixed == 0 && offset == 0) {
		im.fileSeq++
		im.stats.UnnamedFiles++
		n = im.fileSeq
		if mm.fdFiles == nil {
			mm.fdFiles = make(map[string]uint64)
		}
		mm.fdFiles[fd] = n
	}
	return "file:" + strconv.FormatUint(n, 10), offset
}

// rangeArgs parses the ADDR, LENGTH that begin a call's arguments and
// returns all the arguments and the pages the range spans (span: ok is
// false if the call is to be skipped).
func (c *callCtx) rangeArgs() (args []string, start, end uint64, ok bool, err error) {
	if args, err = c.argList(2, "ADDR, LENGTH"); err != nil {
		return nil, 0, 0, false, err
	}
	n, err := c.numbers(args, "ADDR", "LENGTH")
	if err != nil {
		return nil, 0, 0, false, err
	}
	start, end, ok = c.span(n[0], n[1])
	return args, start, end, ok, nil
}

func (c *callCtx) munmap() error {
	_, start, end, ok, err := c.rangeArgs()
	if !ok || err != nil {
		return err
	}
	return c.im.emitMunmap(c.im.mmOf(c.t), start, end)
}

func (c *callCtx) mprotect() error {
	args, err := c.argList(3, "ADDR, LENGTH, PROT")
	if err != nil {
		return err
	}
	n, err := c.numbers(args, "ADDR", "LENGTH")
	if err != nil {
		return err
	}
	prot, err := c.prot(args[2])
	if err != nil {
		return err
	}
	start, end, ok := c.span(n[0], n[1])
	if !ok {
		return nil
	}
	mm := c.im.mmOf(c.t)
	return mm.space.SetProt(start, end, prot, c.im.emitter(mm))
}

// mremap mirrors mremap(OLD, OLDLEN, NEWLEN, FLAGS[, NEW]) = NEW
// (mirror.Space.MirrorMremap): mremap when the model knows [OLD,
// OLD+OLDLEN) as one mapping, munmap and mmap otherwise.
func (c *callCtx) mremap() error {
	args, err := c.argList(4, "OLD, OLDLEN, NEWLEN, FLAGS[, NEW]")
	if err != nil {
		return err
	}
	n, err := c.numbers(args, "OLD", "OLDLEN", "NEWLEN")
	if err != nil {
		return err
	}
	old, oldLen, newLen := n[0], n[1], n[2]
	flags, err := c.flags("FLAGS", args[3], mremapNames)
	if err != nil {
		return err
	}
	mm := c.im.mmOf(c.t)
	out, err := mm.space.MirrorMremap(old, mirror.RoundUp(oldLen), c.res, mirror.RoundUp(newLen),
		flags&mremapDontunmap != 0, fromMremap, c.im.emitter(mm))
	c.im.count(out)
	return err
}

// brk tracks the heap (mirror.Heap): growing maps the new pages, to be
// touched, shrinking unmaps.
func (c *callCtx) brk() error {
	mm := c.im.mmOf(c.t)
	out, err := mm.heap.MirrorBrk(&mm.space, c.res, markPending, c.im.emitter(mm))
	c.im.count(out)
	return err
}

// madvise turns MADV_DONTNEED into dontneed, MADV_MERGEABLE and
// MADV_UNMERGEABLE into madvise mergeable|unmergeable, and ignores other
// advice.
func (c *callCtx) madvise() error {
	args, err := c.argList(3, "ADDR, LENGTH, ADVICE")
	if err != nil {
		return err
	}
	advice, err := c.flags("ADVICE", args[2], madvNames)
	if err != nil {
		return err
	}
	ev, ok := mirror.MadviseEvent(advice)
	if !ok {
		c.im.stats.Ignored++
		return nil
	}
	n, err := c.numbers(args, "ADDR", "LENGTH")
	if err != nil {
		return err
	}
	start, end, ok := c.span(n[0], n[1])
	if !ok {
		return nil
	}
	ev.Addr, ev.Len = start, end-start
	return c.im.emit(c.im.mmOf(c.t), ev)
}

// mlock mirrors mlock, mlock2 and munlock(ADDR, LENGTH[, FLAGS]) as mlock
// or munlock events over the parts of the range the model has mapped.
// mlock2's MLOCK_ONFAULT (lock without faulting the range in) is
// approximated by a plain mlock.
func (c *callCtx) mlock() error {
	args, start, end, ok, err := c.rangeArgs()
	if !ok || err != nil {
		return err
	}
	if c.name == "mlock2" && len(args) > 2 {
		flags, err := c.flags("FLAGS", args[2], mlockNames)
		if err != nil {
			return err
		}
		if flags != 0 {
			c.im.stats.Approximated++
		}
	}
	op := trace.OpMlock
	if c.name == "munlock" {
		op = trace.OpMunlock
	}
	return c.lockRuns(op, start, end)
}

// mlockall mirrors mlockall(MCL_CURRENT...) as mlock of everything mapped
// and munlockall as munlock of everything. MCL_FUTURE (lock what is
// mapped later) and MCL_ONFAULT have no event: they count as
// approximated.
func (c *callCtx) mlockall() error {
	op := trace.OpMunlock
	if c.name == "mlockall" {
		args, err := c.argList(1, "FLAGS")
		if err != nil {
			return err
		}
		flags, err := c.flags("FLAGS", args[0], mclNames)
		if err != nil {
			return err
		}
		if flags&^mclCurrent != 0 {
			c.im.stats.Approximated++
		}
		if flags&mclCurrent == 0 {
			return nil
		}
		op = trace.OpMlock
	}
	return c.lockRuns(op, 0, addrLimit)
}

// lockRuns emits op over each run of contiguous pieces in [start, end),
// whose ends become edges (the simulator splits VMAs there). A part of
// the range the model has not mapped (a mapping older than the log)
// counts as approximated, once per call; for the whole address space
// (mlockall) holes are normal.
func (c *callCtx) lockRuns(op trace.Op, start, end uint64) error {
	mm := c.im.mmOf(c.t)
	runs, hole := mm.space.Runs(start, end)
	if hole && (start != 0 || end != addrLimit) {
		c.im.stats.Approximated++
	}
	for _, r := range runs {
		if err := c.im.emit(mm, trace.Event{Op: op, Addr: r.Start, Len: r.End - r.Start}); err != nil {
			return err
		}
	}
	return nil
}

// remapFilePages turns remap_file_pages(ADDR, SIZE, PROT, PGOFF, FLAGS)
// into remap when the range lies in one known shared file mapping.
func (c *callCtx) remapFilePages() error {
	args, err := c.argList(4, "ADDR, SIZE, PROT, PGOFF, FLAGS")
	if err != nil {
		return err
	}
	n, err := c.numbers(args, "ADDR", "SIZE", "", "PGOFF")
	if err != nil {
		return err
	}
	pgoff := n[3]
	start, end, ok := c.span(n[0], n[1])
	if !ok {
		return nil
	}
	if pgoff > (math.MaxUint64-(end-start))/pageSize {
		c.im.stats.OutOfRange++
		return nil
	}
	mm := c.im.mmOf(c.t)
	if p := mm.space.At(start); p == nil || !p.Shared || p.File == "" || !mm.space.OneVMA(start, end) {
		c.im.stats.Approximated++
		return nil
	}
	return c.im.emit(mm, trace.Event{Op: trace.OpRemap, Addr: start, Len: end - start, PgOff: pgoff})
}

// clone applies clone, clone3, fork and vfork, whose result is the new
// task's tid.
func (c *callCtx) clone() error {
	im := c.im
	if c.res == 0 || c.res > math.MaxUint32 || uint32(c.res) == c.t.tid {
		im.stats.Ignored++ // the child's own return, or nonsense
		return nil
	}
	var flags uint64
	switch c.name {
	case "vfork":
		flags = cloneVM | cloneVfork
	case "clone", "clone2", "clone3":
		if v, ok := namedArg(c.args, "flags"); ok {
			var err error
			if flags, err = c.flags("flags", v, cloneNames); err != nil {
				return err
			}
		}
	}
	return im.cloneTask(c.t, uint32(c.res), flags)
}

// cloneTask creates child as a clone of t with the given CLONE_ flags,
// then replays the lines child printed before the clone returned.
func (im *importer) cloneTask(t *task, child uint32, flags uint64) error {
	if old := im.tasks[child]; old != nil {
		// The tid was reused and its end never seen.
		if err := im.endTask(old); err != nil {
			return err
		}
	}
	parent := im.mmOf(t)
	switch {
	case flags&cloneThread != 0:
		im.newTask(child, t.group, parent)
		im.stats.Threads++
	case flags&(cloneVM|cloneVfork) != 0:
		// A vfork child borrows the parent's memory until it execs or
		// exits, and vfork copies no page tables: no event.
		im.newTask(child, &group{tgid: child}, parent)
		if flags&cloneVfork != 0 {
			im.stats.Vforks++
		} else {
			im.stats.SharedVM++
		}
	default:
		if err := im.flushTouches(parent); err != nil {
			return err
		}
		mm := im.newSpace(child)
		mm.space = parent.space.Clone()
		mm.heap = parent.heap
		if parent.fdFiles != nil {
			mm.fdFiles = make(map[string]uint64, len(parent.fdFiles))
			for fd, n := range parent.fdFiles {
				mm.fdFiles[fd] = n
			}
		}
		im.markNamed(mm)
		if err := im.emit(parent, trace.Event{Op: trace.OpFork, Child: mm.pid}); err != nil {
			return err
		}
		im.stats.Forks++
		im.newTask(child, &group{tgid: child}, mm)
		if im.opts.Touch == TouchKnown {
			// Both return from fork and write their stacks: the first
			// write to each page breaks copy-on-write.
			if err := im.touchStackTop(parent); err != nil {
				return err
			}
			if err := im.touchStackTop(mm); err != nil {
				return err
			}
		}
	}
	for i, tid := range im.bufferOrder {
		if tid == child {
			im.bufferOrder = append(im.bufferOrder[:i], im.bufferOrder[i+1:]...)
			break
		}
	}
	return im.replayBuffer(child)
}

// execve applies a successful execve: the other threads of the caller's
// thread group are gone, and the caller has a new, empty address space:
// the same trace PID, through an exec event, when nobody else used the old
// one; a new PID, appearing first as "PID exec", when the old one was
// shared (a vfork child, or a CLONE_VM clone, leaving its parent's memory
// to it). Unless Options.NoStack, the new address space gets a stack.
func (c *callCtx) execve() error {
	im, t := c.im, c.t
	// The program, for a comment: execve's first argument, execveat's
	// second.
	program := ""
	pathArg := 0
	if c.name == "execveat" {
		pathArg = 1
	}
	if args := splitArgs(c.args); len(args) > pathArg {
		program = quotedPrefix(args[pathArg])
	}
	for _, o := range append([]*task(nil), t.group.tasks...) {
		if o != t {
			if err := im.endTask(o); err != nil {
				return err
			}
		}
	}
	old := t.mm
	var mm *addrSpace
	note := ""
	if old != nil && old.users == 1 {
		mm = old
		mm.space = mirror.Space{}
		mm.heap = mirror.Heap{}
	} else {
		if old != nil {
			t.mm = nil
			old.users--
			note = fmt.Sprintf(", leaving the memory it shared with %d", old.pid)
			if old.users == 0 {
				if err := im.exitSpace(old); err != nil {
					return err
				}
			}
		}
		mm = im.mmOf(t)
	}
	if program != "" {
		program = ` "` + program + `"` // as strace printed it, escaped
	}
	if err := im.comment(fmt.Sprintf("%d: execve%s%s", mm.pid, program, note)); err != nil {
		return err
	}
	im.stats.Execs++
	if err := im.emit(mm, trace.Event{Op: trace.OpExec}); err != nil {
		return err
	}
	if im.opts.NoStack {
		return nil
	}
	stack := mirror.Piece{
		Start: stackTop - stackSize, End: stackTop, Prot: trace.ProtRead | trace.ProtWrite,
		Marks: markPending | markExecStack,
	}
	return im.emitMmap(mm, stack)
}
