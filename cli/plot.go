package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"golang.org/x/perf/benchfmt"

	"rmapbench/core/plot"
)

// plotCommand is `rmapbench plot -o DIR RESULTS...`.
func plotCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("plot", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("o", "plots", "directory to draw the charts into (PNG and SVG)")
	fs.Usage = func() {
		commandUsage(stderr, "plot")
		fmt.Fprintf(stderr, "charts: %s\n\nflags:\n", strings.Join(plot.Charts(), ", "))
		printFlags(stderr, fs)
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return &usageError{"plot: name at least one results file"}
	}
	if err := checkOutputDir("-o", *dir); err != nil {
		return err
	}
	rs, err := loadResults(ctx, fs.Args(), stderr, "plot")
	if err != nil {
		return stopped(ctx, err, *dir)
	}
	return stopped(ctx, drawPlots(ctx, rs, *dir, stdout, stderr), *dir)
}

// drawPlots draws every chart the results allow and says what it wrote
// and what it skipped.
func drawPlots(ctx context.Context, rs []*benchfmt.Result, dir string, stdout, stderr io.Writer) error {
	written, skipped, err := plot.DrawContext(ctx, rs, dir)
	if err != nil {
		return err
	}
	for _, f := range written {
		fmt.Fprintln(stdout, f)
	}
	for _, s := range skipped {
		fmt.Fprintln(stderr, "rmapbench plot: skipped", s)
	}
	return nil
}
