package trace

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// readAll reads every event of text, returning them and the error that
// ended the reading (nil for a clean io.EOF).
func readAll(t testing.TB, name, text string) ([]Event, error) {
	t.Helper()
	r := NewReader(strings.NewReader(text), name)
	var events []Event
	for {
		e, err := r.Next()
		if err == io.EOF {
			return events, nil
		}
		if err != nil {
			return events, err
		}
		events = append(events, e)
	}
}

// The example of docs/trace-format.md, verbatim.
const traceMDExample = `rmaptrace 1
# a shell forks a child that maps libc and execs
1 mmap 0x400000 0x10000 r-x private file /bin/sh 0
1 mmap 0x7f0000000000 0x200000 r-x private file /lib/libc.so 0
1 mmap 0x7ffff0000000 0x21000 rw- private anon
1 touch 0x7ffff0000000 0x21000 w
1 touch 0x400000 0x4000 r
1 fork 2
2 touch 0x7ffff0000000 0x1000 w
2 exec
2 mmap 0x400000 0x8000 r-x private file /bin/ls 0
2 touch 0x400000 0x8000 r
reclaim 16
check
2 exit
`

func TestTraceMDExample(t *testing.T) {
	want := []struct {
		line  int
		event Event
	}{
		{3, Event{Op: OpMmap, PID: 1, Addr: 0x400000, Len: 0x10000, Prot: ProtRead | ProtExec, File: "/bin/sh"}},
		{4, Event{Op: OpMmap, PID: 1, Addr: 0x7f0000000000, Len: 0x200000, Prot: ProtRead | ProtExec, File: "/lib/libc.so"}},
		{5, Event{Op: OpMmap, PID: 1, Addr: 0x7ffff0000000, Len: 0x21000, Prot: ProtRead | ProtWrite}},
		{6, Event{Op: OpTouch, PID: 1, Addr: 0x7ffff0000000, Len: 0x21000, Write: true}},
		{7, Event{Op: OpTouch, PID: 1, Addr: 0x400000, Len: 0x4000}},
		{8, Event{Op: OpFork, PID: 1, Child: 2}},
		{9, Event{Op: OpTouch, PID: 2, Addr: 0x7ffff0000000, Len: 0x1000, Write: true}},
		{10, Event{Op: OpExec, PID: 2}},
		{11, Event{Op: OpMmap, PID: 2, Addr: 0x400000, Len: 0x8000, Prot: ProtRead | ProtExec, File: "/bin/ls"}},
		{12, Event{Op: OpTouch, PID: 2, Addr: 0x400000, Len: 0x8000}},
		{13, Event{Op: OpReclaim, N: 16}},
		{14, Event{Op: OpCheck}},
		{15, Event{Op: OpExit, PID: 2}},
	}
	r := NewReader(strings.NewReader(traceMDExample), "example.trace")
	for i, w := range want {
		got, err := r.Next()
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if got != w.event {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got, w.event)
		}
		if r.Line() != w.line {
			t.Errorf("event %d: Line() = %d, want %d", i, r.Line(), w.line)
		}
	}
	if e, err := r.Next(); err != io.EOF {
		t.Fatalf("after the last event: got %+v, %v; want io.EOF", e, err)
	}
	if r.Name() != "example.trace" {
		t.Errorf("Name() = %q", r.Name())
	}
}

