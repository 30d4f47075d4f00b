package cli

import (
	"strings"

	"github.com/spf13/pflag"
)

// normalizeArgs lets every long flag be written with one dash, as Go's
// flag package allows: "-strategy all" and "-strategy=all" become
// "--strategy all" and "--strategy=all". pflag alone would read
// "-strategy" as a cluster of shorthand flags. An argument is rewritten
// only if its name is a registered long flag (or "help"); the value of a
// flag that takes one is never rewritten, even if it starts with a dash
// ("-o -", "-trace -"); "--" ends the flags.
func normalizeArgs(fs *pflag.FlagSet, args []string) []string {
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
		if f == nil && name != "help" {
			out = append(out, a)
			continue
		}
		if !strings.HasPrefix(a, "--") {
			a = "-" + a
		}
		out = append(out, a)
		// A flag that takes a value and was not written name=value
		// consumes the next argument as it is.
		if f != nil && !hasValue && f.NoOptDefVal == "" && i+1 < len(args) {
			i++
			out = append(out, args[i])
		}
	}
	return out
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
	if err := fs.Parse(normalizeArgs(fs, args)); err != nil {
		if err == pflag.ErrHelp {
			return true, nil
		}
		return false, &usageError{err.Error()}
	}
	return false, nil
}
