package core

import (
	"fmt"
	"strings"
)

// Fork copies the parent's page tables VMA by VMA (copy_page_range), and
// which VMAs it copies changed with the era:
//
//	kernel                  copy_page_range copies                       source
//	2.4 - 2.6.13            every present PTE of every VMA               2.6.0, rmap 37 (HT:a9aa5e94c5) and
//	                                                                     2.6.12-rc2 mm/memory.c
//	2.6.14+                 only VMAs with an anon_vma, and those that   d992895ba2b2 "Lazy page table copies
//	                        a fault cannot refill (hugetlb, nonlinear    in fork()" (Nick Piggin, 2.6.14-rc1);
//	                        until 4.0, pfnmap/mixedmap)                  4.19 mm/memory.c still so
//
// Since 2.6.14 the child of a process that mapped a shared file, shared
// memory, or a private file it never wrote to, starts with no PTEs there
// and refaults the pages it touches: its fork costs nothing per such PTE
// and its mapcounts stay low until it does. A strategy declares its era's
// policy in Strategy.ForkCopy; Options["fork-copy"] (-fork-copy all|anon)
// overrides it for experiments.
//
// "Has an anon_vma" is the strategy's notion. Core asks strategies that
// keep per-VMA anonymous state (AnonStater); for the others it uses its
// own record of anon_vma_prepare: a VMA has anonymous state once core has
// called AnonPrepare for it (its first anonymous page or COW copy) or
// once it inherited the state by fork, split, mremap or merge, which is
// where vma->anon_vma came from in 2.6.7+.

// ForkCopy is a copy_page_range policy.
type ForkCopy uint8

const (
	// ForkCopyAll copies every present PTE (2.4 - 2.6.13).
	ForkCopyAll ForkCopy = iota
	// ForkCopyAnon copies only VMAs with anonymous state and nonlinear
	// ones (2.6.14+).
	ForkCopyAnon
)

// ForkCopyNames are the policies' names (-fork-copy), ForkCopyAll first.
var ForkCopyNames = []string{"all", "anon"}

func (f ForkCopy) String() string { return ForkCopyNames[f] }

// ParseForkCopy parses a policy name.
func ParseForkCopy(s string) (ForkCopy, error) {
	for i, n := range ForkCopyNames {
		if s == n {
			return ForkCopy(i), nil
		}
	}
	return 0, fmt.Errorf("unknown fork copy policy %q (valid: %s)", s, strings.Join(ForkCopyNames, ", "))
}

// forkCopyOf is the machine's policy: the "fork-copy" option if set
// (the command checks it), else the strategy's.
func forkCopyOf(cfg Config) ForkCopy {
	s, ok := cfg.Options["fork-copy"]
	if !ok {
		return cfg.ForkCopy
	}
	f, err := ParseForkCopy(s)
	if err != nil {
		panic("core: " + err.Error())
	}
	return f
}

// ForkCopyPolicy returns the machine's fork copy policy.
func (m *Machine) ForkCopyPolicy() ForkCopy { return m.forkCopy }

// AnonStater is implemented by strategies that keep anonymous rmap state
// per VMA (vma->anon_vma): HasAnonState reports whether v has it, which
// decides whether fork copies v's PTEs under ForkCopyAnon.
type AnonStater interface {
	HasAnonState(v *VMA) bool
}

// copiesAtFork reports whether fork copies the PTEs of the parent's v.
func (m *Machine) copiesAtFork(v *VMA) bool {
	return m.forkCopy == ForkCopyAll || v.Nonlinear || m.hasAnonState(v)
}

// anonPrepare is anon_vma_prepare: the strategy's hook, and core's
// record that v now has anonymous state.
func (m *Machine) anonPrepare(v *VMA) {
	v.anonPrepared = true
	m.rm.AnonPrepare(v)
}
