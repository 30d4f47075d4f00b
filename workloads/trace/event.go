package trace

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// PageSize is the simulated page size: every address, length and file
// offset in a trace is a multiple of it.
const PageSize = 4096

// AddrLimit is the end of the x86-64 user address space (2^47). No range
// in a trace may end past it.
const AddrLimit = 1 << 47

// Header is the line every trace starts with (after blank lines and
// comments).
const Header = "rmaptrace 1"

// MaxLineLength is the longest line, in bytes without its line terminator,
// that a Reader accepts. It bounds the memory one bad line can make the
// Reader use.
const MaxLineLength = 1 << 20

// MaxNameLength is the longest file NAME an event may carry: PATH_MAX of
// Linux (include/uapi/linux/limits.h), 4096 bytes. No path the kernel
// accepts is longer, and the bound keeps what a trace of many distinct
// names costs to read and to simulate proportional to its number of
// names. Every valid event fits in MaxLineLength when written, which keeps
// Writer and Reader symmetrical.
const MaxNameLength = 4096

// Op is the kind of an event.
type Op uint8

// The event kinds, one per trace keyword.
const (
	OpFork Op = iota + 1
	OpExec
	OpExit
	OpMmap
	OpMunmap
	OpMprotect
	OpMremap
	OpTouch
	OpDontNeed
	OpRemap
	OpReclaim
	OpCheck
	OpMlock
	OpMunlock
	OpMadvise
	OpKsm
	OpMigrate
	OpFolio
	OpTHP
)

var opKeywords = [...]string{
	OpFork:     "fork",
	OpExec:     "exec",
	OpExit:     "exit",
	OpMmap:     "mmap",
	OpMunmap:   "munmap",
	OpMprotect: "mprotect",
	OpMremap:   "mremap",
	OpTouch:    "touch",
	OpDontNeed: "dontneed",
	OpRemap:    "remap",
	OpReclaim:  "reclaim",
	OpCheck:    "check",
	OpMlock:    "mlock",
	OpMunlock:  "munlock",
	OpMadvise:  "madvise",
	OpKsm:      "ksm",
	OpMigrate:  "migrate",
	OpFolio:    "folio",
	OpTHP:      "thp",
}

// opSyntax is each event's line as docs/trace-format.md writes it, quoted in errors
// about the number of fields.
var opSyntax = [...]string{
	OpFork:     "PID fork CHILD",
	OpExec:     "PID exec",
	OpExit:     "PID exit",
	OpMmap:     "PID mmap ADDR LEN PROT private|shared anon|file NAME OFFSET",
	OpMunmap:   "PID munmap ADDR LEN",
	OpMprotect: "PID mprotect ADDR LEN PROT",
	OpMremap:   "PID mremap OLD OLDLEN NEW NEWLEN",
	OpTouch:    "PID touch ADDR LEN r|w|w=VALUE",
	OpDontNeed: "PID dontneed ADDR LEN",
	OpRemap:    "PID remap ADDR LEN PGOFF",
	OpReclaim:  "reclaim N",
	OpCheck:    "check",
	OpMlock:    "PID mlock ADDR LEN",
	OpMunlock:  "PID munlock ADDR LEN",
	OpMadvise:  "PID madvise ADDR LEN mergeable|unmergeable",
	OpKsm:      "ksm N",
	OpMigrate:  "PID migrate ADDR LEN",
	OpFolio:    "folio SIZE",
	OpTHP:      "thp always|never",
}

func (o Op) valid() bool { return o >= OpFork && int(o) < len(opKeywords) }

// String returns the trace keyword of o ("fork", "dontneed", ...).
func (o Op) String() string {
	if o.valid() {
		return opKeywords[o]
	}
	return "Op(" + strconv.Itoa(int(o)) + ")"
}

