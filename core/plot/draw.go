package plot

import (
	"rmapbench/core/report"
	"rmapbench/core/results"

	"context"
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
	return DrawContext(context.Background(), rs, dir)
}

// DrawContext is Draw, stopping with ctx's error between charts once ctx
// is cancelled. Every chart is rendered to a temporary file first, and the
// files appear in dir only once all are rendered: an error or an
// interrupt leaves no chart behind.
func DrawContext(ctx context.Context, rs []*benchfmt.Result, dir string) (written []string, skipped []string, err error) {
	runs := results.Parse(rs)
	var pending []*report.AtomicFile
	defer func() {
		for _, a := range pending {
			a.Abort() // nothing after Commit
		}
	}()
	for _, name := range chartNames {
		if err := ctx.Err(); err != nil {
			return nil, skipped, err
		}
		f, notes := builders[name](runs)
		skipped = append(skipped, notes...)
		if f == nil {
			continue
		}
		f.prepare()
		if len(pending) == 0 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, skipped, err
			}
		}
		files, paths, err := f.write(dir)
		pending = append(pending, files...)
		written = append(written, paths...)
		if err != nil {
			return nil, skipped, fmt.Errorf("plot %s: %w", name, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, skipped, err
	}
	for _, a := range pending {
		if err := a.Commit(); err != nil {
			return nil, skipped, err
		}
	}
	return written, skipped, nil
}
