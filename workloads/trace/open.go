package trace

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
)

// StdinName is the name Open gives standard input in errors.
const StdinName = "<stdin>"

// Open opens a trace for reading. The path "-" is standard input. A gzip
// stream is recognized by its magic bytes, whatever the file is called, and
// decompressed on the fly; anything else is read as plain text.
//
// The returned io.Closer closes the decompressor and the file (standard
// input is left open). A file that cannot be opened gives the *os.PathError;
// a corrupt gzip header gives an *Error, as do corrupt or truncated gzip
// data later, which Next reports at the line it had reached.
func Open(path string) (*Reader, io.Closer, error) {
	name := path
	var file *os.File
	var closers multiCloser
	if path == "-" {
		name = StdinName
		file = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, err
		}
		file = f
		closers = append(closers, f)
	}

	r, c, err := OpenReader(file, name)
	if err != nil {
		closers.Close()
		return nil, nil, err
	}
	return r, append(multiCloser{c}, closers...), nil
}

// OpenReader is Open for a stream that is already open: gzip is recognised
// by its magic bytes and decompressed. name is used in errors. The closer
// closes the decompressor only, never src.
func OpenReader(src io.Reader, name string) (*Reader, io.Closer, error) {
	buffered := bufio.NewReaderSize(src, readBufferSize)
	// A read error here (say, path is a directory) recurs on the Reader's
	// first read, which reports it as an *Error; so it is ignored here.
	magic, _ := buffered.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		// NewReader reuses buffered rather than stacking a second buffer.
		return NewReader(buffered, name), multiCloser{}, nil
	}
	unzipped, err := gzip.NewReader(buffered)
	if err != nil {
		return nil, nil, &Error{File: name, Line: 1, Msg: "corrupt gzip data: " + err.Error(), Err: err}
	}
	return NewReader(gzipErrors{unzipped}, name), gzipCloser{unzipped}, nil
}

// gzipErrors labels the decompressor's errors, so that a truncated file
// reads "corrupt gzip data: unexpected EOF" rather than a bare
// "unexpected EOF".
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("corrupt gzip data: %w", err)
	}
	return n, err
}

// gzipCloser closes a gzip.Reader without its error: gzip.Reader.Close
// returns the last decompression error, which Next already reported as an
// *Error, and a caller that checks Close should not see it twice.
type gzipCloser struct{ r *gzip.Reader }

func (g gzipCloser) Close() error {
	g.r.Close()
	return nil
}

// multiCloser closes each of its closers in order and joins their errors.
type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var errs []error
	for _, c := range m {
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
