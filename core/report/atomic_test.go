package report

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"rmapbench/internal/tempfiles"
)

func writeCommit(t *testing.T, path, text string) error {
	t.Helper()
	a, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	a.WriteString(text)
	return a.Commit()
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func noTemporaries(t *testing.T, dirs ...string) {
	t.Helper()
	if r := tempfiles.Registered(); len(r) != 0 {
		t.Errorf("temporary files still registered: %v", r)
	}
	for _, dir := range dirs {
		matches, _ := filepath.Glob(filepath.Join(dir, ".*.tmp*"))
		if len(matches) > 0 {
			t.Errorf("temporary files left: %v", matches)
		}
	}
}

// A symbolic link is followed: its target is written, the link stays.
func TestAtomicFileFollowsSymlinks(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	target := filepath.Join(sub, "real.txt")
	os.WriteFile(target, []byte("old"), 0o600)
	link := filepath.Join(dir, "link.txt")
	os.Symlink("sub/real.txt", link)
	if err := writeCommit(t, link, "new"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if got := readString(t, target); got != "new" {
		t.Fatalf("target holds %q", got)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o600 {
		t.Errorf("target's mode became %v, want the old 0600", fi.Mode().Perm())
	}

	// A dangling link (through a second link) creates its target.
	newTarget := filepath.Join(sub, "new.txt")
	os.Symlink("sub/new.txt", filepath.Join(dir, "dangling"))
	os.Symlink("dangling", filepath.Join(dir, "chain"))
	if err := writeCommit(t, filepath.Join(dir, "chain"), "created"); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, newTarget); got != "created" {
		t.Fatalf("new target holds %q", got)
	}
	if fi, _ := os.Lstat(filepath.Join(dir, "chain")); fi.Mode()&fs.ModeSymlink == 0 {
		t.Error("the chain link was replaced")
	}
	noTemporaries(t, dir, sub)
}

func TestAtomicFileRefuses(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	loop := filepath.Join(dir, "loop")
	os.Symlink("loop", loop)
	for _, path := range []string{dir, sock, filepath.Join(dir, "nodir", "x.txt"), loop} {
		err := CheckOutput(path)
		var oe *OutputError
		if !errors.As(err, &oe) {
			t.Errorf("CheckOutput(%s) = %v, want an *OutputError", path, err)
		}
		if _, err := CreateAtomic(path); !errors.As(err, &oe) {
			t.Errorf("CreateAtomic(%s) = %v, want an *OutputError", path, err)
		}
	}
	if fi, err := os.Lstat(sock); err != nil || fi.Mode()&fs.ModeSocket == 0 {
		t.Errorf("the socket was replaced")
	}
	noTemporaries(t, dir)
}

// A FIFO or a character device is written into at Commit, never replaced,
// and receives nothing if the file is aborted.
func TestAtomicFileWritesDevicesInPlace(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	got := make(chan string)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	a, err := CreateAtomic(fifo)
	if err != nil {
		t.Fatal(err)
	}
	a.WriteString("through the fifo")
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the fifo" {
		t.Fatalf("the reader got %q", s)
	}
	if fi, _ := os.Lstat(fifo); fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatal("the FIFO was replaced")
	}
	if err := writeCommit(t, os.DevNull, "discarded"); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(os.DevNull); fi.Mode()&fs.ModeCharDevice == 0 {
		t.Fatal(os.DevNull, "is no longer a character device")
	}
	a, err = CreateAtomic(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	a.Abort()
	noTemporaries(t, dir)
}
