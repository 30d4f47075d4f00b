package cli

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// BenchmarkHW shows what the cache model costs: each iteration runs the
// default suite (every strategy, every workload) with -hw off, p3-2003
// and modern, and reports each time and the ratio of the modelled runs
// to the plain one (the target is at most 5; docs/cost-model.md).
//
//	go test -run NONE -bench HW -benchtime 1x ./cli/
func BenchmarkHW(b *testing.B) {
	if testing.Short() {
		b.Skip("the default suite, three times a run")
	}
	profiles := []string{"off", "p3-2003", "modern"}
	times := make([]time.Duration, len(profiles))
	for range b.N {
		for i, hw := range profiles {
			args := []string{"-strategy", "all", "-hw", hw}
			start := time.Now()
			if code := Run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
				b.Fatalf("%v: exit %d", args, code)
			}
			times[i] += time.Since(start)
		}
	}
	for i, hw := range profiles {
		b.ReportMetric(times[i].Seconds()/float64(b.N), hw+"-sec/op")
		if i > 0 {
			b.ReportMetric(times[i].Seconds()/times[0].Seconds(), hw+"/off")
		}
	}
}