// opByKeyword returns the Op named by a trace keyword, or 0. Taking a byte
// slice and switching on string(b) lets the compiler avoid an allocation.
func opByKeyword(b []byte) Op {
	switch string(b) {
	case "fork":
		return OpFork
	case "exec":
		return OpExec
	case "exit":
		return OpExit
	case "mmap":
		return OpMmap
	case "munmap":
		return OpMunmap
	case "mprotect":
		return OpMprotect
	case "mremap":
		return OpMremap
	case "touch":
		return OpTouch
	case "dontneed":
		return OpDontNeed
	case "remap":
		return OpRemap
	case "reclaim":
		return OpReclaim
	case "check":
		return OpCheck
	case "mlock":
		return OpMlock
	case "munlock":
		return OpMunlock
	case "madvise":
		return OpMadvise
	case "ksm":
		return OpKsm
	case "migrate":
		return OpMigrate
	case "folio":
		return OpFolio
	case "thp":
		return OpTHP
	}
	return 0
}

// Prot is a set of access permissions of a mapping.
type Prot uint8

// The permission bits of a Prot.
const (
	ProtRead  Prot = 1
	ProtWrite Prot = 2
	ProtExec  Prot = 4
)

const protMask = ProtRead | ProtWrite | ProtExec

var protStrings = [8]string{"---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx"}

// String returns p the way a trace writes it: "r-x", "rw-", "---".
func (p Prot) String() string {
	if p&^protMask == 0 {
		return protStrings[p]
	}
	return fmt.Sprintf("Prot(%#x)", uint8(p))
}

// parseProtChars parses the three characters of a PROT field.
func parseProtChars(r, w, x byte) (Prot, bool) {
	var p Prot
	switch r {
	case 'r':
		p |= ProtRead
	case '-':
	default:
		return 0, false
	}
	switch w {
	case 'w':
		p |= ProtWrite
	case '-':
	default:
		return 0, false
	}
	switch x {
	case 'x':
		p |= ProtExec
	case '-':
	default:
		return 0, false
	}
	return p, true
}

// ParseProt parses a PROT field: exactly three characters, r or -, then
// w or -, then x or -.
func ParseProt(s string) (Prot, error) {
	if len(s) == 3 {
		if p, ok := parseProtChars(s[0], s[1], s[2]); ok {
			return p, nil
		}
	}
	return 0, fmt.Errorf("trace: bad PROT %s: %s", quoteField(s), protProblem)
}

const protProblem = "want three characters r|-, w|-, x|- in that order (like r-x)"

// Advice is the advice of a madvise event.
type Advice uint8

// The advice a trace can give.
const (
	// AdviceMergeable is MADV_MERGEABLE: the range's anonymous pages
	// become candidates for KSM (docs/ksm.md).
	AdviceMergeable Advice = iota + 1
	// AdviceUnmergeable is MADV_UNMERGEABLE: KSM pages in the range are
	// copied back to private pages and the range is no candidate any more.
	AdviceUnmergeable
)

var adviceNames = [...]string{AdviceMergeable: "mergeable", AdviceUnmergeable: "unmergeable"}

func (a Advice) valid() bool { return a >= AdviceMergeable && int(a) < len(adviceNames) }

// String returns the advice as a trace writes it ("mergeable").
func (a Advice) String() string {
	if a.valid() {
		return adviceNames[a]
	}
	return "Advice(" + strconv.Itoa(int(a)) + ")"
}

// adviceByName returns the Advice a trace word names, or 0.
func adviceByName(b []byte) Advice {
	switch string(b) {
	case "mergeable":
		return AdviceMergeable
	case "unmergeable":
		return AdviceUnmergeable
	}
	return 0
}

// MaxValue is the largest VALUE a write touch can give a page (w=VALUE):
// values are below 2^63, so that the simulator can tell them from the
// contents it makes up itself.
const MaxValue = 1<<63 - 1

// Event is one line of a trace. Only the fields that the Op uses are set;
// the others are zero (Validate insists on it, so that writing and reading
// an event gives it back unchanged).
type Event struct {
	Op      Op
	PID     uint64 // every op but reclaim, ksm, folio, thp and check
	Child   uint64 // fork
	Addr    uint64 // mmap, munmap, mprotect, touch, dontneed, remap, mlock, munlock, madvise, migrate; mremap: old address
	Len     uint64 // same; mremap: old length
	NewAddr uint64 // mremap
	NewLen  uint64 // mremap
	Prot    Prot   // mmap, mprotect
	Shared  bool   // mmap
	File    string // mmap of a file; "" for anon
	Offset  uint64 // mmap of a file: byte offset
	Write   bool   // touch
	// HasValue marks a write touch that gives every page the content
	// Value (w=VALUE); a plain write (w) gives each page a content of its
	// own that no other page has.
	HasValue bool
	Value    uint64 // touch w=VALUE
	PgOff    uint64 // remap: file page number
	N        uint64 // reclaim, ksm; folio: the size in bytes; thp: 1 always, 0 never
	Advice   Advice // madvise
}

