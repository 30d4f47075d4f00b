package core

import "context"

// Interrupts. An event can take long: a touch of a huge range, a reclaim
// that finds little to free, a verification pass over every frame. The
// loops of such operations call poll, which every pollEvery calls looks
// at Config.Ctx and returns its error once it is cancelled (SIGINT or
// SIGTERM in the command), so that the operation stops where it is and
// the run ends within a fraction of a second. An operation stopped this
// way leaves the machine inconsistent; the caller discards it.

// pollEvery is how many loop iterations pass between two looks at the
// context: frequent enough to answer within milliseconds, rare enough to
// cost nothing measurable.
const pollEvery = 4096

// poll returns, every pollEvery calls, the context's error once it is
// cancelled, or a *BudgetError once the machine uses more memory than its
// budget (budget.go); nil otherwise.
func (m *Machine) poll() error {
	m.polls++
	if m.polls%pollEvery != 0 {
		return nil
	}
	if err := m.overBudget(); err != nil {
		return err
	}
	if m.cfg.Ctx == nil {
		return nil
	}
	return m.cfg.Ctx.Err()
}

// Interrupted reports the context's error now, for callers outside core
// that loop over machine operations.
func (m *Machine) Interrupted() error {
	if m.cfg.Ctx == nil {
		return nil
	}
	return context.Cause(m.cfg.Ctx)
}
