package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/perf/benchfmt"

	"rmapbench/core/suite"
	"rmapbench/strategies"
)

func TestNormalizeArgs(t *testing.T) {
	fs, _ := newSuiteFlagSet(&bytes.Buffer{})
	for _, tc := range []struct{ in, want []string }{
		{[]string{"-strategy", "all"}, []string{"--strategy", "all"}},
		{[]string{"--strategy", "all"}, []string{"--strategy", "all"}},
		{[]string{"-strategy=all", "-verify"}, []string{"--strategy=all", "--verify"}},
		{[]string{"-o", "-x"}, []string{"--o", "-x"}},                              // a value starting with a dash stays
		{[]string{"-trace", "-", "-verify"}, []string{"--trace", "-", "--verify"}}, // stdin
		{[]string{"-seed", "-1"}, []string{"--seed", "-1"}},
		{[]string{"-verify", "-count", "6"}, []string{"--verify", "--count", "6"}},
		{[]string{"--nosuch", "x"}, []string{"--nosuch", "x"}}, // two dashes: left for pflag to reject
		{[]string{"-help"}, []string{"-help"}},
		{[]string{"-h"}, []string{"-h"}},
		{[]string{"--", "-strategy"}, []string{"--", "-strategy"}},
		{[]string{"-"}, []string{"-"}},
	} {
		if got, err := normalizeArgs(fs, tc.in); err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("normalizeArgs(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// A one-dash word that is no flag is an error naming it, never a cluster
// of one-letter flags: "-out" once wrote a file named "ut".
func TestOneDashWordsThatAreNoFlagAreErrors(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-out", "-scale", "small"}, "unknown flag -out (did you mean -o?)"},
		{[]string{"-output=res.txt"}, "unknown flag -output (did you mean -o?)"},
		{[]string{"-verfy"}, "unknown flag -verfy (did you mean -verify?)"},
		{[]string{"-nosuch"}, "unknown flag -nosuch"},
		{[]string{"plot", "-out", "x.txt"}, "unknown flag -out"},
		{[]string{"report", "-ox", "x.txt"}, "unknown flag -ox"},
		{[]string{"import-strace", "-touchh", "known", "x.log"}, "unknown flag -touchh (did you mean -touch?)"},
		{[]string{"list", "-x"}, "unknown flag -x"},
	} {
		code, out, stderr := runCmd(t, "", tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || out != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want exit 2 and %q", tc.args, code, stderr, out, tc.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("bad flags left files behind: %v", entries)
	}
}

// help, -h and version answer on the terminal with exit 0, and help names
// every command.
func TestHelpAndVersion(t *testing.T) {
	code, out, stderr := runCmd(t, "", "help")
	if code != 0 {
		t.Fatalf("help: exit %d: %s", code, stderr)
	}
	for _, c := range commands {
		if !strings.Contains(out, "rmapbench "+c.name) {
			t.Errorf("help does not list %q:\n%s", c.name, out)
		}
	}
	for _, w := range []string{"  -o string\n", "  -strategy string\n", "  -verify\n", "plot", "report", "import-strace"} {
		if !strings.Contains(out, w) {
			t.Errorf("help lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "--o") || strings.Contains(out, "-o, ") {
		t.Errorf("help shows -o as a shorthand pair:\n%s", out)
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"-help"}, {"list", "-h"}, {"plot", "-h"}, {"report", "--help"}, {"import-strace", "-h"}} {
		code, _, stderr := runCmd(t, "", args...)
		if code != 0 || !strings.Contains(stderr, "usage:") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
	for _, c := range []string{"list", "plot", "report", "import-strace", "version", "help"} {
		code, out, _ := runCmd(t, "", "help", c)
		if code != 0 || !strings.Contains(out, "usage: rmapbench "+c) {
			t.Errorf("help %s: exit %d, stdout %q", c, code, out)
		}
	}
	if code, _, stderr := runCmd(t, "", "help", "nosuch"); code != exitUsage || !strings.Contains(stderr, "nosuch") {
		t.Errorf("help nosuch: exit %d, stderr %q", code, stderr)
	}
	for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}} {
		code, out, _ := runCmd(t, "", args...)
		if code != 0 || !strings.HasPrefix(out, "rmapbench ") || !strings.Contains(out, "\ncommit: ") || !strings.Contains(out, "\ngo: go") {
			t.Errorf("%q: exit %d, stdout %q", args, code, out)
		}
	}
}

// list names the folio strategy and workloads.
func TestListShowsFolios(t *testing.T) {
	_, out, _ := runCmd(t, "", "list")
	for _, name := range []string{"anonvma-folio", "folio-fork", "folio-munmap", "-param folio=4KiB|8KiB"} {
		if !strings.Contains(out, name) {
			t.Errorf("list does not show %s", name)
		}
	}
}

// list fits a terminal: no line is wider than usageWidth.
func TestListFitsTheTerminal(t *testing.T) {
	_, out, _ := runCmd(t, "", "list")
	for _, l := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(l); n > usageWidth {
			t.Errorf("%d columns: %s", n, l)
		}
	}
}

func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUnknownNamesExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-strategy", "nosuch"}, []string{`"nosuch"`, "pagescan", "ptechain"}},
		{[]string{"--workload", "nosuch"}, []string{`"nosuch"`, "forkexit"}},
		{[]string{"-fileindex", "btree"}, []string{`"btree"`, "linear"}},
		{[]string{"-scale", "huge"}, []string{`"huge"`, "small"}},
		{[]string{"-arch", "sparc"}, []string{`"sparc"`, "i386"}},
		{[]string{"-mem", "lots"}, []string{"-mem"}},
		{[]string{"-count", "0"}, []string{"-count"}},
		{[]string{"-nonlinear", "linus"}, []string{`"linus"`, "hugh", "andrea"}},
		{[]string{"-avc-reuse=maybe"}, []string{"avc-reuse"}},
		{[]string{"-fork-copy", "some"}, []string{"-fork-copy", `"some"`, "all", "anon"}},
		{[]string{"-ksm-max-page-sharing", "1"}, []string{"-ksm-max-page-sharing", `"1"`, "at least 2"}},
		{[]string{"-ksm-max-page-sharing", "many"}, []string{"-ksm-max-page-sharing", `"many"`}},
		{[]string{"-folio", "48KiB"}, []string{"-folio", `"48KiB"`, "power of two from 4KiB to 2MiB"}},
		{[]string{"-folio", "4MiB"}, []string{"-folio", `"4MiB"`}},
		{[]string{"-folio", "big"}, []string{"-folio", `"big"`}},
		{[]string{"-nosuchflag"}, []string{"nosuchflag"}},
		{[]string{"extra"}, []string{`"extra"`}},
		{[]string{"list", "extra"}, []string{"list"}},
		{[]string{"-trace", "/nonexistent/t.trace"}, []string{"/nonexistent/t.trace"}},
		{[]string{"-workload", "mremap", "-scale", "small", "-o", "/nonexistent/dir/out.txt"}, []string{"/nonexistent/dir/out.txt"}},
		{[]string{"plot", "main_test.go"}, []string{"main_test.go", "no benchmark results"}},
		{[]string{"-param", "procs=0"}, []string{"procs=0"}},
	} {
		code, out, stderr := runCmd(t, "", tc.args...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want %d (stderr %q)", tc.args, code, exitUsage, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%q: stderr %q does not mention %s", tc.args, stderr, w)
			}
		}
		if out != "" {
			t.Errorf("%q: wrote %q to stdout", tc.args, out)
		}
	}
}

