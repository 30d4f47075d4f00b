package perf

import (
	"math"
	"strings"

	"rmapbench/workloads/internal/mirror"
	"rmapbench/workloads/trace"
)

// Linux flag values.
const (
	mapShared    = 0x01
	mapAnonymous = 0x20
	mapGrowsdown = 0x100

	mremapDontunmap = 4
	oCloexec        = 0x80000

	// maxErrno: results from -4095 to -1 are errors.
	maxErrno = 4095
)

// markGrowsDown marks a piece that grows down on a fault below it: the
// stack exec makes, and MAP_GROWSDOWN mappings.
const markGrowsDown uint16 = 1

// enter handles a sys_enter line: the task is inside that call until its
// sys_exit line. A call left without its exit (a lost line) is forgotten.
func (im *importer) enter(r *record) error {
	t := im.task(r.tid)
	t.fresh = false
	t.enter, t.hasEnter, t.mmapName = *r, true, ""
	if r.sys == sysExecve {
		t.execing, t.execDone = true, false
	}
	return nil
}

// exit handles a sys_exit line: the call it ends takes effect now, if it
// succeeded. The return of a clone-like call in the child, which has no
// sys_enter, is ignored, as is any exit whose enter was not seen.
func (im *importer) exit(r *record) error {
	t := im.task(r.tid)
	wasFresh := t.fresh
	t.fresh = false
	if !t.hasEnter || t.enter.sys != r.sys {
		switch r.sys {
		case sysClone, sysClone3, sysFork, sysVfork:
			im.stats.Ignored++ // the child's return
		case sysExecve:
			// The traced command's own exec: perf starts recording in it.
			if wasFresh || t.execDone {
				im.stats.Ignored++
				t.execing, t.execDone = false, false
				return nil
			}
			im.stats.Unmatched++
		default:
			im.stats.Unmatched++
		}
		return nil
	}
	enter := t.enter
	t.hasEnter = false
	res := r.args[0]
	if res > math.MaxUint64-maxErrno {
		im.stats.Failed++
		if r.sys == sysExecve {
			t.execing, t.execDone = false, false
		}
		return nil
	}
	c := callCtx{im: im, t: t, a: enter.args, res: res}
	switch r.sys {
	case sysMmap:
		return c.mmap()
	case sysMunmap:
		return c.munmap()
	case sysMprotect:
		return c.mprotect()
	case sysMremap:
		return c.mremap()
	case sysBrk:
		mm := im.mmOf(t)
		out, err := mm.heap.MirrorBrk(&mm.space, res, 0, im.emitter(mm))
		im.count(out)
		return err
	case sysMadvise:
		return c.madvise()
	case sysClone, sysClone3, sysFork, sysVfork:
		if res == 0 || res > math.MaxUint32 || uint32(res) == t.tid || uint32(res) == t.lastChild {
			return nil
		}
		// The fork line was lost: the child is made from the call.
		t.enter, t.hasEnter = enter, true
		flags := im.cloneFlags(t)
		t.hasEnter = false
		t.lastChild = uint32(res)
		return im.clone(t, uint32(res), flags)
	case sysExecve:
		var err error
		if !t.execDone {
			err = im.exec(t) // sched_process_exec was lost
		}
		t.execing, t.execDone = false, false
		return err
	case sysOpenat:
		t.fds.files[res] = fdFile{name: im.newFileName(), cloexec: enter.args[0]&oCloexec != 0}
	case sysClose:
		delete(t.fds.files, enter.args[0])
	default: // exit_group has no exit line
		im.stats.Ignored++
	}
	return nil
}

// callCtx is one successful call being applied.
type callCtx struct {
	im  *importer
	t   *task
	a   [6]uint64 // the arguments, as sysArgs names them
	res uint64    // the result
}

// span returns the pages a call's (addr, length) covers (mirror.Span),
// counting the call out of range when it is skipped or cut.
func (c *callCtx) span(addr, length uint64) (start, end uint64, ok bool) {
	start, end, out, ok := mirror.Span(addr, length)
	c.im.count(out)
	return start, end, ok
}

