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
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// AtomicFile is a file that appears under its name only when committed:
// it is written to a temporary file in the same directory and renamed.
// Nothing is left behind if it is aborted.
type AtomicFile struct {
	*os.File
	path string
	done bool
}

// CreateAtomic starts writing path.
func CreateAtomic(path string) (*AtomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, errors.Unwrap(err))
	}
	// CreateTemp makes the file private; a results file is not.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &AtomicFile{File: f, path: path}, nil
}

// Commit makes the file appear under its name.
func (a *AtomicFile) Commit() error {
	if a.done {
		return fmt.Errorf("%s: already committed or aborted", a.path)
	}
	a.done = true
	tmp := a.File.Name()
	if err := a.File.Sync(); err != nil {
		a.File.Close()
		os.Remove(tmp)
		return err
	}
	if err := a.File.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, a.path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Abort discards the file. It is safe to call after Commit (it does
// nothing then).
func (a *AtomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.File.Close()
	os.Remove(a.File.Name())
}