func TestList(t *testing.T) {
	code, out, _ := runCmd(t, "", "list")
	if code != 0 {
		t.Fatalf("list: exit %d", code)
	}
	for _, w := range []string{"pagescan", "ptechain", "linear", "forkexit"} {
		if !strings.Contains(out, w) {
			t.Errorf("list does not show %s:\n%s", w, out)
		}
	}
}

// readResults parses benchfmt output and returns the result names.
func readResults(t *testing.T, name string, data []byte) []*benchfmt.Result {
	t.Helper()
	r := benchfmt.NewReader(bytes.NewReader(data), name)
	var out []*benchfmt.Result
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.Result:
			out = append(out, rec.Clone())
		case *benchfmt.SyntaxError:
			t.Fatalf("%v", rec)
		}
	}
	return out
}

func TestSmallSuiteVerifiesAndBenchstatReadsIt(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "new.txt")
	code, stdout, stderr := runCmd(t, "", "--strategy", "all", "-workload", "forkexit", "-scale", "small", "-verify", "-count", "2", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "" {
		t.Fatalf("with -o, stdout got %q", stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	results := readResults(t, out, data)
	seen := map[string]int{}
	for _, r := range results {
		_, parts := r.Name.Parts()
		for _, p := range parts {
			if s, ok := strings.CutPrefix(string(p), "/strategy="); ok {
				seen[s]++
			}
		}
		for _, unit := range []string{"sec/op", "rmap-B", "rmap-peak-B", "rmap-obj-B", "rmap-obj-peak-B", "rmap-vma-B", "rmap-vma-peak-B", "rmap-page-B", "rmap-page-peak-B", "vmas/walk", "ptes/walk", "chain-steps/walk", "vma-objs", "vma-peak-objs", "mremap-copies", "sec/fork", "sec/exit", "sec/walk"} {
			if _, ok := r.Value(unit); !ok {
				t.Errorf("%s has no %s", r.Name, unit)
			}
		}
		obj, _ := r.Value("rmap-obj-B")
		vma, _ := r.Value("rmap-vma-B")
		page, _ := r.Value("rmap-page-B")
		if sum, _ := r.Value("rmap-B"); obj+vma+page != sum || vma == 0 || page == 0 && !strings.Contains(r.Name.String(), "strategy=pagescan/") {
			t.Errorf("%s: rmap-obj-B %v + rmap-vma-B %v + rmap-page-B %v, rmap-B %v: want a sum with VMA and page fields", r.Name, obj, vma, page, sum)
		}
		if r.GetConfig("scale") != "small" || r.GetConfig("commit") == "" {
			t.Errorf("%s: header missing scale or commit: %v", r.Name, r.Config)
		}
	}
	for _, st := range strategies.All() {
		if seen[st.Name] != 2 {
			t.Errorf("results by strategy = %v, want 2 of %s", seen, st.Name)
		}
	}
	for _, r := range results {
		for _, name := range suite.StructNames {
			if _, ok := r.Value(name + "-objs"); !ok {
				t.Errorf("%s has no %s-objs", r.Name, name)
			}
		}
		if strings.Contains(r.Name.String(), "strategy=ptechain/") {
			if v, _ := r.Value("pte_chain-peak-objs"); v == 0 {
				t.Errorf("%s: pte_chain-peak-objs is 0", r.Name)
			}
		}
	}

	// The real benchstat puts the strategies side by side.
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to run benchstat")
	}
	cmd := exec.Command("go", "tool", "benchstat", "-col", "/strategy", out)
	bs, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("benchstat: %v\n%s", err, bs)
	}
	for _, w := range []string{"pagescan", "ptechain", "anonvma", "vmas/walk", "ForkExit"} {
		if !strings.Contains(string(bs), w) {
			t.Errorf("benchstat output lacks %s:\n%s", w, bs)
		}
	}
}

func TestBadTraceNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "bad.trace")
	os.WriteFile(tr, []byte("rmaptrace 1\n# comment\n1 mmap 0x10000 0x1000 rw- private anon\n1 touch 0x20000 0x1000 r\n"), 0o644)
	out := filepath.Join(dir, "out.txt")
	code, _, stderr := runCmd(t, "", "-trace", tr, "-o", out)
	if code != exitUsage {
		t.Fatalf("exit %d, want 2: %s", code, stderr)
	}
	if !strings.Contains(stderr, tr+":4:") {
		t.Fatalf("stderr %q does not name %s:4:", stderr, tr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("a failed run left files behind: %v", entries)
	}

	os.WriteFile(tr, []byte("rmaptrace 1\n1 mmap 0x10000 0x1001 rw- private anon\n"), 0o644)
	code, _, stderr = runCmd(t, "", "-trace", tr)
	if code != exitUsage || !strings.Contains(stderr, tr+":2:") {
		t.Fatalf("syntax error: exit %d, stderr %q", code, stderr)
	}
}

func TestTraceFromStdinUnderEveryStrategy(t *testing.T) {
	tr := "rmaptrace 1\n1 mmap 0x10000 0x4000 rw- private anon\n1 touch 0x10000 0x4000 w\n1 fork 2\nreclaim 2\ncheck\n"
	code, out, stderr := runCmd(t, tr, "-trace", "-", "-verify")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := strings.Count(out, "BenchmarkTrace/strategy="); n != len(strategies.All()) {
		t.Fatalf("%d results, want one per strategy:\n%s", n, out)
	}
}

