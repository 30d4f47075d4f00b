// Package cli is the rmapbench command: flag parsing, the subcommands and
// the wiring between workloads, strategies and output. It is a package of
// its own so that a program outside this module's strategies list (see
// examples/) can run the whole command with a strategy of its own added;
// cmd/rmapbench is only its main function.
//
//	rmapbench [flags]                       run the suite (benchfmt on stdout)
//	rmapbench list                          strategies, file indexes, workloads
//	rmapbench plot -o DIR RESULTS...        charts (PNG, SVG) from saved results
//	rmapbench report [-o FILE] RESULTS...   check the claims against saved results
//	rmapbench import-strace [-o OUT] LOG    convert an strace -f log to a trace
//	rmapbench version                       version, commit, Go
//	rmapbench help [COMMAND]                usage (the commands table of help.go)
//	rmapbench import-perf [-o OUT] SCRIPT   convert perf script output (syscalls, faults) to a trace
//
// Flags are written with one dash or two (args.go). README.md and docs/
// describe the flags and the output.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"rmapbench/core"
	"rmapbench/workloads"
	"rmapbench/workloads/trace"
)

// Exit statuses (README.md); a command stopped by a signal exits with
// 128+N, 130 for SIGINT and 143 for SIGTERM (signals.go).
const (
	exitOK      = 0
	exitFailure = 1 // verification failure, runtime fault, a limit of the run (-max-sim-mem)
	exitUsage   = 2 // bad usage or bad input
)

// usageError is bad usage of the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// Run is the whole command, testable in-process: it returns the exit
// status instead of exiting.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, args, stdin, stdout, stderr)
}

// run is the whole command, testable in-process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "rmapbench: internal error: %v\n", p)
			code = exitFailure
		}
	}()
	var err error
	switch {
	case len(args) > 0 && args[0] == "list":
		err = listCommand(args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "help":
		err = helpCommand(args[1:], stdin, stdout)
	case len(args) > 0 && (args[0] == "version" || args[0] == "-version" || args[0] == "--version"):
		err = versionCommand(args[1:], stdout)
	case len(args) > 0 && args[0] == "plot":
		err = plotCommand(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "report":
		err = reportCommand(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "import-strace":
		err = importStraceCommand(ctx, args[1:], stdin, stdout, stderr)
	case len(args) > 0 && args[0] == "import-perf":
		err = importPerfCommand(ctx, args[1:], stdin, stdout, stderr)
	default:
		err = suiteCommand(ctx, args, stdin, stdout, stderr)
	}
	return exitStatus(err, stderr)
}

// exitStatus prints err and chooses the exit status.
func exitStatus(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var stop *interrupted
	if errors.As(err, &stop) {
		fmt.Fprintf(stderr, "rmapbench: %v\n", stop)
		return stop.status()
	}
	if errors.Is(err, context.Canceled) {
		stop = &interrupted{cause: err}
		fmt.Fprintf(stderr, "rmapbench: %v\n", stop)
		return stop.status()
	}
	fmt.Fprintf(stderr, "rmapbench: %v\n", errorText(err))
	var (
		ue  *usageError
		bad *workloads.BadInputError
		te  *trace.Error
		ve  *core.VerifyError
	)
	switch {
	case errors.As(err, &ue), errors.As(err, &bad), errors.As(err, &te):
		return exitUsage
	case errors.As(err, &ve):
		return exitFailure
	}
	return exitFailure
}
