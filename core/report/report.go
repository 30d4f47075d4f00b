// Package report writes rmapbench results in the Go benchmark format
// (golang.org/x/perf/benchfmt), so that benchstat and any benchfmt reader
// can consume them, and writes result files atomically.
//
// A result line carries the configuration in its name as key=value
// sub-names (BenchmarkForkExit/strategy=anonvma/procs=64), so that
// `benchstat -col /strategy` puts strategies side by side. Metrics that are
// deterministic counters are marked with unit metadata `assume=exact`: for
// them benchstat computes no p-value and warns if two runs disagree, which
// is itself a check that runs are deterministic.
package report

import (
	"fmt"
	"io"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Metric is one measured value.
type Metric struct {
	Value float64
	Unit  string
	// Exact marks a deterministic counter (assume=exact).
	Exact bool
}

// Result is one benchmark run.
type Result struct {
	// Name is the benchmark name without the "Benchmark" prefix, with
	// key=value sub-names: "ForkExit/strategy=ptechain/procs=64".
	Name    string
	Iters   int
	Metrics []Metric
}

// HeaderKey is one file-level configuration line ("goos: linux").
type HeaderKey struct{ Key, Value string }

// Writer writes results after a header, emitting each exact unit's
// metadata line before the first result that uses it.
type Writer struct {
	w      io.Writer
	bw     *benchfmt.Writer
	header []HeaderKey
	marked map[string]bool
}

// NewWriter returns a writer whose results all carry header. The header is
// written before the first result, ahead of any unit metadata.
func NewWriter(w io.Writer, header []HeaderKey) *Writer {
	return &Writer{w: w, bw: benchfmt.NewWriter(w), header: header, marked: map[string]bool{}}
}

// Write writes one result.
func (w *Writer) Write(r Result) error {
	if w.header != nil {
		var b strings.Builder
		for _, h := range w.header {
			fmt.Fprintf(&b, "%s: %s\n", h.Key, strings.ReplaceAll(h.Value, "\n", " "))
		}
		b.WriteString("\n")
		if _, err := io.WriteString(w.w, b.String()); err != nil {
			return err
		}
		w.header = nil
	}
	for _, m := range r.Metrics {
		if m.Exact && !w.marked[m.Unit] {
			w.marked[m.Unit] = true
			meta := &benchfmt.UnitMetadata{
				UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: m.Unit, Key: "assume"},
				OrigUnit:        m.Unit,
				Value:           "exact",
			}
			if err := w.bw.Write(meta); err != nil {
				return err
			}
		}
	}
	res := &benchfmt.Result{Name: benchfmt.Name(r.Name), Iters: r.Iters}
	for _, m := range r.Metrics {
		res.Values = append(res.Values, benchfmt.Value{Value: m.Value, Unit: m.Unit})
	}
	return w.bw.Write(res)
}
