package trace

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzReader feeds arbitrary bytes to a Reader. It must never panic, must
// end in io.EOF or an *Error, and every event it returns must be valid and
// survive a trip through Writer and Reader unchanged.
func FuzzReader(f *testing.F) {
	// More seeds live in testdata/fuzz/FuzzReader.
	f.Add([]byte(traceMDExample))
	f.Add([]byte("rmaptrace 1\n1 mremap 0x1000 0x3000 0x1000 0x5000\n1 remap 0x1000 0x1000 7\n"))
	f.Add([]byte("rmaptrace 1\n1 madvise 0x1000 0x3000 mergeable\n1 touch 0x1000 0x3000 w=7\nksm 100\n1 madvise 0x1000 0x1000 unmergeable\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), "fuzz")
		var events []Event
		lastLine := 0
		var err error
		for {
			var e Event
			e, err = r.Next()
			if err != nil {
				break
			}
			if r.Line() <= lastLine {
				t.Fatalf("Line() went from %d to %d", lastLine, r.Line())
			}
			lastLine = r.Line()
			if verr := e.Validate(); verr != nil {
				t.Fatalf("line %d parsed to an invalid event %+v: %v", r.Line(), e, verr)
			}
			events = append(events, e)
		}
		if err != io.EOF {
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("error %v is a %T, want *Error", err, err)
			}
			if te.File != "fuzz" || te.Line < 1 || te.Line <= lastLine && lastLine > 0 {
				t.Fatalf("error %v at line %d after an event at line %d", err, te.Line, lastLine)
			}
			if !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Fatalf("message %q does not name the file", err)
			}
		}
		if len(events) == 0 {
			return
		}

		// Every event's own line parses back to it.
		for _, e := range events {
			line := e.String()
			back, err := readAll(t, "line", Header+"\n"+line+"\n")
			if err != nil || len(back) != 1 || back[0] != e {
				t.Fatalf("%+v printed as %q reads back as %+v, %v", e, line, back, err)
			}
		}
		// And so does the whole sequence through a Writer.
		var buf bytes.Buffer
		w := NewWriter(&buf)
		for _, e := range events {
			if err := w.Write(e); err != nil {
				t.Fatalf("Write(%+v): %v", e, err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		back, err := readAll(t, "written", buf.String())
		if err != nil || len(back) != len(events) {
			t.Fatalf("rewritten trace: %d events, %v; want %d", len(back), err, len(events))
		}
		for i := range back {
			if back[i] != events[i] {
				t.Fatalf("event %d: %+v rewritten reads %+v", i, events[i], back[i])
			}
		}
	})
}

// FuzzRoundTrip builds events from arbitrary field values. Whatever
// Validate accepts must be written and read back unchanged; whatever it
// rejects, the Writer must refuse to write.
func FuzzRoundTrip(f *testing.F) {
	f.Add(uint8(OpMmap), uint64(1), uint64(0), uint64(0x400000), uint64(0x10000), uint64(0), uint64(0), uint8(5), false, "/bin/sh", uint64(0), false, false, uint64(0), uint64(0), uint64(0), uint8(0))
	f.Add(uint8(OpMremap), uint64(2), uint64(0), uint64(0x1000), uint64(0x3000), uint64(0x1000), uint64(0x5000), uint8(0), false, "", uint64(0), false, false, uint64(0), uint64(0), uint64(0), uint8(0))
	f.Add(uint8(OpRemap), uint64(2), uint64(0), uint64(0x1000), uint64(0x3000), uint64(0), uint64(0), uint8(0), false, "", uint64(0), false, false, uint64(0), uint64(0xfffffffffffff), uint64(0), uint8(0))
	f.Add(uint8(OpFork), uint64(1), uint64(2), uint64(0), uint64(0), uint64(0), uint64(0), uint8(0), false, "", uint64(0), false, false, uint64(0), uint64(0), uint64(0), uint8(0))
	f.Add(uint8(OpReclaim), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint8(0), false, "", uint64(0), false, false, uint64(0), uint64(0), uint64(16), uint8(0))
	f.Add(uint8(OpTouch), uint64(3), uint64(0), uint64(0x1000), uint64(0x3000), uint64(0), uint64(0), uint8(0), false, "", uint64(0), true, true, uint64(42), uint64(0), uint64(0), uint8(0))
	f.Add(uint8(OpMadvise), uint64(3), uint64(0), uint64(0x1000), uint64(0x3000), uint64(0), uint64(0), uint8(0), false, "", uint64(0), false, false, uint64(0), uint64(0), uint64(0), uint8(AdviceMergeable))
	f.Add(uint8(OpKsm), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint8(0), false, "", uint64(0), false, false, uint64(0), uint64(0), uint64(100), uint8(0))
	f.Fuzz(func(t *testing.T, op uint8, pid, child, addr, length, newAddr, newLen uint64,
		prot uint8, shared bool, file string, offset uint64, write, hasValue bool, value, pgoff, n uint64, advice uint8) {
		e := Event{Op: Op(op), PID: pid, Child: child, Addr: addr, Len: length, NewAddr: newAddr, NewLen: newLen,
			Prot: Prot(prot), Shared: shared, File: file, Offset: offset, Write: write, HasValue: hasValue, Value: value,
			PgOff: pgoff, N: n, Advice: Advice(advice)}
		var buf bytes.Buffer
		w := NewWriter(&buf)
		werr := w.Write(e)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if verr := e.Validate(); verr != nil {
			if werr == nil {
				t.Fatalf("Writer wrote %+v, which Validate rejects: %v", e, verr)
			}
			// Whatever was rejected, what is left is an empty trace.
			if buf.String() != Header+"\n" {
				t.Fatalf("after a refused event the output is %q", buf.String())
			}
			return
		}
		if werr != nil {
			t.Fatalf("Write refused a valid event %+v: %v", e, werr)
		}
		back, err := readAll(t, "rt", buf.String())
		if err != nil || len(back) != 1 || back[0] != e {
			t.Fatalf("%+v written as %q reads back as %+v, %v", e, buf.String(), back, err)
		}
	})
}
