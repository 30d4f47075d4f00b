package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"rmapbench/internal/tempfiles"
)

// The hostile inputs of issue 16, each re-run as the issue describes: a
// clear message, the right exit status, no file left behind. (Peak memory
// was measured by hand with /usr/bin/time -v; see the commit messages.)

const hostile = "testdata/hostile/"

// noFilesIn fails if dir holds anything but keep.
func noFilesIn(t *testing.T, dir string, keep ...string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !contains(keep, e.Name()) {
			t.Errorf("%s was left in %s", e.Name(), dir)
		}
	}
	if r := tempfiles.Registered(); len(r) > 0 {
		t.Errorf("temporary files still registered: %v", r)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Case 2: traces that would need hundreds of GiB of page tables stop at
// once with exit status 1, the message starting with FILE:LINE.
func TestTracesPastTheBudget(t *testing.T) {
	for _, tc := range []struct{ trace, want string }{
		{"touch-128tib.trace", ":5: touching [0x0, +128 TiB) needs 256 GiB of page tables; the simulator's budget is 8 GiB (-max-sim-mem)\n"},
		{"remap-128tib.trace", ":4: remapping [0x0, +128 TiB) needs 256 GiB of page tables; the simulator's budget is 8 GiB (-max-sim-mem)\n"},
		{"write-touch-128tib.trace", ":4: touching [0x0, +128 TiB) needs 256 GiB of page tables"},
	} {
		dir := t.TempDir()
		out := filepath.Join(dir, "out.txt")
		code, stdout, stderr := runCmd(t, "", "-trace", hostile+tc.trace, "-o", out)
		if code != exitFailure || stdout != "" {
			t.Errorf("%s: exit %d, want 1 (a limit of the run, not bad input): %s", tc.trace, code, stderr)
		}
		if want := "rmapbench: " + hostile + tc.trace + tc.want; !strings.HasPrefix(stderr, want) {
			t.Errorf("%s: stderr %q, want %q", tc.trace, stderr, want)
		}
		noFilesIn(t, dir)
	}
	// The budget is -max-sim-mem; one below 64 MiB is refused.
	code, _, stderr := runCmd(t, "", "-trace", hostile+"touch-128tib.trace", "-max-sim-mem", "64MiB")
	if code != exitFailure || !strings.Contains(stderr, "the simulator's budget is 64 MiB") {
		t.Errorf("-max-sim-mem 64MiB: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "", "-max-sim-mem", "1MiB"); code != exitUsage || !strings.Contains(stderr, "-max-sim-mem 1MiB") {
		t.Errorf("-max-sim-mem 1MiB: exit %d, %s", code, stderr)
	}
}

// Case 3: an output path is checked before any work. A directory is
// exit 2 at once; a device or FIFO is written in place, a symbolic link
// followed; -plots must be a directory.
func TestOutputPaths(t *testing.T) {
	dir := t.TempDir()
	small := []string{"-workload", "mremap", "-strategy", "anonvma", "-scale", "small"}
	for _, args := range [][]string{
		{"-o", dir},
		{"-emit-trace", dir},
		{"-plots", filepath.Join(dir, "file.txt")},
		{"-plots", filepath.Join(dir, "file.txt", "sub")},
	} {
		os.WriteFile(filepath.Join(dir, "file.txt"), []byte("x"), 0o644)
		code, stdout, stderr := runCmd(t, "", append(args, small...)...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, args[0]+":") {
			t.Errorf("%q: exit %d, stdout %d bytes, stderr %q; want exit 2 before any work", args, code, len(stdout), stderr)
		}
	}
	for _, cmd := range [][]string{{"report", "-o", dir}, {"plot", "-o", filepath.Join(dir, "file.txt")}, {"import-strace", "-o", dir}} {
		code, _, stderr := runCmd(t, "", append(cmd, hostile+"no-y.log")...)
		if code != exitUsage || !strings.Contains(stderr, "-o:") {
			t.Errorf("%q: exit %d, %q", cmd, code, stderr)
		}
	}

	// A symlink to a results file: the target is replaced, the link stays.
	target := filepath.Join(dir, "target.txt")
	os.WriteFile(target, []byte("old"), 0o644)
	link := filepath.Join(dir, "link.txt")
	os.Symlink("target.txt", link)
	if code, _, stderr := runCmd(t, "", append([]string{"-o", link}, small...)...); code != 0 {
		t.Fatalf("-o link: exit %d: %s", code, stderr)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("-o replaced the symbolic link")
	}
	if b, _ := os.ReadFile(target); !strings.Contains(string(b), "BenchmarkMremapAfterFork/") {
		t.Errorf("the link's target holds %q", b)
	}

	// A FIFO receives the results and stays a FIFO.
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	reader := exec.Command("cat", fifo)
	var got bytes.Buffer
	reader.Stdout = &got
	if err := reader.Start(); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(t, "", append([]string{"-o", fifo}, small...)...); code != 0 {
		t.Fatalf("-o fifo: exit %d: %s", code, stderr)
	}
	if err := reader.Wait(); err != nil || !strings.Contains(got.String(), "BenchmarkMremapAfterFork/") {
		t.Errorf("cat of the FIFO: %v, read %q", err, got.String())
	}
	if fi, _ := os.Lstat(fifo); fi.Mode()&os.ModeNamedPipe == 0 {
		t.Error("-o replaced the FIFO")
	}
	if code, _, stderr := runCmd(t, "", append([]string{"-o", os.DevNull}, small...)...); code != 0 {
		t.Fatalf("-o %s: exit %d: %s", os.DevNull, code, stderr)
	}
	noFilesIn(t, dir, "file.txt", "target.txt", "link.txt", "fifo")
}

// Case 5: a file name longer than PATH_MAX is an error at its line.
func TestNameLongerThanPathMax(t *testing.T) {
	code, _, stderr := runCmd(t, "", "-trace", hostile+"long-name.trace", "-strategy", "anonvma")
	if want := "rmapbench: " + hostile + "long-name.trace:4: mmap: file NAME longer than 4096 bytes\n"; code != exitUsage || stderr != want {
		t.Errorf("exit %d, stderr %q; want 2, %q", code, stderr, want)
	}
}

// Case 7 and issue 15 item 12: what a trace does wrong is printed from
// its place, FILE:LINE first, not after a benchmark name; a truncated gzip
// says so.
func TestTraceErrorsStartWithTheirPlace(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "bad1.trace")
	os.WriteFile(tr, []byte("rmaptrace 1\n1 mmap 0x0 0x1000 rw- private anon\n1 touch 0x2000 0x1000 r\n"), 0o644)
	code, _, stderr := runCmd(t, "", "-trace", tr, "-strategy", "anonvma")
	if want := "rmapbench: " + tr + ":3: touch of 0x2000: no VMA of process 1 covers it\n"; code != exitUsage || stderr != want {
		t.Errorf("exit %d, stderr %q; want %q", code, stderr, want)
	}
	gz := filepath.Join(dir, "cut.trace.gz")
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte("rmaptrace 1\n" + strings.Repeat("1 exec\n", 20000)))
	zw.Close()
	os.WriteFile(gz, z.Bytes()[:z.Len()/2], 0o644)
	code, _, stderr = runCmd(t, "", "-trace", gz, "-strategy", "anonvma")
	if code != exitUsage || !strings.HasPrefix(stderr, "rmapbench: "+gz+":") || !strings.Contains(stderr, "truncated gzip data") {
		t.Errorf("truncated gzip: exit %d, stderr %q", code, stderr)
	}
}

