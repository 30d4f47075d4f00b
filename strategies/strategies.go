// Package strategies is the registry of rmap strategies and i_mmap indexes:
// the one place that names them all, for the command and the tests that
// run every strategy. Strategies written outside this module join it with
// Register.
package strategies

import (
	"fmt"
	"strings"
	"sync"

	"rmapbench/core"
	"rmapbench/strategies/anonmm"
	"rmapbench/strategies/anonvma"
	"rmapbench/strategies/anonvma/avc"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/filelinear"
	"rmapbench/strategies/internal/objrmap"
	"rmapbench/strategies/pagescan"
	"rmapbench/strategies/ptechain"
)

// All returns every strategy: this module's in historical order, then
// those registered from outside it, in the order of registration.
func All() []core.Strategy {
	builtin := []core.Strategy{
		pagescan.Strategy,
		ptechain.Strategy,
		filelinear.Strategy,
		anonmm.Strategy,
		anonvma.Strategy,
		avc.Strategy,
		avc.FolioStrategy,
	}
	mu.Lock()
	defer mu.Unlock()
	return append(builtin, registered...)
}

var (
	mu         sync.Mutex
	registered []core.Strategy
)

// Register adds a strategy written outside this module's strategies (a
// program of your own that calls cli.Main, as examples/ does), so that
// the command runs it like the others: -strategy NAME and -strategy all,
// rmapbench list, the charts and the summary. Call it before the command
// runs. The name must be new and fit in a benchmark name (letters,
// digits, '-', '_', '.'), New must be set, and DefaultIndex must name an
// i_mmap index (linear, prio or interval). docs/new-strategy.md walks
// through writing one; package conformance checks it.
func Register(s core.Strategy) error {
	switch {
	case s.Name == "" || s.Name == "all" || strings.IndexFunc(s.Name, badNameRune) >= 0:
		return fmt.Errorf("register strategy %q: want a name of letters, digits, '-', '_' and '.', other than all", s.Name)
	case s.New == nil:
		return fmt.Errorf("register strategy %q: New is not set", s.Name)
	}
	if _, err := Index(s.DefaultIndex); err != nil {
		return fmt.Errorf("register strategy %q: DefaultIndex: %v", s.Name, err)
	}
	for _, t := range All() {
		if t.Name == s.Name {
			return fmt.Errorf("register strategy %q: a strategy of that name exists", s.Name)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	registered = append(registered, s)
	return nil
}

func badNameRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
}

// Indexes returns every i_mmap index, in historical order.
func Indexes() []core.IndexKind { return fileindex.All() }

// NonlinearPolicies are the -nonlinear policies, the default first.
func NonlinearPolicies() []string { return objrmap.NonlinearNames }

// Select resolves a comma-separated list of strategy names, or "all".
func Select(list string) ([]core.Strategy, error) {
	return selectNamed(list, "strategy", All(), func(s core.Strategy) string { return s.Name })
}

// SelectIndexes resolves a comma-separated list of index names, or "all".
func SelectIndexes(list string) ([]core.IndexKind, error) {
	return selectNamed(list, "file index", Indexes(), func(k core.IndexKind) string { return k.Name })
}

// Index returns the index called name.
func Index(name string) (core.IndexKind, error) {
	ks, err := SelectIndexes(name)
	if err != nil {
		return core.IndexKind{}, err
	}
	return ks[0], nil
}

func selectNamed[T any](list, what string, all []T, name func(T) string) ([]T, error) {
	if list == "all" {
		return all, nil
	}
	var names []string
	for _, x := range all {
		names = append(names, name(x))
	}
	var out []T
	seen := map[string]bool{}
	for _, want := range strings.Split(list, ",") {
		want = strings.TrimSpace(want)
		found := false
		for _, x := range all {
			if name(x) == want {
				if !seen[want] {
					out = append(out, x)
					seen[want] = true
				}
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown %s %q (valid: all, %s)", what, want, strings.Join(names, ", "))
		}
	}
	return out, nil
}
