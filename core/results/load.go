package results

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/perf/benchfmt"
)

// maxSyntaxErrors bounds how many syntax errors Load reports per file.
const maxSyntaxErrors = 10

// Load reads benchfmt files and returns their results, each carrying the
// file-level configuration (goos, arch, scale, ...) that preceded it.
// Unit metadata lines are accepted and dropped. A syntax error is reported
// as "FILE:LINE: message"; Load reads every file and returns all of them
// (up to ten per file) joined, with no results.
func Load(paths ...string) ([]*benchfmt.Result, error) {
	if len(paths) == 0 {
		return nil, errors.New("no results files given")
	}
	var results []*benchfmt.Result
	var errs []error
	for _, path := range paths {
		rs, err := loadFile(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		results = append(results, rs...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return results, nil
}

func loadFile(path string) ([]*benchfmt.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// Read reads benchfmt results from r, named name in errors.
func Read(r io.Reader, name string) ([]*benchfmt.Result, error) {
	var results []*benchfmt.Result
	var errs []error
	rd := benchfmt.NewReader(r, name)
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.Result:
			// The reader reuses its Result: keep a copy.
			results = append(results, rec.Clone())
		case *benchfmt.SyntaxError:
			if len(errs) < maxSyntaxErrors {
				errs = append(errs, rec)
			} else if len(errs) == maxSyntaxErrors {
				errs = append(errs, fmt.Errorf("%s: more syntax errors follow", name))
			}
		}
	}
	if err := rd.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("%s: no benchmark results in it", name)
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("%s: no benchmark results in it", name)
	}
	return results, nil
}
