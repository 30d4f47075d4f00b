package cli

import (
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

// costUnits are the units of the cost model (docs/cost-model.md).
var costUnits = []string{"rmap-calls/", "rmap-steps/", "rmap-allocs/", "rmap-frees/", "page-touches/", "ptes/", "cache-misses/", "modelled-sec/"}

func isCostUnit(u string) bool {
	for _, p := range costUnits {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}

// costValues maps "name unit" to the value of every cost unit of a run.
func costValues(t *testing.T, out string) map[string]float64 {
	t.Helper()
	vs := map[string]float64{}
	for _, r := range readResults(t, "out", []byte(out)) {
		for _, v := range r.Values {
			if isCostUnit(v.Unit) {
				vs[string(r.Name)+" "+v.Unit] = v.Value
			}
		}
	}
	return vs
}

func runCost(t *testing.T, args ...string) map[string]float64 {
	t.Helper()
	code, out, stderr := runCmd(t, "", args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	return costValues(t, out)
}

func sameValues(t *testing.T, what string, a, b map[string]float64) {
	t.Helper()
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%s: %d values against %d", what, len(a), len(b))
	}
	for k, x := range a {
		if y, ok := b[k]; !ok || x != y {
			t.Errorf("%s: %s: %v against %v", what, k, x, y)
		}
	}
}

// Verification walks change no counter of the cost model and leave the
// cache model as it was: a verified run reports what a plain one does.
func TestVerifyChangesNoCostCounter(t *testing.T) {
	args := []string{"-strategy", "all", "-workload", "forkexit,reclaim,mremap,ksm,migrate", "-scale", "small", "-hw", "p3-2003"}
	plain := runCost(t, args...)
	verified := runCost(t, append(args, "-verify")...)
	sameValues(t, "-verify", plain, verified)
	for k := range plain {
		if strings.Contains(k, "modelled-sec/") {
			return
		}
	}
	t.Fatal("no modelled-sec under -hw p3-2003")
}

// The cache model is deterministic: two runs under each profile give
// the same cache-misses and modelled-sec.
func TestHWProfilesAreDeterministic(t *testing.T) {
	for _, hw := range []string{"p3-2003", "modern"} {
		args := []string{"-strategy", "ptechain,anonvma-avc", "-workload", "forkexit", "-scale", "small", "-hw", hw}
		a, b := runCost(t, args...), runCost(t, args...)
		sameValues(t, hw, a, b)
		if a["ForkExit/strategy=ptechain/hw="+hw+"/procs=24/rss=2MiB/running=4 cache-misses/fork"] == 0 {
			t.Errorf("%s: no cache misses at fork", hw)
		}
	}
}

// Every line carries the counters, with -hw off too, and -hw off adds
// no modelled unit.
func TestEveryLineCarriesTheCostCounters(t *testing.T) {
	code, out, stderr := runCmd(t, "", "-strategy", "all", "-workload", "pagefault,mmapchurn", "-scale", "small")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, r := range readResults(t, "out", []byte(out)) {
		for _, op := range []string{"fork", "exec", "exit", "fault", "munmap", "mremap", "walk", "ref-walk", "migrate"} {
			for _, p := range []string{"rmap-steps/", "rmap-allocs/", "rmap-frees/", "page-touches/", "ptes/"} {
				if _, ok := r.Value(p + op); !ok {
					t.Errorf("%s: no %s%s", r.Name, p, op)
				}
			}
		}
		if _, ok := r.Value("modelled-sec/fork"); ok {
			t.Errorf("%s: modelled-sec without -hw", r.Name)
		}
	}
}

// The bar: at the default rss, ptechain's fork does at least
// 100x the rmap steps of anonvma's (a chain entry per PTE copied against
// a list node per VMA).
func TestPtechainForkStepsDwarfAnonvma(t *testing.T) {
	if testing.Short() {
		t.Skip("default scale")
	}
	code, out, stderr := runCmd(t, "", "-strategy", "ptechain,anonvma", "-workload", "forkexit")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	steps := map[string]float64{}
	for _, r := range readResults(t, "out", []byte(out)) {
		st, _ := benchKey(r, "strategy")
		steps[st], _ = r.Value("rmap-steps/fork")
	}
	if steps["anonvma"] <= 0 || steps["ptechain"] < 100*steps["anonvma"] {
		t.Fatalf("rmap-steps/fork: ptechain %v, anonvma %v; want at least 100x", steps["ptechain"], steps["anonvma"])
	}
}

func benchKey(r *benchfmt.Result, key string) (string, bool) {
	_, parts := r.Name.Parts()
	for _, p := range parts {
		if k, v, ok := strings.Cut(strings.TrimPrefix(string(p), "/"), "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

func TestUnknownHWIsAUsageError(t *testing.T) {
	code, _, stderr := runCmd(t, "", "-workload", "forkexit", "-hw", "pentium4")
	if code != 2 || !strings.Contains(stderr, "p3-2003") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
