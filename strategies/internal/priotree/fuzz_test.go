package priotree

import (
	"encoding/binary"
	"testing"
)

// fuzzOpBytes is the size of one encoded operation: an opcode byte and two
// little-endian 32-bit parameters.
const fuzzOpBytes = 9

// fuzzMaxOps bounds the work per input so the fuzzer keeps its pace.
const fuzzMaxOps = 400

// widen turns a 32-bit fuzz parameter into a 64-bit one whose low 32 bits
// are the parameter itself (so the fuzzer controls small values directly)
// and whose high bits are a hash of it (so large values occur too).
func widen(x uint32) uint64 {
	return uint64(x) | (uint64(x)*0x9E3779B97F4A7C15)<<32
}

// encodeFuzzOp builds one operation; the seed corpus was written with it.
func encodeFuzzOp(op byte, a, b uint32) []byte {
	var buf [fuzzOpBytes]byte
	buf[0] = op
	binary.LittleEndian.PutUint32(buf[1:], a)
	binary.LittleEndian.PutUint32(buf[5:], b)
	return buf[:]
}

// FuzzTree decodes the input as a sequence of operations and runs them
// against the brute-force model, which checks every answer and runs Check
// after every mutation. Opcode bits: the low 3 select the operation, the
// next 3 the interval regime.
//
//	0, 1, 2  Insert an interval of the regime
//	3        InsertAfter (fork) of an existing node
//	4, 5     Remove an existing node
//	6        Overlap with a range of the regime
//	7        Stab at a point of the regime, or Each
func FuzzTree(f *testing.F) {
	f.Add([]byte{})
	f.Add(append(encodeFuzzOp(0, 1, 2), encodeFuzzOp(6, 0, 0)...))
	f.Fuzz(runFuzzOps)
}

// runFuzzOps is FuzzTree's body.
func runFuzzOps(t *testing.T, data []byte) {
	m := newModel(t)
	for ops := 0; len(data) >= fuzzOpBytes && ops < fuzzMaxOps; ops++ {
		op := data[0]
		a := widen(binary.LittleEndian.Uint32(data[1:]))
		b := widen(binary.LittleEndian.Uint32(data[5:]))
		data = data[fuzzOpBytes:]
		r := regime(op>>3) % numRegimes
		switch op & 7 {
		case 0, 1, 2:
			m.insert(r.interval(a, b))
		case 3:
			m.insertAfter(a)
		case 4, 5:
			m.remove(a)
		case 6:
			m.query(r.query(a, b))
		case 7:
			if op&0x80 != 0 {
				m.each()
			} else {
				p := r.point(a, b)
				m.query(p, p)
			}
		}
	}
	// Drain in the order the input suggests, checking all the way down.
	for len(m.live) > 0 {
		m.remove(uint64(len(m.live)) * 7919)
	}
}
