package results

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeResults(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A value that is not finite, or a negative time, size or count, is an
// error at its line; a negative value of a unit rmapbench does not know
// is not.
func TestReadRejectsImpossibleValues(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"BenchmarkSGA/strategy=ptechain 1 +Inf ns/op", "t:3: SGA/strategy=ptechain: ns/op +Inf is not a finite number"},
		{"BenchmarkSGA/strategy=ptechain 1 100 ns/op NaN rmap-peak-B", "t:3: SGA/strategy=ptechain: rmap-peak-B NaN is not a finite number"},
		{"BenchmarkSGA/strategy=ptechain 1 100 ns/op -5 rmap-peak-B", "t:3: SGA/strategy=ptechain: rmap-peak-B -5 is negative, which a size cannot be"},
		{"BenchmarkSGA/strategy=ptechain 1 100 ns/op -2 vmas/walk", "which a count cannot be"},
		{"BenchmarkSGA/strategy=ptechain 1 100 ns/op -1 anon_vma-objs", "which a count cannot be"},
		{"BenchmarkSGA/strategy=ptechain 1 -100 ns/op", "which a time cannot be"},
		{"BenchmarkSGA/strategy=ptechain 1 100 ns/op -3e-6 sec/fork", "which a time cannot be"},
		{"BenchmarkSGA/strategy=ptechain 1 100 ns/op -1 mremap-copies", "which a count cannot be"},
	} {
		_, err := Read(strings.NewReader("goos: linux\n\n"+tc.line+"\n"), "t")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.line, err, tc.want)
		}
	}
	rs, err := Read(strings.NewReader("BenchmarkX 1 -5 delta/op\n"), "t")
	if err != nil || len(rs) != 1 {
		t.Errorf("an unknown unit's negative value: %v", err)
	}
}

// Among several files, one without results (benchstat's output) is
// skipped with a warning; without results anywhere, it is an error.
func TestLoadSkipsFilesWithoutResults(t *testing.T) {
	dir := t.TempDir()
	good := writeResults(t, dir, "suite.txt", "goos: linux\n\nBenchmarkSGA/strategy=ptechain 1 100 ns/op\n")
	table := writeResults(t, dir, "benchstat.txt", "goos: linux\n      │ pagescan │\nSGA   122m ± 3%\n")
	var warnings []string
	rs, err := LoadContext(context.Background(), func(w string) { warnings = append(warnings, w) }, good, table)
	if err != nil || len(rs) != 1 {
		t.Fatalf("Load(good, table) = %d results, %v", len(rs), err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], table) || !strings.Contains(warnings[0], "skipped") {
		t.Errorf("warnings %q", warnings)
	}
	if _, err := Load(table, table); !errors.Is(err, ErrNoResults) {
		t.Errorf("Load of files without results: %v", err)
	}
	bad := writeResults(t, dir, "bad.txt", "BenchmarkSGA 1 NaN ns/op\n")
	if _, err := Load(good, bad); err == nil || !strings.Contains(err.Error(), bad+":1:") {
		t.Errorf("a bad file among good ones: %v", err)
	}
}

func TestLoadStopsWhenCancelled(t *testing.T) {
	dir := t.TempDir()
	good := writeResults(t, dir, "suite.txt", "BenchmarkSGA/strategy=ptechain 1 100 ns/op\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LoadContext(ctx, nil, good); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

// Reading is linear in the number of results: 100,000 distinct names.
func BenchmarkRead100000Names(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("goos: linux\narch: x86_64\n\n")
	for i := range 100_000 {
		fmt.Fprintf(&sb, "BenchmarkSGA/strategy=ptechain/procs=%d/sga=8MiB 1 %d ns/op %d rmap-peak-B 4 vmas/walk\n", i, 1000+i, 10*i)
	}
	text := sb.String()
	for b.Loop() {
		rs, err := Read(strings.NewReader(text), "many.txt")
		if err != nil || len(rs) != 100_000 {
			b.Fatal(err)
		}
		Parse(rs)
	}
}