// The fork example of the README: a process reads 1,000 pages of a shared
// file and forks. Each strategy's era decides what fork copies; -fork-copy
// overrides it and becomes part of the name.
func TestForkCopyFlag(t *testing.T) {
	tr := "rmaptrace 1\n1 mmap 0x10000000 0x3e8000 rw- shared file data 0\n1 touch 0x10000000 0x3e8000 r\n1 fork 2\n"
	peak := func(args ...string) map[string]float64 {
		code, out, stderr := runCmd(t, tr, append([]string{"-trace", "-", "-strategy", "ptechain,anonvma-avc", "-verify"}, args...)...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, stderr)
		}
		got := map[string]float64{}
		for _, r := range readResults(t, "out", []byte(out)) {
			v, _ := r.Value("mappings-peak")
			got[strings.TrimSuffix(r.Name.String(), "/trace=stdin")] = v
		}
		return got
	}
	for args, want := range map[string]map[string]float64{
		"":                {"Trace/strategy=ptechain": 2000, "Trace/strategy=anonvma-avc": 1000},
		"-fork-copy=all":  {"Trace/strategy=ptechain/fork-copy=all": 2000, "Trace/strategy=anonvma-avc/fork-copy=all": 2000},
		"-fork-copy=anon": {"Trace/strategy=ptechain/fork-copy=anon": 1000, "Trace/strategy=anonvma-avc/fork-copy=anon": 1000},
	} {
		var extra []string
		if args != "" {
			extra = []string{args}
		}
		got := peak(extra...)
		if len(got) != len(want) {
			t.Errorf("%s: %v, want %v", args, got, want)
		}
		for name, w := range want {
			if got[name] != w {
				t.Errorf("%s: %s mappings-peak %v, want %v (all: %v)", args, name, got[name], w, got)
			}
		}
	}
}

