package trace

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// Writer writes an rmaptrace v1 stream. The header line comes first, on
// the first Comment, Write or Flush, so that even an empty trace is valid.
// Output is buffered: call Flush at the end.
type Writer struct {
	out         *bufio.Writer
	wroteHeader bool
	line        []byte // reused for every event
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{out: bufio.NewWriterSize(w, 64<<10), line: make([]byte, 0, 128)}
}

func (w *Writer) writeHeader() error {
	if w.wroteHeader {
		return nil
	}
	w.wroteHeader = true
	_, err := w.out.WriteString(Header + "\n")
	return err
}

// Comment writes text as a comment line "# text". Each line of a
// multi-line text becomes a comment line of its own. The text must be
// valid UTF-8 without control characters other than tab and newline, which
// is what a Reader accepts in a comment.
func (w *Writer) Comment(text string) error {
	if !utf8.ValidString(text) {
		return errors.New("trace: comment is not valid UTF-8")
	}
	for i := 0; i < len(text); i++ {
		if c := text[i]; c != '\t' && c != '\n' && isControl(c) {
			return errors.New("trace: comment contains a control character")
		}
	}
	for line := range strings.SplitSeq(text, "\n") {
		if len("# ")+len(line) > MaxLineLength {
			return errors.New("trace: comment line too long")
		}
	}
	if err := w.writeHeader(); err != nil {
		return err
	}
	for line := range strings.SplitSeq(text, "\n") {
		w.out.WriteString("#")
		if line != "" {
			w.out.WriteString(" ")
			w.out.WriteString(line)
		}
		if _, err := w.out.WriteString("\n"); err != nil {
			return err
		}
	}
	return nil
}

// Write writes e as one line. It refuses an event that fails Validate, so
// that everything a Writer produces reads back unchanged.
func (w *Writer) Write(e Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if err := w.writeHeader(); err != nil {
		return err
	}
	w.line = append(e.appendLine(w.line[:0]), '\n')
	_, err := w.out.Write(w.line)
	return err
}

// Flush writes the header if nothing was written yet, then any buffered
// output.
func (w *Writer) Flush() error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	return w.out.Flush()
}
