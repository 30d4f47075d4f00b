package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/workloads"
)

// listCommand is `rmapbench list`: the strategies, file indexes and
// workloads with their knobs, wrapped to usageWidth columns.
func listCommand(args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("list", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { commandUsage(stderr, "list") }
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("list takes no arguments (got %q)", fs.Args())}
	}
	l := &lister{w: stdout}
	l.heading("strategies (-strategy NAME,...):")
	var thp []string
	for _, s := range strategies.All() {
		l.entry(s.Name, s.Era+"; file index "+s.DefaultIndex+".", s.Summary)
		if thpSupported(s) {
			thp = append(thp, s.Name)
		}
	}
	l.entry("", "-thp always maps 2 MiB folios by one PMD under "+strings.Join(thp, ", ")+
		" (the folio rmap interface); the other strategies map PTEs (docs/folios.md).")
	l.heading("file indexes (-fileindex NAME,...):")
	for _, k := range strategies.Indexes() {
		l.entry(k.Name, k.Era+".", k.Summary)
	}
	l.heading("workloads (-workload NAME,...), with their knobs (-param KNOB=V1,V2,...):")
	for _, g := range workloads.All() {
		l.entry(g.Name, g.Summary)
		for _, k := range g.Knobs {
			l.knob(k)
		}
	}
	return l.err
}

// thpSupported reports whether s maps THP by PMD (core.THPSupported).
func thpSupported(s core.Strategy) bool {
	idx, err := strategies.Index(s.DefaultIndex)
	if err != nil {
		return false
	}
	return core.THPSupported(core.NewMachineFor(core.Config{Seed: 1, NewIndex: idx.New}, s).Rmapper())
}

// lister writes the two-column layout of `rmapbench list`: a name, and
// its text wrapped beside it.
type lister struct {
	w     io.Writer
	err   error
	first bool
}

// nameCol is where the text beside a name starts.
const nameCol = 16

func (l *lister) line(s string) {
	if l.err == nil {
		_, l.err = fmt.Fprintln(l.w, strings.TrimRight(s, " "))
	}
}

func (l *lister) heading(s string) {
	if l.first {
		l.line("")
	}
	l.first = true
	l.line(s)
}

// entry writes name and each paragraph of text, wrapped at nameCol.
func (l *lister) entry(name string, paragraphs ...string) {
	prefix := fmt.Sprintf("  %-*s", nameCol-2, name)
	if len(prefix) > nameCol {
		l.line(prefix)
		prefix = ""
	}
	for _, p := range paragraphs {
		for _, s := range wrapWords(p, usageWidth-nameCol) {
			l.line(fmt.Sprintf("%-*s%s", nameCol, prefix, s))
			prefix = ""
		}
	}
}

// knob writes one knob of a workload under it.
func (l *lister) knob(k workloads.Knob) {
	val := "N"
	switch {
	case k.Choices != nil:
		val = strings.Join(k.Choices, "|")
	case k.Bytes:
		val = "SIZE"
	}
	head := fmt.Sprintf("%-*s-param %s=%s", nameCol+2, "", k.Name, val)
	const textCol = nameCol + 24
	text := k.Help + " (small/default/large: " + knobScales(k) + ")"
	for _, s := range wrapWords(text, usageWidth-textCol) {
		if len(head) < textCol {
			l.line(fmt.Sprintf("%-*s%s", textCol, head, s))
		} else {
			l.line(head)
			l.line(fmt.Sprintf("%-*s%s", textCol, "", s))
		}
		head = ""
	}
}

func knobScales(k workloads.Knob) string {
	var parts []string
	for _, v := range k.ByScale {
		parts = append(parts, k.Format(v))
	}
	return strings.Join(parts, "/")
}
