package cli

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// planFor plans a suite run with args.
func planFor(t *testing.T, args ...string) *suitePlan {
	t.Helper()
	fs, f := newSuiteFlagSet(&bytes.Buffer{})
	if _, err := parseFlags(fs, args); err != nil {
		t.Fatal(err)
	}
	p, err := planSuite(f, fs, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// planNames plans a suite run with args and returns its case names.
func planNames(t *testing.T, args ...string) []string {
	t.Helper()
	cs, err := planFor(t, args...).cases(nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	return names
}

func TestParamSweeps(t *testing.T) {
	got := planNames(t, "-strategy", "anonvma", "-workload", "sga", "-scale", "small", "-param", "procs=16,32")
	want := []string{"SGA/strategy=anonvma/procs=16/sga=8MiB", "SGA/strategy=anonvma/procs=32/sga=8MiB"}
	if !slices.Equal(got, want) {
		t.Errorf("procs=16,32: %q, want %q", got, want)
	}

	// Several knobs: the cross product, the first knob varying slowest.
	got = planNames(t, "-strategy", "anonvma", "-workload", "sga", "-scale", "small", "-param", "procs=16,32,sga=1MiB,2MiB")
	want = []string{
		"SGA/strategy=anonvma/procs=16/sga=1MiB", "SGA/strategy=anonvma/procs=16/sga=2MiB",
		"SGA/strategy=anonvma/procs=32/sga=1MiB", "SGA/strategy=anonvma/procs=32/sga=2MiB",
	}
	if !slices.Equal(got, want) {
		t.Errorf("cross product: %q, want %q", got, want)
	}

	// A knob one workload lacks sweeps the other and runs the first once.
	got = planNames(t, "-strategy", "anonvma", "-workload", "forkchain,sga", "-scale", "small", "-param", "procs=16,32")
	if len(got) != 3 || !strings.HasPrefix(got[0], "ForkChain/") {
		t.Errorf("forkchain,sga with procs=16,32: %q, want ForkChain once and SGA twice", got)
	}

	for _, bad := range []string{"16,32", "procs=16,procs=32", "procs=16,16", "procs=16,x", "nosuch=1", "procs="} {
		code, _, stderr := runCmd(t, "", "-workload", "sga", "-param", bad)
		if code != exitUsage || !strings.Contains(stderr, "-param") {
			t.Errorf("-param %s: exit %d, stderr %q", bad, code, stderr)
		}
	}
}

// A sweep in one command gives one results file with every point, which
// the plots read as one sweep.
func TestParamSweepRuns(t *testing.T) {
	code, out, stderr := runCmd(t, "", "-strategy", "ptechain,anonvma", "-workload", "sga", "-scale", "small", "-param", "procs=4,8")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, w := range []string{"strategy=ptechain/procs=4/", "strategy=ptechain/procs=8/", "strategy=anonvma/procs=4/", "strategy=anonvma/procs=8/"} {
		if !strings.Contains(out, w) {
			t.Errorf("no %s result:\n%s", w, out)
		}
	}
	if n := strings.Count(out, "\ngoos:") + strings.Count(out[:min(len(out), 6)], "goos:"); n != 1 {
		t.Errorf("%d headers, want one", n)
	}
}