// A KSM trace: four processes write one page of the same value; ksmd
// merges them into one KSM page, or, with -ksm-max-page-sharing 2, into a
// chain of two dups (and the setting becomes part of the name); reclaim
// takes one KSM page, walking its rmap_items.
func TestKSMMaxPageSharingFlag(t *testing.T) {
	var tr strings.Builder
	tr.WriteString("rmaptrace 1\n")
	for p := 1; p <= 4; p++ {
		fmt.Fprintf(&tr, "%d mmap 0x10000 0x1000 rw- private anon\n%d madvise 0x10000 0x1000 mergeable\n%d touch 0x10000 0x1000 w=7\n", p, p, p)
	}
	tr.WriteString("ksm 8\ncheck\nreclaim 1\ncheck\n")
	for args, want := range map[string]map[string]float64{
		"":                        {"stable_node-peak-objs": 1, "ksm-pages-shared": 0, "ksm-stable-node-dups": 0, "ptes/walk": 4},
		"-ksm-max-page-sharing=2": {"stable_node-peak-objs": 3, "ksm-pages-shared": 1, "ksm-stable-node-dups": 1, "ptes/walk": 2},
		"-ksm-max-page-sharing=0": {"stable_node-peak-objs": 1, "ksm-pages-shared": 0, "ksm-stable-node-dups": 0, "ptes/walk": 4},
	} {
		cmd := []string{"-trace", "-", "-strategy", "anonvma-avc", "-verify"}
		if args != "" {
			cmd = append(cmd, args)
		}
		code, out, stderr := runCmd(t, tr.String(), cmd...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, stderr)
		}
		rs := readResults(t, "out", []byte(out))
		if len(rs) != 1 || args != "" && !strings.Contains(rs[0].Name.String(), strings.TrimPrefix(args, "-")) {
			t.Fatalf("%q: results %v", args, rs)
		}
		for unit, w := range want {
			if v, _ := rs[0].Value(unit); v != w {
				t.Errorf("%q: %s %v, want %v", args, unit, v, w)
			}
		}
	}
}

func TestEmitTraceReplaysToTheSameCounters(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "forkexit.trace")
	code, gen, stderr := runCmd(t, "", "-workload", "forkexit", "-scale", "small", "-strategy", "ptechain", "-emit-trace", tr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, rep, stderr := runCmd(t, "", "-trace", tr, "-strategy", "ptechain")
	if code != 0 {
		t.Fatalf("replay: exit %d: %s", code, stderr)
	}
	a := readResults(t, "gen", []byte(gen))[0]
	b := readResults(t, "rep", []byte(rep))[0]
	for _, unit := range []string{"vmas/walk", "ptes/walk", "chain-steps/walk", "pte_chain-peak-objs", "rmap-peak-B", "walks"} {
		x, _ := a.Value(unit)
		y, _ := b.Value(unit)
		if x != y {
			t.Errorf("%s: generated %v, replayed %v", unit, x, y)
		}
	}
}

// Shards 1/n .. n/n together are the whole suite, each case exactly once.
func TestShardsPartitionTheSuite(t *testing.T) {
	args := []string{"-strategy", "all", "-workload", "all", "-fileindex", "all", "-scale", "small"}
	plan := func(extra ...string) []string { return planNames(t, append(slices.Clone(args), extra...)...) }
	whole := plan()
	if len(whole) < 100 {
		t.Fatalf("the suite has only %d cases", len(whole))
	}
	for _, n := range []int{1, 2, 3, 6, 7} {
		var union []string
		for i := 1; i <= n; i++ {
			part := plan("-shard", strconv.Itoa(i)+"/"+strconv.Itoa(n))
			if len(part) == 0 {
				t.Errorf("shard %d/%d is empty", i, n)
			}
			union = append(union, part...)
		}
		a, b := slices.Clone(whole), slices.Clone(union)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Errorf("shards of %d: %d cases, want the suite's %d, each once", n, len(union), len(whole))
		}
	}
	for _, bad := range []string{"0/3", "4/3", "1/0", "x", "1/2/3", "-1/2"} {
		if code, _, _ := runCmd(t, "", "-shard", bad); code != exitUsage {
			t.Errorf("-shard %s: exit %d, want 2", bad, code)
		}
	}
}

// Concatenated shard outputs hold the same results as the whole suite.
func TestShardOutputsConcatenate(t *testing.T) {
	args := []string{"-strategy", "ptechain,anonvma", "-workload", "forkchain,mremap", "-scale", "small", "-count", "2"}
	_, whole, _ := runCmd(t, "", args...)
	var joined string
	for i := 1; i <= 3; i++ {
		code, out, stderr := runCmd(t, "", append(slices.Clone(args), "-shard", strconv.Itoa(i)+"/3")...)
		if code != 0 {
			t.Fatal(stderr)
		}
		joined += out
	}
	key := func(data string) []string {
		var out []string
		for _, r := range readResults(t, "x", []byte(data)) {
			v, _ := r.Value("anon_vma-peak-objs")
			w, _ := r.Value("vmas/walk")
			out = append(out, fmt.Sprintf("%s %v %v", r.Name, v, w))
		}
		slices.Sort(out)
		return out
	}
	if a, b := key(whole), key(joined); !slices.Equal(a, b) {
		t.Fatalf("shards give\n%v\nthe whole suite\n%v", b, a)
	}
}

