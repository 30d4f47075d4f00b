package priotree

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// model drives a Tree and a plain slice of the same nodes side by side and
// fails the test on the first disagreement. The tree's answers are checked
// against brute force; the tree's structure is checked with Check after
// every mutation.
type model struct {
	tb     testing.TB
	tree   Tree[int]
	live   []*Node[int] // every linked node, in no particular order
	nextID int
	ops    []opRecord // recent operations, for failure messages
}

func newModel(tb testing.TB) *model { return &model{tb: tb} }

// opRecord is a recent operation, formatted only if the test fails.
type opRecord struct {
	format string
	args   [4]any
	nargs  int
}

func (m *model) logOp(format string, args ...any) {
	const keep = 12
	if len(m.ops) == keep {
		copy(m.ops, m.ops[1:])
		m.ops = m.ops[:keep-1]
	}
	r := opRecord{format: format, nargs: len(args)}
	copy(r.args[:], args)
	m.ops = append(m.ops, r)
}

func (m *model) fail(format string, args ...any) {
	m.tb.Helper()
	msg := fmt.Sprintf(format, args...)
	tree := ""
	if m.tree.Len() <= 40 {
		tree = "\n" + dumpTree(&m.tree)
	}
	var ops []string
	for _, r := range m.ops {
		ops = append(ops, fmt.Sprintf(r.format, r.args[:r.nargs]...))
	}
	m.tb.Fatalf("%s\nlast ops:\n  %s%s", msg, strings.Join(ops, "\n  "), tree)
}

func (m *model) check() {
	m.tb.Helper()
	if err := m.tree.Check(); err != nil {
		m.fail("Check: %v", err)
	}
	if m.tree.Len() != len(m.live) {
		m.fail("Len %d, model has %d", m.tree.Len(), len(m.live))
	}
}

func (m *model) newNode() *Node[int] {
	m.nextID++
	return &Node[int]{Value: m.nextID}
}

func (m *model) insert(start, last uint64) *Node[int] {
	m.tb.Helper()
	n := m.newNode()
	m.logOp("Insert #%d [%d,%d]", n.Value, start, last)
	m.tree.Insert(n, start, last)
	if n.Start() != start || n.Last() != last || !n.InTree() {
		m.fail("inserted node reports [%d,%d] InTree=%v", n.Start(), n.Last(), n.InTree())
	}
	m.live = append(m.live, n)
	m.check()
	return n
}

func (m *model) insertAfter(pick uint64) *Node[int] {
	m.tb.Helper()
	if len(m.live) == 0 {
		return nil
	}
	existing := m.live[pick%uint64(len(m.live))]
	n := m.newNode()
	m.logOp("InsertAfter #%d after #%d [%d,%d]", n.Value, existing.Value, existing.radix, existing.heap)
	m.tree.InsertAfter(n, existing)
	if n.Start() != existing.Start() || n.Last() != existing.Last() {
		m.fail("InsertAfter gave [%d,%d], existing is [%d,%d]", n.Start(), n.Last(), existing.Start(), existing.Last())
	}
	m.live = append(m.live, n)
	m.check()
	// Fork semantics: n is reported right after existing, or, when
	// existing is the tree node, at the end of its group.
	var seq []*Node[int]
	m.tree.Stab(n.Start(), func(x *Node[int]) bool { seq = append(seq, x); return true })
	i, j := slices.Index(seq, existing), slices.Index(seq, n)
	switch {
	case i < 0 || j < 0:
		m.fail("InsertAfter: stab at %d misses the pair", n.Start())
	case existing.IsTreeNode():
		if j+1 < len(seq) && !seq[j+1].IsTreeNode() {
			m.fail("InsertAfter a tree node: new node is not last in its vm_set")
		}
	case j != i+1:
		m.fail("InsertAfter a list node: new node at %d, existing at %d", j, i)
	}
	return n
}

