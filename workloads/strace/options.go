package strace

import (
	"fmt"
	"math"
)

// TouchPolicy chooses how page touches are synthesised; strace shows
// system calls, never page faults. The package documentation defines each
// policy exactly.
type TouchPolicy int

const (
	// TouchKnown touches what programs are known to touch: data and heap
	// written, text and read-only data half read, stacks at the top.
	TouchKnown TouchPolicy = iota
	// TouchNone emits no touches at all.
	TouchNone
	// TouchAll touches every page of every mapping once.
	TouchAll
	// TouchFraction touches each page of every mapping once with
	// probability Options.Fraction.
	TouchFraction
)

var touchPolicyNames = [...]string{
	TouchKnown:    "known",
	TouchNone:     "none",
	TouchAll:      "all",
	TouchFraction: "fraction",
}

// String returns the policy's name, as ParseTouchPolicy accepts it.
func (p TouchPolicy) String() string {
	if p >= 0 && int(p) < len(touchPolicyNames) {
		return touchPolicyNames[p]
	}
	return fmt.Sprintf("TouchPolicy(%d)", int(p))
}

// ParseTouchPolicy parses a policy name: known, none, all or fraction.
func ParseTouchPolicy(s string) (TouchPolicy, error) {
	for p, name := range touchPolicyNames {
		if s == name {
			return TouchPolicy(p), nil
		}
	}
	return 0, fmt.Errorf("unknown touch policy %q (valid: known, none, all, fraction)", s)
}

// DefaultMaxTouchBytes is the most of one mapping a policy touches when
// Options.MaxTouchBytes is 0.
const DefaultMaxTouchBytes = 256 << 20

// Options controls the import.
type Options struct {
	// Touch is the policy that synthesises page touches.
	Touch TouchPolicy
	// Fraction is the probability that TouchFraction touches a page, in
	// [0, 1].
	Fraction float64
	// Seed seeds TouchFraction's choices; the same log, options and seed
	// give the same trace.
	Seed uint64
	// MaxTouchBytes bounds what a policy touches of one mapping (the part
	// it would touch is cut to its first MaxTouchBytes); 0 means
	// DefaultMaxTouchBytes. It keeps a huge reservation that a program
	// maps writable but hardly uses from becoming gigabytes of faults.
	MaxTouchBytes uint64
	// NoStack leaves out the synthetic stack mapping made at every exec.
	NoStack bool
	// NoComments leaves out the comment lines (the log's name, and each
	// exec's program).
	NoComments bool
}

func (o Options) validate() error {
	if o.Touch < TouchKnown || o.Touch > TouchFraction {
		return fmt.Errorf("strace: unknown touch policy %d", int(o.Touch))
	}
	if o.Touch == TouchFraction && (math.IsNaN(o.Fraction) || o.Fraction < 0 || o.Fraction > 1) {
		return fmt.Errorf("strace: touch fraction %v is not in [0, 1]", o.Fraction)
	}
	return nil
}

func (o Options) maxTouch() uint64 {
	if o.MaxTouchBytes == 0 {
		return DefaultMaxTouchBytes
	}
	return o.MaxTouchBytes
}