// Issue 15 item 12: a log without -y imports, with a warning.
func TestImportWithoutFileNamesWarns(t *testing.T) {
	code, out, stderr := runCmd(t, "", "import-strace", hostile+"no-y.log")
	if code != 0 || !strings.Contains(out, "file file:2 0") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "rmapbench import-strace: warning: the log names no files (record it with strace -y)") {
		t.Errorf("stderr %q", stderr)
	}
}

// Case 7: values no result can have are errors at their line; -param
// sizes the budget cannot hold are refused before the run.
func TestImpossibleValuesAndSizes(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runCmd(t, "", "plot", "-o", dir, hostile+"inf.txt")
	if code != exitUsage || !strings.Contains(stderr, hostile+"inf.txt:4: SGA/strategy=anonvma/procs=16/sga=8MiB: ns/op +Inf is not a finite number") {
		t.Errorf("plot +Inf: exit %d, %q", code, stderr)
	}
	code, out, stderr := runCmd(t, "", "report", hostile+"negative.txt")
	if code != exitUsage || out != "" || !strings.Contains(stderr, hostile+"negative.txt:3: ") || !strings.Contains(stderr, "negative.txt:4: ") {
		t.Errorf("report of negative counters: exit %d, %q", code, stderr)
	}
	for _, p := range []string{"rss=1TiB", "running=1099511627776", "running=100000,rss=64MiB"} {
		code, out, stderr := runCmd(t, "", "-workload", "forkexit", "-param", p)
		if code != exitUsage || out != "" || !strings.Contains(stderr, "of simulator memory") || !strings.Contains(stderr, "(-max-sim-mem)") {
			t.Errorf("-param %s: exit %d, %q", p, code, stderr)
		}
	}
	noFilesIn(t, dir)
}