func (m *model) remove(pick uint64) {
	m.tb.Helper()
	if len(m.live) == 0 {
		return
	}
	i := int(pick % uint64(len(m.live)))
	n := m.live[i]
	m.logOp("Remove #%d [%d,%d] treeNode=%v", n.Value, n.radix, n.heap, n.IsTreeNode())
	m.tree.Remove(n)
	if n.InTree() || n.IsTreeNode() {
		m.fail("removed node still claims to be linked")
	}
	m.live[i] = m.live[len(m.live)-1]
	m.live = m.live[:len(m.live)-1]
	m.check()
}

// query runs Overlap(lo, hi) and compares it with brute force: the same
// nodes, each once; every tree node followed by exactly its vm_set list;
// and a cost at least the number reported.
func (m *model) query(lo, hi uint64) {
	m.tb.Helper()
	m.logOp("Overlap [%d,%d]", lo, hi)
	var got []*Node[int]
	visited := m.tree.Overlap(lo, hi, func(n *Node[int]) bool {
		got = append(got, n)
		return true
	})
	var want []*Node[int]
	for _, n := range m.live {
		if n.radix <= hi && n.heap >= lo {
			want = append(want, n)
		}
	}
	if lo > hi {
		want = nil
	}
	m.compareSets("Overlap", lo, hi, got, want)
	if visited < len(got) {
		m.fail("Overlap [%d,%d] reported %d nodes but visited only %d", lo, hi, len(got), visited)
	}
	if lo == 0 && hi == math.MaxUint64 && visited != m.tree.Len() {
		m.fail("Overlap of everything visited %d nodes, Len is %d", visited, m.tree.Len())
	}
	m.checkGrouping(got)
	if lo == hi {
		var stab []*Node[int]
		sv := m.tree.Stab(lo, func(n *Node[int]) bool { stab = append(stab, n); return true })
		if sv != visited || !slices.Equal(stab, got) {
			m.fail("Stab(%d) differs from Overlap(%d,%d)", lo, lo, lo)
		}
	}
	// Early stop: asking to stop after k nodes yields exactly the first k.
	if len(got) > 1 {
		k := 1 + len(got)/2
		var part []*Node[int]
		m.tree.Overlap(lo, hi, func(n *Node[int]) bool {
			part = append(part, n)
			return len(part) < k
		})
		if !slices.Equal(part, got[:k]) {
			m.fail("Overlap [%d,%d] stopped after %d: got %d nodes, or different ones", lo, hi, k, len(part))
		}
	}
}

func (m *model) compareSets(what string, lo, hi uint64, got, want []*Node[int]) {
	m.tb.Helper()
	seen := make(map[*Node[int]]int, len(got))
	for _, n := range got {
		seen[n]++
		if seen[n] > 1 {
			m.fail("%s [%d,%d] reported #%d twice", what, lo, hi, n.Value)
		}
	}
	for _, n := range want {
		if seen[n] == 0 {
			m.fail("%s [%d,%d] missed #%d [%d,%d] (got %d, want %d)", what, lo, hi, n.Value, n.radix, n.heap, len(got), len(want))
		}
	}
	if len(got) != len(want) {
		m.fail("%s [%d,%d] reported %d nodes, want %d", what, lo, hi, len(got), len(want))
	}
}

// checkGrouping verifies the vma_prio_tree_next order: a tree node, then its
// vm_set list from the head round the ring, then the next tree node.
func (m *model) checkGrouping(seq []*Node[int]) {
	m.tb.Helper()
	for i := 0; i < len(seq); {
		tn := seq[i]
		if !tn.IsTreeNode() {
			m.fail("position %d: list member #%d not preceded by its tree node", i, tn.Value)
		}
		i++
		if h := tn.setHead; h != nil {
			for x := h; ; {
				if i >= len(seq) || seq[i] != x {
					m.fail("position %d: vm_set of #%d not reported in ring order", i, tn.Value)
				}
				i++
				x = x.next
				if x == h {
					break
				}
			}
		}
	}
}

// each checks Each against the model.
func (m *model) each() {
	m.tb.Helper()
	var got []*Node[int]
	m.tree.Each(func(n *Node[int]) bool { got = append(got, n); return true })
	m.compareSets("Each", 0, math.MaxUint64, got, m.live)
	m.checkGrouping(got)
}

// regime selects how intervals are drawn, so that each test stresses one
// shape of input the kernel met.
type regime uint8