// mmap maps at the returned address (the trace's mmap is MAP_FIXED): a
// file by the name its mapping record gave, or else its descriptor's.
func (c *callCtx) mmap() error {
	length, prot, flags, fd, off := c.a[1], c.a[2], c.a[3], c.a[4], c.a[5]
	start, end, ok := c.span(c.res, length)
	if !ok {
		return nil
	}
	p := mirror.Piece{Start: start, End: end, Prot: trace.Prot(prot) & 7, Shared: flags&mapShared != 0}
	if flags&mapGrowsdown != 0 {
		p.Marks |= markGrowsDown
	}
	// The kernel makes a private mapping of /dev/zero anonymous; its
	// record says //anon.
	if flags&mapAnonymous == 0 && c.t.mmapName != "//anon" {
		if off%pageSize != 0 || off > math.MaxUint64-(end-start) {
			c.im.stats.OutOfRange++
			return nil
		}
		p.File, p.Offset = c.t.mmapName, off
		if p.File == "" {
			p.File = c.im.fdName(c.t, fd&math.MaxUint32)
		}
	}
	mm := c.im.mmOf(c.t)
	return mm.space.Map(p, c.im.emitter(mm))
}

func (c *callCtx) munmap() error {
	start, end, ok := c.span(c.a[0], c.a[1])
	if !ok {
		return nil
	}
	mm := c.im.mmOf(c.t)
	return mm.space.Unmap(start, end, c.im.emitter(mm))
}

func (c *callCtx) mprotect() error {
	start, end, ok := c.span(c.a[0], c.a[1])
	if !ok {
		return nil
	}
	mm := c.im.mmOf(c.t)
	return mm.space.SetProt(start, end, trace.Prot(c.a[2])&7, c.im.emitter(mm))
}

func (c *callCtx) mremap() error {
	old, oldLen, newLen, flags := c.a[0], c.a[1], c.a[2], c.a[3]
	mm := c.im.mmOf(c.t)
	out, err := mm.space.MirrorMremap(old, mirror.RoundUp(oldLen), c.res, mirror.RoundUp(newLen),
		flags&mremapDontunmap != 0, mirror.MarkRule{}, c.im.emitter(mm))
	c.im.count(out)
	return err
}

// madvise turns MADV_DONTNEED into dontneed, MADV_MERGEABLE and
// MADV_UNMERGEABLE into madvise mergeable|unmergeable (KSM), and ignores
// other advice.
func (c *callCtx) madvise() error {
	ev, ok := mirror.MadviseEvent(c.a[2])
	if !ok {
		c.im.stats.Ignored++
		return nil
	}
	start, end, ok := c.span(c.a[0], c.a[1])
	if !ok {
		return nil
	}
	ev.Addr, ev.Len = start, end-start
	return c.im.emit(c.im.mmOf(c.t), ev)
}

// mmapRecord handles a PERF_RECORD_MMAP2 line, the kernel's record of a
// mapping it made. Inside an mmap call it names the call's file. Inside
// an exec (or as the first line of the traced command) it is one of the
// mappings the kernel makes for the new program, and the first of them
// applies the exec. Inside another call the recording follows (mprotect,
// brk) the call itself says what changed. Otherwise the mapping was made
// by a call the recording does not follow, or whose line was lost, and is
// mapped as the record says.
func (im *importer) mmapRecord(r *record) error {
	if r.args[0] >= addrLimit || r.tid == 0 {
		im.stats.Ignored++ // the kernel's own image and modules
		return nil
	}
	t := im.task(r.tid)
	if t.hasEnter && t.enter.sys != sysExecve {
		if t.enter.sys == sysMmap && t.mmapName == "" {
			if strings.HasPrefix(r.path, "/") {
				t.mmapName = im.pathName(r.path, r.ident)
			} else {
				t.mmapName = r.path // //anon and the like
			}
		}
		return nil
	}
	if (t.execing || t.fresh) && !t.execDone {
		if err := im.exec(t); err != nil {
			return err
		}
	}
	t.fresh = false
	mm := im.mmOf(t)
	start, end, out, ok := mirror.Span(r.args[0], r.args[1])
	im.count(out)
	if !ok {
		return nil
	}
	p := mirror.Piece{Start: start, End: end, Prot: r.prot, Shared: r.shared}
	switch {
	case r.path == "[stack]":
		p.Marks = markGrowsDown
	case r.path == "//anon" || r.path == "[heap]" || r.path == "":
	case strings.HasPrefix(r.path, "["):
		// [vdso], [vvar], [vsyscall]: the kernel's own pages, not
		// modelled; faults there are counted apart.
		if len(mm.special) < maxSpecials {
			mm.special = append(mm.special, [2]uint64{start, end})
		}
		return nil
	default:
		if r.args[2]%pageSize != 0 || r.args[2] > math.MaxUint64-(end-start) {
			im.stats.OutOfRange++
			return nil
		}
		p.File, p.Offset = im.pathName(r.path, r.ident), r.args[2]
	}
	im.stats.Mappings++
	return mm.space.Map(p, im.emitter(mm))
}
