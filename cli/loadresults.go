package cli

import (
	"context"
	"fmt"
	"io"

	"golang.org/x/perf/benchfmt"

	"rmapbench/core/results"
)

// loadResults reads the results files of plot and report. Among several
// files, one without results (benchstat's output, a README) is skipped
// with a warning; only when no file has results is it an error, and a
// file with a bad line is one whatever the others hold (bad input, exit
// status 2).
func loadResults(ctx context.Context, paths []string, stderr io.Writer, cmd string) ([]*benchfmt.Result, error) {
	warn := func(msg string) { fmt.Fprintf(stderr, "rmapbench %s: warning: %s\n", cmd, msg) }
	rs, err := results.LoadContext(ctx, warn, paths...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, &usageError{err.Error()}
	}
	return rs, nil
}
