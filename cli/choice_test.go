package cli

import (
	"strings"
	"testing"
)

// TestChoiceParam: a choice knob takes one of its names, which the
// benchmark name shows; another name is bad usage.
func TestChoiceParam(t *testing.T) {
	code, out, stderr := runCmd(t, "", "-workload", "latproc", "-strategy", "anonvma", "-scale", "small", "-param", "mode=shell,iterations=2")
	if code != 0 || !strings.Contains(out, "BenchmarkLatProc/strategy=anonvma/mode=shell/procs=1/iterations=2/") {
		t.Fatalf("exit %d, out %q, stderr %q", code, out, stderr)
	}
	code, _, stderr = runCmd(t, "", "-workload", "latproc", "-param", "mode=vfork")
	if code != exitUsage || !strings.Contains(stderr, "fork, exec, shell") {
		t.Fatalf("mode=vfork: exit %d, stderr %q", code, stderr)
	}
}
