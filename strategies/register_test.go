package strategies_test

import (
	"strings"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies"
	"rmapbench/strategies/pagescan"
)

func TestRegister(t *testing.T) {
	mine := pagescan.Strategy
	mine.Name = "registered-test"
	if err := strategies.Register(mine); err != nil {
		t.Fatal(err)
	}
	all := strategies.All()
	if last := all[len(all)-1]; last.Name != "registered-test" {
		t.Fatalf("All() ends with %s, want the registered strategy", last.Name)
	}
	if got, err := strategies.Select("ptechain,registered-test"); err != nil || len(got) != 2 || got[1].Name != "registered-test" {
		t.Fatalf("Select: %v, %v", got, err)
	}
	for _, tc := range []struct {
		s    func(*core.Strategy)
		want string
	}{
		{func(s *core.Strategy) {}, "exists"},
		{func(s *core.Strategy) { s.Name = "ptechain" }, "exists"},
		{func(s *core.Strategy) { s.Name = "all" }, "other than all"},
		{func(s *core.Strategy) { s.Name = "a/b" }, "letters"},
		{func(s *core.Strategy) { s.Name = "" }, "letters"},
		{func(s *core.Strategy) { s.Name = "x1"; s.New = nil }, "New"},
		{func(s *core.Strategy) { s.Name = "x2"; s.DefaultIndex = "btree" }, "DefaultIndex"},
	} {
		s := mine
		tc.s(&s)
		if err := strategies.Register(s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Register(%q): %v, want an error with %q", s.Name, err, tc.want)
		}
	}
}
