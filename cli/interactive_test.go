package cli

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

func TestHumanUnitsHaveNoExponent(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{humanDuration(2.02e9), "2.02 s"},
		{humanDuration(2022e6), "2.02 s"},
		{humanDuration(639_000), "639 µs"},
		{humanDuration(8.7117e7), "87.1 ms"},
		{humanDuration(999.5), "1.00 µs"},
		{humanDuration(999.4), "999 ns"},
		{humanBytes(48), "48 B"},
		{humanBytes(2048), "2.00 KiB"},
		{humanBytes(33 << 20), "33.0 MiB"},
		{threeDigits(682.666), "683"},
		{threeDigits(2022.4), "2020"},
		{threeDigits(1.171), "1.17"},
		{threeDigits(0.0123), "0.0123"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// The interactive summary labels its columns and writes times such as
// 2022 ms without an exponent (it once printed 2.02e+03ms).
func TestSummaryColumns(t *testing.T) {
	var in bytes.Buffer
	in.WriteString("goos: linux\n")
	for _, line := range []string{
		"BenchmarkX/strategy=pagescan/procs=4 1 2022000000 ns/op 0 rmap-peak-B",
		"BenchmarkX/strategy=pagescan/procs=4 1 2030000000 ns/op 0 rmap-peak-B",
		"BenchmarkX/strategy=ptechain/procs=4 1 639000 ns/op 32768 rmap-peak-B",
		"BenchmarkX/strategy=ptechain/procs=4 1 641000 ns/op 32768 rmap-peak-B",
		"BenchmarkX/strategy=anonvma/procs=4 1 374000 ns/op 48 rmap-peak-B",
		"BenchmarkX/strategy=anonvma/procs=4 1 376000 ns/op 48 rmap-peak-B",
	} {
		in.WriteString(line + "\n")
	}
	var rs []*benchfmt.Result
	r := benchfmt.NewReader(&in, "x")
	for r.Scan() {
		if res, ok := r.Result().(*benchfmt.Result); ok {
			rs = append(rs, res.Clone())
		}
	}
	var out bytes.Buffer
	summary(&out, rs)
	s := out.String()
	for _, w := range []string{"median time", "peak rmap space", "vs fastest", "vs smallest", "2.03 s", "640 µs", "32.0 KiB", "48 B", "x683", "median of 2 runs"} {
		if !strings.Contains(s, w) {
			t.Errorf("summary lacks %q:\n%s", w, s)
		}
	}
	if strings.Contains(s, "e+") || strings.Contains(s, "e-") {
		t.Errorf("summary has an exponent:\n%s", s)
	}
}
