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
BenchmarkMremapAfterFork/strategy=anonmm/procs=4/rss=64KiB 1 1 ns/op 16 mremap-copies
BenchmarkMremapAfterFork/strategy=anonvma/procs=4/rss=64KiB 1 1 ns/op 0 mremap-copies
BenchmarkSGA/strategy=ptechain/procs=100/sga=64MiB 1 1 ns/op 15000000 rmap-peak-B 1638400 mappings-peak
BenchmarkSGA/strategy=anonvma/procs=100/sga=64MiB 1 1 ns/op 100000 rmap-peak-B 1638400 mappings-peak
BenchmarkSGA/strategy=anonvma-avc/procs=100/sga=64MiB 1 1 ns/op 150000 rmap-peak-B 1638400 mappings-peak
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
	// 9.16 B per mapping for the chains; 0.09 B at most for the others.
	if c := byText(cs, "a pointer or two"); c.Verdict != Reproduced || !strings.Contains(c.Measured, "anonvma-avc") {
		t.Errorf("space: %+v", c)
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
BenchmarkMremapAfterFork/strategy=anonmm/procs=4/rss=64KiB 1 1 ns/op 15 mremap-copies
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

// sayNo holds, for every claim, results that must make it say no: a claim
// that cannot fail is not a check.
var sayNo = []struct {
	// claim is a part of the claim's text; for a claim judged on several
	// measures, "@measure" names the one that must say no.
	claim string
	why   string
	text  string
}{
	{"order of magnitude@p3-2003", "under p3-2003 ptechain's modelled fork+exec+exit is 4x anonvma's, not 5x",
		`BenchmarkForkExit/strategy=ptechain/hw=p3-2003/procs=8/rss=4MiB 1 1 ns/op 40e-6 modelled-sec/fork 20e-6 modelled-sec/exec 20e-6 modelled-sec/exit
BenchmarkForkExit/strategy=anonvma/hw=p3-2003/procs=8/rss=4MiB 1 1 ns/op 10e-6 modelled-sec/fork 5e-6 modelled-sec/exec 5e-6 modelled-sec/exit
`},
	{"order of magnitude@modern", "under modern ptechain's modelled fork+exec+exit is 1.5x anonvma's",
		`BenchmarkForkExit/strategy=ptechain/hw=modern/procs=8/rss=4MiB 1 1 ns/op 15e-6 modelled-sec/fork 10e-6 modelled-sec/exec 5e-6 modelled-sec/exit
BenchmarkForkExit/strategy=anonvma/hw=modern/procs=8/rss=4MiB 1 1 ns/op 10e-6 modelled-sec/fork 5e-6 modelled-sec/exec 5e-6 modelled-sec/exit
`},
	{"hot set resident", "lru refaults a third of random's, not a quarter",
		`BenchmarkReclaim/strategy=ptechain/aging=lru/procs=8 1 1 ns/op 30 refaults
BenchmarkReclaim/strategy=ptechain/aging=random/procs=8 1 1 ns/op 90 refaults
`},
	{"multi-gen LRU spends less", "mglru's rmap steps per page reclaimed are 0.8 of lru's",
		`BenchmarkReclaim/strategy=ptechain/aging=lru/procs=8 1 1 ns/op 100 walks 2 vmas/walk 2 ptes/walk 1 chain-steps/walk 50 pages-reclaimed
BenchmarkReclaim/strategy=ptechain/aging=mglru/procs=8 1 1 ns/op 80 walks 2 vmas/walk 2 ptes/walk 1 chain-steps/walk 50 pages-reclaimed
`},
	{"COWed, mapped once", "the AVC's page_referenced of a COWed page costs half of anonvma's",
		`BenchmarkPrefork/strategy=anonvma/workers=8 1 1 ns/op 8 vmas/ref-walk-1map
BenchmarkPrefork/strategy=anonvma-avc/workers=8 1 1 ns/op 4 vmas/ref-walk-1map
`},
	{"order of magnitude", "the chains' fork+exec+exit is 4x, not 5x",
		`BenchmarkForkExit/strategy=ptechain/rss=4MiB 1 1 ns/op 4e-6 sec/fork 2e-6 sec/exec 2e-6 sec/exit
BenchmarkForkExit/strategy=anonvma/rss=4MiB 1 1 ns/op 1e-6 sec/fork 0.5e-6 sec/exec 0.5e-6 sec/exit
`},
	{"a pointer or two", "an object-based strategy pays more than 1/8 of the chains per mapping",
		`BenchmarkSGA/strategy=ptechain/procs=100/sga=64MiB 1 1 ns/op 15000000 rmap-peak-B 1638400 mappings-peak
BenchmarkSGA/strategy=anonvma/procs=100/sga=64MiB 1 1 ns/op 100000 rmap-peak-B 1638400 mappings-peak
BenchmarkSGA/strategy=anonmm/procs=100/sga=64MiB 1 1 ns/op 2000000 rmap-peak-B 1638400 mappings-peak
`},
	{"a pointer or two", "the chains cost more than two pointers per mapping",
		`BenchmarkSGA/strategy=ptechain/procs=100/sga=64MiB 1 1 ns/op 30000000 rmap-peak-B 1638400 mappings-peak
BenchmarkSGA/strategy=anonvma/procs=100/sga=64MiB 1 1 ns/op 100000 rmap-peak-B 1638400 mappings-peak
`},
	{"lowmem", "1 B per mapping is 250 MB for the segment, under 896 MiB",
		`arch: i386

BenchmarkSGA/strategy=ptechain/procs=100/sga=64MiB 1 1 ns/op 1638400 rmap-peak-B 1638400 mappings-peak
`},
	{"linear i_mmap", "the trees grow as fast as the list",
		`BenchmarkManyMapped/strategy=anonvma/fileindex=linear/procs=16/windows=4 1 1 ns/op 10 vmas/walk
BenchmarkManyMapped/strategy=anonvma/fileindex=linear/procs=64/windows=4 1 1 ns/op 40 vmas/walk
BenchmarkManyMapped/strategy=anonvma/fileindex=prio/procs=16/windows=4 1 1 ns/op 10 vmas/walk
BenchmarkManyMapped/strategy=anonvma/fileindex=prio/procs=64/windows=4 1 1 ns/op 40 vmas/walk
BenchmarkManyMapped/strategy=anonvma/fileindex=interval/procs=16/windows=4 1 1 ns/op 1 vmas/walk
BenchmarkManyMapped/strategy=anonvma/fileindex=interval/procs=64/windows=4 1 1 ns/op 1 vmas/walk
`},
	{"anonmm must copy", "fewer copies than the buffer has pages",
		`BenchmarkMremapAfterFork/strategy=anonmm/procs=4/rss=1MiB 1 1 ns/op 255 mremap-copies
`},
	{"degree reuse", "without reuse the anon_vmas do not grow with the depth",
		`BenchmarkForkChain/strategy=anonvma-avc/depth=10/vmas=4 1 1 ns/op 8 anon_vma-objs 4 vma-objs
BenchmarkForkChain/strategy=anonvma-avc/avc-reuse=false/depth=10/vmas=4 1 1 ns/op 44 anon_vma-objs 8 vma-objs
BenchmarkForkChain/strategy=anonvma-avc/avc-reuse=false/depth=20/vmas=4 1 1 ns/op 50 anon_vma-objs 8 vma-objs
`},
	{"anon_vma_chain visits only", "the list walks no more VMAs than the chain",
		`BenchmarkForkChain/strategy=anonvma/depth=10/vmas=4 1 1 ns/op 3 vmas/walk
BenchmarkForkChain/strategy=anonvma-avc/depth=10/vmas=4 1 1 ns/op 2.5 vmas/walk
`},
	{"max_page_sharing", "with the limit a walk looks at more PTEs than the limit",
		`BenchmarkKSM/strategy=anonvma-avc/sharing=128/pages=32 1 1 ns/op 128 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/sharing=512/pages=32 1 1 ns/op 300 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/ksm-max-page-sharing=0/sharing=128/pages=32 1 1 ns/op 128 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/ksm-max-page-sharing=0/sharing=512/pages=32 1 1 ns/op 512 ptes/walk
`},
	{"max_page_sharing", "without the limit the walk does not grow with the sharing",
		`BenchmarkKSM/strategy=anonvma-avc/sharing=128/pages=32 1 1 ns/op 128 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/sharing=512/pages=32 1 1 ns/op 256 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/ksm-max-page-sharing=0/sharing=128/pages=32 1 1 ns/op 128 ptes/walk
BenchmarkKSM/strategy=anonvma-avc/ksm-max-page-sharing=0/sharing=512/pages=32 1 1 ns/op 300 ptes/walk
`},
	{"fork of PTE-mapped large folios", "64KiB folios save only a tenth of the calls, less than his 26% of the time",
		`BenchmarkFolioFork/strategy=anonvma-avc/folio=4KiB/size=16MiB 1 1 ns/op 4096 rmap-calls/fork
BenchmarkFolioFork/strategy=anonvma-folio/folio=4KiB/size=16MiB 1 1 ns/op 4096 rmap-calls/fork
BenchmarkFolioFork/strategy=anonvma-avc/folio=64KiB/size=16MiB 1 1 ns/op 4096 rmap-calls/fork
BenchmarkFolioFork/strategy=anonvma-folio/folio=64KiB/size=16MiB 1 1 ns/op 3700 rmap-calls/fork
`},
	{"fork of PTE-mapped large folios", "4KiB pages batch, which nothing can",
		`BenchmarkFolioFork/strategy=anonvma-avc/folio=4KiB/size=16MiB 1 1 ns/op 4096 rmap-calls/fork
BenchmarkFolioFork/strategy=anonvma-folio/folio=4KiB/size=16MiB 1 1 ns/op 2048 rmap-calls/fork
BenchmarkFolioFork/strategy=anonvma-avc/folio=64KiB/size=16MiB 1 1 ns/op 4096 rmap-calls/fork
BenchmarkFolioFork/strategy=anonvma-folio/folio=64KiB/size=16MiB 1 1 ns/op 256 rmap-calls/fork
`},
	{"munmap of PTE-mapped large folios", "2MiB folios save half the calls, less than his 58% of the time",
		`BenchmarkFolioMunmap/strategy=anonvma-avc/folio=4KiB/size=16MiB 1 1 ns/op 4096 rmap-calls/munmap
BenchmarkFolioMunmap/strategy=anonvma-folio/folio=4KiB/size=16MiB 1 1 ns/op 4096 rmap-calls/munmap
BenchmarkFolioMunmap/strategy=anonvma-avc/folio=2MiB/size=16MiB 1 1 ns/op 4096 rmap-calls/munmap
BenchmarkFolioMunmap/strategy=anonvma-folio/folio=2MiB/size=16MiB 1 1 ns/op 2048 rmap-calls/munmap
`},
	{"scanning the page tables", "pagescan examines only 10x the PTEs of the chains",
		`BenchmarkReclaim/strategy=pagescan/procs=8 1 1 ns/op 100 ptes/walk
BenchmarkReclaim/strategy=ptechain/procs=8 1 1 ns/op 10 ptes/walk
`},
}

// Every claim says no to numbers that contradict it.
func TestEveryClaimCanSayNo(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range sayNo {
		claim, model, _ := strings.Cut(tc.claim, "@")
		c := byText(Check(runsOf(t, tc.text)), claim)
		if c.Text == "" {
			t.Fatalf("no claim mentions %q", tc.claim)
		}
		covered[c.Text] = true
		if model != "" {
			if v := modelVerdict(c, model); v != NotReproduced {
				t.Errorf("%q under %s (%s): verdict %q, measured %q", claim, model, tc.why, v, c.Measured)
			}
			continue
		}
		if c.Verdict != NotReproduced {
			t.Errorf("%q (%s): verdict %q, measured %q", tc.claim, tc.why, c.Verdict, c.Measured)
		}
	}
	for _, c := range Check(nil) {
		if !covered[c.Text] {
			t.Errorf("claim %q has no numbers that make it say no", c.Text)
		}
		if c.Verdict != NoData {
			t.Errorf("claim %q decided without data: %q", c.Text, c.Verdict)
		}
	}
}

func modelVerdict(c Claim, name string) Verdict {
	for _, mv := range c.Models {
		if mv.Name == name {
			return mv.Verdict
		}
	}
	return ""
}

// The fork/exec/exit claim is judged three times, each verdict from its
// own runs: Go time without -hw, modelled-sec under each profile. Runs
// of the cache model never stand in for Go time, and a sweep at fewer
// processes never stands in for the default run.
func TestForkExitThreeVerdicts(t *testing.T) {
	const text = `BenchmarkForkExit/strategy=ptechain/procs=256/rss=64MiB 1 1 ns/op 300e-6 sec/fork 100e-6 sec/exec 200e-6 sec/exit
BenchmarkForkExit/strategy=anonvma/procs=256/rss=64MiB 1 1 ns/op 100e-6 sec/fork 50e-6 sec/exec 50e-6 sec/exit
BenchmarkForkExit/strategy=ptechain/hw=p3-2003/procs=256/rss=64MiB 1 1 ns/op 1 sec/fork 1 sec/exec 1 sec/exit 6e-3 modelled-sec/fork 4e-3 modelled-sec/exec 2e-3 modelled-sec/exit 16000 rmap-steps/fork 16000 rmap-steps/exec 3500 rmap-steps/exit 33000 cache-misses/fork 18000 cache-misses/exec 7000 cache-misses/exit
BenchmarkForkExit/strategy=anonvma/hw=p3-2003/procs=256/rss=64MiB 1 1 ns/op 1e-9 sec/fork 1e-9 sec/exec 1e-9 sec/exit 1e-3 modelled-sec/fork 0.5e-3 modelled-sec/exec 0.9e-3 modelled-sec/exit 9 rmap-steps/fork 9 rmap-steps/exec 9 rmap-steps/exit 1500 cache-misses/fork 0 cache-misses/exec 3700 cache-misses/exit
BenchmarkForkExit/strategy=ptechain/hw=p3-2003/procs=64/rss=64MiB/running=1 1 1 ns/op 1 modelled-sec/fork 1 modelled-sec/exec 1 modelled-sec/exit 100 rmap-steps/exit
BenchmarkForkExit/strategy=ptechain/hw=p3-2003/procs=64/rss=64MiB/running=64 1 1 ns/op 1 modelled-sec/fork 1 modelled-sec/exec 9 modelled-sec/exit 900 rmap-steps/exit
BenchmarkForkExit/strategy=anonvma/hw=p3-2003/procs=64/rss=64MiB/running=64 1 1 ns/op 1 modelled-sec/fork 1 modelled-sec/exec 1 modelled-sec/exit
BenchmarkForkExit/strategy=ptechain/hw=modern/procs=256/rss=64MiB 1 1 ns/op 2e-3 modelled-sec/fork 1e-3 modelled-sec/exec 0.3e-3 modelled-sec/exit
BenchmarkForkExit/strategy=anonvma/hw=modern/procs=256/rss=64MiB 1 1 ns/op 0.4e-3 modelled-sec/fork 0.1e-3 modelled-sec/exec 0.2e-3 modelled-sec/exit
`
	c := byText(Check(runsOf(t, text)), "order of magnitude")
	want := map[string]Verdict{"Go time": NotReproduced, "p3-2003": Reproduced, "modern": NotReproduced}
	if len(c.Models) != 3 {
		t.Fatalf("%d verdicts: %+v", len(c.Models), c)
	}
	for name, v := range want {
		if got := modelVerdict(c, name); got != v {
			t.Errorf("%s: %q, want %q (%s)", name, got, v, c.Measured)
		}
	}
	// Go time 600 against 200 µs: 3x; p3-2003 12 against 2.4 ms: 5x;
	// modern 3.3 against 0.7 ms: 4.71x.
	for _, s := range []string{"Go time: 3.00x", "p3-2003: 5.00x", "modern: 4.71x", "running=1: ", "running=64: ", "Why they differ"} {
		if !strings.Contains(c.Measured, s) {
			t.Errorf("measured lacks %q: %s", s, c.Measured)
		}
	}
	if c.Verdict != NotReproduced {
		t.Errorf("the claim's own verdict is Go time's: %q", c.Verdict)
	}
	var b strings.Builder
	if err := Write(&b, []Claim{c}, Meta{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Go time: **no**<br>p3-2003: **yes**<br>modern: **no**") {
		t.Errorf("the row does not show the three verdicts:\n%s", b.String())
	}
}