// String returns e as one trace line without the newline: exactly what a
// Writer writes for it. Addresses, lengths and offsets are written in 0x
// hexadecimal, PIDs, counts and page numbers in decimal.
func (e Event) String() string {
	return string(e.appendLine(make([]byte, 0, 64)))
}

// appendLine appends e's trace line to b. It formats whatever it is given;
// whether the line would read back as e is Validate's business.
func (e Event) appendLine(b []byte) []byte {
	switch e.Op {
	case OpReclaim, OpKsm, OpFolio:
		b = append(b, e.Op.String()...)
		b = append(b, ' ')
		return strconv.AppendUint(b, e.N, 10)
	case OpCheck:
		return append(b, "check"...)
	case OpTHP:
		if e.N == 1 {
			return append(b, "thp always"...)
		}
		return append(b, "thp never"...)
	}
	b = strconv.AppendUint(b, e.PID, 10)
	b = append(b, ' ')
	b = append(b, e.Op.String()...)
	switch e.Op {
	case OpFork:
		b = appendDec(b, e.Child)
	case OpMmap:
		b = appendRange(b, e.Addr, e.Len)
		b = append(b, ' ')
		b = append(b, e.Prot.String()...)
		if e.Shared {
			b = append(b, " shared"...)
		} else {
			b = append(b, " private"...)
		}
		if e.File == "" {
			b = append(b, " anon"...)
		} else {
			b = append(b, " file "...)
			b = append(b, e.File...)
			b = appendHex(b, e.Offset)
		}
	case OpMunmap, OpDontNeed, OpMlock, OpMunlock, OpMigrate:
		b = appendRange(b, e.Addr, e.Len)
	case OpMprotect:
		b = appendRange(b, e.Addr, e.Len)
		b = append(b, ' ')
		b = append(b, e.Prot.String()...)
	case OpMremap:
		b = appendRange(b, e.Addr, e.Len)
		b = appendRange(b, e.NewAddr, e.NewLen)
	case OpTouch:
		b = appendRange(b, e.Addr, e.Len)
		switch {
		case e.HasValue:
			b = append(b, " w="...)
			b = strconv.AppendUint(b, e.Value, 10)
		case e.Write:
			b = append(b, " w"...)
		default:
			b = append(b, " r"...)
		}
	case OpMadvise:
		b = appendRange(b, e.Addr, e.Len)
		b = append(b, ' ')
		b = append(b, e.Advice.String()...)
	case OpRemap:
		b = appendRange(b, e.Addr, e.Len)
		b = appendDec(b, e.PgOff)
	}
	return b
}

func appendDec(b []byte, v uint64) []byte {
	b = append(b, ' ')
	return strconv.AppendUint(b, v, 10)
}

func appendHex(b []byte, v uint64) []byte {
	b = append(b, " 0x"...)
	return strconv.AppendUint(b, v, 16)
}

func appendRange(b []byte, addr, length uint64) []byte {
	return appendHex(appendHex(b, addr), length)
}

// Validate reports whether e is an event that a trace can hold: a known
// Op, numbers in range and aligned as the format requires, a File that is a
// single token, and no field set that the Op does not use. A Writer writes
// only valid events, and a Reader returns only valid events; for a valid
// event, reading what Writer wrote gives e back.
func (e Event) Validate() error {
	if !e.Op.valid() {
		return fmt.Errorf("trace: unknown event kind %v", e.Op)
	}
	if unused := e.unusedFieldsSet(); unused != "" {
		return fmt.Errorf("trace: %v event sets fields it does not use: %s", e.Op, unused)
	}
	if e.Op == OpMmap && e.File != "" {
		if problem := checkName(e.File); problem != "" {
			return fmt.Errorf("trace: mmap: file NAME %s: %s", quoteField(e.File), problem)
		}
	}
	if problem := e.checkNumbers(); problem != "" {
		return errors.New("trace: " + problem)
	}
	return nil
}

