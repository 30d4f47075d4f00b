package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"rmapbench/core/report"
	"rmapbench/workloads/perf"
	"rmapbench/workloads/trace"
)

// importPerfCommand is `rmapbench import-perf [-o OUT] SCRIPT`: it turns
// the text of `perf script` (plain or gzip, - for stdin), as
// scripts/capture-perf.sh records it, into a trace whose touches are the
// program's own page faults.
func importPerfCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("import-perf", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.StringP("o", "o", "", "write the trace to OUT (atomically) instead of stdout")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: rmapbench import-perf [-o OUT] SCRIPT\n\nSCRIPT is the text of `perf script --show-mmap-events` (scripts/capture-perf.sh records one).\n\n")
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{"import-perf: name one perf script output (or - for stdin)"}
	}
	path := fs.Arg(0)
	in, name := stdin, trace.StdinName
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return &usageError{err.Error()}
		}
		defer f.Close()
		in, name = f, path
	}
	dst := stdout
	var af *report.AtomicFile
	if *out != "" {
		var err error
		if af, err = report.CreateAtomic(*out); err != nil {
			return err
		}
		defer af.Abort()
		dst = af
	}
	bw := bufio.NewWriter(dst)
	stats, err := perf.Import(ctx, in, name, trace.NewWriter(bw), perf.Options{})
	if err != nil {
		var pe *perf.Error
		if errors.As(err, &pe) {
			return &usageError{err.Error()}
		}
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stderr, stats.String())
	if af != nil {
		return af.Commit()
	}
	return nil
}
