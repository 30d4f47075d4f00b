package itree

import (
	"fmt"
	"slices"
)

// model drives a Tree and a brute-force mirror of it (a plain slice of the
// linked nodes) side by side. Every mutation is followed by Check and a
// comparison of the tree's contents with the slice; every query's answer is
// compared with a linear scan.
type model struct {
	tree   Tree[int]
	linked []*Node[int] // nodes currently in tree, in no particular order
	spare  []*Node[int] // unlinked nodes, reused to exercise re-insertion
	nextID int
	// fullCheckEvery > 1 thins out the O(n) checks for big trees; 1 checks
	// after every mutation.
	fullCheckEvery int
	mutations      int

	marks      []uint32 // see newGeneration
	generation uint32
	got, want  []*Node[int] // reused query buffers
}

func newModel() *model { return &model{fullCheckEvery: 1} }

func (m *model) node() *Node[int] {
	if k := len(m.spare); k > 0 {
		n := m.spare[k-1]
		m.spare = m.spare[:k-1]
		return n
	}
	m.nextID++
	return &Node[int]{Value: m.nextID}
}

func (m *model) insert(start, last uint64) error {
	n := m.node()
	m.tree.Insert(n, start, last)
	m.linked = append(m.linked, n)
	if n.Start() != start || n.Last() != last {
		return fmt.Errorf("Insert(%d,%d): node reports [%d,%d]", start, last, n.Start(), n.Last())
	}
	// Insert documents that a node goes after every equal start already
	// present, so its successor must start strictly later.
	if next := n.Next(); next != nil && next.Start() <= start {
		return fmt.Errorf("Insert(%d,%d): successor [%d,%d] does not start later", start, last, next.Start(), next.Last())
	}
	return m.afterMutation(mutation{"Insert", start, last})
}

func (m *model) insertAfter(pick int) error {
	if len(m.linked) == 0 {
		return nil
	}
	prev := m.linked[pick%len(m.linked)]
	oldNext := prev.Next()
	n := m.node()
	m.tree.InsertAfter(n, prev)
	m.linked = append(m.linked, n)
	if n.Start() != prev.Start() || n.Last() != prev.Last() {
		return fmt.Errorf("InsertAfter: node got [%d,%d], prev is [%d,%d]", n.Start(), n.Last(), prev.Start(), prev.Last())
	}
	if prev.Next() != n || n.Next() != oldNext {
		return fmt.Errorf("InsertAfter(prev=[%d,%d]): node is not placed directly after prev", prev.Start(), prev.Last())
	}
	return m.afterMutation(mutation{"InsertAfter", prev.Start(), prev.Last()})
}

func (m *model) remove(pick int) error {
	if len(m.linked) == 0 {
		return nil
	}
	i := pick % len(m.linked)
	n := m.linked[i]
	desc := mutation{"Remove", n.Start(), n.Last()}
	m.tree.Remove(n)
	m.linked[i] = m.linked[len(m.linked)-1]
	m.linked = m.linked[:len(m.linked)-1]
	if n.InTree() {
		return fmt.Errorf("%s: node still claims to be in a tree", desc)
	}
	m.spare = append(m.spare, n)
	return m.afterMutation(desc)
}

// mutation names the last operation for error messages; it is formatted
// only when a check fails, keeping the per-step cost of the model low.
type mutation struct {
	op          string
	start, last uint64
}

func (d mutation) String() string { return fmt.Sprintf("%s([%d,%d])", d.op, d.start, d.last) }

func (m *model) afterMutation(desc mutation) error {
	m.mutations++
	if m.tree.Len() != len(m.linked) {
		return fmt.Errorf("after %s: Len() = %d, model has %d", desc, m.tree.Len(), len(m.linked))
	}
	if m.mutations%m.fullCheckEvery != 0 {
		return nil
	}
	if err := m.tree.Check(); err != nil {
		return fmt.Errorf("after %s: %w", desc, err)
	}
	return m.compareContents(desc)
}

