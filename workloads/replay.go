package workloads

import (
	"context"
	"errors"
	"io"

	"rmapbench/core"
	"rmapbench/workloads/trace"
)

var errEOF = io.EOF

// Replayer applies events to a machine.
type Replayer struct {
	M *core.Machine
	// Verify checks the machine against the oracle (docs/verification.md)
	// after every event: a full pass at a check event (every frame's
	// count, the mapped frames' walks); after any other event, the walks
	// of the frames reclaim left mapped and a rotating sample of Sample
	// frames. Finish makes the last full pass. The machine must be built
	// with core.Config.Verify.
	Verify bool
	Sample int
	// Budget bounds the walks made to verify, relative to the run's own
	// work (core.WalkBudget); the zero Budget means no bound.
	Budget core.WalkBudget
	// Emit, if set, receives every event applied (-emit-trace).
	Emit *trace.Writer
	// Ctx stops a replay when cancelled (an interrupt).
	Ctx context.Context

	events int64
}

// Events is the number of events applied.
func (r *Replayer) Events() int64 { return r.events }

// Apply applies one event.
func (r *Replayer) Apply(ev trace.Event) error {
	r.events++
	if r.Ctx != nil && r.events%1024 == 0 {
		if err := r.Ctx.Err(); err != nil {
			return err
		}
	}
	if r.Emit != nil {
		if err := r.Emit.Write(ev); err != nil {
			return err
		}
	}
	m := r.M
	var err error
	switch ev.Op {
	case trace.OpFork:
		err = m.Fork(ev.PID, ev.Child)
	case trace.OpExec:
		err = m.Exec(ev.PID)
	case trace.OpExit:
		err = m.Exit(ev.PID)
	case trace.OpMmap:
		err = m.Mmap(ev.PID, ev.Addr, ev.Len, core.Prot(ev.Prot), ev.Shared, ev.File, ev.Offset)
	case trace.OpMunmap:
		err = m.Munmap(ev.PID, ev.Addr, ev.Len)
	case trace.OpMprotect:
		err = m.Mprotect(ev.PID, ev.Addr, ev.Len, core.Prot(ev.Prot))
	case trace.OpMremap:
		err = m.Mremap(ev.PID, ev.Addr, ev.Len, ev.NewAddr, ev.NewLen)
	case trace.OpTouch:
		if ev.HasValue {
			err = m.TouchValue(ev.PID, ev.Addr, ev.Len, ev.Value)
		} else {
			err = m.Touch(ev.PID, ev.Addr, ev.Len, ev.Write)
		}
	case trace.OpDontNeed:
		err = m.DontNeed(ev.PID, ev.Addr, ev.Len)
	case trace.OpRemap:
		err = m.Remap(ev.PID, ev.Addr, ev.Len, ev.PgOff)
	case trace.OpReclaim:
		err = m.Reclaim(int(min(ev.N, 1<<40)))
	case trace.OpMlock:
		err = m.Mlock(ev.PID, ev.Addr, ev.Len)
	case trace.OpMunlock:
		err = m.Munlock(ev.PID, ev.Addr, ev.Len)
	case trace.OpMadvise:
		advice := core.MadvMergeable
		if ev.Advice == trace.AdviceUnmergeable {
			advice = core.MadvUnmergeable
		}
		err = m.Madvise(ev.PID, ev.Addr, ev.Len, advice)
	case trace.OpKsm:
		err = m.KSMScan(int(min(ev.N, 1<<40)))
	case trace.OpMigrate:
		err = m.Migrate(ev.PID, ev.Addr, ev.Len)
	case trace.OpTHP:
		m.SetTHP(ev.N == 1)
	case trace.OpFolio:
		err = m.SetFolioSize(int64(ev.N))
	case trace.OpCheck:
	}
	if err != nil {
		return err
	}
	if !r.Verify {
		return nil
	}
	if ev.Op == trace.OpCheck {
		return m.VerifyPass(r.Budget)
	}
	return m.VerifyEvent(r.Sample, r.Budget)
}

// Finish ends a verified replay with a full pass, so that the state the
// run ends in is checked whatever the last event was. A failure names no
// event: its Where is "end of run".
func (r *Replayer) Finish() error {
	if !r.Verify {
		return nil
	}
	err := r.M.VerifyPass(r.Budget)
	var ve *core.VerifyError
	if errors.As(err, &ve) && ve.Where == "" {
		ve.Where = "end of run"
	}
	return err
}
