package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rmapbench/strategies"
)

// TestImportPerfThenReplay: a checked-in perf recording becomes a trace
// that replays under every strategy with -verify; the summary says how
// many faults became touches.
func TestImportPerfThenReplay(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "forkwrite.trace")
	code, _, stderr := runCmd(t, "", "import-perf", "-o", tr, "../workloads/perf/testdata/forkwrite.txt.gz")
	if code != 0 {
		t.Fatalf("import-perf: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "403 page faults: 401 became touches") {
		t.Errorf("import-perf summary: %q", stderr)
	}
	code, out, stderr := runCmd(t, "", "-trace", tr, "-strategy", "all", "-verify")
	if code != 0 {
		t.Fatalf("replay: exit %d: %s", code, stderr)
	}
	if n, want := strings.Count(out, "BenchmarkTrace/"), len(strategies.All()); n != want {
		t.Fatalf("%d results, want %d", n, want)
	}

	// A truncated text: exit 2 naming the file and line, no output file.
	bad := filepath.Join(dir, "cut.txt")
	os.WriteFile(bad, []byte("sh 1 [000] 1.000001: sched:sched_process_exec: filename=/bin/sh pid=1 old_pid=1\nsh 1 [000] 1.000002: exceptions:page_fa"), 0o644)
	outFile := filepath.Join(dir, "cut.trace")
	code, _, stderr = runCmd(t, "", "import-perf", "-o", outFile, bad)
	if code != exitUsage || !strings.Contains(stderr, bad+":2:") || !strings.Contains(stderr, "truncated") {
		t.Fatalf("truncated text: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(outFile); err == nil {
		t.Fatal("a failed import left its output file")
	}
	if code, _, _ := runCmd(t, "", "import-perf"); code != exitUsage {
		t.Errorf("import-perf without a file: exit %d, want 2", code)
	}
	if code, _, _ := runCmd(t, "", "import-perf", filepath.Join(dir, "missing.txt")); code != exitUsage {
		t.Errorf("import-perf of a missing file: exit %d, want 2", code)
	}
}
