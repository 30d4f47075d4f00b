package perf

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"rmapbench/workloads/internal/mirror"
	"rmapbench/workloads/trace"
)

// Error is a line of the input that cannot be imported, or a failure to
// read it. Error() gives "NAME:LINE: what is wrong".
type Error = trace.Error

// MaxLineLength is the longest line Import accepts. perf script's lines
// are short; a path is at most 4096 bytes (PATH_MAX).
const MaxLineLength = 64 << 10

// Window is how many lines Import holds to put lines back in timestamp
// order (see the package documentation).
const Window = 8192

// Bounds on what an input can make the importer hold. A real recording
// stays far below them: Linux has at most 2^22 tasks (PID_MAX_LIMIT), a
// process 65530 mappings (vm.max_map_count) and 2^20 descriptors
// (fs.nr_open) by default. (Variables, so that tests can lower them.)
var (
	maxTasks    = 1 << 22
	maxPieces   = 1 << 20
	maxFDs      = 1 << 20
	maxPaths    = 1 << 16 // paths remembered to tell files at one path apart
	maxSpecials = 64      // [vdso]-like ranges remembered per address space
)

// Options controls the import.
type Options struct {
	// NoComments leaves out the comment lines (the input's name, each
	// exec's program).
	NoComments bool
}

// Stats counts what an import found and wrote.
type Stats struct {
	Lines  int // lines read
	Events int // trace events written
	// Faults counts the page_fault_user lines. Each became a touch
	// (Touches), or was skipped: at an address no mapping covers
	// (Uncovered: the mapping was made before the recording started, or
	// by something the recording does not show), in [vdso] or [vvar]
	// (Special: not modelled), or against the mapping's protection
	// (Denied: the program got SIGSEGV, or handled it).
	Faults, Touches, Uncovered, Special, Denied int
	// StackGrowth counts faults just below a stack that grew it, as the
	// kernel does (expand_downwards).
	StackGrowth int
	Processes   int // address spaces, i.e. distinct PIDs in the trace
	Tasks       int // tasks (threads and processes) seen
	Threads     int // clones with CLONE_THREAD
	SharedVM    int // clones with CLONE_VM but neither CLONE_THREAD nor CLONE_VFORK
	Vforks      int // vfork, or clone with CLONE_VFORK: no event
	// Clone3 counts clone3 calls, whose flags the tracepoint does not
	// show; they are taken as CLONE_VM (see the package documentation).
	Clone3 int
	Forks  int // fork events: clones that copy the address space
	Execs  int // exec events
	Exits  int // exit events: the last task of an address space ended
	Failed int // failed calls of the system calls that matter, skipped
	// Mappings counts the kernel's mapping records (PERF_RECORD_MMAP2)
	// that made a mapping: those of exec (the program, ld.so, the stack)
	// and those of calls the recording does not show.
	Mappings int
	// Unmatched counts sys_exit lines whose sys_enter was not seen (lost
	// events, or a call that started before the recording), and forks
	// whose call was not seen (taken as fork).
	Unmatched int
	// Late counts lines that came after later ones by more than the
	// reordering window: they were taken where they came.
	Late int
	// OutOfRange counts calls skipped or cut short because their range is
	// not page aligned or passes 2^47.
	OutOfRange int
	// Approximated counts mremaps of ranges the importer did not know as
	// one mapping (replaced by munmap and mmap).
	Approximated int
	// Ignored counts lines of other events and other system calls.
	Ignored int
}

// String summarises s in three lines; the last one accounts for the
// faults.
func (s Stats) String() string {
	return fmt.Sprintf("%d lines: %d tasks (%d threads, %d shared-VM clones, %d clone3 taken as CLONE_VM), %d forks, %d vforks, %d execs, "+
		"%d mapping records used, %d failed calls, %d unmatched, %d late, %d out of range, %d approximated, %d lines ignored\n"+
		"%d events: %d processes, %d exits, %d touches\n"+
		"%d page faults: %d became touches (%d growing a stack); skipped: %d at addresses no mapping covers, %d in [vdso]/[vvar], %d against the mapping's protection",
		s.Lines, s.Tasks, s.Threads, s.SharedVM, s.Clone3, s.Forks, s.Vforks, s.Execs,
		s.Mappings, s.Failed, s.Unmatched, s.Late, s.OutOfRange, s.Approximated, s.Ignored,
		s.Events, s.Processes, s.Exits, s.Touches,
		s.Faults, s.Touches, s.StackGrowth, s.Uncovered, s.Special, s.Denied)
}

type importer struct {
	name  string
	w     *trace.Writer
	opts  Options
	stats Stats

	tasks   map[uint32]*task
	pids    mirror.PIDs
	fileSeq uint64            // synthetic file names
	paths   map[string]string // path -> identity of the first file seen there
}