func TestParseEachEvent(t *testing.T) {
	tests := []struct {
		line string
		want Event
	}{
		{"7 fork 8", Event{Op: OpFork, PID: 7, Child: 8}},
		{"0 fork 18446744073709551615", Event{Op: OpFork, PID: 0, Child: 1<<64 - 1}},
		{"0xff fork 0x100", Event{Op: OpFork, PID: 255, Child: 256}},
		{"7 exec", Event{Op: OpExec, PID: 7}},
		{"7 exit", Event{Op: OpExit, PID: 7}},
		{"7 mmap 0x1000 0x2000 rw- shared anon", Event{Op: OpMmap, PID: 7, Addr: 0x1000, Len: 0x2000, Prot: ProtRead | ProtWrite, Shared: true}},
		{"7 mmap 4096 8192 --- private anon", Event{Op: OpMmap, PID: 7, Addr: 0x1000, Len: 0x2000}},
		{"7 mmap 0x1000 0x1000 rwx shared file /dev/shm/x 0x3000", Event{Op: OpMmap, PID: 7, Addr: 0x1000, Len: 0x1000, Prot: ProtRead | ProtWrite | ProtExec, Shared: true, File: "/dev/shm/x", Offset: 0x3000}},
		{"7 mmap 0x1000 0x1000 r-- private file anon 0", Event{Op: OpMmap, PID: 7, Addr: 0x1000, Len: 0x1000, Prot: ProtRead, File: "anon"}},
		{"7 mmap 0x1000 0x1000 -w- private file /tmp/日本 0", Event{Op: OpMmap, PID: 7, Addr: 0x1000, Len: 0x1000, Prot: ProtWrite, File: "/tmp/日本"}},
		{"7 mmap 0x7ffffffff000 0x1000 --x private anon", Event{Op: OpMmap, PID: 7, Addr: 0x7ffffffff000, Len: 0x1000, Prot: ProtExec}},
		{"7 mmap 0 0x800000000000 r-- private anon", Event{Op: OpMmap, PID: 7, Addr: 0, Len: AddrLimit, Prot: ProtRead}},
		{"7 mmap 0x1000 0x1000 r-- shared file f 0xffffffffffffe000", Event{Op: OpMmap, PID: 7, Addr: 0x1000, Len: 0x1000, Prot: ProtRead, Shared: true, File: "f", Offset: 0xffffffffffffe000}},
		{"7 munmap 0x1000 0x3000", Event{Op: OpMunmap, PID: 7, Addr: 0x1000, Len: 0x3000}},
		{"7 mprotect 0x1000 0x3000 r--", Event{Op: OpMprotect, PID: 7, Addr: 0x1000, Len: 0x3000, Prot: ProtRead}},
		{"7 mremap 0x1000 0x3000 0x1000 0x5000", Event{Op: OpMremap, PID: 7, Addr: 0x1000, Len: 0x3000, NewAddr: 0x1000, NewLen: 0x5000}},
		{"7 mremap 0x1000 0x3000 0x7ffffffff000 0x1000", Event{Op: OpMremap, PID: 7, Addr: 0x1000, Len: 0x3000, NewAddr: 0x7ffffffff000, NewLen: 0x1000}},
		{"7 touch 0x1000 0x1000 r", Event{Op: OpTouch, PID: 7, Addr: 0x1000, Len: 0x1000}},
		{"7 touch 0x1000 0x1000 w", Event{Op: OpTouch, PID: 7, Addr: 0x1000, Len: 0x1000, Write: true}},
		{"7 dontneed 0x1000 0x1000", Event{Op: OpDontNeed, PID: 7, Addr: 0x1000, Len: 0x1000}},
		{"7 remap 0x1000 0x1000 5", Event{Op: OpRemap, PID: 7, Addr: 0x1000, Len: 0x1000, PgOff: 5}},
		{"7 remap 0x1000 0x1000 0xffffffffffffe", Event{Op: OpRemap, PID: 7, Addr: 0x1000, Len: 0x1000, PgOff: 0xffffffffffffe}},
		{"reclaim 0", Event{Op: OpReclaim}},
		{"reclaim 0x10", Event{Op: OpReclaim, N: 16}},
		{"check", Event{Op: OpCheck}},
		{"7 mlock 0x1000 0x3000", Event{Op: OpMlock, PID: 7, Addr: 0x1000, Len: 0x3000}},
		{"7 munlock 0x2000 0x1000", Event{Op: OpMunlock, PID: 7, Addr: 0x2000, Len: 0x1000}},
		{"7 touch 0x1000 0x2000 w=0", Event{Op: OpTouch, PID: 7, Addr: 0x1000, Len: 0x2000, Write: true, HasValue: true}},
		{"7 touch 0x1000 0x2000 w=42", Event{Op: OpTouch, PID: 7, Addr: 0x1000, Len: 0x2000, Write: true, HasValue: true, Value: 42}},
		{"7 touch 0x1000 0x2000 w=0x7fffffffffffffff", Event{Op: OpTouch, PID: 7, Addr: 0x1000, Len: 0x2000, Write: true, HasValue: true, Value: MaxValue}},
		{"7 madvise 0x1000 0x3000 mergeable", Event{Op: OpMadvise, PID: 7, Addr: 0x1000, Len: 0x3000, Advice: AdviceMergeable}},
		{"7 madvise 0x1000 0x3000 unmergeable", Event{Op: OpMadvise, PID: 7, Addr: 0x1000, Len: 0x3000, Advice: AdviceUnmergeable}},
		{"ksm 0", Event{Op: OpKsm}},
		{"ksm 0x100", Event{Op: OpKsm, N: 256}},
		{"folio 65536", Event{Op: OpFolio, N: 65536}},
		{"folio 0x200000", Event{Op: OpFolio, N: 2 << 20}},
		{"thp always", Event{Op: OpTHP, N: 1}},
		{"thp never", Event{Op: OpTHP}},
		{"7 migrate 0x2000 0x7fffffffe000", Event{Op: OpMigrate, PID: 7, Addr: 0x2000, Len: 0x7fffffffe000}},
		// Lexical variations that must not change the event.
		{"\t 7   touch\t0x1000 0x1000   w  ", Event{Op: OpTouch, PID: 7, Addr: 0x1000, Len: 0x1000, Write: true}},
		{"7 touch 0x1000 0x1000 w# comment right after", Event{Op: OpTouch, PID: 7, Addr: 0x1000, Len: 0x1000, Write: true}},
		{"7 touch 0x1000 0x1000 w # é comment", Event{Op: OpTouch, PID: 7, Addr: 0x1000, Len: 0x1000, Write: true}},
		{"7 touch 0x1000 0x1000 w\r", Event{Op: OpTouch, PID: 7, Addr: 0x1000, Len: 0x1000, Write: true}},
		{"007 touch 0x00001000 0x1000 r", Event{Op: OpTouch, PID: 7, Addr: 0x1000, Len: 0x1000}},
		{"7 touch 0x1aBc000 0x1000 r", Event{Op: OpTouch, PID: 7, Addr: 0x1abc000, Len: 0x1000}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			events, err := readAll(t, "t", "rmaptrace 1\n"+tt.line+"\n")
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 || events[0] != tt.want {
				t.Fatalf("got %+v\nwant [%+v]", events, tt.want)
			}
			if err := events[0].Validate(); err != nil {
				t.Errorf("parsed event does not validate: %v", err)
			}
		})
	}
}

