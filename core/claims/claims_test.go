package claims

import (
	"strings"
	"testing"

	"rmapbench/core/results"
)

// runsOf parses hand-written benchfmt lines.
func runsOf(t *testing.T, text string) []results.Run {
	t.Helper()
	rs, err := results.Read(strings.NewReader(text), "t")
	if err != nil {
		t.Fatal(err)
	}
	return results.Parse(rs)
}

func byText(cs []Claim, substr string) Claim {
	for _, c := range cs {
		if strings.Contains(c.Text, substr) {
			return c
		}
	}
	return Claim{}
}

func TestVerdicts(t *testing.T) {
	const text = `arch: x86_64

BenchmarkForkExit/strategy=ptechain/procs=8/rss=4MiB 1 1 ns/op 50e-6 sec/fork 10e-6 sec/exec 40e-6 sec/exit
BenchmarkForkExit/strategy=anonvma/procs=8/rss=4MiB 1 1 ns/op 10e-6 sec/fork 5e-6 sec/exec 5e-6 sec/exit
BenchmarkForkExit/strategy=ptechain/procs=8/rss=1MiB 1 1 ns/op 1 sec/fork 1 sec/exec 1 sec/exit
BenchmarkMremapAfterFork/strategy=anonmm/procs=4 1 1 ns/op 12 mremap-copies
BenchmarkMremapAfterFork/strategy=anonvma/procs=4 1 1 ns/op 0 mremap-copies
BenchmarkForkChain/strategy=anonvma-avc/depth=10/vmas=4 1 1 ns/op 12 anon_vma-objs 4 vma-objs
BenchmarkForkChain/strategy=anonvma-avc/depth=20/vmas=4 1 1 ns/op 12 anon_vma-objs 4 vma-objs
BenchmarkForkChain/strategy=anonvma-avc/avc-reuse=false/depth=10/vmas=4 1 1 ns/op 44 anon_vma-objs 8 vma-objs
BenchmarkForkChain/strategy=anonvma-avc/avc-reuse=false/depth=20/vmas=4 1 1 ns/op 84 anon_vma-objs 8 vma-objs
`
	cs := Check(runsOf(t, text))
	if len(cs) != len(checks) {
		t.Fatalf("%d claims", len(cs))
	}
	// 100 µs against 20 µs at the largest rss: 5x, reproduced.
	if c := byText(cs, "order of magnitude"); c.Verdict != Reproduced || !strings.Contains(c.Measured, "5.00x") {
		t.Errorf("fork/exit: %+v", c)
	}
	if c := byText(cs, "anonmm must copy"); c.Verdict != Reproduced {
		t.Errorf("anonmm: %+v", c)
	}
	// 12 anon_vmas for 4 live VMAs is over 2 per VMA: the bound fails.
	if c := byText(cs, "degree reuse"); c.Verdict != NotReproduced {
		t.Errorf("degree: %+v", c)
	}
	if c := byText(cs, "linear i_mmap"); c.Verdict != NoData {
		t.Errorf("linear walk without data: %+v", c)
	}
}

func TestNotReproducedWhenTheNumbersSayNo(t *testing.T) {
	const text = `BenchmarkForkExit/strategy=ptechain/rss=4MiB 1 1 ns/op 2e-6 sec/fork 1e-6 sec/exec 2e-6 sec/exit
BenchmarkForkExit/strategy=anonvma/rss=4MiB 1 1 ns/op 1e-6 sec/fork 1e-6 sec/exec 1e-6 sec/exit
BenchmarkMremapAfterFork/strategy=anonmm/procs=4 1 1 ns/op 0 mremap-copies
BenchmarkManyMapped/strategy=anonvma/fileindex=linear/procs=16/windows=4 1 1 ns/op 10 vmas/walk
BenchmarkManyMapped/strategy=anonvma/fileindex=linear/procs=64/windows=4 1 1 ns/op 40 vmas/walk
BenchmarkManyMapped/strategy=anonvma/fileindex=prio/procs=16/windows=4 1 1 ns/op 1 vmas/walk
BenchmarkManyMapped/strategy=anonvma/fileindex=prio/procs=64/windows=4 1 1 ns/op 1 vmas/walk
BenchmarkManyMapped/strategy=anonvma/fileindex=interval/procs=16/windows=4 1 1 ns/op 1 vmas/walk
BenchmarkManyMapped/strategy=anonvma/fileindex=interval/procs=64/windows=4 1 1 ns/op 3 vmas/walk
`
	cs := Check(runsOf(t, text))
	if c := byText(cs, "order of magnitude"); c.Verdict != NotReproduced {
		t.Errorf("fork/exit 1.67x: %+v", c)
	}
	if c := byText(cs, "anonmm must copy"); c.Verdict != NotReproduced {
		t.Errorf("anonmm without copies: %+v", c)
	}
	// VMAs x4, interval x3: more than a tenth as fast, the trees did not stay flat.
	if c := byText(cs, "linear i_mmap"); c.Verdict != NotReproduced || !strings.Contains(c.Measured, "linear vmas/walk x4.0") {
		t.Errorf("linear walk: %+v", c)
	}
}
