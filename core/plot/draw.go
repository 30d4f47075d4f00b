package plot

import (
	"rmapbench/core/results"

	"fmt"
	"os"
	"slices"

	"golang.org/x/perf/benchfmt"
)

// Charts returns the names of the charts Draw knows, in drawing order.
// Each chart is written as NAME.png and NAME.svg.
func Charts() []string { return slices.Clone(chartNames) }

// Draw draws every chart the results have data for into dir (created if
// missing), one PNG and one SVG per chart, and returns the files written
// and a note for each chart (or panel) left out for lack of data. A chart
// with no data is not an error.
func Draw(rs []*benchfmt.Result, dir string) (written []string, skipped []string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	runs := results.Parse(rs)
	for _, name := range chartNames {
		f, notes := builders[name](runs)
		skipped = append(skipped, notes...)
		if f == nil {
			continue
		}
		f.prepare()
		files, err := f.write(dir)
		written = append(written, files...)
		if err != nil {
			return written, skipped, fmt.Errorf("plot %s: %w", name, err)
		}
	}
	return written, skipped, nil
}
