package core

import (
	"testing"
	"time"
)

// TestVerifyClockNests: a verification step inside another (a
// page_referenced check inside a pass) is timed once, so VerifyTime never
// passes the wall time and a verified run's ns/op stays positive.
func TestVerifyClockNests(t *testing.T) {
	m := &Machine{}
	start := time.Now()
	outer := m.verifyClock()
	for range 3 {
		inner := m.verifyClock()
		time.Sleep(2 * time.Millisecond)
		inner()
	}
	outer()
	if wall := time.Since(start); m.VerifyTime > wall {
		t.Fatalf("VerifyTime %v > wall time %v: nested steps counted twice", m.VerifyTime, wall)
	}
	if m.verifyDepth != 0 {
		t.Fatalf("verifyDepth %d after every step ended", m.verifyDepth)
	}
}
