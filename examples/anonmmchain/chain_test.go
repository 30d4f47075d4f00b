package main

import (
	"testing"

	"rmapbench/conformance"
)

// anonmm-chain passes the same checks as rmapbench's own strategies.
func TestConformance(t *testing.T) { conformance.Run(t, Strategy) }
