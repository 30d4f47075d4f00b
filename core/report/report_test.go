package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

func TestWriteReadBack(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, []HeaderKey{{"goos", "linux"}, {"scale", "small"}})
	in := []Result{
		{Name: "ForkExit/strategy=a/procs=4", Iters: 1, Metrics: []Metric{{1234, "ns/op", false}, {2.5, "vmas/walk", true}, {800, "pte_chain-objs", true}}},
		{Name: "ForkExit/strategy=b/procs=4", Iters: 1, Metrics: []Metric{{999, "ns/op", false}, {3, "vmas/walk", true}, {0, "pte_chain-objs", true}}},
	}
	for _, r := range in {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	rd := benchfmt.NewReader(&buf, "out.txt")
	var got []*benchfmt.Result
	units := benchfmt.UnitMetadataMap{}
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.Result:
			got = append(got, rec.Clone())
		case *benchfmt.UnitMetadata:
			units[rec.UnitMetadataKey] = rec
		case *benchfmt.SyntaxError:
			t.Fatal(rec)
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) {
		t.Fatalf("read %d results, want %d:\n%s", len(got), len(in), buf.String())
	}
	for i, r := range got {
		if r.Name.String() != in[i].Name || r.GetConfig("scale") != "small" || r.GetConfig("goos") != "linux" {
			t.Fatalf("result %d: name %q config %v", i, r.Name, r.Config)
		}
		for _, m := range in[i].Metrics {
			want, unit := benchunit.Tidy(m.Value, m.Unit)
			v, ok := r.Value(unit)
			if !ok || v != want {
				t.Fatalf("result %d: %s = %v (%v), want %v", i, m.Unit, v, ok, m.Value)
			}
		}
	}
	if units.GetAssumption("vmas/walk") != benchmath.AssumeExact {
		t.Fatalf("vmas/walk is not assume=exact:\n%s", buf.String())
	}
	if units.GetAssumption("ns/op") == benchmath.AssumeExact {
		t.Fatal("ns/op must not be exact")
	}
}

func TestAtomicFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	a, err := CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	a.WriteString("partial")
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the file is visible before commit")
	}
	a.Abort()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("abort left %v behind", entries)
	}
	a, err = CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	a.WriteString("whole")
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	a.Abort() // no effect after commit
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("committed file mode %v, want 0644", fi.Mode())
	}
	if b, _ := os.ReadFile(path); string(b) != "whole" {
		t.Fatalf("file holds %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("commit left %d files", len(entries))
	}
}
