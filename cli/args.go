package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// normalizeArgs lets every long flag be written with one dash, as Go's
// flag package allows: "-strategy all" and "-strategy=all" become
// "--strategy all" and "--strategy=all". pflag alone would read
// "-strategy" as a cluster of one-letter flags, so that a typo such as
// "-out" would set -o to "ut"; here a one-dash word that names no
// registered flag is an error that names it. "-h" and "-help" are left
// for pflag to answer. The value of a flag that takes one is never
// rewritten, even if it starts with a dash ("-o -", "-trace -"); "--"
// ends the flags, and "-" alone is an argument (standard input).
func normalizeArgs(fs *pflag.FlagSet, args []string) ([]string, error) {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			out = append(out, args[i:]...)
			break
		}
		name, hasValue := flagName(a)
		if name == "" {
			out = append(out, a)
			continue
		}
		f := fs.Lookup(name)
		switch {
		case f == nil && (name == "help" || a == "-h"):
			out = append(out, a)
			continue
		case f == nil && strings.HasPrefix(a, "--"):
			out = append(out, a) // pflag names it: "unknown flag: --x"
			continue
		case f == nil:
			return nil, &usageError{unknownFlag(fs, name)}
		}
		if !strings.HasPrefix(a, "--") {
			a = "-" + a
		}
		out = append(out, a)
		// A flag that takes a value and was not written name=value
		// consumes the next argument as it is.
		if !hasValue && f.NoOptDefVal == "" && i+1 < len(args) {
			i++
			out = append(out, args[i])
		}
	}
	return out, nil
}

// unknownFlag is the message for a one-dash word that is no flag of fs,
// with the flag it was probably meant to be.
func unknownFlag(fs *pflag.FlagSet, name string) string {
	msg := "unknown flag -" + name
	best := ""
	// "-out", "-output=x": a one-letter flag with more letters after it.
	fs.VisitAll(func(f *pflag.Flag) {
		if len(f.Name) == 1 && strings.HasPrefix(name, f.Name) && best == "" {
			best = f.Name
		}
	})
	if best == "" {
		bestDist := 3
		fs.VisitAll(func(f *pflag.Flag) {
			if d := editDistance(name, f.Name); d < bestDist && len(f.Name) > 1 {
				best, bestDist = f.Name, d
			}
		})
	}
	if best != "" {
		msg += fmt.Sprintf(" (did you mean -%s?)", best)
	}
	return msg
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// flagName returns the name of a "-name", "--name" or "-name=value"
// argument, and whether it carries its value.
func flagName(a string) (string, bool) {
	if len(a) < 2 || a[0] != '-' || a == "--" {
		return "", false
	}
	s := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
	if s == "" {
		return "", false
	}
	if i := strings.IndexByte(s, '='); i >= 0 {
		return s[:i], true
	}
	return s, false
}

// parseFlags parses args (single-dash long flags allowed) into fs. help is
// true when the user asked for -help, which has been answered.
func parseFlags(fs *pflag.FlagSet, args []string) (help bool, err error) {
	norm, err := normalizeArgs(fs, args)
	if err != nil {
		return false, err
	}
	if err := fs.Parse(norm); err != nil {
		if err == pflag.ErrHelp {
			return true, nil
		}
		return false, &usageError{err.Error()}
	}
	return false, nil
}
