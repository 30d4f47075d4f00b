package cli

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
)

// broken wraps a strategy's rmapper so that its walks drop the first
// mapping they find, or invent one next to it.
type broken struct {
	core.Rmapper
	invent bool
}

func (b *broken) Walk(f core.FrameID, visit func(*core.VMA, uint64) bool) {
	first := true
	b.Rmapper.Walk(f, func(v *core.VMA, addr uint64) bool {
		if !first {
			return visit(v, addr)
		}
		first = false
		if b.invent {
			return visit(v, addr) && visit(v, addr+1<<30)
		}
		return true
	})
}

// PageReuse keeps the wrapped strategy's page_move_anon_rmap, if it has one.
func (b *broken) PageReuse(v *core.VMA, r core.MapRef) {
	if pr, ok := b.Rmapper.(core.PageReuser); ok {
		pr.PageReuse(v, r)
	}
}

// TestVerifyCatchesBrokenWalks: for every strategy, a walk that misses a
// mapping (rule 2) or reports one that does not exist (rule 1) makes a
// -verify run fail with exit status 1, naming the strategy and the frame,
// and write no results.
func TestVerifyCatchesBrokenWalks(t *testing.T) {
	defer func(old func(string) ([]core.Strategy, error)) { selectStrategies = old }(selectStrategies)
	for _, invent := range []bool{false, true} {
		selectStrategies = func(list string) ([]core.Strategy, error) {
			sts, err := strategies.Select(list)
			for i := range sts {
				newRM := sts[i].New
				sts[i].New = func(m *core.Machine) core.Rmapper { return &broken{Rmapper: newRM(m), invent: invent} }
			}
			return sts, err
		}
		rule := map[bool]string{false: "rule 2: the walk misses", true: "rule 1: the walk reports"}[invent]
		for _, st := range strategies.All() {
			var out, errb bytes.Buffer
			code := Run(context.Background(), []string{"-strategy", st.Name, "-workload", "forkexit", "-scale", "small", "-verify"}, strings.NewReader(""), &out, &errb)
			msg := errb.String()
			if code != exitFailure {
				t.Errorf("%s (invent %v): exit %d, want %d: %s", st.Name, invent, code, exitFailure, msg)
				continue
			}
			if !regexp.MustCompile(`verification failed for strategy ` + st.Name + `: frame [1-9][0-9]*: ` + rule).MatchString(msg) {
				t.Errorf("%s (invent %v): the message does not name the strategy, the frame and %q:\n%s", st.Name, invent, rule, msg)
			}
			if strings.Contains(msg, "all held") || strings.Contains(out.String(), "Benchmark") {
				t.Errorf("%s (invent %v): a failed run reports success or results:\n%s\n%s", st.Name, invent, msg, out.String())
			}
		}
	}
}

// TestVerifiedRunSaysSo: a verified run has `verify: on` in its header
// and ends with the summary line on stderr; a plain run has neither.
func TestVerifiedRunSaysSo(t *testing.T) {
	code, out, stderr := runCmd(t, "", "-strategy", "anonvma", "-workload", "reclaim", "-scale", "small", "-verify")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "\nverify: on\n") {
		t.Errorf("no verify: on in the header:\n%s", out)
	}
	re := regexp.MustCompile(`(?m)^rmapbench: verified: [1-9][0-9,]* events, [1-9][0-9,]* frame checks, [1-9][0-9,]* walks, [1-9][0-9,]* try_to_unmap results.*; all held$`)
	if !re.MatchString(stderr) {
		t.Errorf("no summary line on stderr:\n%s", stderr)
	}
	code, out, stderr = runCmd(t, "", "-strategy", "anonvma", "-workload", "reclaim", "-scale", "small")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(out, "verify:") || strings.Contains(stderr, "verified") {
		t.Errorf("a plain run claims verification:\n%s\n%s", out, stderr)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", 100000: "100,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestVerifyRealTrace: every strategy holds under -verify on a real trace
// of hundreds of processes sharing a large segment.
func TestVerifyRealTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("replays 313 processes under every strategy")
	}
	tr := importPgbench(t, t.TempDir())
	code, _, stderr := runCmd(t, "", "-trace", tr, "-strategy", "all", "-verify")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "; all held") {
		t.Fatalf("no summary line: %s", stderr)
	}
}
