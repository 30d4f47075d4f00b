package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"rmapbench/workloads/strace"
	"rmapbench/workloads/trace"
)

// importStraceCommand is `rmapbench import-strace [-o OUT] LOG`: it turns
// an `strace -f -ttt -y -e trace=process,memory` log (plain or gzip, - for
// stdin) into a trace. Page touches are synthesised by a policy, since
// strace shows no page faults.
func importStraceCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("import-strace", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the trace to OUT (atomically) instead of stdout")
	touch := fs.String("touch", "known", "how to synthesise page touches: known, none, all or fraction")
	fraction := fs.Float64("touch-fraction", 0.5, "with -touch fraction: the share of each mapping's pages touched")
	seed := fs.Uint64("seed", 1, "seed of the touch policy's random choices")
	noStack := fs.Bool("no-stack", false, "do not map a stack at each exec (strace does not show the kernel's)")
	fs.Usage = func() {
		commandUsage(stderr, "import-strace")
		fmt.Fprintf(stderr, "LOG is an `strace -f -ttt -y -e trace=process,memory` log (plain or gzip, - for\nstdin); scripts/capture-strace.sh records one. docs/trace-format.md describes the trace.\n\nflags:\n")
		printFlags(stderr, fs)
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{"import-strace: name one strace log (or - for stdin)"}
	}
	policy, err := strace.ParseTouchPolicy(*touch)
	if err != nil {
		return &usageError{err.Error()}
	}
	if *fraction < 0 || *fraction > 1 {
		return &usageError{fmt.Sprintf("-touch-fraction %v: want a number from 0 to 1", *fraction)}
	}
	opts := strace.Options{Touch: policy, Fraction: *fraction, Seed: *seed, NoStack: *noStack}
	return runImport(ctx, "import-strace", fs.Arg(0), *out, stdin, stdout, stderr, func(in io.Reader, name string, w *trace.Writer) (fmt.Stringer, error) {
		return strace.Import(in, name, w, opts)
	})
}