func TestLexicalVariations(t *testing.T) {
	tests := []struct {
		name, text string
		want       []Event
	}{
		{"header only", "rmaptrace 1\n", nil},
		{"header without newline", "rmaptrace 1", nil},
		{"last line without newline", "rmaptrace 1\ncheck", []Event{{Op: OpCheck}}},
		{"comments and blanks before header", "# hello\n\n   \t\n# again\nrmaptrace 1\ncheck\n", []Event{{Op: OpCheck}}},
		{"header with comment and spacing", "  rmaptrace\t1  # v1\ncheck\n", []Event{{Op: OpCheck}}},
		{"CRLF", "rmaptrace 1\r\n# c\r\n\r\ncheck\r\nreclaim 2\r\n", []Event{{Op: OpCheck}, {Op: OpReclaim, N: 2}}},
		{"lone CR at EOF", "rmaptrace 1\ncheck\r", []Event{{Op: OpCheck}}},
		{"comment with tab and UTF-8", "rmaptrace 1\n#\tcafé ☕\ncheck\n", []Event{{Op: OpCheck}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, "t", tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("event %d: got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestErrors checks each kind of lexical or numeric error: the message
// starts with FILE:LINE: (lines counted over comments and blank lines) and
// says what is wrong.
func TestErrors(t *testing.T) {
	const h = "rmaptrace 1\n"
	// prefix puts the bad line on line 5 behind a comment and a blank line.
	const prefix = "# comment\nrmaptrace 1\n\n1 exec\n"
	tests := []struct {
		name string
		text string
		line int
		msg  string // a substring of the message
	}{
		// Header.
		{"empty file", "", 1, "no header"},
		{"blank lines only", "\n\n  \n", 3, "no header"},
		{"comments only", "# a\n# b\n", 2, "no header"},
		{"event before header", "# x\n1 exec\nrmaptrace 1\n", 2, "no header"},
		{"wrong version", "rmaptrace 2\n", 1, `unsupported trace version "2"`},
		{"version in hex", "rmaptrace 0x1\n", 1, "unsupported trace version"},
		{"header junk", "rmaptrace 1 extra\n", 1, "bad header"},
		{"header alone", "rmaptrace\n", 1, "bad header"},
		{"header case", "RMAPTRACE 1\n", 1, "no header"},
		{"second header", h + "rmaptrace 1\n", 2, "second header"},

		// Events and fields.
		{"unknown event", prefix + "1 frobnicate\n", 5, `unknown event "frobnicate"`},
		{"unknown word", prefix + "hello world\n", 5, `unknown event "hello"`},
		{"event keyword case", prefix + "1 MMAP 0x1000 0x1000 r-- private anon\n", 5, `unknown event "MMAP"`},
		{"pid alone", prefix + "1\n", 5, "no event"},
		{"missing pid", prefix + "fork 2\n", 5, "fork: missing PID"},
		{"bad pid", prefix + "x1 exec\n", 5, `bad PID "x1"`},
		{"negative pid", prefix + "-1 exec\n", 5, `bad PID "-1"`},
		{"reclaim with pid", prefix + "1 reclaim 5\n", 5, "reclaim takes no PID"},
		{"check with pid", prefix + "1 check\n", 5, "check takes no PID"},
		{"fork missing child", prefix + "1 fork\n", 5, "fork: 2 fields, want PID fork CHILD"},
		{"fork junk", prefix + "1 fork 2 3\n", 5, "fork: 4 fields"},
		{"fork to self", prefix + "3 fork 3\n", 5, "CHILD 3 equals PID"},
		{"fork to self hex", prefix + "3 fork 0x3\n", 5, "equals PID"},
		{"exec junk", prefix + "1 exec now\n", 5, "exec: 3 fields"},
		{"exit junk", prefix + "1 exit 0\n", 5, "exit: 3 fields"},
		{"mmap short", prefix + "1 mmap 0x1000 0x1000 r--\n", 5, "mmap: 5 fields"},
		{"mmap neither anon nor file", prefix + "1 mmap 0x1000 0x1000 r-- private heap\n", 5, `"heap" is neither anon nor file`},
		{"mmap anon junk", prefix + "1 mmap 0x1000 0x1000 r-- private anon 0\n", 5, "want 7 for an anonymous mapping"},
		{"mmap file no offset", prefix + "1 mmap 0x1000 0x1000 r-- private file /f\n", 5, "want 9 for a file mapping"},
		{"mmap file junk", prefix + "1 mmap 0x1000 0x1000 r-- private file /f 0 0\n", 5, "want 9 for a file mapping"},
		{"mmap file name with hash", prefix + "1 mmap 0x1000 0x1000 r-- private file /a#b 0\n", 5, "want 9 for a file mapping"},
		{"mmap sharing", prefix + "1 mmap 0x1000 0x1000 r-- public anon\n", 5, `"public" is neither private nor shared`},
		{"mmap sharing case", prefix + "1 mmap 0x1000 0x1000 r-- Private anon\n", 5, "neither private nor shared"},
		{"munmap short", prefix + "1 munmap 0x1000\n", 5, "munmap: 3 fields, want PID munmap ADDR LEN"},
		{"munmap junk", prefix + "1 munmap 0x1000 0x1000 x\n", 5, "munmap: 5 fields"},
		{"mlock short", prefix + "1 mlock 0x1000\n", 5, "mlock: 3 fields, want PID mlock ADDR LEN"},
		{"munlock unaligned", prefix + "1 munlock 0x1000 0x10\n", 5, "munlock: LEN 0x10 is not a multiple of the page size"},
		{"mlock without PID", prefix + "mlock 0x1000 0x1000\n", 5, "mlock: missing PID"},
		{"migrate short", prefix + "1 migrate 0x1000\n", 5, "migrate: 3 fields, want PID migrate ADDR LEN"},
		{"migrate junk", prefix + "1 migrate 0x1000 0x1000 0\n", 5, "migrate: 5 fields"},
		{"migrate unaligned", prefix + "1 migrate 0x1800 0x1000\n", 5, "migrate: ADDR 0x1800 is not a multiple of the page size"},
		{"migrate empty", prefix + "1 migrate 0x1000 0\n", 5, "migrate: LEN must be > 0"},
		{"migrate past the end", prefix + "1 migrate 0x7ffffffff000 0x2000\n", 5, "ends past 2^47"},
		{"migrate without PID", prefix + "migrate 0x1000 0x1000\n", 5, "migrate: missing PID"},
		{"mprotect short", prefix + "1 mprotect 0x1000 0x1000\n", 5, "mprotect: 4 fields"},
		{"mremap short", prefix + "1 mremap 0x1000 0x1000 0x2000\n", 5, "mremap: 5 fields"},
		{"touch short", prefix + "1 touch 0x1000 0x1000\n", 5, "touch: 4 fields"},
		{"touch mode", prefix + "1 touch 0x1000 0x1000 x\n", 5, `access "x" is neither r, w nor w=VALUE`},
		{"touch mode rw", prefix + "1 touch 0x1000 0x1000 rw\n", 5, "neither r, w nor w=VALUE"},
		{"touch mode case", prefix + "1 touch 0x1000 0x1000 W\n", 5, "neither r, w nor w=VALUE"},
		{"touch value empty", prefix + "1 touch 0x1000 0x1000 w=\n", 5, `access "w=" is neither r, w nor w=VALUE`},
		{"touch value read", prefix + "1 touch 0x1000 0x1000 r=3\n", 5, `access "r=3" is neither`},
		{"touch value spaced", prefix + "1 touch 0x1000 0x1000 w= 3\n", 5, "touch: 6 fields, want PID touch ADDR LEN r|w|w=VALUE"},
		{"touch value junk", prefix + "1 touch 0x1000 0x1000 w=x7\n", 5, `touch: bad VALUE "x7": not a decimal`},
		{"touch value negative", prefix + "1 touch 0x1000 0x1000 w=-1\n", 5, `touch: bad VALUE "-1"`},
		{"touch value 2^63", prefix + "1 touch 0x1000 0x1000 w=0x8000000000000000\n", 5, "touch: VALUE 9223372036854775808 is not below 2^63"},
		{"touch value overflow", prefix + "1 touch 0x1000 0x1000 w=18446744073709551616\n", 5, "does not fit in 64 bits"},
		{"madvise short", prefix + "1 madvise 0x1000 0x1000\n", 5, "madvise: 4 fields, want PID madvise ADDR LEN mergeable|unmergeable"},
		{"madvise advice", prefix + "1 madvise 0x1000 0x1000 dontneed\n", 5, `madvise: advice "dontneed" is neither mergeable nor unmergeable`},
		{"madvise advice case", prefix + "1 madvise 0x1000 0x1000 MERGEABLE\n", 5, "neither mergeable nor unmergeable"},
		{"madvise unaligned", prefix + "1 madvise 0x1000 0x10 mergeable\n", 5, "madvise: LEN 0x10 is not a multiple of the page size"},
		{"madvise without PID", prefix + "madvise 0x1000 0x1000 mergeable\n", 5, "madvise: missing PID"},
		{"ksm short", prefix + "ksm\n", 5, "ksm: 1 fields, want ksm N"},
		{"ksm junk", prefix + "ksm 1 2\n", 5, "ksm: 3 fields"},
		{"ksm with pid", prefix + "1 ksm 5\n", 5, "ksm takes no PID"},
		{"ksm bad N", prefix + "ksm many\n", 5, `ksm: bad N "many"`},
		{"folio not a power of two", prefix + "folio 3000\n", 5, "folio: SIZE 3000 is not a power of two"},
		{"folio too large", prefix + "folio 0x400000\n", 5, "folio: SIZE 4194304 is not a power of two from 4096"},
		{"folio with pid", prefix + "1 folio 4096\n", 5, "folio takes no PID"},
		{"thp neither", prefix + "thp sometimes\n", 5, `thp: "sometimes" is neither always nor never`},
		{"thp without a mode", prefix + "thp\n", 5, "want thp always|never"},
		{"thp with pid", prefix + "1 thp always\n", 5, "thp takes no PID"},
		{"dontneed junk", prefix + "1 dontneed 0x1000 0x1000 0\n", 5, "dontneed: 5 fields"},
		{"remap short", prefix + "1 remap 0x1000 0x1000\n", 5, "remap: 4 fields"},
		{"reclaim short", prefix + "reclaim\n", 5, "reclaim: 1 fields, want reclaim N"},
		{"reclaim junk", prefix + "reclaim 1 2\n", 5, "reclaim: 3 fields"},
		{"check junk", prefix + "check all\n", 5, "check: 2 fields"},

		// Number syntax.
		{"number letters", prefix + "1 munmap 0x1000 12a\n", 5, `munmap: bad LEN "12a": not a decimal`},
		{"number bare 0x", prefix + "1 munmap 0x 0x1000\n", 5, `bad ADDR "0x"`},
		{"number 0X", prefix + "1 munmap 0X1000 0x1000\n", 5, `bad ADDR "0X1000"`},
		{"number hex digit", prefix + "1 munmap 0x100g 0x1000\n", 5, `bad ADDR "0x100g"`},
		{"number plus", prefix + "1 munmap +4096 0x1000\n", 5, `bad ADDR "+4096"`},
		{"number underscore", prefix + "1 munmap 4_096 0x1000\n", 5, `bad ADDR "4_096"`},
		{"number negative", prefix + "reclaim -1\n", 5, `reclaim: bad N "-1"`},
		{"decimal overflow", prefix + "reclaim 18446744073709551616\n", 5, "does not fit in 64 bits"},
		{"hex overflow", prefix + "reclaim 0x10000000000000000\n", 5, "does not fit in 64 bits"},
		{"pid overflow", prefix + "99999999999999999999 exec\n", 5, "does not fit in 64 bits"},
		{"child overflow", prefix + "1 fork 0x1ffffffffffffffff\n", 5, `bad CHILD`},
		{"overflow then junk is junk", prefix + "reclaim 99999999999999999999z\n", 5, "not a decimal"},
		{"bad PGOFF", prefix + "1 remap 0x1000 0x1000 p5\n", 5, `bad PGOFF "p5"`},
		{"bad OFFSET", prefix + "1 mmap 0x1000 0x1000 r-- shared file /f off\n", 5, `bad OFFSET "off"`},
		{"bad NEWLEN", prefix + "1 mremap 0x1000 0x1000 0x2000 z\n", 5, `bad NEWLEN "z"`},

		// Alignment, lengths, the end of the address space.
		{"ADDR unaligned", prefix + "1 munmap 0x1001 0x1000\n", 5, "ADDR 0x1001 is not a multiple of the page size"},
		{"LEN unaligned", prefix + "1 touch 0x1000 100 r\n", 5, "LEN 0x64 is not a multiple of the page size"},
		{"LEN zero", prefix + "1 dontneed 0x1000 0\n", 5, "dontneed: LEN must be > 0"},
		{"OFFSET unaligned", prefix + "1 mmap 0x1000 0x1000 r-- private file /f 12\n", 5, "OFFSET 0xc is not a multiple"},
		{"OFFSET plus LEN wraps", prefix + "1 mmap 0x1000 0x2000 r-- private file /f 0xfffffffffffff000\n", 5, "overflows 64 bits"},
		{"range past 2^47", prefix + "1 mmap 0x7ffffffff000 0x2000 rw- private anon\n", 5, "ends past 2^47"},
		{"ADDR at 2^47", prefix + "1 munmap 0x800000000000 0x1000\n", 5, "ends past 2^47"},
		{"ADDR+LEN wraps 64 bits", prefix + "1 munmap 0xfffffffffffff000 0x2000\n", 5, "ends past 2^47"},
		{"LEN huge", prefix + "1 munmap 0x1000 0xfffffffffffff000\n", 5, "ends past 2^47"},
		{"mremap OLD unaligned", prefix + "1 mremap 0x1800 0x1000 0x2000 0x1000\n", 5, "mremap: OLD 0x1800 is not a multiple"},
		{"mremap OLDLEN zero", prefix + "1 mremap 0x1000 0 0x2000 0x1000\n", 5, "mremap: OLDLEN must be > 0"},
		{"mremap NEW unaligned", prefix + "1 mremap 0x1000 0x1000 0x2001 0x1000\n", 5, "mremap: NEW 0x2001"},
		{"mremap NEWLEN zero", prefix + "1 mremap 0x1000 0x1000 0x2000 0\n", 5, "mremap: NEWLEN must be > 0"},
		{"mremap new past 2^47", prefix + "1 mremap 0x1000 0x1000 0x7ffffffff000 0x2000\n", 5, "NEW 0x7ffffffff000 + NEWLEN 0x2000 ends past 2^47"},
		{"remap PGOFF*4096 overflows", prefix + "1 remap 0x1000 0x1000 0x10000000000000\n", 5, "PGOFF*4096 overflows"},
		{"remap PGOFF*4096+LEN overflows", prefix + "1 remap 0x1000 0x2000 0xfffffffffffff\n", 5, "+ LEN 0x2000 overflows"},

		// PROT.
		{"PROT short", prefix + "1 mprotect 0x1000 0x1000 rw\n", 5, `bad PROT "rw"`},
		{"PROT long", prefix + "1 mprotect 0x1000 0x1000 rwx-\n", 5, `bad PROT "rwx-"`},
		{"PROT order", prefix + "1 mprotect 0x1000 0x1000 wr-\n", 5, `bad PROT "wr-"`},
		{"PROT case", prefix + "1 mprotect 0x1000 0x1000 R--\n", 5, `bad PROT "R--"`},
		{"PROT x in w", prefix + "1 mmap 0x1000 0x1000 r-w private anon\n", 5, `mmap: bad PROT "r-w"`},

		// Text.
		{"invalid UTF-8 in event", prefix + "1 mmap 0x1000 0x1000 r-- private file /\xff 0\n", 5, "invalid UTF-8"},
		{"invalid UTF-8 in comment", prefix + "# caf\xe9\n", 5, "invalid UTF-8"},
		{"invalid UTF-8 before header", "\xef\xbb\n", 1, "invalid UTF-8"},
		{"NUL byte", prefix + "1 exec\x00\n", 5, "control character 0x00 in column 7"},
		{"CR inside line", prefix + "1 exec\r# x\n", 5, "control character 0x0d"},
		{"control in comment", prefix + "# bell \a\n", 5, "control character 0x07 in a comment"},
		{"vertical tab separator", prefix + "1\vexec\n", 5, "control character 0x0b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(t, "bad.trace", tt.text)
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("got error %v (%T), want *Error", err, err)
			}
			if te.File != "bad.trace" || te.Line != tt.line {
				t.Errorf("error at %s:%d, want bad.trace:%d (%v)", te.File, te.Line, tt.line, err)
			}
			want := "bad.trace:" + strconv.Itoa(tt.line) + ": "
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("message %q does not start with %q", err, want)
			}
			if !strings.Contains(te.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", te.Msg, tt.msg)
			}
			if te.Err != nil {
				t.Errorf("a bad line has an underlying I/O error: %v", te.Err)
			}
		})
	}
}

func TestErrorIsSticky(t *testing.T) {
	r := NewReader(strings.NewReader("rmaptrace 1\nbogus\ncheck\n"), "t")
	_, err1 := r.Next()
	_, err2 := r.Next()
	if err1 == nil || err1 != err2 {
		t.Fatalf("first error %v, second %v: want the same error twice", err1, err2)
	}
}

func TestLongLines(t *testing.T) {
	// A comment line of exactly MaxLineLength bytes is fine, even with a
	// CRLF ending; one byte more is an error on that line.
	longComment := "#" + strings.Repeat("x", MaxLineLength-1)
	for _, end := range []string{"\n", "\r\n", ""} {
		text := "rmaptrace 1\n" + longComment + end
		if end != "" {
			text += "check\n"
		}
		if _, err := readAll(t, "t", text); err != nil {
			t.Errorf("line of %d bytes ending %q: %v", MaxLineLength, end, err)
		}
	}
	for _, text := range []string{
		"rmaptrace 1\n" + longComment + "x\ncheck\n",
		"rmaptrace 1\n" + longComment + "x",
		"rmaptrace 1\n" + strings.Repeat("1 ", 3*MaxLineLength),
	} {
		_, err := readAll(t, "t", text)
		var te *Error
		if !errors.As(err, &te) || te.Line != 2 || !strings.Contains(te.Msg, "line longer than") {
			t.Errorf("too long line: got %v", err)
		}
	}
	// A NAME of PATH_MAX bytes reads, and is not cut; one byte more is
	// an error at its line.
	name := "/" + strings.Repeat("n", MaxNameLength-1)
	events, err := readAll(t, "t", "rmaptrace 1\n1 mmap 0x1000 0x1000 r-- shared file "+name+" 0\n")
	if err != nil || len(events) != 1 || events[0].File != name {
		t.Fatalf("long name: %v", err)
	}
	_, err = readAll(t, "t", "rmaptrace 1\n# a comment\n1 mmap 0x1000 0x1000 r-- shared file "+name+"n 0\n")
	var te *Error
	if !errors.As(err, &te) || te.Line != 3 || te.Msg != "mmap: file NAME longer than 4096 bytes" {
		t.Fatalf("a name longer than PATH_MAX: got %v, want an error at t:3", err)
	}
}

func TestNamesAreInterned(t *testing.T) {
	events, err := readAll(t, "t", "rmaptrace 1\n"+
		"1 mmap 0x1000 0x1000 r-- private file /lib/libc.so 0\n"+
		"2 mmap 0x1000 0x1000 r-- private file /lib/libc.so 0\n")
	if err != nil {
		t.Fatal(err)
	}
	if unsafe.StringData(events[0].File) != unsafe.StringData(events[1].File) {
		t.Error("the same file name read twice is stored twice")
	}
}

// TestReaderAllocations guards the hot path: reading events with no new
// file names must not allocate per line.
func TestReaderAllocations(t *testing.T) {
	var b strings.Builder
	b.WriteString("rmaptrace 1\n")
	for range 1000 {
		b.WriteString("17 touch 0x7ffff0000000 0x21000 w # comment\n")
		b.WriteString("17 mmap 0x400000 0x10000 r-x private file /bin/sh 0\n")
		b.WriteString("reclaim 16\n")
	}
	text := b.String()
	r := NewReader(strings.NewReader(text), "t")
	r.Next() // the first event interns /bin/sh
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per event, want 0", allocs)
	}
}

func BenchmarkReader(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("rmaptrace 1\n")
	const lines = 10000
	for i := range lines / 4 {
		e := Event{Op: OpTouch, PID: uint64(i % 50), Addr: 0x7ffff0000000, Len: 0x21000, Write: true}
		sb.WriteString(e.String() + "\n")
		sb.WriteString("1 mmap 0x7f0000000000 0x200000 r-x private file /lib/libc.so 0\n")
		sb.WriteString("# a comment line\n")
		sb.WriteString("2 mremap 0x1000 0x3000 0x1000 0x5000\n")
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		r := NewReader(strings.NewReader(text), "bench")
		for {
			if _, err := r.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/line")
}
