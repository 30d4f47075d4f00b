package trace

import (
	"bufio"
	"compress/gzip"
	"errors"
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
	r, c, err := Decompress(src)
	if err != nil {
		return nil, nil, &Error{File: name, Line: 1, Msg: err.Error(), Err: err}
	}
	if c == nil {
		c = multiCloser{}
	}
	return NewReader(r, name), c, nil
}

// Decompress returns src, or, when src starts with the gzip magic bytes,
// a reader of its decompressed data whose errors are *GzipErrors, and the
// closer of the decompressor (nil for plain data). A corrupt gzip header
// is a *GzipError here. The strace importer reads its logs through it too.
func Decompress(src io.Reader) (io.Reader, io.Closer, error) {
	buffered := bufio.NewReaderSize(src, readBufferSize)
	// A read error here (say, path is a directory) recurs on the first
	// read of what is returned, which reports it; so it is ignored here.
	magic, _ := buffered.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return buffered, nil, nil
	}
	unzipped, err := gzip.NewReader(buffered)
	if err != nil {
		return nil, nil, &GzipError{Err: err}
	}
	return gzipErrors{unzipped}, gzipCloser{unzipped}, nil
}

// GzipError is a failure to decompress gzip data: truncated data (the
// stream ends before its trailer) or corrupt data.
type GzipError struct{ Err error }

func (e *GzipError) Error() string {
	if errors.Is(e.Err, io.ErrUnexpectedEOF) || errors.Is(e.Err, io.EOF) {
		return "truncated gzip data: the file ends inside the compressed stream (was it cut short?)"
	}
	return "corrupt gzip data: " + e.Err.Error()
}

func (e *GzipError) Unwrap() error { return e.Err }

// gzipErrors labels the decompressor's errors as *GzipErrors, so that a
// truncated file reads "truncated gzip data" rather than a bare
// "unexpected EOF".
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = &GzipError{Err: err}
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
