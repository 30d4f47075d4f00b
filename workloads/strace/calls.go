package strace

import (
	"fmt"
	"math"
	"strconv"
	"strings"

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

// roundUp rounds a length up to whole pages; lengths past 2^47 come back
// as 2^47 + a page, more than any range can hold, without wrapping.
func roundUp(length uint64) uint64 {
	if length > addrLimit {
		return addrLimit + pageSize
	}
	return (length + pageSize - 1) &^ (pageSize - 1)
}

// span returns the pages [start, end) that a call's (addr, length) covers:
// the length rounded up to pages, the end cut at 2^47. ok is false, and
// the call counted out of range, if addr is not page aligned, the length
// is 0 (the kernel refuses both), or the range starts past 2^47.
func (c *callCtx) span(addr, length uint64) (start, end uint64, ok bool) {
	if addr%pageSize != 0 || length == 0 || addr >= addrLimit {
		c.im.stats.OutOfRange++
		return 0, 0, false
	}
	n := roundUp(length)
	if n > addrLimit-addr {
		c.im.stats.OutOfRange++
		return addr, addrLimit, true
	}
	return addr, addr + n, true
}

// inRange reports whether [addr, addr+length) is a range a trace can hold.
func inRange(addr, length uint64) bool {
	return addr%pageSize == 0 && length > 0 && addr < addrLimit && length <= addrLimit-addr
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
	p := piece{
		start: start, end: end, prot: prot, shared: flags&mapShared != 0, pending: true,
		stackLike: flags&(mapStack|mapGrowsdown) != 0,
		noReserve: flags&mapNoreserve != 0,
		populate:  flags&mapPopulate != 0,
	}
	if flags&mapAnonymous == 0 {
		if offset%pageSize != 0 || offset > math.MaxUint64-(end-start) {
			c.im.stats.OutOfRange++
			return nil
		}
		p.file, p.offset = c.im.fileName(mm, a.fd, flags, offset)
		if len(p.file) > trace.MaxNameLength {
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
		return encodeName(path), offset
	}
	fd = strings.TrimSpace(fd)
	n, seen := mm.fdFiles[fd]
	if !seen || (flags&mapFixed == 0 && offset == 0) {
		im.fileSeq++
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
	if err := c.im.emit(mm, trace.Event{Op: trace.OpMprotect, Addr: start, Len: end - start, Prot: prot}); err != nil {
		return err
	}
	mm.space.protect(start, end, prot)
	return nil
}

// mremap mirrors mremap(OLD, OLDLEN, NEWLEN, FLAGS[, NEW]) = NEW. When
// the model knows [OLD, OLD+OLDLEN) as one mapping it emits mremap; when
// not (the mapping predates the log, or was pieced together from several
// mmaps the kernel merged), it emits munmap of the old range and an mmap
// of the new one with the old range's attributes if those are uniform,
// else munmap of both (the new mapping is unknown to the model).
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
	im := c.im
	mm := im.mmOf(c.t)
	nw := c.res
	oldLen, newLen = roundUp(oldLen), roundUp(newLen)

	if oldLen == 0 {
		// OLDLEN 0 maps the pages of a shared mapping a second time.
		if !inRange(old, pageSize) || !inRange(nw, newLen) {
			im.stats.OutOfRange++
			return nil
		}
		if p := mm.space.at(old); p != nil && p.shared && p.file != "" {
			dup := *p
			dup.offset += old - p.start
			dup.start, dup.end = nw, nw+newLen
			dup.sameVMA, dup.pending, dup.execStack = false, true, false
			return im.emitMmap(mm, dup)
		}
		im.stats.Approximated++
		return im.emitMunmap(mm, nw, nw+newLen)
	}
	if !inRange(old, oldLen) || !inRange(nw, newLen) {
		im.stats.OutOfRange++
		for _, r := range [][2]uint64{{old, oldLen}, {nw, newLen}} {
			if r[0]%pageSize == 0 && r[0] < addrLimit && r[1] > 0 {
				if err := im.emitMunmap(mm, r[0], r[0]+min(r[1], addrLimit-r[0])); err != nil {
					return err
				}
			}
		}
		return nil
	}
	overlap := nw != old && nw < old+oldLen && old < nw+newLen
	if !overlap && mm.space.oneVMA(old, old+oldLen) {
		ev := trace.Event{Op: trace.OpMremap, Addr: old, Len: oldLen, NewAddr: nw, NewLen: newLen}
		if err := im.emit(mm, ev); err != nil {
			return err
		}
		mm.space.mremap(old, oldLen, nw, newLen)
		if flags&mremapDontunmap != 0 && nw != old {
			// The old range stays mapped, emptied.
			kept := *mm.space.at(nw)
			kept.start, kept.end = old, old+oldLen
			kept.sameVMA, kept.pending, kept.execStack = false, false, false
			return im.emitMmap(mm, kept)
		}
		return nil
	}
	im.stats.Approximated++
	first, uniform := mm.space.uniform(old, old+oldLen)
	if err := im.emitMunmap(mm, old, old+oldLen); err != nil {
		return err
	}
	if !uniform {
		return im.emitMunmap(mm, nw, nw+newLen)
	}
	moved := first
	if moved.file != "" {
		moved.offset += old - first.start
	}
	moved.start, moved.end = nw, nw+newLen
	moved.sameVMA, moved.pending, moved.execStack = false, true, false
	return im.emitMmap(mm, moved)
}

// brk tracks the heap: the first result is its start; a result above the
// current end maps the new pages (anonymous, rw-, private: they merge with
// the heap), one below unmaps the pages past it. A failing brk returns the
// current end, and so changes nothing.
func (c *callCtx) brk() error {
	im := c.im
	if c.res >= addrLimit {
		im.stats.OutOfRange++
		return nil
	}
	end := roundUp(c.res)
	mm := im.mmOf(c.t)
	if !mm.brkKnown {
		mm.brkKnown = true
		mm.brkStart, mm.brkEnd = end, end
		return nil
	}
	end = max(end, mm.brkStart)
	switch {
	case end > mm.brkEnd:
		heap := piece{start: mm.brkEnd, end: end, prot: trace.ProtRead | trace.ProtWrite, pending: true}
		if err := im.emitMmap(mm, heap); err != nil {
			return err
		}
	case end < mm.brkEnd:
		if err := im.emitMunmap(mm, end, mm.brkEnd); err != nil {
			return err
		}
	}
	mm.brkEnd = end
	return nil
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
	ev := trace.Event{Op: trace.OpDontNeed}
	switch advice {
	case madvDontneed:
	case madvMergeable:
		ev = trace.Event{Op: trace.OpMadvise, Advice: trace.AdviceMergeable}
	case madvUnmergeable:
		ev = trace.Event{Op: trace.OpMadvise, Advice: trace.AdviceUnmergeable}
	default:
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
	s := &mm.space
	s.cutEdge(start)
	s.cutEdge(end)
	runStart, runEnd := start, start
	hole := false
	for i := s.index(start); i < len(s.pieces) && s.pieces[i].start < end; i++ {
		p := s.pieces[i]
		if p.start != runEnd {
			hole = true
			if runEnd > runStart {
				if err := c.im.emit(mm, trace.Event{Op: op, Addr: runStart, Len: runEnd - runStart}); err != nil {
					return err
				}
			}
			runStart = p.start
		}
		runEnd = p.end
	}
	if hole || runEnd != end {
		if start != 0 || end != addrLimit {
			c.im.stats.Approximated++
		}
	}
	if runEnd > runStart {
		return c.im.emit(mm, trace.Event{Op: op, Addr: runStart, Len: runEnd - runStart})
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
	if p := mm.space.at(start); p == nil || !p.shared || p.file == "" || !mm.space.oneVMA(start, end) {
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
		mm.space = parent.space.clone()
		mm.brkKnown, mm.brkStart, mm.brkEnd = parent.brkKnown, parent.brkStart, parent.brkEnd
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
		mm.space = space{}
		mm.brkKnown, mm.brkStart, mm.brkEnd = false, 0, 0
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
	stack := piece{
		start: stackTop - stackSize, end: stackTop, prot: trace.ProtRead | trace.ProtWrite,
		pending: true, execStack: true,
	}
	return im.emitMmap(mm, stack)
}
