package mirror

import "rmapbench/workloads/trace"

// Linux's madvise advice that the simulator has events for.
const (
	MadvDontneed    = 4  // MADV_DONTNEED: a dontneed event
	MadvMergeable   = 12 // MADV_MERGEABLE: madvise mergeable (KSM)
	MadvUnmergeable = 13 // MADV_UNMERGEABLE: madvise unmergeable
)

// MadviseEvent is the event madvise with advice becomes, without its
// range (Addr, Len) and PID, or false for advice the simulator has no
// meaning for.
func MadviseEvent(advice uint64) (trace.Event, bool) {
	var ev trace.Event
	switch advice {
	case MadvDontneed:
		ev.Op = trace.OpDontNeed
	case MadvMergeable:
		ev.Op, ev.Advice = trace.OpMadvise, trace.AdviceMergeable
	case MadvUnmergeable:
		ev.Op, ev.Advice = trace.OpMadvise, trace.AdviceUnmergeable
	default:
		return trace.Event{}, false
	}
	return ev, true
}
