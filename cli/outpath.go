package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"rmapbench/core/report"
	"rmapbench/internal/tempfiles"
)

// Output paths are checked before any work, so that a run never ends in
// "cannot write" after the work is done: -o, -emit-trace (files) and
// -plots (a directory). A bad one is bad usage, exit status 2. What a file
// path may name, and how it is written, is core/report's AtomicFile's
// rule: a new or regular file is replaced atomically, a symbolic link is
// followed, a character device or FIFO is written in place, and a
// directory, socket or block device is refused.

// checkOutputFile checks the output file of flag ("" is none).
func checkOutputFile(flag, path string) error {
	if path == "" {
		return nil
	}
	if err := report.CheckOutput(path); err != nil {
		return &usageError{flag + ": " + err.Error()}
	}
	return nil
}

// checkOutputDir checks the output directory of flag ("" is none): an
// existing directory we can write in, or a path whose nearest existing
// ancestor is one (the directory is created when the first chart is
// written).
func checkOutputDir(flag, dir string) error {
	if dir == "" {
		return nil
	}
	p := dir
	for {
		fi, err := os.Stat(p)
		if err == nil {
			if !fi.IsDir() {
				if p == dir {
					return &usageError{flag + ": " + dir + " is not a directory"}
				}
				return &usageError{flag + ": " + dir + ": " + p + " is not a directory"}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return &usageError{flag + ": " + err.Error()}
		}
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		p = parent
	}
	// Can we write there? Try.
	f, err := tempfiles.Create(p, ".rmapbench-check*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &usageError{flag + ": cannot write in " + p + ": " + err.Error()}
	}
	tempfiles.Remove(f)
	return nil
}

// checkSuiteOutputs checks the outputs of a suite run.
func checkSuiteOutputs(f *suiteFlags) error {
	if err := checkOutputFile("-o", f.out); err != nil {
		return err
	}
	if err := checkOutputFile("-emit-trace", f.emitTrace); err != nil {
		return err
	}
	return checkOutputDir("-plots", f.plots)
}
