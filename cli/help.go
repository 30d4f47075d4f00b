package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"
)

// command is one subcommand as the usage text lists it.
type command struct {
	name, args, summary string
}

// commands are the subcommands, in the order `rmapbench help` lists them;
// the first (no name) is the suite run.
var commands = []command{
	{"", "[flags]", "run the suite; benchfmt results on stdout"},
	{"list", "", "strategies, file indexes and workloads, with their knobs"},
	{"plot", "[-o DIR] RESULTS...", "charts (PNG and SVG) from saved results"},
	{"report", "[-o FILE] RESULTS...", "check the claims against saved results (Markdown)"},
	{"import-strace", "[-o OUT] LOG", "turn an `strace -f -y` log into a trace"},
	{"import-perf", "[-o OUT] SCRIPT", "turn a `perf script` recording (syscalls, page faults) into a trace"},
	{"version", "", "version, commit and Go of this build (also -version)"},
	{"help", "[COMMAND]", "this text, or the flags of one command"},
}

// usageWidth is the width help and list text is wrapped to.
const usageWidth = 100

// suiteUsage is the usage text of the command as a whole: the
// subcommands, then the flags of a suite run.
func suiteUsage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintln(w, "rmapbench runs the reverse-mapping strategies Linux went through over one")
	fmt.Fprintln(w, "simulated MMU, checks their walks against a page-table scan, and reports")
	fmt.Fprintln(w, "time and space in Go benchmark format (compare runs with go tool benchstat).")
	fmt.Fprintln(w, "\nusage:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", strings.Join(strings.Fields("rmapbench "+c.name+" "+c.args), " "), c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nflags of a suite run (one dash or two: -strategy all, --strategy all):")
	printFlags(w, fs)
	fmt.Fprintln(w, "\nexit status: 0 success, 1 verification failure or runtime fault,")
	fmt.Fprintln(w, "2 bad usage or bad input (FILE:LINE: for traces). README.md and docs/ say more.")
}

// commandUsage prints the first line of a subcommand's usage.
func commandUsage(w io.Writer, name string) {
	for _, c := range commands {
		if c.name == name {
			fmt.Fprintf(w, "usage: rmapbench %s %s\n\n%s.\n", c.name, c.args, c.summary)
			return
		}
	}
}

// printFlags lists fs's flags as they are written on the command line,
// with one dash ("-o string"), each with its help wrapped below it.
func printFlags(w io.Writer, fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		typ, usage := pflag.UnquoteUsage(f)
		head := "  -" + f.Name
		if typ != "" {
			head += " " + typ
		}
		fmt.Fprintln(w, head)
		if def := defaultText(f); def != "" {
			usage += " (default " + def + ")"
		}
		for _, l := range wrapWords(usage, usageWidth-8) {
			fmt.Fprintln(w, "        "+l)
		}
	})
}

// defaultText is a flag's default as help shows it, or "" when it is the
// type's zero value.
func defaultText(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "0", "false", "[]":
		return ""
	}
	if f.Value.Type() == "string" {
		return fmt.Sprintf("%q", f.DefValue)
	}
	return f.DefValue
}

// wrapWords breaks s into lines of at most width columns (a longer word
// gets a line of its own).
func wrapWords(s string, width int) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = w
		case len(cur)+1+len(w) > width:
			lines = append(lines, cur)
			cur = w
		default:
			cur += " " + w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// helpCommand is `rmapbench help [COMMAND]`: the usage on stdout.
func helpCommand(args []string, stdin io.Reader, stdout io.Writer) error {
	switch {
	case len(args) == 0:
		fs, _ := newSuiteFlagSet(stdout)
		suiteUsage(stdout, fs)
		return nil
	case len(args) > 1:
		return &usageError{fmt.Sprintf("help takes at most one command (got %q)", args)}
	}
	switch args[0] {
	case "list":
		return listCommand([]string{"-h"}, stdout, stdout)
	case "plot":
		return plotCommand(context.Background(), []string{"-h"}, stdout, stdout)
	case "report":
		return reportCommand(context.Background(), []string{"-h"}, stdout, stdout)
	case "import-strace":
		return importStraceCommand(context.Background(), []string{"-h"}, stdin, stdout, stdout)
	case "import-perf":
		return importPerfCommand(context.Background(), []string{"-h"}, stdin, stdout, stdout)
	case "version", "help":
		commandUsage(stdout, args[0])
		return nil
	}
	var names []string
	for _, c := range commands[1:] {
		names = append(names, c.name)
	}
	return &usageError{fmt.Sprintf("help: unknown command %q (commands: %s)", args[0], strings.Join(names, ", "))}
}
