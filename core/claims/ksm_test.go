package claims

import (
	"strings"
	"testing"
)

// The numbers of a sweep as the ksm workload gives them: bounded at 256
// with the limit, the sharing itself without.
func TestKSMBoundedReproduced(t *testing.T) {
	const text = `BenchmarkKSM/strategy=anonvma-avc/sharing=128/pages=32/rounds=2 1 1 ns/op 128 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/sharing=512/pages=32/rounds=2 1 1 ns/op 256 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/sharing=1024/pages=32/rounds=2 1 1 ns/op 256 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/ksm-max-page-sharing=0/sharing=128/pages=32/rounds=2 1 1 ns/op 128 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/ksm-max-page-sharing=0/sharing=1024/pages=32/rounds=2 1 1 ns/op 1024 ptes/walk
BenchmarkKSM/strategy=ptechain/ksm-max-page-sharing=0/sharing=1024/pages=32/rounds=2 1 1 ns/op 1 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/ksm-max-page-sharing=64/sharing=1024/pages=32/rounds=2 1 1 ns/op 9999 ptes/walk
`
	c := byText(Check(runsOf(t, text)), "max_page_sharing")
	if c.Verdict != Reproduced || !strings.Contains(c.Measured, "at most 256 PTEs per walk") || !strings.Contains(c.Measured, "x8.0") {
		t.Fatalf("%+v", c)
	}
}

// A sweep that never passes the limit shows nothing about it.
func TestKSMBoundedNeedsSharingPastTheLimit(t *testing.T) {
	const text = `BenchmarkKSM/strategy=anonvma-avc/sharing=64/pages=32 1 1 ns/op 64 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/sharing=256/pages=32 1 1 ns/op 256 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/ksm-max-page-sharing=0/sharing=64/pages=32 1 1 ns/op 64 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/ksm-max-page-sharing=0/sharing=256/pages=32 1 1 ns/op 256 ptes/walk
`
	if c := byText(Check(runsOf(t, text)), "max_page_sharing"); c.Verdict != NoData {
		t.Fatalf("%+v", c)
	}
}
