package trace

import (
	"bytes"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// randomEvent returns a valid event of a random kind, leaning on the edges
// of every range: zero, the page just below 2^47, huge PIDs and offsets.
func randomEvent(rng *rand.Rand) Event {
	pages := func() uint64 { // a length in bytes, > 0
		switch rng.IntN(4) {
		case 0:
			return PageSize
		case 1:
			return AddrLimit
		default:
			return (1 + rng.Uint64N(1<<20)) * PageSize
		}
	}
	// addrFor returns an address where a range of length fits below 2^47.
	addrFor := func(length uint64) uint64 {
		last := (AddrLimit - length) / PageSize
		switch rng.IntN(4) {
		case 0:
			return 0
		case 1:
			return last * PageSize
		default:
			return rng.Uint64N(last+1) * PageSize
		}
	}
	number := func() uint64 {
		switch rng.IntN(4) {
		case 0:
			return 0
		case 1:
			return math.MaxUint64
		default:
			return rng.Uint64N(1 << rng.IntN(64))
		}
	}
	names := []string{"/bin/sh", "/lib/x86_64-linux-gnu/libc.so.6", "anon", "file", "日本語.so", "a", "0x10", "/tmp/with\u00a0nbsp"}

	e := Event{Op: Op(1 + rng.IntN(int(OpKsm)))}
	if e.Op != OpReclaim && e.Op != OpCheck && e.Op != OpKsm {
		e.PID = number()
	}
	switch e.Op {
	case OpFork:
		e.Child = number()
		if e.Child == e.PID {
			e.Child++
		}
	case OpMmap:
		e.Len = pages()
		e.Addr = addrFor(e.Len)
		e.Prot = Prot(rng.IntN(8))
		e.Shared = rng.IntN(2) == 0
		if rng.IntN(2) == 0 {
			e.File = names[rng.IntN(len(names))]
			e.Offset = rng.Uint64N((math.MaxUint64-e.Len)/PageSize+1) * PageSize
		}
	case OpMunmap, OpDontNeed, OpMlock, OpMunlock:
		e.Len = pages()
		e.Addr = addrFor(e.Len)
	case OpMprotect:
		e.Len = pages()
		e.Addr = addrFor(e.Len)
		e.Prot = Prot(rng.IntN(8))
	case OpMremap:
		e.Len = pages()
		e.Addr = addrFor(e.Len)
		e.NewLen = pages()
		e.NewAddr = addrFor(e.NewLen)
		if rng.IntN(4) == 0 && e.Addr+e.NewLen <= AddrLimit {
			e.NewAddr = e.Addr
		}
	case OpTouch:
		e.Len = pages()
		e.Addr = addrFor(e.Len)
		e.Write = rng.IntN(2) == 0
		if e.Write && rng.IntN(2) == 0 {
			e.HasValue = true
			e.Value = number() & MaxValue
		}
	case OpMadvise:
		e.Len = pages()
		e.Addr = addrFor(e.Len)
		e.Advice = Advice(1 + rng.IntN(2))
	case OpRemap:
		e.Len = pages()
		e.Addr = addrFor(e.Len)
		e.PgOff = rng.Uint64N((math.MaxUint64-e.Len)/PageSize + 1)
	case OpReclaim, OpKsm:
		e.N = number()
	}
	return e
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const count = 20000
	events := make([]Event, count)
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for i := range events {
		events[i] = randomEvent(rng)
		if i%100 == 0 {
			if err := w.Comment("event " + events[i].Op.String()); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Write(events[i]); err != nil {
			t.Fatalf("Write(%+v): %v", events[i], err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	if !strings.HasPrefix(text, "rmaptrace 1\n") {
		t.Fatalf("trace starts %q", text[:min(len(text), 20)])
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")

	r := NewReader(&buf, "roundtrip")
	seen := make(map[Op]int)
	for i, want := range events {
		got, err := r.Next()
		if err != nil {
			t.Fatalf("event %d (%v): %v", i, want, err)
		}
		if got != want {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, got, want)
		}
		if line := lines[r.Line()-1]; line != want.String() {
			t.Fatalf("line %d is %q, String() is %q", r.Line(), line, want.String())
		}
		seen[want.Op]++
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after the last event: %v", err)
	}
	for op := OpFork; op <= OpKsm; op++ {
		if seen[op] == 0 {
			t.Errorf("no %v event was generated", op)
		}
	}
}

func TestEventString(t *testing.T) {
	tests := []struct {
		e    Event
		want string
	}{
		{Event{Op: OpFork, PID: 1, Child: 2}, "1 fork 2"},
		{Event{Op: OpExec, PID: 3}, "3 exec"},
		{Event{Op: OpExit, PID: 3}, "3 exit"},
		{Event{Op: OpMmap, PID: 1, Addr: 0x400000, Len: 0x10000, Prot: ProtRead | ProtExec, File: "/bin/sh"}, "1 mmap 0x400000 0x10000 r-x private file /bin/sh 0x0"},
		{Event{Op: OpMmap, PID: 1, Addr: 0x7ffff0000000, Len: 0x21000, Prot: ProtRead | ProtWrite, Shared: true}, "1 mmap 0x7ffff0000000 0x21000 rw- shared anon"},
		{Event{Op: OpMunmap, PID: 1, Addr: 0x1000, Len: 0x2000}, "1 munmap 0x1000 0x2000"},
		{Event{Op: OpMprotect, PID: 1, Addr: 0x1000, Len: 0x2000}, "1 mprotect 0x1000 0x2000 ---"},
		{Event{Op: OpMremap, PID: 1, Addr: 0x1000, Len: 0x2000, NewAddr: 0x8000, NewLen: 0x1000}, "1 mremap 0x1000 0x2000 0x8000 0x1000"},
		{Event{Op: OpTouch, PID: 1, Addr: 0x1000, Len: 0x2000, Write: true}, "1 touch 0x1000 0x2000 w"},
		{Event{Op: OpTouch, PID: 1, Addr: 0x1000, Len: 0x2000}, "1 touch 0x1000 0x2000 r"},
		{Event{Op: OpDontNeed, PID: 1, Addr: 0x1000, Len: 0x2000}, "1 dontneed 0x1000 0x2000"},
		{Event{Op: OpRemap, PID: 1, Addr: 0x1000, Len: 0x2000, PgOff: 12}, "1 remap 0x1000 0x2000 12"},
		{Event{Op: OpReclaim, N: 16}, "reclaim 16"},
		{Event{Op: OpCheck}, "check"},
		{Event{Op: OpMlock, PID: 1, Addr: 0x1000, Len: 0x2000}, "1 mlock 0x1000 0x2000"},
		{Event{Op: OpMunlock, PID: 1, Addr: 0x1000, Len: 0x2000}, "1 munlock 0x1000 0x2000"},
		{Event{Op: OpTouch, PID: 1, Addr: 0x1000, Len: 0x2000, Write: true, HasValue: true}, "1 touch 0x1000 0x2000 w=0"},
		{Event{Op: OpTouch, PID: 1, Addr: 0x1000, Len: 0x2000, Write: true, HasValue: true, Value: 0xff}, "1 touch 0x1000 0x2000 w=255"},
		{Event{Op: OpMadvise, PID: 1, Addr: 0x1000, Len: 0x2000, Advice: AdviceMergeable}, "1 madvise 0x1000 0x2000 mergeable"},
		{Event{Op: OpMadvise, PID: 1, Addr: 0x1000, Len: 0x2000, Advice: AdviceUnmergeable}, "1 madvise 0x1000 0x2000 unmergeable"},
		{Event{Op: OpKsm, N: 100}, "ksm 100"},
		{Event{Op: OpMigrate, PID: 1, Addr: 0x1000, Len: 0x2000}, "1 migrate 0x1000 0x2000"},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestOpAndProtStrings(t *testing.T) {
	keywords := []string{"fork", "exec", "exit", "mmap", "munmap", "mprotect", "mremap", "touch", "dontneed", "remap", "reclaim", "check", "mlock", "munlock", "madvise", "ksm", "migrate"}
	for i, kw := range keywords {
		op := Op(i + 1)
		if op.String() != kw {
			t.Errorf("Op(%d).String() = %q, want %q", i+1, op.String(), kw)
		}
		if opByKeyword([]byte(kw)) != op {
			t.Errorf("keyword %q parses to %v", kw, opByKeyword([]byte(kw)))
		}
	}
	if OpFork != 1 || OpCheck != 12 || OpMunlock != 14 || OpKsm != 16 {
		t.Errorf("Op values moved: OpFork=%d OpCheck=%d OpMunlock=%d OpKsm=%d", OpFork, OpCheck, OpMunlock, OpKsm)
	}
	for a, name := range map[Advice]string{AdviceMergeable: "mergeable", AdviceUnmergeable: "unmergeable", 0: "Advice(0)", 9: "Advice(9)"} {
		if a.String() != name {
			t.Errorf("Advice(%d).String() = %q, want %q", a, a.String(), name)
		}
	}
	if s := Op(0).String(); s != "Op(0)" {
		t.Errorf("Op(0).String() = %q", s)
	}

	for p := Prot(0); p < 8; p++ {
		s := p.String()
		back, err := ParseProt(s)
		if err != nil || back != p {
			t.Errorf("ParseProt(%q) = %v, %v; want %v", s, back, err, uint8(p))
		}
	}
	if s := (ProtRead | ProtExec).String(); s != "r-x" {
		t.Errorf("r-x prints as %q", s)
	}
	for _, bad := range []string{"", "r", "rw", "rwxx", "xwr", "-r-", "RW-", "r w", "rw\x00"} {
		if _, err := ParseProt(bad); err == nil {
			t.Errorf("ParseProt(%q) succeeded", bad)
		}
	}
	if s := Prot(9).String(); s != "Prot(0x9)" {
		t.Errorf("Prot(9).String() = %q", s)
	}
}

func TestWriterHeaderAndComments(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "rmaptrace 1\n" {
		t.Fatalf("empty trace is %q", buf.String())
	}
	// The header is written once, even after Flush.
	if err := w.Comment("two\n\nlines\tand tab"); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(Event{Op: OpCheck}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	want := "rmaptrace 1\n# two\n#\n# lines\tand tab\ncheck\n"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
	if events, err := readAll(t, "t", buf.String()); err != nil || len(events) != 1 {
		t.Fatalf("reading it back: %v, %v", events, err)
	}

	for _, bad := range []string{"bell\a", "cr\r\n", "bad \xff utf8"} {
		if err := w.Comment(bad); err == nil {
			t.Errorf("Comment(%q) succeeded", bad)
		}
	}

	// A Writer with a comment first still starts with the header.
	buf.Reset()
	w = NewWriter(&buf)
	w.Comment("first")
	w.Flush()
	if buf.String() != "rmaptrace 1\n# first\n" {
		t.Errorf("got %q", buf.String())
	}
}

// TestWriterRefusesInvalidEvents: everything written must read back, so
// the Writer rejects what the Reader would reject or would read differently.
func TestWriterRefusesInvalidEvents(t *testing.T) {
	tests := []struct {
		name string
		e    Event
		msg  string
	}{
		{"zero event", Event{}, "unknown event kind"},
		{"unknown op", Event{Op: 99}, "unknown event kind"},
		{"fork to self", Event{Op: OpFork, PID: 4, Child: 4}, "equals PID"},
		{"unused field", Event{Op: OpExec, PID: 1, Addr: 0x1000}, "does not use: Addr"},
		{"unused fields", Event{Op: OpCheck, PID: 1, Write: true, N: 3}, "does not use: PID, Write, N"},
		{"reclaim with PID", Event{Op: OpReclaim, PID: 1}, "does not use: PID"},
		{"anon with offset", Event{Op: OpMmap, PID: 1, Addr: 0x1000, Len: 0x1000, Offset: 0x1000}, "does not use: Offset"},
		{"unaligned", Event{Op: OpMunmap, PID: 1, Addr: 0x1001, Len: 0x1000}, "not a multiple"},
		{"zero length", Event{Op: OpTouch, PID: 1, Addr: 0x1000}, "LEN must be > 0"},
		{"past 2^47", Event{Op: OpDontNeed, PID: 1, Addr: AddrLimit - PageSize, Len: 2 * PageSize}, "ends past 2^47"},
		{"mremap new past 2^47", Event{Op: OpMremap, PID: 1, Addr: 0, Len: PageSize, NewAddr: AddrLimit, NewLen: PageSize}, "NEW"},
		{"bad prot", Event{Op: OpMprotect, PID: 1, Addr: 0x1000, Len: 0x1000, Prot: 8}, "bad PROT"},
		{"file name with space", Event{Op: OpMmap, PID: 1, Addr: 0x1000, Len: 0x1000, File: "a b"}, "space"},
		{"file name with hash", Event{Op: OpMmap, PID: 1, Addr: 0x1000, Len: 0x1000, File: "a#b"}, "'#'"},
		{"file name with newline", Event{Op: OpMmap, PID: 1, Addr: 0x1000, Len: 0x1000, File: "a\nb"}, "control"},
		{"file name not UTF-8", Event{Op: OpMmap, PID: 1, Addr: 0x1000, Len: 0x1000, File: "\xff"}, "UTF-8"},
		{"file name too long", Event{Op: OpMmap, PID: 1, Addr: 0x1000, Len: 0x1000, File: strings.Repeat("n", MaxNameLength+1)}, "longer than"},
		{"remap pgoff overflow", Event{Op: OpRemap, PID: 1, Addr: 0x1000, Len: 0x1000, PgOff: 1 << 52}, "overflows"},
		{"value without write", Event{Op: OpTouch, PID: 1, Addr: 0x1000, Len: 0x1000, HasValue: true, Value: 3}, "HasValue needs Write"},
		{"value not marked", Event{Op: OpTouch, PID: 1, Addr: 0x1000, Len: 0x1000, Write: true, Value: 3}, "does not use: Value"},
		{"value 2^63", Event{Op: OpTouch, PID: 1, Addr: 0x1000, Len: 0x1000, Write: true, HasValue: true, Value: 1 << 63}, "not below 2^63"},
		{"value on mlock", Event{Op: OpMlock, PID: 1, Addr: 0x1000, Len: 0x1000, HasValue: true}, "does not use: HasValue"},
		{"madvise without advice", Event{Op: OpMadvise, PID: 1, Addr: 0x1000, Len: 0x1000}, "unknown advice"},
		{"madvise bad advice", Event{Op: OpMadvise, PID: 1, Addr: 0x1000, Len: 0x1000, Advice: 7}, "unknown advice Advice(7)"},
		{"advice on munmap", Event{Op: OpMunmap, PID: 1, Addr: 0x1000, Len: 0x1000, Advice: AdviceMergeable}, "does not use: Advice"},
		{"ksm with PID", Event{Op: OpKsm, PID: 1, N: 4}, "does not use: PID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			err := w.Write(tt.e)
			if err == nil {
				t.Fatalf("Write(%+v) succeeded", tt.e)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
			if err := tt.e.Validate(); err == nil {
				t.Errorf("Validate accepts what Write refused")
			}
			w.Flush()
			if buf.String() != "rmaptrace 1\n" {
				t.Errorf("a refused event was written: %q", buf.String())
			}
		})
	}
	// The longest allowed name still produces a line the Reader accepts.
	long := Event{Op: OpMmap, PID: math.MaxUint64, Addr: AddrLimit - PageSize, Len: PageSize,
		Prot: ProtRead, Shared: true, File: strings.Repeat("n", MaxNameLength), Offset: math.MaxUint64 - 2*PageSize + 1}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Write(long); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	events, err := readAll(t, "t", buf.String())
	if err != nil || len(events) != 1 || events[0] != long {
		t.Fatalf("longest event does not read back: %v", err)
	}
}

// failingWriter fails every write, to check that Writer reports errors.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriterReportsWriteErrors(t *testing.T) {
	w := NewWriter(failingWriter{})
	w.Write(Event{Op: OpCheck})
	if err := w.Flush(); err != io.ErrClosedPipe {
		t.Fatalf("Flush after a failing write: %v", err)
	}
}
