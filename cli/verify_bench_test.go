package cli

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pgbenchLog is a real strace log: a PostgreSQL 15 server (128 MB of
// shared buffers) serving pgbench with a new connection per transaction,
// 313 processes in all (docs/verification.md shows how to capture one).
const pgbenchLog = "testdata/pgbench_C_y.txt.gz"

// importPgbench turns pgbenchLog into a trace in dir.
func importPgbench(tb testing.TB, dir string) string {
	tb.Helper()
	tr := filepath.Join(dir, "pgbench.trace")
	var errb strings.Builder
	if code := Run(context.Background(), []string{"import-strace", "-o", tr, pgbenchLog}, strings.NewReader(""), io.Discard, &errb); code != 0 {
		tb.Fatalf("import-strace: exit %d: %s", code, errb.String())
	}
	return tr
}

// BenchmarkVerify shows what -verify costs: each iteration runs the same
// command without and with -verify, side by side, and the ratio of their
// times is reported as verify/plain (the target is at most 3).
//
//	go test -run NONE -bench Verify -benchtime 3x ./cli/
func BenchmarkVerify(b *testing.B) {
	cases := []struct {
		name string
		args []string
	}{
		{"suite=small", []string{"-scale", "small"}},
		{"trace=pgbench", []string{"-trace", "", "-strategy", "all"}},
		{"suite=default", []string{"-scale", "default"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if c.name == "suite=default" && testing.Short() {
				b.Skip("the default suite takes a minute a run")
			}
			args := c.args
			if c.name == "trace=pgbench" {
				args = []string{"-trace", importPgbench(b, b.TempDir()), "-strategy", "all"}
			}
			var plain, verified time.Duration
			b.ResetTimer()
			for range b.N {
				for _, verify := range []bool{false, true} {
					a := args
					if verify {
						a = append(a[:len(a):len(a)], "-verify")
					}
					start := time.Now()
					if code := Run(context.Background(), a, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
						b.Fatalf("%v: exit %d", a, code)
					}
					if verify {
						verified += time.Since(start)
					} else {
						plain += time.Since(start)
					}
				}
			}
			b.ReportMetric(plain.Seconds()/float64(b.N), "plain-sec/op")
			b.ReportMetric(verified.Seconds()/float64(b.N), "verify-sec/op")
			b.ReportMetric(verified.Seconds()/plain.Seconds(), "verify/plain")
		})
	}
}
