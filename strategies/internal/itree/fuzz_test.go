package itree

import (
	"math"
	"testing"
)

// fuzzOps decodes fuzz input as a sequence of operations. Each operation is
// an opcode byte followed by its operands; a truncated final operation is
// dropped, and so is everything after maxFuzzInput bytes.
//
//	op%6 == 0, 1: Insert [coord(a), coord(b)] (sorted)        operands a, b
//	op%6 == 2:    InsertAfter the pick-th linked node         operand pick
//	op%6 == 3:    Remove the pick-th linked node              operand pick
//	op%6 == 4:    Overlap [coord(a), coord(b)], limit op/6%4  operands a, b
//	op%6 == 5:    Stab coord(a), limit op/6%4                 operand a
//
// Coordinates are mostly small, so duplicates and nesting are common, with
// the top of the byte range mapped to the very end of uint64. A limit of 0
// means report everything; otherwise the query stops after limit reports.
type fuzzOps struct {
	data []byte
}

func (f *fuzzOps) next() (byte, bool) {
	if len(f.data) == 0 {
		return 0, false
	}
	b := f.data[0]
	f.data = f.data[1:]
	return b, true
}

func coord(b byte) uint64 {
	if b >= 248 {
		return math.MaxUint64 - uint64(255-b)
	}
	return uint64(b % 48)
}

// maxFuzzInput bounds the work per input: only the first maxFuzzInput bytes
// are decoded (roughly 150 operations and trees of up to ~100 nodes, enough
// to reach every rebalancing case; TestRandomAgainstBruteForce covers big
// trees). Each mutation costs an O(n) Check and each query an O(n)
// brute-force answer, and the fuzzer's minimiser re-runs every new
// interesting input a number of times quadratic in its length, so cheap
// executions keep the fuzzer fuzzing instead of minimising.
const maxFuzzInput = 384

func runFuzzOps(t *testing.T, data []byte) {
	m := newModel()
	ops := fuzzOps{data: data[:min(len(data), maxFuzzInput)]}
	for {
		op, ok := ops.next()
		if !ok {
			return
		}
		var err error
		limit := int(op/6) % 4
		switch op % 6 {
		case 0, 1:
			a, ok1 := ops.next()
			b, ok2 := ops.next()
			if !ok1 || !ok2 {
				return
			}
			s, l := coord(a), coord(b)
			err = m.insert(min(s, l), max(s, l))
		case 2:
			pick, ok := ops.next()
			if !ok {
				return
			}
			err = m.insertAfter(int(pick))
		case 3:
			pick, ok := ops.next()
			if !ok {
				return
			}
			err = m.remove(int(pick))
		case 4:
			a, ok1 := ops.next()
			b, ok2 := ops.next()
			if !ok1 || !ok2 {
				return
			}
			// Not sorted: lo > hi exercises the empty query.
			err = m.query(coord(a), coord(b), false, limit)
		case 5:
			a, ok := ops.next()
			if !ok {
				return
			}
			err = m.query(coord(a), 0, true, limit)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzTree(f *testing.F) {
	f.Add([]byte{0, 1, 5, 0, 3, 9, 5, 4, 4, 0, 47, 3, 0, 5, 4})
	// A run of InsertAfter on one node, then removals.
	f.Add([]byte{0, 2, 7, 2, 0, 2, 0, 2, 1, 2, 3, 5, 5, 3, 1, 3, 0, 5, 5, 3, 0, 3, 0})
	// Values at the end of uint64.
	f.Add([]byte{0, 250, 255, 1, 0, 255, 0, 255, 255, 4, 254, 255, 5, 255, 10, 0, 255, 3, 1, 5, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		runFuzzOps(t, data)
	})
}
