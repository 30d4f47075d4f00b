package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"rmapbench/core/claims"
	"rmapbench/core/report"
	"rmapbench/core/results"
)

// reportCommand is `rmapbench report [-o FILE] RESULTS...`: it checks the
// claims of the seeds and the kernel history against saved results and
// writes the Markdown report (results/README.md).
func reportCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("report", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.StringP("o", "o", "", "write the report to FILE (atomically) instead of stdout")
	command := fs.String("command", "", "the command that made the results, for the report's header")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: rmapbench report [-o FILE] RESULTS...\n")
		fs.PrintDefaults()
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
	meta := claims.Meta{
		Date:      time.Now().UTC().Format(time.DateOnly),
		GoVersion: runtime.Version(),
		Command:   *command,
	}
	if len(rs) > 0 {
		meta.Commit = rs[0].GetConfig("commit")
		meta.Machine = fmt.Sprintf("%s, %d CPUs, %s/%s", rs[0].GetConfig("cpu"), runtime.NumCPU(), rs[0].GetConfig("goos"), rs[0].GetConfig("goarch"))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		meta.Kernel = strings.TrimSpace(string(b))
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
	pngs, _ := filepath.Glob(filepath.Join(base, "plots", "*.png"))
	for _, p := range pngs {
		meta.Plots = append(meta.Plots, strings.TrimSuffix(filepath.Base(p), ".png"))
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

func relTo(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil {
		return r
	}
	return p
}
