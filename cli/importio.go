package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"rmapbench/core/report"
	"rmapbench/workloads/trace"
)

// runImport is what the import commands share: it checks the output path
// before any work, opens the input named path ("-" for stdin), has convert
// write the trace to out (atomically; stdout if out is ""), and prints
// convert's warnings and summary on stderr. A bad input is convert's
// *trace.Error ("FILE:LINE: ..."), which exits 2 and leaves no output
// file; an interrupt (ctx) stops the reading where it is and writes
// nothing.
func runImport(ctx context.Context, command, path, out string, stdin io.Reader, stdout, stderr io.Writer,
	convert func(in io.Reader, name string, w *trace.Writer) (fmt.Stringer, error)) error {
	if err := checkOutputFile("-o", out); err != nil {
		return err
	}
	return stopped(ctx, importTo(ctx, command, path, out, stdin, stdout, stderr, convert), out)
}

func importTo(ctx context.Context, command, path, out string, stdin io.Reader, stdout, stderr io.Writer,
	convert func(in io.Reader, name string, w *trace.Writer) (fmt.Stringer, error)) error {
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
	if out != "" {
		var err error
		if af, err = report.CreateAtomic(out); err != nil {
			return &usageError{"-o: " + err.Error()}
		}
		defer af.Abort()
		dst = af
	}
	bw := bufio.NewWriter(dst)
	summary, err := convert(ctxReader{ctx, in}, name, trace.NewWriter(bw))
	if err != nil {
		var te *trace.Error
		if errors.As(err, &te) && ctx.Err() == nil {
			return &usageError{err.Error()}
		}
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if w, ok := summary.(interface{ Warnings() []string }); ok {
		for _, msg := range w.Warnings() {
			fmt.Fprintf(stderr, "rmapbench %s: warning: %s\n", command, msg)
		}
	}
	fmt.Fprintln(stderr, summary)
	if af != nil {
		return af.Commit()
	}
	return nil
}
