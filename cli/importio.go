package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"rmapbench/core/report"
	"rmapbench/workloads/trace"
)

// runImport is what the import commands share: it opens the input named
// path ("-" for stdin), has convert write the trace to out (atomically;
// stdout if out is ""), and prints convert's summary on stderr. A bad
// input is convert's *trace.Error ("FILE:LINE: ..."), which exits 2 and
// leaves no output file.
func runImport(path, out string, stdin io.Reader, stdout, stderr io.Writer,
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
			return err
		}
		defer af.Abort()
		dst = af
	}
	bw := bufio.NewWriter(dst)
	summary, err := convert(in, name, trace.NewWriter(bw))
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stderr, summary)
	if af != nil {
		return af.Commit()
	}
	return nil
}
