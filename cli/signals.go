package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"rmapbench/internal/tempfiles"
)

// Interrupts. SIGINT and SIGTERM stop every command: Main cancels the
// command's context with a *signalCause naming the signal, every long loop
// of the command looks at the context (the simulator every few thousand
// iterations, core/cancel.go; readers and writers once per line or
// chart), and the command returns, aborting its output files. The exit
// status is the shell's for a death by that signal, 128+N: 130 for SIGINT,
// 143 for SIGTERM, distinct from 1 (a failure) and 2 (bad input).
//
// Main does not trust every loop to look in time: if the command has not
// returned stopGrace after the signal, or a second signal comes, it
// removes every temporary file still registered (internal/tempfiles) and
// exits with the same status. Either way nothing final is written: output
// files appear only when a command completes (core/report's AtomicFile).

// stopGrace is how long Main lets a command stop by itself after a signal.
const stopGrace = 700 * time.Millisecond

// signalCause is the cause of a context cancelled by a signal.
type signalCause struct{ sig syscall.Signal }

func (s *signalCause) Error() string { return "interrupted by " + signalName(s.sig) }

func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// Main runs the command with os.Args, stopping it on SIGINT or SIGTERM,
// and exits with its status.
func Main() {
	os.Exit(runWithSignals(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func runWithSignals(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	done := make(chan int, 1)
	go func() { done <- Run(ctx, args, stdin, stdout, stderr) }()
	var sig syscall.Signal
	select {
	case code := <-done:
		return code
	case s := <-sigs:
		sig = s.(syscall.Signal)
		cancel(&signalCause{sig})
	}
	select {
	case code := <-done:
		return code
	case <-sigs:
	case <-time.After(stopGrace):
	}
	tempfiles.RemoveAll()
	fmt.Fprintf(stderr, "rmapbench: %s; stopped\n", (&signalCause{sig}).Error())
	return 128 + int(sig)
}

// interrupted is a command stopped by its context: by a signal, or by a
// caller of Run that cancelled it.
type interrupted struct {
	cause error
	// unwritten are the output files the command did not write.
	unwritten []string
}

func (e *interrupted) Error() string {
	msg := "interrupted"
	var sc *signalCause
	if errors.As(e.cause, &sc) {
		msg = sc.Error()
	}
	if len(e.unwritten) > 0 {
		msg += "; nothing written to " + strings.Join(e.unwritten, ", ")
	}
	return msg
}

func (e *interrupted) Unwrap() error { return e.cause }

// status is the exit status of a command stopped this way.
func (e *interrupted) status() int {
	var sc *signalCause
	if errors.As(e.cause, &sc) {
		return 128 + int(sc.sig)
	}
	return 128 + int(syscall.SIGINT)
}

// stopped returns err as an *interrupted if ctx was cancelled (whatever err
// says: a loop that saw the cancellation may report it its own way), and
// err otherwise. outputs are the output files the command was to write
// ("" for none).
func stopped(ctx context.Context, err error, outputs ...string) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	e := &interrupted{cause: context.Cause(ctx)}
	for _, o := range outputs {
		if o != "" {
			e.unwritten = append(e.unwritten, o)
		}
	}
	return e
}

// ctxReader is a reader that fails with the context's cause once the
// context is cancelled: a command that reads its input through one stops
// at its next read.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, context.Cause(c.ctx)
	}
	return c.r.Read(p)
}