// stamp marks nodes (by Value, which is a unique id) for the current
// comparison; bumping generation clears all marks at once. Maps would make
// the O(n) brute-force checks dominate the test's run time.
func (m *model) newGeneration() {
	m.generation++
	for len(m.marks) <= m.nextID {
		m.marks = append(m.marks, 0)
	}
}

func (m *model) mark(n *Node[int])        { m.marks[n.Value] = m.generation }
func (m *model) unmark(n *Node[int])      { m.marks[n.Value] = 0 }
func (m *model) marked(n *Node[int]) bool { return m.marks[n.Value] == m.generation }

// compareContents checks that Each yields exactly the model's nodes, in
// non-decreasing start order.
func (m *model) compareContents(desc mutation) error {
	m.newGeneration()
	for _, n := range m.linked {
		m.mark(n)
	}
	var prevStart uint64
	count := 0
	var err error
	m.tree.Each(func(n *Node[int]) bool {
		switch {
		case n.Value <= 0 || n.Value > m.nextID || !m.marked(n):
			err = fmt.Errorf("after %s: Each yields [%d,%d] (id %d) which is not in the model or yields it twice", desc, n.Start(), n.Last(), n.Value)
			return false
		case count > 0 && n.Start() < prevStart:
			err = fmt.Errorf("after %s: Each yields start %d after %d", desc, n.Start(), prevStart)
		}
		m.unmark(n)
		prevStart = n.Start()
		count++
		return err == nil
	})
	if err == nil && count != len(m.linked) {
		err = fmt.Errorf("after %s: Each yields %d nodes, model has %d", desc, count, len(m.linked))
	}
	return err
}

// query runs Overlap(lo, hi) (or Stab when stab is set), stopping after limit
// reports when limit > 0, and compares the answer with a linear scan: the
// reports must be exactly the overlapping nodes, in tree order, cut after
// limit.
func (m *model) query(lo, hi uint64, stab bool, limit int) error {
	if stab {
		hi = lo
	}
	got := m.got[:0]
	report := func(n *Node[int]) bool {
		got = append(got, n)
		return limit <= 0 || len(got) < limit
	}
	var visited int
	if stab {
		visited = m.tree.Stab(lo, report)
	} else {
		visited = m.tree.Overlap(lo, hi, report)
	}
	m.got = got
	describeQuery := func() string {
		if stab {
			return fmt.Sprintf("Stab(%d) limit %d", lo, limit)
		}
		return fmt.Sprintf("Overlap(%d,%d) limit %d", lo, hi, limit)
	}

	// Brute force: mark the linked nodes that overlap, then list them in
	// tree order (start order with the tree's tie order) using Each.
	m.newGeneration()
	overlapping := 0
	for _, n := range m.linked {
		if lo <= hi && n.Start() <= hi && lo <= n.Last() {
			m.mark(n)
			overlapping++
		}
	}
	want := m.want[:0]
	if overlapping > 0 {
		m.tree.Each(func(n *Node[int]) bool {
			if m.marked(n) {
				want = append(want, n)
			}
			return limit <= 0 || len(want) < limit
		})
	}
	m.want = want
	if wantLen := min(overlapping, max(limit, 0)); limit > 0 && len(want) != wantLen || limit <= 0 && len(want) != overlapping {
		return fmt.Errorf("%s: Each found %d of the %d overlapping model nodes", describeQuery(), len(want), overlapping)
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("%s: reported %s, want %s", describeQuery(), describe(got), describe(want))
	}
	if visited < len(got) || visited > m.tree.Len() {
		return fmt.Errorf("%s: visited = %d with %d reported in a tree of %d", describeQuery(), visited, len(got), m.tree.Len())
	}
	return nil
}

func describe(nodes []*Node[int]) string {
	if len(nodes) > 20 {
		return fmt.Sprintf("%d nodes %s...", len(nodes), describe(nodes[:20]))
	}
	s := "["
	for i, n := range nodes {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("#%d[%d,%d]", n.Value, n.Start(), n.Last())
	}
	return s + "]"
}
