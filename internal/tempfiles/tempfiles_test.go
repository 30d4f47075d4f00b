package tempfiles

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestLifecycle(t *testing.T) {
	dir := t.TempDir()
	kept, err := Create(dir, "kept*")
	if err != nil {
		t.Fatal(err)
	}
	final := filepath.Join(dir, "final")
	kept.Close()
	os.Rename(kept.Name(), final)
	Done(kept.Name())
	removed, _ := Create(dir, "removed*")
	Remove(removed)
	left, _ := Create(dir, "left*")
	if r := Registered(); !slices.Equal(r, []string{left.Name()}) {
		t.Fatalf("registered %v, want only %s", r, left.Name())
	}
	if names := RemoveAll(); !slices.Equal(names, []string{left.Name()}) {
		t.Fatalf("RemoveAll removed %v", names)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "final" {
		t.Fatalf("left in the directory: %v", entries)
	}
	if _, err := Create(dir, "late*"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Create after RemoveAll: %v", err)
	}
}
