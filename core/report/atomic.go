package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"rmapbench/internal/tempfiles"
)

// Output files. Every file rmapbench writes (results, reports, traces,
// charts) is an AtomicFile: it is written to a temporary file and appears
// under its name only when committed, whole, so that a failed or
// interrupted command leaves neither a half-written file nor a temporary
// one behind. What the path names decides how:
//
//	path names                   written
//	nothing (a new file)         temporary file in the same directory, renamed
//	a regular file               likewise: the file is replaced
//	a symbolic link              the link is followed (to its last target,
//	                             which may not exist yet) and that is written
//	a character device, a FIFO   temporary file elsewhere, copied into the
//	                             device or FIFO at Commit (never replaced)
//	a directory, a socket,       refused (*OutputError)
//	a block device
//
// CheckOutput makes the same decision without creating anything, so that
// a command can refuse a bad path before it does any work.

// OutputError is a path that cannot be an output file.
type OutputError struct {
	Path string
	Msg  string
}

func (e *OutputError) Error() string { return e.Path + ": " + e.Msg }

// maxSymlinks bounds the links followed, as the kernel's ELOOP does.
const maxSymlinks = 40

// output is where an AtomicFile goes.
type output struct {
	target  string // the file to replace or create
	inPlace bool   // a device or FIFO: written into, never replaced
	mode    fs.FileMode
}

// CheckOutput reports whether path can be written as an output file (see
// above): nil, an *OutputError, or the error that makes its directory
// unusable.
func CheckOutput(path string) error {
	_, err := resolveOutput(path)
	return err
}

func resolveOutput(path string) (output, error) {
	if path == "" {
		return output{}, &OutputError{Path: path, Msg: "empty file name"}
	}
	fi, err := os.Stat(path) // follows links
	switch {
	case err == nil:
		switch m := fi.Mode(); {
		case m.IsDir():
			return output{}, &OutputError{Path: path, Msg: "is a directory; name a file"}
		case m.IsRegular():
			target, err := filepath.EvalSymlinks(path)
			if err != nil {
				return output{}, err
			}
			return output{target: target, mode: m.Perm()}, nil
		case m&fs.ModeCharDevice != 0, m&fs.ModeNamedPipe != 0:
			return output{target: path, inPlace: true}, nil
		case m&fs.ModeSocket != 0:
			return output{}, &OutputError{Path: path, Msg: "is a socket; name a file, a character device or a FIFO"}
		case m&fs.ModeDevice != 0:
			return output{}, &OutputError{Path: path, Msg: "is a block device; rmapbench does not write to one"}
		default:
			return output{}, &OutputError{Path: path, Msg: fmt.Sprintf("is not a regular file (%v)", m.Type())}
		}
	case errors.Is(err, fs.ErrNotExist):
		target, err := danglingTarget(path)
		if err != nil {
			return output{}, err
		}
		dir := filepath.Dir(target)
		di, err := os.Stat(dir)
		if err != nil {
			return output{}, &OutputError{Path: path, Msg: fmt.Sprintf("directory %s: %v", dir, errors.Unwrap(err))}
		}
		if !di.IsDir() {
			return output{}, &OutputError{Path: path, Msg: dir + " is not a directory"}
		}
		return output{target: target, mode: 0o644}, nil
	default:
		return output{}, &OutputError{Path: path, Msg: errors.Unwrap(err).Error()}
	}
}

// danglingTarget follows the symbolic links of a path that does not
// exist to the name the file will have.
func danglingTarget(path string) (string, error) {
	p := path
	for range maxSymlinks {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", &OutputError{Path: path, Msg: errors.Unwrap(err).Error()}
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
	return "", &OutputError{Path: path, Msg: "too many levels of symbolic links"}
}

// AtomicFile is an output file being written: it appears under its name
// only when committed, and nothing is left behind if it is aborted.
type AtomicFile struct {
	*os.File // the temporary file
	path     string
	out      output
	done     bool
}

// CreateAtomic starts writing path.
func CreateAtomic(path string) (*AtomicFile, error) {
	out, err := resolveOutput(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(out.target)
	if out.inPlace {
		dir = "" // the device's directory (/dev) is not ours to write
	}
	f, err := tempfiles.Create(dir, "."+filepath.Base(out.target)+".tmp*")
	if err != nil {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &OutputError{Path: path, Msg: "cannot write: " + err.Error()}
	}
	// CreateTemp makes the file private; an output file gets the mode of
	// the file it replaces, or 0644.
	if !out.inPlace {
		if err := f.Chmod(out.mode); err != nil {
			tempfiles.Remove(f)
			return nil, err
		}
	}
	return &AtomicFile{File: f, path: path, out: out}, nil
}

// Commit makes the file appear under its name: the temporary file is
// renamed over it, or, for a device or FIFO, copied into it.
func (a *AtomicFile) Commit() error {
	if a.done {
		return fmt.Errorf("%s: already committed or aborted", a.path)
	}
	a.done = true
	if a.out.inPlace {
		defer tempfiles.Remove(a.File)
		return a.copyInto()
	}
	tmp := a.File.Name()
	if err := a.File.Sync(); err != nil {
		tempfiles.Remove(a.File)
		return err
	}
	if err := a.File.Close(); err != nil {
		tempfiles.Remove(a.File)
		return err
	}
	if err := os.Rename(tmp, a.out.target); err != nil {
		tempfiles.Remove(a.File)
		return err
	}
	tempfiles.Done(tmp)
	return nil
}

// copyInto writes the temporary file's content into the device or FIFO.
func (a *AtomicFile) copyInto() error {
	if _, err := a.File.Seek(0, io.SeekStart); err != nil {
		return err
	}
	dst, err := os.OpenFile(a.out.target, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, a.File); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// Abort discards the file. It is safe to call after Commit (it does
// nothing then).
func (a *AtomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	tempfiles.Remove(a.File)
}
