// Package strategies is the registry of rmap strategies and i_mmap indexes:
// the one place that names them all, for the command and the tests that
// run every strategy.
package strategies

import (
	"fmt"
	"strings"

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

// All returns every strategy, in historical order.
func All() []core.Strategy {
	return []core.Strategy{
		pagescan.Strategy,
		ptechain.Strategy,
		filelinear.Strategy,
		anonmm.Strategy,
		anonvma.Strategy,
		avc.Strategy,
	}
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
