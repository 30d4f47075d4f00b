package results

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	text := "goos: linux\n\nBenchmarkForkExit/strategy=ptechain 1 2000 ns/op\nBenchmarkForkExit/strategy=ptechain 1 abc ns/op\n"
	if err := os.WriteFile(bad, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(bad)
	if err == nil || !strings.Contains(err.Error(), bad+":4:") {
		t.Fatalf("Load(bad) error = %v, want one naming %s:4:", err, bad)
	}
	if _, err := Load(filepath.Join(dir, "missing.txt")); err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
	if _, err := Load(); err == nil {
		t.Fatal("Load() with no paths succeeded")
	}
}

func TestParseNumber(t *testing.T) {
	for in, want := range map[string]float64{"16MiB": 16 << 20, "512KiB": 512 << 10, "1GiB": 1 << 30, "2G": 2 << 30, "4096B": 4096, "24": 24, "1.5": 1.5} {
		if got, err := ParseNumber(in); err != nil || got != want {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "x", "NaN"} {
		if _, err := ParseNumber(in); err == nil {
			t.Errorf("ParseNumber(%q) succeeded", in)
		}
	}
}
