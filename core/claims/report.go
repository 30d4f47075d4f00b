package claims

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Meta describes the run behind the results and the making of the
// report, kept apart: the run is what the results files record; the
// report says who wrote it and when.
type Meta struct {
	// Run is the configuration the results files record (their header
	// lines: commit, cpu, goos, scale, ...), each key with its values.
	Run []RunKey
	// Results is the number of benchmark results read.
	Results int
	// Generator is who wrote the report: the command given to `rmapbench
	// report -command`, else "rmapbench report".
	Generator string
	// Reporter is the rmapbench that checked the claims (version, commit,
	// Go): the thresholds are its.
	Reporter string
	// Date is the day the report was written.
	Date  string
	Files []string // results files, relative to the report
	Plots []string // charts drawn next to the report, in plots/
}

// RunKey is one header key of the results with its distinct values, in
// the order they first appear.
type RunKey struct {
	Key    string
	Values []string
}

// runKeyNames are the results' header keys as the report names them.
var runKeyNames = map[string]string{
	"commit": "Commit", "cpu": "CPU", "goos": "OS", "goarch": "Arch (Go)", "scale": "Scale",
	"arch": "Struct sizes (-arch)", "mem": "Simulated memory (-mem)", "seed": "Seed",
}

// Write writes the report in Markdown.
func Write(w io.Writer, claims []Claim, meta Meta) error {
	var b strings.Builder
	b.WriteString("# rmapbench results\n\n")
	gen := meta.Generator
	if gen == "" {
		gen = "rmapbench report"
	}
	fmt.Fprintf(&b, "Written by `%s` on %s", gen, meta.Date)
	if meta.Reporter != "" {
		fmt.Fprintf(&b, " (%s)", meta.Reporter)
	}
	fmt.Fprintf(&b, " from %d results in the files listed at the end; do not edit it by hand, rerun the command.\n\n", meta.Results)
	b.WriteString("## The run behind these results\n\nAs the results files record it:\n\n")
	if len(meta.Run) == 0 {
		b.WriteString("- (the files record no configuration)\n")
	}
	for _, k := range meta.Run {
		name := runKeyNames[k.Key]
		if name == "" {
			name = k.Key
		}
		fmt.Fprintf(&b, "- %s: %s\n", name, strings.Join(k.Values, ", "))
	}
	b.WriteString("\n## Claims\n\n")
	b.WriteString("Each claim is checked against this run by the threshold beside it (the rules are in `core/claims`); \"no\" means this run does not reproduce the claim as stated.\n\n")
	b.WriteString("| # | claim | source | measured here | threshold | reproduced | plot |\n|---|---|---|---|---|---|---|\n")
	for i, c := range claims {
		plot := ""
		switch {
		case c.Plot != "" && slices.Contains(meta.Plots, c.Plot):
			plot = fmt.Sprintf("[%s](plots/%s.png)", c.Plot, c.Plot)
		case c.Plot != "":
			plot = c.Plot + " (not drawn)"
		}
		verdict := "**" + string(c.Verdict) + "**"
		if len(c.Models) > 0 {
			var vs []string
			for _, mv := range c.Models {
				vs = append(vs, mv.Name+": **"+string(mv.Verdict)+"**")
			}
			verdict = strings.Join(vs, "<br>")
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s |\n", i+1, cell(c.Text), cell(c.Source), cell(c.Measured), cell(c.Threshold), verdict, plot)
	}
	if len(meta.Plots) > 0 {
		b.WriteString("\n## Plots\n")
		for _, p := range meta.Plots {
			fmt.Fprintf(&b, "\n### %s\n\n![%s](plots/%s.png) ([SVG](plots/%s.svg))\n", p, p, p, p)
		}
	}
	b.WriteString("\n## Files\n\n")
	for _, f := range meta.Files {
		fmt.Fprintf(&b, "- [`%s`](%s)\n", f, f)
	}
	b.WriteString("\nCompare a run of your own with these: `go tool benchstat results/suite.txt new.txt`; strategies side by side, each against ptechain (whose rmap space is never 0, so every ratio can be computed): `go tool benchstat -col '/strategy@(ptechain pagescan filelinear anonmm anonvma anonvma-avc)' results/suite.txt`")
	if slices.Contains(meta.Files, "benchstat.txt") {
		b.WriteString(" (also in `benchstat.txt`)")
	}
	b.WriteString(".\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
