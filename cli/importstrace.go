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
	out := fs.StringP("o", "o", "", "write the trace to OUT (atomically) instead of stdout")
	touch := fs.String("touch", "known", "how to synthesise page touches: known, none, all or fraction")
	fraction := fs.Float64("touch-fraction", 0.5, "with -touch fraction: the share of each mapping's pages touched")
	seed := fs.Uint64("seed", 1, "seed of the touch policy's random choices")
	noStack := fs.Bool("no-stack", false, "do not map a stack at each exec (strace does not show the kernel's)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: rmapbench import-strace [-o OUT] LOG\n\nLOG is an `strace -f -ttt -y -e trace=process,memory` log (scripts/capture-strace.sh records one).\n\n")
		fs.PrintDefaults()
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
	if err := checkOutputFile("-o", *out); err != nil {
		return err
	}
	return stopped(ctx, importStrace(ctx, fs.Arg(0), *out, opts, stdin, stdout, stderr), *out)
}

// importStrace converts the log at path (- for stdin) into a trace written
// to out ("" for stdout).
func importStrace(ctx context.Context, path, out string, opts strace.Options, stdin io.Reader, stdout, stderr io.Writer) (err error) {
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
	if out != "" {
		af, cerr := report.CreateAtomic(out)
		if cerr != nil {
			return &usageError{"-o: " + cerr.Error()}
		}
		defer af.Abort()
		dst = af
		defer func() {
			if err == nil {
				err = af.Commit()
			}
		}()
	}
	bw := bufio.NewWriter(dst)
	stats, err := strace.Import(ctxReader{ctx, in}, name, trace.NewWriter(bw), opts)
	if err != nil {
		var se *strace.Error
		if errors.As(err, &se) && ctx.Err() == nil {
			return &usageError{err.Error()}
		}
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	for _, w := range stats.Warnings() {
		fmt.Fprintf(stderr, "rmapbench import-strace: warning: %s\n", w)
	}
	fmt.Fprintln(stderr, stats.String())
	return nil
}
