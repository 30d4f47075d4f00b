package claims

import (
	"strings"
	"testing"
)

func TestAgingClaims(t *testing.T) {
	// Reproduced: lru refaults a tenth of random's; mglru's steps per page
	// are half of lru's (walks*(vmas+ptes+steps)/reclaimed: 100*(2+2+1)/50
	// = 10 against 200*(2+2+1)/50 = 20); anonvma's COWed pages cost 8 VMAs,
	// the AVC's 1.
	const yes = `BenchmarkReclaim/strategy=anonvma/procs=8 1 1 ns/op 10 refaults 200 walks 2 vmas/walk 2 ptes/walk 1 chain-steps/walk 50 pages-reclaimed
BenchmarkReclaim/strategy=anonvma/aging=random/procs=8 1 1 ns/op 100 refaults 50 walks 2 vmas/walk 2 ptes/walk 1 chain-steps/walk 50 pages-reclaimed
BenchmarkReclaim/strategy=anonvma/aging=mglru/procs=8 1 1 ns/op 12 refaults 100 walks 2 vmas/walk 2 ptes/walk 1 chain-steps/walk 50 pages-reclaimed
BenchmarkReclaim/strategy=pagescan/procs=8 1 1 ns/op 10 refaults 10 walks 9 vmas/walk 9 ptes/walk 0 chain-steps/walk 10 pages-reclaimed
BenchmarkReclaim/strategy=pagescan/aging=mglru/procs=8 1 1 ns/op 10 refaults 10 walks 9 vmas/walk 9 ptes/walk 0 chain-steps/walk 10 pages-reclaimed
BenchmarkPrefork/strategy=anonvma/workers=8 1 1 ns/op 8 vmas/ref-walk-1map
BenchmarkPrefork/strategy=anonvma-avc/workers=8 1 1 ns/op 1 vmas/ref-walk-1map
`
	cs := Check(runsOf(t, yes))
	for _, text := range []string{"hot set resident", "multi-gen LRU spends less", "COWed, mapped once"} {
		if c := byText(cs, text); c.Verdict != Reproduced {
			t.Errorf("%s: %+v", text, c)
		}
	}
	if c := byText(cs, "multi-gen LRU spends less"); !strings.Contains(c.Measured, "anonvma 10.0 vs 20.0") || strings.Contains(c.Measured, "pagescan") {
		t.Errorf("mglru steps: %+v", c)
	}

	// Not reproduced: lru refaults a third of random's (not a quarter);
	// mglru's steps are 0.8 of lru's; the AVC's COWed pages cost half of
	// anonvma's.
	const no = `BenchmarkReclaim/strategy=ptechain/aging=lru/procs=8 1 1 ns/op 30 refaults 100 walks 2 vmas/walk 2 ptes/walk 1 chain-steps/walk 50 pages-reclaimed
BenchmarkReclaim/strategy=ptechain/aging=random/procs=8 1 1 ns/op 90 refaults 50 walks 2 vmas/walk 2 ptes/walk 1 chain-steps/walk 50 pages-reclaimed
BenchmarkReclaim/strategy=ptechain/aging=mglru/procs=8 1 1 ns/op 10 refaults 80 walks 2 vmas/walk 2 ptes/walk 1 chain-steps/walk 50 pages-reclaimed
BenchmarkPrefork/strategy=anonvma/workers=8 1 1 ns/op 8 vmas/ref-walk-1map
BenchmarkPrefork/strategy=anonvma-avc/workers=8 1 1 ns/op 4 vmas/ref-walk-1map
`
	cs = Check(runsOf(t, no))
	for _, text := range []string{"hot set resident", "multi-gen LRU spends less", "COWed, mapped once"} {
		if c := byText(cs, text); c.Verdict != NotReproduced {
			t.Errorf("%s: %+v", text, c)
		}
	}

	// Without the runs they need, no data: Prefork under mglru only does
	// not count for the lru claim.
	const none = `BenchmarkReclaim/strategy=ptechain/procs=8 1 1 ns/op 30 refaults
BenchmarkPrefork/strategy=anonvma/aging=mglru/workers=8 1 1 ns/op 8 vmas/ref-walk-1map
BenchmarkPrefork/strategy=anonvma-avc/aging=mglru/workers=8 1 1 ns/op 1 vmas/ref-walk-1map
`
	cs = Check(runsOf(t, none))
	for _, text := range []string{"hot set resident", "multi-gen LRU spends less", "COWed, mapped once"} {
		if c := byText(cs, text); c.Verdict != NoData {
			t.Errorf("%s: %+v", text, c)
		}
	}
}
