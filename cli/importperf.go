package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

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
	return runImport(ctx, "import-perf", fs.Arg(0), *out, stdin, stdout, stderr, func(in io.Reader, name string, w *trace.Writer) (fmt.Stringer, error) {
		return perf.Import(ctx, in, name, w, perf.Options{})
	})
}
