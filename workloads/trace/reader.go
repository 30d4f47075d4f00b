package trace

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Error is a bad line of a trace, or a failure to read the trace at a given
// line. Error() returns "FILE:LINE: what is wrong", the message rmapbench
// prints before it exits with status 2.
type Error struct {
	File string
	Line int
	Msg  string
	// Err is the underlying error when reading failed (I/O, corrupt gzip
	// data); nil when the text of the line is what is wrong.
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Unwrap returns the I/O error behind e, if any.
func (e *Error) Unwrap() error { return e.Err }

// readBufferSize is the bufio buffer of a Reader. Lines longer than it are
// still read (up to MaxLineLength) through a separate, growable buffer.
const readBufferSize = 64 << 10

// maxFields is the most fields any event has (mmap of a file).
const maxFields = 9

// maxInternedNames bounds the table of interned file names, so that a trace
// of millions of distinct names cannot grow it without limit; names past
// the bound are still returned, just not shared.
const maxInternedNames = 1 << 16

// Reader parses an rmaptrace v1 stream into events, one line at a time.
// After the first error every call to Next returns that error again.
type Reader struct {
	name      string
	in        *bufio.Reader
	lines     int // lines read so far
	eventLine int // line of the event last returned
	sawHeader bool
	err       error

	longLine []byte // holds a line that does not fit in the bufio buffer
	names    map[string]string
}

// lineFields holds the fields of one line. Next keeps it on its stack, so
// storing the field slices costs no GC write barriers.
type lineFields [maxFields + 1][]byte

// NewReader returns a Reader of r. name is the file name that errors give.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{
		name:  name,
		in:    bufio.NewReaderSize(r, readBufferSize),
		names: make(map[string]string),
	}
}

// Name returns the name given to NewReader (or Open).
func (r *Reader) Name() string { return r.name }

// Line returns the line number of the event last returned by Next (0
// before the first one).
func (r *Reader) Line() int { return r.eventLine }

// Next returns the next event. At the end of a well-formed trace it
// returns io.EOF. A bad line, a missing header (including an empty input)
// and a failure to read all give an *Error naming the file and line.
func (r *Reader) Next() (Event, error) {
	if r.err != nil {
		return Event{}, r.err
	}
	for {
		raw, err := r.readLine()
		if err != nil {
			if err == io.EOF && !r.sawHeader {
				err = r.lineError(max(r.lines, 1), "no header: a trace must start with \""+Header+"\"")
			}
			r.err = err
			return Event{}, err
		}
		r.lines++
		var fields lineFields
		n, problem := splitFields(raw, &fields)
		if problem != "" {
			return Event{}, r.fail(problem)
		}
		if n == 0 {
			continue // blank or comment
		}
		if !r.sawHeader {
			if problem := checkHeader(fields[:min(n, len(fields))], n); problem != "" {
				return Event{}, r.fail(problem)
			}
			r.sawHeader = true
			continue
		}
		ev, problem := r.parseEvent(fields[:min(n, len(fields))], n)
		if problem != "" {
			return Event{}, r.fail(problem)
		}
		r.eventLine = r.lines
		return ev, nil
	}
}

func (r *Reader) lineError(line int, msg string) *Error {
	return &Error{File: r.name, Line: line, Msg: msg}
}

// fail records a problem with the line just read as the Reader's final error.
func (r *Reader) fail(msg string) error {
	r.err = r.lineError(r.lines, msg)
	return r.err
}

// readLine returns the next line including its '\n' (absent on the last
// line of a stream that does not end in one), or io.EOF, or an *Error. The
// line aliases a buffer that the next call overwrites.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.in.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// A line longer than the buffer: collect it, stopping as soon as
		// it is too long to be valid.
		r.longLine = append(r.longLine[:0], line...)
		for err == bufio.ErrBufferFull {
			if len(r.longLine) > MaxLineLength+len("\r\n") {
				break
			}
			line, err = r.in.ReadSlice('\n')
			r.longLine = append(r.longLine, line...)
		}
		line = r.longLine
		if err == bufio.ErrBufferFull {
			err = nil // too long; reported below
		}
	}
	switch {
	case err == io.EOF && len(line) == 0:
		return nil, io.EOF
	case err != nil && err != io.EOF:
		msg := "reading: " + err.Error()
		if ge := (*GzipError)(nil); errors.As(err, &ge) {
			msg = ge.Error()
		}
		return nil, &Error{File: r.name, Line: r.lines + 1, Msg: msg, Err: err}
	}
	if len(trimLineEnd(line)) > MaxLineLength {
		return nil, r.lineError(r.lines+1, fmt.Sprintf("line longer than %d bytes", MaxLineLength))
	}
	return line, nil
}