const (
	regimeSmall     regime = iota // short intervals over a few pages
	regimeIdentical               // a handful of intervals, over and over: vm_set lists
	regimeSameStart               // one of three starts, lengths of every magnitude: overflow sub-trees
	regimeNested                  // intervals centred on one page
	regimeHuge35                  // pgoffs around 2^35 (a 2^47-byte address space)
	regimeNearMax                 // indices within a few thousand of 2^64-1
	regimeRandom                  // anything at all
	regimeExpand                  // small starts, heap indices of every bit length: index_bits growth
	numRegimes
)

var regimeNames = [...]string{"small", "identical", "sameStart", "nested", "huge35", "nearMax", "random", "expand"}

// interval maps two random words to an interval of the given regime.
func (r regime) interval(a, b uint64) (start, last uint64) {
	const maxU = math.MaxUint64
	switch r % numRegimes {
	case regimeSmall:
		start = a % 64
		last = start + b%16
	case regimeIdentical:
		table := [...][2]uint64{{0, 0}, {0, 9}, {3, 7}, {5, 1 << 20}, {1 << 33, 1<<34 - 1}}
		iv := table[a%uint64(len(table))]
		start, last = iv[0], iv[1]
	case regimeSameStart:
		start = (a % 3) * 1000
		size := b >> ((a >> 8) % 64) // every bit length equally likely
		if a&(1<<16) != 0 {
			// Keep index_bits small so the radix path fills up quickly
			// and the overflow sub-trees get crowded.
			size %= 1 << 12
		}
		last = start + min(size, maxU-start)
	case regimeNested:
		const centre = 1 << 20
		k := a % 4096
		start, last = centre-k, centre+k
		if b&1 == 0 {
			last = centre + b%4096 // nested on the left edge too
		}
	case regimeHuge35:
		start = 1<<35 - 1<<20 + a%(1<<21)
		last = start + b%(1<<22)
		if b&(1<<40) != 0 {
			last = start + b%64
		}
	case regimeNearMax:
		r1, r2 := a%4096, b%4096
		start, last = maxU-max(r1, r2), maxU-min(r1, r2)
	case regimeRandom:
		start = a
		last = start + b&(maxU-start) // never beyond 2^64-1
	case regimeExpand:
		start = a % 16
		last = start + uint64(1)<<(b%63) - 1
	}
	return start, last
}

// point maps random words to a query point of the given regime.
func (r regime) point(a, b uint64) uint64 {
	s, l := r.interval(a, b)
	switch b % 3 {
	case 0:
		return s
	case 1:
		return l
	}
	return s + (l-s)/2
}

// query draws a query range; mostly from the regime, sometimes the whole
// index space or an empty range.
func (r regime) query(a, b uint64) (lo, hi uint64) {
	switch a % 16 {
	case 0:
		return 0, math.MaxUint64
	case 1:
		return 5, 4 // empty: lo > hi
	case 2, 3, 4, 5:
		p := r.point(b, a>>4)
		return p, p
	}
	lo, hi = r.interval(b, a>>4)
	if a&(1<<9) != 0 {
		// Widen a little so that neighbours of the drawn interval count.
		lo -= min(lo, b%8)
		hi += min(math.MaxUint64-hi, (a>>12)%8)
	}
	return lo, hi
}

func dumpTree[T any](t *Tree[T]) string {
	var sb strings.Builder
	var rec func(n *Node[T], depth int, tag string)
	rec = func(n *Node[T], depth int, tag string) {
		if n == nil {
			return
		}
		fmt.Fprintf(&sb, "%s%s[%d,%d] %v", strings.Repeat("  ", depth), tag, n.radix, n.heap, n.Value)
		if h := n.setHead; h != nil {
			for x := h; ; {
				fmt.Fprintf(&sb, " -> %v", x.Value)
				x = x.next
				if x == h {
					break
				}
			}
		}
		sb.WriteString("\n")
		rec(n.left, depth+1, "L")
		rec(n.right, depth+1, "R")
	}
	fmt.Fprintf(&sb, "index_bits=%d len=%d\n", t.IndexBits(), t.Len())
	rec(t.root, 0, "")
	return sb.String()
}
