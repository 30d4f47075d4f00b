package workloads

import (
	"context"
	"io"

	"rmapbench/core"
	"rmapbench/workloads/trace"
)

var errEOF = io.EOF

// Replayer applies events to a machine.
type Replayer struct {
	M *core.Machine
	// Verify turns on the oracle: at every check and reclaim event, and
	// after every event for the first VerifyEvents events.
	Verify       bool
	VerifyEvents int64
	// VerifyLimit bounds the frames checked at check and reclaim events,
	// PerEventLimit those checked after other events (0: all).
	VerifyLimit   int
	PerEventLimit int
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
	case trace.OpCheck:
	}
	if err != nil {
		return err
	}
	if r.Verify {
		switch {
		case ev.Op == trace.OpCheck || ev.Op == trace.OpReclaim:
			return m.Verify(r.VerifyLimit)
		case r.events <= r.VerifyEvents:
			return m.Verify(r.PerEventLimit)
		}
	}
	return nil
}