// trimLineEnd removes the line terminator: "\n", "\r\n", or a lone "\r" at
// the end of the stream. Accepting "\r\n" lets traces edited on Windows be
// read; any other carriage return is an error.
func trimLineEnd(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// splitFields splits a line into fields, dropping the line terminator and
// any comment, and checks that the whole line is UTF-8 text without control
// characters. It returns the number of fields (which may exceed
// len(fields); the fields past it are counted, not kept). It is a hand
// loop rather than bytes.Fields because it runs on every line and because
// it checks the bytes in the same pass.
func splitFields(line []byte, fields *lineFields) (int, string) {
	line = trimLineEnd(line)
	n := 0
	nonASCII := false
	end := len(line) // where the comment starts
	// addField stores a field if there is room and counts it regardless.
	addField := func(field []byte) {
		if n < len(fields) {
			fields[n] = field
		}
		n++
	}
	// Between fields, look at one byte at a time; inside a field, run a
	// tight loop over the bytes that can be part of it.
scan:
	for i := 0; i < len(line); {
		switch byteClasses[line[i]] {
		case classSeparator:
			i++
			continue
		case classComment:
			end = i
			break scan
		case classControl:
			return 0, fmt.Sprintf("control character %#02x in column %d", line[i], i+1)
		}
		start := i
		for ; i < len(line); i++ {
			class := byteClasses[line[i]]
			if class == classText {
				continue
			}
			if class != classNonASCII {
				break
			}
			nonASCII = true
		}
		addField(line[start:i])
	}
	// The comment is text too: check it for what the loop did not see.
	for _, c := range line[end:] {
		switch byteClasses[c] {
		case classNonASCII:
			nonASCII = true
		case classControl:
			return 0, fmt.Sprintf("control character %#02x in a comment", c)
		}
	}
	if nonASCII && !utf8.Valid(line) {
		return 0, "invalid UTF-8"
	}
	return n, ""
}

// Byte classes for splitFields, looked up in one table rather than tested
// with a chain of comparisons per byte.
const (
	classText      = iota // part of a field
	classSeparator        // space or tab
	classComment          // '#'
	classNonASCII         // a byte of a multi-byte UTF-8 sequence (or junk)
	classControl          // any other ASCII control character
)

var byteClasses = func() (classes [256]uint8) {
	for c := range classes {
		switch {
		case c == ' ' || c == '\t':
			classes[c] = classSeparator
		case c == '#':
			classes[c] = classComment
		case c >= utf8.RuneSelf:
			classes[c] = classNonASCII
		case isControl(byte(c)):
			classes[c] = classControl
		}
	}
	return classes
}()

// checkHeader checks the first line that has fields: f holds its first
// fields, n counts them all.
func checkHeader(f [][]byte, n int) string {
	if string(f[0]) != "rmaptrace" {
		return "no header: the first line that is not blank or a comment must be \"" + Header + "\""
	}
	if n != 2 || string(f[1]) != "1" {
		if n == 2 {
			return fmt.Sprintf("unsupported trace version %s: this reader knows \"%s\"", quoteField(f[1]), Header)
		}
		return "bad header: want \"" + Header + "\""
	}
	return ""
}

// parseEvent parses an event line: f holds its first fields, n counts them
// all. It returns what is wrong with the line, or "".
func (r *Reader) parseEvent(f [][]byte, n int) (Event, string) {
	switch string(f[0]) {
	case "reclaim", "ksm", "folio":
		op := opByKeyword(f[0])
		if n != 2 {
			return Event{}, wrongFieldCount(op, n)
		}
		var p fieldParser
		e := Event{Op: op, N: p.number(op, f[1], "N")}
		if p.problem == "" {
			p.problem = e.checkNumbers()
		}
		return e, p.problem
	case "thp":
		if n != 2 {
			return Event{}, wrongFieldCount(OpTHP, n)
		}
		switch string(f[1]) {
		case "always":
			return Event{Op: OpTHP, N: 1}, ""
		case "never":
			return Event{Op: OpTHP}, ""
		}
		return Event{}, fmt.Sprintf("thp: %s is neither always nor never", quoteField(f[1]))
	case "check":
		if n != 1 {
			return Event{}, wrongFieldCount(OpCheck, n)
		}
		return Event{Op: OpCheck}, ""
	}

	var p fieldParser
	pid, problem := parseNumber(f[0])
	if problem != "" {
		switch {
		case opByKeyword(f[0]) != 0:
			op := opByKeyword(f[0])
			return Event{}, fmt.Sprintf("%v: missing PID, want %s", op, opSyntax[op])
		case string(f[0]) == "rmaptrace":
			return Event{}, "a second header line"
		case n >= 2 && opByKeyword(f[1]) != 0:
			return Event{}, fmt.Sprintf("bad PID %s: %s", quoteField(f[0]), problem)
		}
		return Event{}, fmt.Sprintf("unknown event %s", quoteField(f[0]))
	}
	if n < 2 {
		return Event{}, fmt.Sprintf("PID %d and no event", pid)
	}
	e := Event{Op: opByKeyword(f[1]), PID: pid}
	switch e.Op {
	case 0:
		return Event{}, fmt.Sprintf("unknown event %s", quoteField(f[1]))
	case OpReclaim, OpKsm, OpFolio, OpTHP, OpCheck:
		return Event{}, fmt.Sprintf("%v takes no PID: want %s", e.Op, opSyntax[e.Op])
	case OpFork:
		if n != 3 {
			return Event{}, wrongFieldCount(e.Op, n)
		}
		e.Child = p.number(e.Op, f[2], "CHILD")
	case OpExec, OpExit:
		if n != 2 {
			return Event{}, wrongFieldCount(e.Op, n)
		}
	case OpMunmap, OpDontNeed, OpMlock, OpMunlock, OpMigrate:
		if n != 4 {
			return Event{}, wrongFieldCount(e.Op, n)
		}
		e.Addr = p.number(e.Op, f[2], "ADDR")
		e.Len = p.number(e.Op, f[3], "LEN")
	case OpMprotect:
		if n != 5 {
			return Event{}, wrongFieldCount(e.Op, n)
		}
		e.Addr = p.number(e.Op, f[2], "ADDR")
		e.Len = p.number(e.Op, f[3], "LEN")
		e.Prot = p.prot(e.Op, f[4])
	case OpTouch:
		if n != 5 {
			return Event{}, wrongFieldCount(e.Op, n)
		}
		e.Addr = p.number(e.Op, f[2], "ADDR")
		e.Len = p.number(e.Op, f[3], "LEN")
		switch access := f[4]; {
		case string(access) == "r":
		case string(access) == "w":
			e.Write = true
		case len(access) > 2 && string(access[:2]) == "w=":
			e.Write, e.HasValue = true, true
			e.Value = p.number(e.Op, access[2:], "VALUE")
		default:
			p.fail(fmt.Sprintf("touch: access %s is neither r, w nor w=VALUE", quoteField(access)))
		}
	case OpMadvise:
		if n != 5 {
			return Event{}, wrongFieldCount(e.Op, n)
		}
		e.Addr = p.number(e.Op, f[2], "ADDR")
		e.Len = p.number(e.Op, f[3], "LEN")
		if e.Advice = adviceByName(f[4]); e.Advice == 0 {
			p.fail(fmt.Sprintf("madvise: advice %s is neither mergeable nor unmergeable", quoteField(f[4])))
		}
	case OpRemap:
		if n != 5 {
			return Event{}, wrongFieldCount(e.Op, n)
		}
		e.Addr = p.number(e.Op, f[2], "ADDR")
		e.Len = p.number(e.Op, f[3], "LEN")
		e.PgOff = p.number(e.Op, f[4], "PGOFF")
	case OpMremap:
		if n != 6 {
			return Event{}, wrongFieldCount(e.Op, n)
		}
		e.Addr = p.number(e.Op, f[2], "OLD")
		e.Len = p.number(e.Op, f[3], "OLDLEN")
		e.NewAddr = p.number(e.Op, f[4], "NEW")
		e.NewLen = p.number(e.Op, f[5], "NEWLEN")
	case OpMmap:
		if n < 7 {
			return Event{}, wrongFieldCount(e.Op, n)
		}
		switch string(f[6]) {
		case "anon":
			if n != 7 {
				return Event{}, fmt.Sprintf("mmap: %d fields, want 7 for an anonymous mapping: PID mmap ADDR LEN PROT private|shared anon", n)
			}
		case "file":
			if n != 9 {
				return Event{}, fmt.Sprintf("mmap: %d fields, want 9 for a file mapping: PID mmap ADDR LEN PROT private|shared file NAME OFFSET", n)
			}
		default:
			return Event{}, fmt.Sprintf("mmap: %s is neither anon nor file", quoteField(f[6]))
		}
		e.Addr = p.number(e.Op, f[2], "ADDR")
		e.Len = p.number(e.Op, f[3], "LEN")
		e.Prot = p.prot(e.Op, f[4])
		switch string(f[5]) {
		case "private":
		case "shared":
			e.Shared = true
		default:
			p.fail(fmt.Sprintf("mmap: %s is neither private nor shared", quoteField(f[5])))
		}
		if n == 9 {
			if len(f[7]) > MaxNameLength {
				p.fail(fmt.Sprintf("mmap: file NAME longer than %d bytes", MaxNameLength))
			}
			e.Offset = p.number(e.Op, f[8], "OFFSET")
			if p.problem == "" {
				e.File = r.intern(f[7])
			}
		}
	}
	if p.problem != "" {
		return Event{}, p.problem
	}
	if problem := e.checkNumbers(); problem != "" {
		return Event{}, problem
	}
	return e, ""
}

func wrongFieldCount(op Op, n int) string {
	return fmt.Sprintf("%v: %d fields, want %s", op, n, opSyntax[op])
}

// intern returns the file name as a string shared by every event that
// names the same file, so a long trace holds each name once.
func (r *Reader) intern(name []byte) string {
	if s, ok := r.names[string(name)]; ok {
		return s
	}
	s := string(name)
	if len(r.names) < maxInternedNames {
		r.names[s] = s
	}
	return s
}

// fieldParser parses the fields of one line, keeping the first problem so
// that parseEvent can convert field after field and check once.
type fieldParser struct {
	problem string
}

func (p *fieldParser) fail(problem string) {
	if p.problem == "" {
		p.problem = problem
	}
}

func (p *fieldParser) number(op Op, field []byte, what string) uint64 {
	v, problem := parseNumber(field)
	if problem != "" {
		p.fail(fmt.Sprintf("%v: bad %s %s: %s", op, what, quoteField(field), problem))
	}
	return v
}

func (p *fieldParser) prot(op Op, field []byte) Prot {
	if len(field) == 3 {
		if prot, ok := parseProtChars(field[0], field[1], field[2]); ok {
			return prot
		}
	}
	p.fail(fmt.Sprintf("%v: bad PROT %s: %s", op, quoteField(field), protProblem))
	return 0
}

// Problems parseNumber reports.
const (
	errNotNumber = "not a decimal or 0x hexadecimal unsigned number"
	errOverflow  = "does not fit in 64 bits"
)

// digitValues maps a byte to its value as a hexadecimal digit, or to
// notDigit. Decimal parsing uses it too, rejecting values above 9.
var digitValues = func() (values [256]uint8) {
	for c := range values {
		switch {
		case '0' <= c && c <= '9':
			values[c] = uint8(c - '0')
		case 'a' <= c && c <= 'f':
			values[c] = uint8(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			values[c] = uint8(c - 'A' + 10)
		default:
			values[c] = notDigit
		}
	}
	return values
}()

const notDigit = 0xff

// parseNumber parses an unsigned decimal or 0x-prefixed hexadecimal number
// that fits in 64 bits. Leading zeros are allowed (they do not mean octal).
// It returns what is wrong, or "". A syntax error is reported in preference
// to an overflow, so "99999999999999999999z" is "not a number".
func parseNumber(field []byte) (uint64, string) {
	var v uint64
	overflow := false
	if len(field) > 2 && field[0] == '0' && field[1] == 'x' {
		for _, c := range field[2:] {
			d := digitValues[c]
			if d == notDigit {
				return 0, errNotNumber
			}
			if v>>60 != 0 {
				overflow = true
			}
			v = v<<4 | uint64(d)
		}
	} else {
		if len(field) == 0 {
			return 0, errNotNumber
		}
		const cutoff = (1<<64 - 1) / 10
		for _, c := range field {
			d := digitValues[c]
			if d > 9 {
				return 0, errNotNumber
			}
			if v > cutoff || (v == cutoff && d > (1<<64-1)%10) {
				overflow = true
			}
			v = v*10 + uint64(d)
		}
	}
	if overflow {
		return 0, errOverflow
	}
	return v, ""
}