// unusedFieldsSet lists, comma-separated, the fields of e that are not zero
// although e.Op does not use them; they would be lost by writing e.
func (e Event) unusedFieldsSet() string {
	rest := e
	rest.Op = 0
	switch e.Op {
	case OpFork:
		rest.PID, rest.Child = 0, 0
	case OpExec, OpExit:
		rest.PID = 0
	case OpMmap:
		rest.PID, rest.Addr, rest.Len, rest.Prot, rest.Shared = 0, 0, 0, 0, false
		if e.File != "" {
			// An anonymous mapping has no offset to write.
			rest.File, rest.Offset = "", 0
		}
	case OpMunmap, OpDontNeed, OpMlock, OpMunlock, OpMigrate:
		rest.PID, rest.Addr, rest.Len = 0, 0, 0
	case OpMprotect:
		rest.PID, rest.Addr, rest.Len, rest.Prot = 0, 0, 0, 0
	case OpMremap:
		rest.PID, rest.Addr, rest.Len, rest.NewAddr, rest.NewLen = 0, 0, 0, 0, 0
	case OpTouch:
		rest.PID, rest.Addr, rest.Len, rest.Write, rest.HasValue = 0, 0, 0, false, false
		if e.HasValue {
			rest.Value = 0
		}
	case OpMadvise:
		rest.PID, rest.Addr, rest.Len, rest.Advice = 0, 0, 0, 0
	case OpRemap:
		rest.PID, rest.Addr, rest.Len, rest.PgOff = 0, 0, 0, 0
	case OpReclaim, OpKsm, OpFolio, OpTHP:
		rest.N = 0
	case OpCheck:
	}
	if rest == (Event{}) {
		return ""
	}
	var names []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"PID", rest.PID != 0}, {"Child", rest.Child != 0},
		{"Addr", rest.Addr != 0}, {"Len", rest.Len != 0},
		{"NewAddr", rest.NewAddr != 0}, {"NewLen", rest.NewLen != 0},
		{"Prot", rest.Prot != 0}, {"Shared", rest.Shared},
		{"File", rest.File != ""}, {"Offset", rest.Offset != 0},
		{"Write", rest.Write}, {"HasValue", rest.HasValue}, {"Value", rest.Value != 0},
		{"PgOff", rest.PgOff != 0}, {"N", rest.N != 0}, {"Advice", rest.Advice != 0},
	} {
		if f.set {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, ", ")
}

