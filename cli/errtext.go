package cli

import (
	"errors"

	"rmapbench/core"
	"rmapbench/core/suite"
	"rmapbench/workloads"
)

// errorText is what the command prints for err. An error at a place in
// the user's input (a bad trace line, an event that does not fit the
// simulator's budget) starts with that place, "FILE:LINE: ...", as
// compilers' messages do, rather than with the benchmark case that was
// running: the input is wrong (or too big) for every strategy alike.
func errorText(err error) string {
	var ce *suite.CaseError
	if !errors.As(err, &ce) {
		return err.Error()
	}
	var (
		bad    *workloads.BadInputError
		budget *core.BudgetError
	)
	if errors.As(ce.Err, &bad) || errors.As(ce.Err, &budget) {
		return ce.Err.Error()
	}
	return err.Error()
}
