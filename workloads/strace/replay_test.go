package strace

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/workloads"
	"rmapbench/workloads/trace"
)

// importBytes imports log and returns the trace text.
func importBytes(t testing.TB, name string, log []byte, opts Options) ([]byte, Stats) {
	t.Helper()
	var out bytes.Buffer
	st, err := Import(bytes.NewReader(log), name, trace.NewWriter(&out), opts)
	if err != nil {
		t.Fatalf("Import(%s): %v", name, err)
	}
	return out.Bytes(), st
}

// replayEvery replays tr under every registered strategy with the oracle
// on, and fails at the first error.
func replayEvery(t *testing.T, name string, tr []byte) {
	t.Helper()
	for _, st := range strategies.All() {
		idx, err := strategies.Index(st.DefaultIndex)
		if err != nil {
			t.Fatalf("%s: index %q: %v", st.Name, st.DefaultIndex, err)
		}
		m := core.NewMachine(core.Config{Seed: 1, NewIndex: idx.New, Verify: true}, st.New)
		if err := replay(m, name, tr, 32); err != nil {
			t.Errorf("strategy %s: %v", st.Name, err)
		}
	}
}

// replay applies every event of tr to m, verifying after every event (a
// sample of sample frames, walked within the command's budget) and at the
// end (every frame).
func replay(m *core.Machine, name string, tr []byte, sample int) error {
	r := &workloads.Replayer{M: m, Verify: true, Sample: sample, Budget: core.WalkBudget{Sample: 0.5}}
	rd := trace.NewReader(bytes.NewReader(tr), name)
	for {
		ev, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return m.Verify(0)
		}
		if err != nil {
			return err
		}
		if err := r.Apply(ev); err != nil {
			return &trace.Error{File: name, Line: rd.Line(), Msg: err.Error()}
		}
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