func TestImportStraceThenReplay(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "make.trace")
	code, _, stderr := runCmd(t, "", "import-strace", "-o", tr, "../workloads/strace/testdata/trace_make_y.txt.gz")
	if code != 0 {
		t.Fatalf("import-strace: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "68 execs") {
		t.Errorf("import-strace stats: %q", stderr)
	}
	code, out, stderr := runCmd(t, "", "-trace", tr, "-strategy", "ptechain,anonvma-avc", "-verify", "-nonlinear", "andrea")
	if code != 0 {
		t.Fatalf("replay: exit %d: %s", code, stderr)
	}
	if n := strings.Count(out, "BenchmarkTrace/"); n != 2 {
		t.Fatalf("%d results, want 2", n)
	}

	// A log with a bad line: exit 2 naming the file and line, no output file.
	bad := filepath.Join(dir, "bad.log")
	os.WriteFile(bad, []byte("100 1.0 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 1 var */) = 0\n100 1.1 mmap(NULL, 4096, PROT_READ\n"), 0o644)
	outFile := filepath.Join(dir, "bad.trace")
	code, _, stderr = runCmd(t, "", "import-strace", "-o", outFile, bad)
	if code != exitUsage || !strings.Contains(stderr, bad+":2:") {
		t.Fatalf("bad log: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(outFile); err == nil {
		t.Fatal("a failed import left its output file")
	}
}

func TestPlotAndReport(t *testing.T) {
	dir := t.TempDir()
	res := filepath.Join(dir, "r.txt")
	code, _, stderr := runCmd(t, "", "-workload", "mremap,forkchain", "-scale", "small", "-o", res, "-plots", filepath.Join(dir, "live"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "live", "summary.png")); err != nil {
		t.Fatalf("-plots drew no summary: %v", err)
	}
	code, out, stderr := runCmd(t, "", "plot", "-o", filepath.Join(dir, "plots"), res)
	if code != 0 || !strings.Contains(out, "avc-growth.svg") {
		t.Fatalf("plot: exit %d, out %q, stderr %q", code, out, stderr)
	}
	rep := filepath.Join(dir, "README.md")
	if code, _, stderr := runCmd(t, "", "report", "-o", rep, res); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(rep)
	for _, w := range []string{"| 5 |", "anonmm", "**yes**", "**no data**", "plots/avc-growth.png"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("report lacks %q:\n%s", w, b)
		}
	}
	// A report written by hand where no plots were drawn: it says who
	// wrote it, describes the run from the results, and links no chart.
	code, out, stderr = runCmd(t, "", "report", res)
	if code != 0 {
		t.Fatalf("report to stdout: exit %d: %s", code, stderr)
	}
	rs := readResults(t, res, mustRead(t, res))
	for _, w := range []string{"Written by `rmapbench report " + res + "`", "- Commit: " + rs[0].GetConfig("commit"), "- Scale: small", "- CPU: ", "forkexit-time (not drawn)"} {
		if !strings.Contains(out, w) {
			t.Errorf("hand-made report lacks %q:\n%s", w, out)
		}
	}
	for _, w := range []string{"reproduce.sh", "](plots/", "Kernel:"} {
		if strings.Contains(out, w) {
			t.Errorf("hand-made report has %q:\n%s", w, out)
		}
	}
	if code, _, _ := runCmd(t, "", "report", filepath.Join(dir, "missing.txt")); code != exitUsage {
		t.Errorf("report of a missing file: exit %d, want 2", code)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
