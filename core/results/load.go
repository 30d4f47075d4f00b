package results

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// maxSyntaxErrors bounds how many errors Read reports per file.
const maxSyntaxErrors = 10

// ErrNoResults is the error of a file that holds no benchmark results
// (benchstat's output, say).
var ErrNoResults = errors.New("no benchmark results in it")

// Load reads benchfmt files and returns their results, each carrying the
// file-level configuration (goos, arch, scale, ...) that preceded it.
// Unit metadata lines are accepted and dropped. A syntax error, or a value
// no rmapbench result can have (see Read), is reported as "FILE:LINE:
// message"; Load reads every file and returns all of them (up to ten per
// file) joined, with no results. A file without results is skipped if
// another file has some (LoadContext says which).
func Load(paths ...string) ([]*benchfmt.Result, error) {
	return LoadContext(context.Background(), nil, paths...)
}

// LoadContext is Load, stopping with ctx's error once ctx is cancelled,
// and telling warn (if not nil) of each file skipped for holding no
// results.
func LoadContext(ctx context.Context, warn func(string), paths ...string) ([]*benchfmt.Result, error) {
	if len(paths) == 0 {
		return nil, errors.New("no results files given")
	}
	var results []*benchfmt.Result
	var errs []error
	var empty []error
	for _, path := range paths {
		rs, err := loadFile(ctx, path)
		switch {
		case errors.Is(err, ErrNoResults):
			empty = append(empty, err)
		case err != nil:
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			errs = append(errs, err)
		}
		results = append(results, rs...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(results) == 0 {
		return nil, errors.Join(empty...)
	}
	if warn != nil {
		for _, e := range empty {
			warn(e.Error() + "; skipped")
		}
	}
	return results, nil
}

func loadFile(ctx context.Context, path string) ([]*benchfmt.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadContext(ctx, f, path)
}

// Read reads benchfmt results from r, named name in errors. Besides
// benchfmt's syntax, it rejects at FILE:LINE a value that is not finite
// and a negative value of a unit that counts or measures (times, bytes,
// objects, walks: every unit rmapbench writes). A reader with no results
// is an error wrapping ErrNoResults.
func Read(r io.Reader, name string) ([]*benchfmt.Result, error) {
	return ReadContext(context.Background(), r, name)
}

// checkEvery is how many results ReadContext reads between two looks at
// its context.
const checkEvery = 1024

// ReadContext is Read, stopping with ctx's error once ctx is cancelled.
func ReadContext(ctx context.Context, r io.Reader, name string) ([]*benchfmt.Result, error) {
	var results []*benchfmt.Result
	var errs []error
	addErr := func(err error) {
		if len(errs) < maxSyntaxErrors {
			errs = append(errs, err)
		} else if len(errs) == maxSyntaxErrors {
			errs = append(errs, fmt.Errorf("%s: more errors follow", name))
		}
	}
	rd := benchfmt.NewReader(r, name)
	for n := 0; rd.Scan(); n++ {
		if n%checkEvery == 0 && ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		switch rec := rd.Result().(type) {
		case *benchfmt.Result:
			if err := checkValues(rec); err != nil {
				addErr(err)
				continue
			}
			// The reader reuses its Result: keep a copy.
			results = append(results, rec.Clone())
		case *benchfmt.SyntaxError:
			addErr(rec)
		}
	}
	if err := rd.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("%s: %w", name, ErrNoResults)
	}
	return results, nil
}

// checkValues rejects a value that is not finite, or negative in a unit
// that cannot be.
func checkValues(r *benchfmt.Result) error {
	for _, v := range r.Values {
		unit, val := v.Unit, v.Value
		if v.OrigUnit != "" {
			unit, val = v.OrigUnit, v.OrigValue
		}
		problem := ""
		switch {
		case math.IsNaN(val) || math.IsInf(val, 0):
			problem = "is not a finite number"
		case val < 0 && nonNegative(unit):
			problem = "is negative, which a " + unitKind(unit) + " cannot be"
		}
		if problem != "" {
			file, line := r.Pos()
			return fmt.Errorf("%s:%d: %s: %s %v %s", file, line, r.Name.Full(), unit, val, problem)
		}
	}
	return nil
}

// nonNegative reports whether unit is one whose values are never
// negative: a time, a size in bytes, or a count of rmapbench's.
func nonNegative(unit string) bool {
	return unitKind(unit) != ""
}

// unitKind names what a unit measures, or "" for a unit this package
// knows nothing of.
func unitKind(unit string) string {
	switch {
	case unit == "ns/op" || unit == "sec/op" || strings.HasPrefix(unit, "sec/"):
		return "time"
	case unit == "B/op" || strings.HasSuffix(unit, "-B") || strings.HasPrefix(unit, "heap-B/"):
		return "size"
	case unit == "allocs/op" || unit == "walks" || strings.HasSuffix(unit, "/walk") ||
		strings.HasSuffix(unit, "-objs") || unit == "mremap-copies" || unit == "mappings-peak":
		return "count"
	}
	return ""
}
