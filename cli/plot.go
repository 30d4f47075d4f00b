package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"golang.org/x/perf/benchfmt"

	"rmapbench/core/plot"
	"rmapbench/core/results"
)

// plotCommand is `rmapbench plot -o DIR RESULTS...`.
func plotCommand(args []string, stdout, stderr io.Writer) error {
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
	rs, err := results.Load(fs.Args()...)
	if err != nil {
		return &usageError{err.Error()}
	}
	return drawPlots(rs, *dir, stdout, stderr)
}

// drawPlots draws every chart the results allow and says what it wrote
// and what it skipped.
func drawPlots(rs []*benchfmt.Result, dir string, stdout, stderr io.Writer) error {
	written, skipped, err := plot.Draw(rs, dir)
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