// Import reads the text of `perf script` (plain or gzip, recognised by
// its magic bytes), named name in errors, and writes the equivalent trace
// to w, flushing it at the end. The package documentation says what the
// text must hold and how it becomes events. A line that cannot be parsed,
// a truncated input or a read failure gives an *Error ("NAME:LINE: ...");
// failures to write and a cancelled ctx give plain errors. After an
// error, w holds the start of a trace at most: the caller should discard
// it.
func Import(ctx context.Context, r io.Reader, name string, w *trace.Writer, opts Options) (Stats, error) {
	im := &importer{
		name:  name,
		w:     w,
		opts:  opts,
		tasks: make(map[uint32]*task),
		paths: make(map[string]string),
	}
	in, err := mirror.Decompress(r, name)
	if err != nil {
		return im.stats, err
	}
	if err := im.comment("imported from the perf script output " + name); err != nil {
		return im.stats, err
	}
	win := &window{size: Window}
	br := bufio.NewReaderSize(in, 64<<10)
	num := 0
	for {
		text, err := readLine(br)
		if err == io.EOF {
			break
		}
		num++
		switch {
		case errors.Is(err, errTooLong):
			return im.stats, im.errorAt(num, "line longer than %d bytes", MaxLineLength)
		case errors.Is(err, io.ErrUnexpectedEOF) && text != "":
			return im.stats, im.errorAt(num, "the last line stops before its end: the file is truncated")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return im.stats, &Error{File: name, Line: num, Msg: "the compressed file is truncated: " + err.Error(), Err: err}
		case err != nil:
			return im.stats, &Error{File: name, Line: num, Msg: "read: " + err.Error(), Err: err}
		}
		im.stats.Lines++
		if num%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return im.stats, err
			}
		}
		if isBlankOrComment(text) {
			continue
		}
		rec := record{seq: uint64(num), line: num}
		if problem := parseLine(text, &rec); problem != "" {
			return im.stats, im.errorAt(num, "%s", problem)
		}
		if err := win.add(&rec, im.apply); err != nil {
			return im.stats, err
		}
	}
	if err := win.drain(im.apply); err != nil {
		return im.stats, err
	}
	im.stats.Late = win.late
	if err := w.Flush(); err != nil {
		return im.stats, writeError(err)
	}
	return im.stats, nil
}

var errTooLong = errors.New("line too long")

// readLine returns the next line without its newline. A last line without
// a newline comes with io.ErrUnexpectedEOF: perf script ends every line,
// so the input was cut.
func readLine(br *bufio.Reader) (string, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		long := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = br.ReadSlice('\n')
			long = append(long, line...)
			if len(long) > MaxLineLength {
				return "", errTooLong
			}
		}
		line = long
	}
	switch {
	case err == io.EOF && len(line) == 0:
		return "", io.EOF
	case err == io.EOF:
		return string(line), io.ErrUnexpectedEOF
	case err != nil:
		return "", err
	}
	if len(line) > MaxLineLength+1 {
		return "", errTooLong
	}
	return string(line[:len(line)-1]), nil
}

func isBlankOrComment(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r':
		case '#':
			return true
		default:
			return false
		}
	}
	return true
}

func (im *importer) errorAt(line int, format string, args ...any) error {
	return &Error{File: im.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func writeError(err error) error { return fmt.Errorf("perf: writing the trace: %w", err) }

func (im *importer) comment(text string) error {
	if im.opts.NoComments {
		return nil
	}
	if err := im.w.Comment(mirror.SanitizeComment(text)); err != nil {
		return writeError(err)
	}
	return nil
}

// apply handles one record, in timestamp order, and checks that the
// importer's state stays within its bounds.
func (im *importer) apply(r *record) error {
	if err := im.applyRecord(r); err != nil {
		return err
	}
	if len(im.tasks) > maxTasks {
		return im.errorAt(r.line, "more than %d live tasks: not a recording of one machine", maxTasks)
	}
	if t := im.tasks[r.tid]; t != nil {
		if len(t.fds.files) > maxFDs {
			return im.errorAt(r.line, "task %d has more than %d open descriptors", r.tid, maxFDs)
		}
		if t.mm != nil && len(t.mm.space.Pieces()) > maxPieces {
			return im.errorAt(r.line, "task %d has more than %d mappings", r.tid, maxPieces)
		}
	}
	return nil
}

func (im *importer) applyRecord(r *record) error {
	switch r.kind {
	case kindEnter:
		return im.enter(r)
	case kindExit:
		return im.exit(r)
	case kindFault:
		return im.fault(r)
	case kindFork:
		return im.fork(r)
	case kindExec:
		return im.schedExec(r)
	case kindTaskExit:
		if t := im.tasks[uint32(r.args[0])]; t != nil {
			return im.endTask(t)
		}
		im.stats.Ignored++
		return nil
	case kindMmap:
		return im.mmapRecord(r)
	}
	im.stats.Ignored++
	return nil
}
