// Package tempfiles creates the temporary files of rmapbench so that none
// outlives the command, however it ends.
//
// Every file Create makes is registered until its owner renames it into
// place (Done) or removes it (Remove). RemoveAll removes whatever is still
// registered, and makes later calls of Create fail: the command calls it
// when a signal stops it and it cannot wait for the code that owns the
// files to clean up after itself (cli, signals.go). Owners still clean up
// their own files on every path; RemoveAll is the backstop.
//
//	Create ──▶ registered ──▶ Done (renamed into place: no longer temporary)
//	                      └─▶ Remove (closed and deleted)
//	RemoveAll: delete every registered file; Create fails from then on
package tempfiles

import (
	"errors"
	"os"
	"sync"
)

// ErrClosed is returned by Create after RemoveAll.
var ErrClosed = errors.New("the command is stopping: no new temporary files")

var (
	mu     sync.Mutex
	files  = map[string]*os.File{}
	closed bool
)

// Create is os.CreateTemp, registering the file.
func Create(dir, pattern string) (*os.File, error) {
	mu.Lock()
	defer mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	files[f.Name()] = f
	return f, nil
}

// Done unregisters a file that its owner renamed into place (or removed
// itself).
func Done(name string) {
	mu.Lock()
	defer mu.Unlock()
	delete(files, name)
}

// Remove closes and deletes f and unregisters it.
func Remove(f *os.File) {
	mu.Lock()
	defer mu.Unlock()
	f.Close()
	os.Remove(f.Name())
	delete(files, f.Name())
}

// RemoveAll closes and deletes every registered file and refuses new
// ones. It returns the names it removed.
func RemoveAll() []string {
	mu.Lock()
	defer mu.Unlock()
	closed = true
	var names []string
	for name, f := range files {
		f.Close()
		os.Remove(name)
		names = append(names, name)
	}
	clear(files)
	return names
}

// Registered returns the names of the files registered now (for tests).
func Registered() []string {
	mu.Lock()
	defer mu.Unlock()
	var names []string
	for name := range files {
		names = append(names, name)
	}
	return names
}
