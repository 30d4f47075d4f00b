package workloads

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"rmapbench/core"
	"rmapbench/internal/tempfiles"
	"rmapbench/workloads/trace"
)

// Scale selects the size of a generated workload.
type Scale int

const (
	ScaleSmall   Scale = iota // seconds for the whole suite: CI and smoke tests
	ScaleDefault              // the published numbers
	ScaleLarge                // sweeps on big machines
)

var scaleNames = []string{"small", "default", "large"}

func (s Scale) String() string { return scaleNames[s] }

// ParseScale parses small, default or large.
func ParseScale(name string) (Scale, error) {
	for i, n := range scaleNames {
		if n == name {
			return Scale(i), nil
		}
	}
	return 0, fmt.Errorf("unknown scale %q (valid: %s)", name, strings.Join(scaleNames, ", "))
}

// Param is one key=value part of a benchmark name.
type Param struct{ Key, Value string }

// Source is a stream of events: a generated workload or a trace file.
type Source interface {
	// Bench is the benchmark name ("ForkExit").
	Bench() string
	// Params are the key=value sub-names that describe the source's size.
	Params() []Param
	// Run calls apply for every event in order. An error from apply stops
	// the run and is returned with the event's position attached.
	Run(apply func(trace.Event) error) error
}

// PosError is an error at a position of a source: "FILE:LINE" for a
// trace, "workload NAME, event N" for a generator.
type PosError struct {
	Pos string
	Err error
}

func (e *PosError) Error() string { return e.Pos + ": " + e.Err.Error() }
func (e *PosError) Unwrap() error { return e.Err }

// BadInputError marks an error caused by the user's input (a trace file):
// the command exits with status 2 for it.
type BadInputError struct{ Err error }

func (e *BadInputError) Error() string { return e.Err.Error() }
func (e *BadInputError) Unwrap() error { return e.Err }

// attach puts a position on an error from applying an event. A
// verification failure carries the position in its Where field.
func attach(pos string, err error) error {
	var ve *core.VerifyError
	if errors.As(err, &ve) {
		if ve.Where == "" {
			ve.Where = pos
		}
		return err
	}
	return &PosError{Pos: pos, Err: err}
}

// TraceSource replays a trace file (plain or gzip; "-" is standard input).
//
// A trace is replayed once per strategy (and per -count run), but standard
// input can be read only once. So the first Run copies standard input, as
// it comes (compressed or not), into a temporary file, and every run
// streams that file as it would any trace file: memory stays bounded
// whatever the size of the input. Close removes the copy; the command
// calls it on every path, and a command stopped by a signal removes it
// with every other temporary file (internal/tempfiles).
type TraceSource struct {
	Path string
	// Stdin is read for the path "-".
	Stdin io.Reader

	spool *os.File // the copy of standard input
}

// Bench is "Trace".
func (t *TraceSource) Bench() string { return "Trace" }

// Params names the trace by its file name.
func (t *TraceSource) Params() []Param {
	name := filepath.Base(t.Path)
	if t.Path == "-" {
		name = "stdin"
	}
	return []Param{{"trace", sanitizeName(name)}}
}

// sanitizeName keeps a name usable as a benchmark sub-name value.
func sanitizeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == '\t' || r == '=' {
			return '_'
		}
		return r
	}, s)
}

func (t *TraceSource) open() (*trace.Reader, io.Closer, error) {
	if t.Path != "-" {
		return trace.Open(t.Path)
	}
	if t.spool == nil {
		if err := t.copyStdin(); err != nil {
			return nil, nil, err
		}
	}
	f, err := os.Open(t.spool.Name())
	if err != nil {
		return nil, nil, err
	}
	r, c, err := trace.OpenReader(f, trace.StdinName)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return r, multiCloser{c, f}, nil
}

// copyStdin copies standard input into the spool file.
func (t *TraceSource) copyStdin() error {
	in := t.Stdin
	if in == nil {
		in = os.Stdin
	}
	f, err := tempfiles.Create("", "rmapbench-stdin-*.trace")
	if err != nil {
		return fmt.Errorf("copying standard input: %w", err)
	}
	if _, err := io.Copy(f, in); err != nil {
		tempfiles.Remove(f)
		return fmt.Errorf("%s: %w", trace.StdinName, err)
	}
	t.spool = f
	return nil
}

// Close removes the copy of standard input, if any.
func (t *TraceSource) Close() error {
	if t.spool != nil {
		tempfiles.Remove(t.spool)
		t.spool = nil
	}
	return nil
}

// multiCloser closes each of its closers in order.
type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var errs []error
	for _, c := range m {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Run reads the trace and applies each event. A bad line or an event that
// makes no sense for the machine is a *BadInputError naming FILE:LINE.
func (t *TraceSource) Run(apply func(trace.Event) error) error {
	r, closer, err := t.open()
	if err != nil {
		var te *trace.Error
		if errors.As(err, &te) {
			return &BadInputError{Err: err}
		}
		return &BadInputError{Err: fmt.Errorf("%s: %w", t.Path, err)}
	}
	defer closer.Close()
	for {
		ev, err := r.Next()
		if err != nil {
			if errors.Is(err, errEOF) {
				return nil
			}
			return &BadInputError{Err: err}
		}
		if err := apply(ev); err != nil {
			err = attach(fmt.Sprintf("%s:%d", r.Name(), r.Line()), err)
			var ie *core.InputError
			if errors.As(err, &ie) {
				return &BadInputError{Err: err}
			}
			return err
		}
	}
}
