package strace

import (
	"flag"
	"os"
	"testing"
)

// fuzzMinimizeTime replaces go test's default of 60 s for minimizing a
// new interesting input, unless -fuzzminimizetime is given. The fuzzer
// minimizes each new input before it goes on, without counting those
// executions, and its minimizer tries every subset of the input's bytes
// to remove: for a log of a few hundred bytes that is the whole minute,
// and the throughput reads 0/sec for a minute after each find. Two
// seconds shrink a log enough to read, and keep the fuzzer fuzzing.
const fuzzMinimizeTime = "2s"

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		if f := flag.Lookup("test.fuzzminimizetime"); f != nil {
			f.Value.Set(fuzzMinimizeTime)
		}
	}
	os.Exit(m.Run())
}
