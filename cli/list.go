package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"rmapbench/strategies"
	"rmapbench/workloads"
)

func listCommand(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return &usageError{fmt.Sprintf("list takes no arguments (got %q)", args)}
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "strategies (-strategy):")
	for _, s := range strategies.All() {
		fmt.Fprintf(tw, "  %s\t%s\t%s (file index: %s)\n", s.Name, s.Era, s.Summary, s.DefaultIndex)
	}
	fmt.Fprintln(tw, "\nfile indexes (-fileindex):")
	for _, k := range strategies.Indexes() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", k.Name, k.Era, k.Summary)
	}
	fmt.Fprintln(tw, "\nworkloads (-workload):")
	for _, g := range workloads.All() {
		fmt.Fprintf(tw, "  %s\t%s\n", g.Name, g.Summary)
		for _, k := range g.Knobs {
			value := "N"
			if k.Choices != nil {
				value = strings.Join(k.Choices, "|")
			}
			fmt.Fprintf(tw, "  \t  -param %s=%s\t%s (small/default/large: %s)\n", k.Name, value, k.Help, knobScales(k))
		}
	}
	return tw.Flush()
}

func knobScales(k workloads.Knob) string {
	var parts []string
	for _, v := range k.ByScale {
		parts = append(parts, k.Format(v))
	}
	return strings.Join(parts, "/")
}
