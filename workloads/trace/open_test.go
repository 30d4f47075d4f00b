package trace

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func gzipped(t *testing.T, text string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readOpened reads every event through Open, closing what it opened.
func readOpened(t *testing.T, path string) ([]Event, error) {
	t.Helper()
	r, closer, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := closer.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	if r.Name() != path {
		t.Errorf("Name() = %q, want %q", r.Name(), path)
	}
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

func TestOpenPlainAndGzip(t *testing.T) {
	want, err := readAll(t, "t", traceMDExample)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"plain.trace", []byte(traceMDExample)},
		{"plain-named.gz", []byte(traceMDExample)}, // the content decides, not the name
		{"example.trace.gz", gzipped(t, traceMDExample)},
		{"gzip-without-suffix.trace", gzipped(t, traceMDExample)},
		// Concatenated gzip members form one stream, as gzip(1) reads them.
		{"two-members.gz", append(gzipped(t, traceMDExample[:100]), gzipped(t, traceMDExample[100:])...)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readOpened(t, writeFile(t, tt.name, tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d events, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("event %d: got %+v, want %+v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestOpenBadLineInGzipNamesTheLine(t *testing.T) {
	path := writeFile(t, "bad.gz", gzipped(t, "rmaptrace 1\n# x\n1 exec\n1 munmap 0x1001 0x1000\n"))
	_, err := readOpened(t, path)
	var te *Error
	if !errors.As(err, &te) || te.File != path || te.Line != 4 {
		t.Fatalf("got %v, want an *Error at %s:4", err, path)
	}
}

func TestOpenCorruptGzip(t *testing.T) {
	// Enough lines that the stream is cut well after the first ones.
	var sb strings.Builder
	sb.WriteString("rmaptrace 1\n")
	for range 20000 {
		sb.WriteString("1 touch 0x1000 0x1000 r\n")
	}
	whole := gzipped(t, sb.String())

	flipped := bytes.Clone(whole)
	flipped[len(flipped)-6] ^= 0xff // in the CRC-32 trailer

	for _, tt := range []struct {
		name string
		data []byte
		msg  string
	}{
		{"truncated", whole[:len(whole)/2], "truncated gzip data: the file ends inside the compressed stream"},
		{"truncated trailer", whole[:len(whole)-4], "truncated gzip data"},
		{"bad checksum", flipped, "corrupt gzip data: gzip: invalid checksum"},
		{"magic only", []byte{0x1f, 0x8b}, "truncated gzip data"},
		{"bad header", []byte{0x1f, 0x8b, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "corrupt gzip data: gzip: invalid header"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "x.gz", tt.data)
			events, err := readOpened(t, path)
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("got %v (%T) after %d events, want *Error", err, err, len(events))
			}
			if te.File != path || te.Line < 1 {
				t.Errorf("error at %s:%d", te.File, te.Line)
			}
			if !strings.HasPrefix(err.Error(), path+":") || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q should start with %s: and say %q", err, path, tt.msg)
			}
			if te.Err == nil {
				t.Error("the *Error does not carry the gzip error")
			}
			// Events before the damage are delivered; the error line is
			// the one being read when the data ran out.
			if te.Line != len(events)+2 && len(events) > 0 {
				t.Errorf("error at line %d after %d events (header is line 1)", te.Line, len(events))
			}
		})
	}
}

func TestOpenMissingFile(t *testing.T) {
	_, _, err := Open(filepath.Join(t.TempDir(), "none.trace"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want a not-exist error", err)
	}
}

func TestOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := readOpened(t, dir)
	var te *Error
	if !errors.As(err, &te) || te.Err == nil {
		t.Fatalf("reading a directory: got %v, want an *Error with the I/O error", err)
	}
}

func TestOpenStdin(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdin
	os.Stdin = pr
	defer func() { os.Stdin = saved; pr.Close() }()
	go func() {
		pw.Write(gzipped(t, "rmaptrace 1\ncheck\nreclaim 3\n"))
		pw.Close()
	}()

	r, closer, err := Open("-")
	if err != nil {
		t.Fatal(err)
	}
	if r.Name() != StdinName {
		t.Errorf("Name() = %q", r.Name())
	}
	var got []Event
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if len(got) != 2 || got[0].Op != OpCheck || got[1] != (Event{Op: OpReclaim, N: 3}) {
		t.Errorf("got %+v", got)
	}
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}
	// Closing the Reader's resources leaves standard input itself open.
	if _, err := pr.Stat(); err != nil {
		t.Errorf("stdin was closed: %v", err)
	}
}