// Issue 15 item 2: among several results files, one without results is
// skipped with a warning.
func TestPlotAndReportSkipFilesWithoutResults(t *testing.T) {
	dir := t.TempDir()
	res := filepath.Join(dir, "r.txt")
	if code, _, stderr := runCmd(t, "", "-workload", "mremap", "-scale", "small", "-o", res); code != 0 {
		t.Fatal(stderr)
	}
	table := filepath.Join(dir, "benchstat.txt")
	os.WriteFile(table, []byte("goos: linux\n      │ pagescan │\nMremapAfterFork   12m ± 3%\n"), 0o644)
	for _, cmd := range [][]string{{"report", res, table}, {"plot", "-o", filepath.Join(dir, "plots"), table, res}} {
		code, _, stderr := runCmd(t, "", cmd...)
		if code != 0 || !strings.Contains(stderr, "warning: "+table+": no benchmark results in it; skipped") {
			t.Errorf("%s: exit %d, %q", cmd[0], code, stderr)
		}
	}
	if code, _, stderr := runCmd(t, "", "report", table); code != exitUsage || !strings.Contains(stderr, "no benchmark results") {
		t.Errorf("report of a table only: exit %d, %q", code, stderr)
	}
}

// Case 7: "interrupted; no results file written" only when a file was to
// be written. A cancelled context stands for the signal here; the binary
// test (signals_test.go) sends real ones.
func TestInterruptedCommands(t *testing.T) {
	dir := t.TempDir()
	res := filepath.Join(dir, "r.txt")
	if code, _, stderr := runCmd(t, "", "-workload", "mremap", "-scale", "small", "-o", res); code != 0 {
		t.Fatal(stderr)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&signalCause{syscall.SIGTERM})
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-workload", "mremap", "-scale", "small"}, "rmapbench: interrupted by SIGTERM\n"},
		{[]string{"-workload", "mremap", "-scale", "small", "-o", out}, "rmapbench: interrupted by SIGTERM; nothing written to " + out + "\n"},
		{[]string{"-trace", "-", "-o", out}, "rmapbench: interrupted by SIGTERM; nothing written to " + out + "\n"},
		{[]string{"report", "-o", out, res}, "rmapbench: interrupted by SIGTERM; nothing written to " + out + "\n"},
		{[]string{"plot", "-o", out, res}, "rmapbench: interrupted by SIGTERM; nothing written to " + out + "\n"},
		{[]string{"import-strace", "-o", out, hostile + "no-y.log"}, "rmapbench: interrupted by SIGTERM; nothing written to " + out + "\n"},
	} {
		var stdout, stderr strings.Builder
		code := Run(ctx, tc.args, strings.NewReader("rmaptrace 1\ncheck\n"), &stdout, &stderr)
		if code != 143 || stderr.String() != tc.want {
			t.Errorf("%q: exit %d, stderr %q; want 143, %q", tc.args, code, stderr.String(), tc.want)
		}
	}
	noFilesIn(t, dir, "r.txt")
	// A plain cancelled context is an interrupt too: 130.
	ctx, cancel2 := context.WithCancel(context.Background())
	cancel2()
	var stderr strings.Builder
	if code := Run(ctx, []string{"-workload", "mremap", "-scale", "small"}, nil, io.Discard, &stderr); code != 130 || stderr.String() != "rmapbench: interrupted\n" {
		t.Errorf("cancelled: exit %d, %q", code, stderr.String())
	}
}

// Case 6: report and plot are near-linear in the number of results. A
// file of 100,000 distinct names is reported, and one of 20,000 series
// plotted, in seconds; the quadratic code took minutes (the benchmarks
// of core/claims measure it).
func TestManyNames(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads 100,000 results")
	}
	dir := t.TempDir()
	many := filepath.Join(dir, "many.txt")
	var b strings.Builder
	b.WriteString("goos: linux\n\n")
	strats := []string{"pagescan", "ptechain", "filelinear", "anonmm", "anonvma", "anonvma-avc"}
	for i := range 100_000 {
		fmt.Fprintf(&b, "BenchmarkSGA/strategy=%s/procs=%d/sga=8MiB/x=%d 1 %d ns/op %d rmap-peak-B 10 mappings-peak\n", strats[i%6], i%7+1, i/6, 1000+i, 10*i)
	}
	os.WriteFile(many, []byte(b.String()), 0o644)
	if code, out, stderr := runCmd(t, "", "report", many); code != 0 || !strings.Contains(out, "| 2 |") {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "", "plot", "-o", filepath.Join(dir, "plots"), many); code != 0 {
		t.Fatalf("plot: exit %d: %s", code, stderr)
	}
}
