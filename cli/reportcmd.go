package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/perf/benchfmt"

	"rmapbench/core/claims"
	"rmapbench/core/plot"
	"rmapbench/core/report"
	"rmapbench/core/results"
)

// reportCommand is `rmapbench report [-o FILE] RESULTS...`: it checks the
// claims of the OLS 2004 paper and the kernel history against saved results and
// writes the Markdown report (results/README.md).
func reportCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("report", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the report to FILE (atomically) instead of stdout")
	command := fs.String("command", "", "who writes the report, for its header (e.g. scripts/reproduce.sh; default: this command line)")
	fs.Usage = func() {
		commandUsage(stderr, "report")
		fmt.Fprintln(stderr, "flags:")
		printFlags(stderr, fs)
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return &usageError{"report: name at least one results file"}
	}
	if err := checkOutputFile("-o", *out); err != nil {
		return err
	}
	rs, err := loadResults(ctx, fs.Args(), stderr, "report")
	if err != nil {
		return stopped(ctx, err, *out)
	}
	gen := *command
	if gen == "" {
		gen = "rmapbench report " + strings.Join(args, " ")
	}
	meta := claims.Meta{
		Run:       runKeys(rs),
		Results:   len(rs),
		Generator: gen,
		Reporter:  fmt.Sprintf("rmapbench %s, commit %s, %s", version(), commit(), runtime.Version()),
		Date:      time.Now().UTC().Format(time.DateOnly),
	}
	base := "."
	if *out != "" {
		base = filepath.Dir(*out)
	}
	for _, p := range fs.Args() {
		meta.Files = append(meta.Files, relTo(base, p))
	}
	if _, err := os.Stat(filepath.Join(base, "benchstat.txt")); err == nil {
		meta.Files = append(meta.Files, "benchstat.txt")
	}
	for _, name := range plot.Charts() {
		if _, err := os.Stat(filepath.Join(base, "plots", name+".png")); err == nil {
			meta.Plots = append(meta.Plots, name)
		}
	}
	checked := claims.Check(results.Parse(rs))
	if err := ctx.Err(); err != nil {
		return stopped(ctx, err, *out)
	}
	if *out == "" {
		return claims.Write(stdout, checked, meta)
	}
	f, err := report.CreateAtomic(*out)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := claims.Write(f, checked, meta); err != nil {
		return err
	}
	return f.Commit()
}

// runKeys collects the file-level configuration of the results (their
// header lines), each key with its distinct values in order of appearance.
func runKeys(rs []*benchfmt.Result) []claims.RunKey {
	var out []claims.RunKey
	for _, r := range rs {
		for _, c := range r.Config {
			if !c.File {
				continue
			}
			i := slices.IndexFunc(out, func(k claims.RunKey) bool { return k.Key == c.Key })
			if i < 0 {
				out = append(out, claims.RunKey{Key: c.Key})
				i = len(out) - 1
			}
			if v := string(c.Value); !slices.Contains(out[i].Values, v) {
				out[i].Values = append(out[i].Values, v)
			}
		}
	}
	return out
}

// relTo is p relative to the directory base, or p as given when there
// is no relative path between them.
func relTo(base, p string) string {
	ab, err1 := filepath.Abs(base)
	ap, err2 := filepath.Abs(p)
	if err1 == nil && err2 == nil {
		if r, err := filepath.Rel(ab, ap); err == nil {
			return r
		}
	}
	return p
}