// checkNumbers checks the numeric rules of the format that apply to e's
// fields, and that fork does not name its own PID as the child. It returns
// what is wrong, or "". The Reader calls it on every event, so it does not
// allocate unless something is wrong.
func (e *Event) checkNumbers() string {
	switch e.Op {
	case OpFork:
		if e.Child == e.PID {
			return fmt.Sprintf("fork: CHILD %d equals PID", e.Child)
		}
	case OpMmap:
		if problem := checkRange(e.Op, "ADDR", e.Addr, "LEN", e.Len); problem != "" {
			return problem
		}
		if e.Prot&^protMask != 0 {
			return fmt.Sprintf("mmap: bad PROT %#x", uint8(e.Prot))
		}
		if e.File != "" {
			if e.Offset%PageSize != 0 {
				return fmt.Sprintf("mmap: OFFSET %#x is not a multiple of the page size (%d)", e.Offset, PageSize)
			}
			// The executor computes offsets inside the mapping; the end
			// of the file range must be a representable byte offset.
			if e.Offset > math.MaxUint64-e.Len {
				return fmt.Sprintf("mmap: OFFSET %#x + LEN %#x overflows 64 bits", e.Offset, e.Len)
			}
		}
	case OpMunmap, OpDontNeed, OpMlock, OpMunlock, OpMigrate:
		return checkRange(e.Op, "ADDR", e.Addr, "LEN", e.Len)
	case OpTHP:
		if e.N > 1 {
			return fmt.Sprintf("thp: N %d is neither 1 (always) nor 0 (never)", e.N)
		}
	case OpFolio:
		if e.N < PageSize || e.N > 512*PageSize || e.N&(e.N-1) != 0 {
			return fmt.Sprintf("folio: SIZE %d is not a power of two from 4096 (4 KiB) to 2097152 (2 MiB)", e.N)
		}
	case OpTouch:
		if e.HasValue && !e.Write {
			return "touch: a VALUE is written: HasValue needs Write"
		}
		if e.Value > MaxValue {
			return fmt.Sprintf("touch: VALUE %d is not below 2^63", e.Value)
		}
		return checkRange(e.Op, "ADDR", e.Addr, "LEN", e.Len)
	case OpMadvise:
		if !e.Advice.valid() {
			return fmt.Sprintf("madvise: unknown advice %v", e.Advice)
		}
		return checkRange(e.Op, "ADDR", e.Addr, "LEN", e.Len)
	case OpMprotect:
		if problem := checkRange(e.Op, "ADDR", e.Addr, "LEN", e.Len); problem != "" {
			return problem
		}
		if e.Prot&^protMask != 0 {
			return fmt.Sprintf("mprotect: bad PROT %#x", uint8(e.Prot))
		}
	case OpMremap:
		if problem := checkRange(e.Op, "OLD", e.Addr, "OLDLEN", e.Len); problem != "" {
			return problem
		}
		return checkRange(e.Op, "NEW", e.NewAddr, "NEWLEN", e.NewLen)
	case OpRemap:
		if problem := checkRange(e.Op, "ADDR", e.Addr, "LEN", e.Len); problem != "" {
			return problem
		}
		if e.PgOff > math.MaxUint64/PageSize {
			return fmt.Sprintf("remap: PGOFF %d is too large: PGOFF*%d overflows 64 bits", e.PgOff, PageSize)
		}
		if e.PgOff*PageSize > math.MaxUint64-e.Len {
			return fmt.Sprintf("remap: PGOFF %d: PGOFF*%d + LEN %#x overflows 64 bits", e.PgOff, PageSize, e.Len)
		}
	}
	return ""
}

// checkRange checks one ADDR LEN pair: both page aligned, LEN > 0, and the
// range ending at or before AddrLimit. The comparison is written so that
// ADDR+LEN cannot wrap around.
func checkRange(op Op, addrName string, addr uint64, lenName string, length uint64) string {
	switch {
	case addr%PageSize != 0:
		return fmt.Sprintf("%v: %s %#x is not a multiple of the page size (%d)", op, addrName, addr, PageSize)
	case length%PageSize != 0:
		return fmt.Sprintf("%v: %s %#x is not a multiple of the page size (%d)", op, lenName, length, PageSize)
	case length == 0:
		return fmt.Sprintf("%v: %s must be > 0", op, lenName)
	case addr > AddrLimit || length > AddrLimit-addr:
		return fmt.Sprintf("%v: %s %#x + %s %#x ends past 2^47 (%#x), the end of the user address space",
			op, addrName, addr, lenName, length, uint64(AddrLimit))
	}
	return ""
}

// checkName checks that a file NAME written into a trace reads back as the
// same single field.
func checkName(name string) string {
	if len(name) > MaxNameLength {
		return fmt.Sprintf("longer than %d bytes", MaxNameLength)
	}
	if !utf8.ValidString(name) {
		return "not valid UTF-8"
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == ' ' || c == '\t':
			return "contains a space or tab (NAME is a single field)"
		case c == '#':
			return "contains '#', which would start a comment"
		case isControl(c):
			return fmt.Sprintf("contains control character %#02x", c)
		}
	}
	return ""
}

// isControl reports whether c is an ASCII control character. Tab counts:
// callers treat it as a field separator before asking.
func isControl(c byte) bool { return c < 0x20 || c == 0x7f }

// quoteField quotes a field for an error message, cutting very long ones
// so that a 1 MiB junk field does not become a 1 MiB message.
func quoteField[T string | []byte](field T) string {
	const max = 64
	if len(field) > max {
		return strconv.Quote(string(field[:max])) + "..."
	}
	return strconv.Quote(string(field))
}
