package core

// Refaults: faults that bring back a page reclaim had taken. They are what
// aging is for — a policy that keeps the hot pages resident refaults
// little — so every run reports them (refaults = swap-ins + file
// refaults).
//
// An anonymous page's return is a swap-in (Stats.SwapIns): its swap entry
// says it was evicted. A file page leaves nothing in its page tables, so,
// as the kernel's workingset code does with shadow entries in the page
// cache (mm/workingset.c, 3.15+), reclaim remembers each file page it
// evicts, and a fault that reads one of them back counts a refault and
// forgets it. Unlike the kernel's shadows these carry no eviction
// timestamp (no refault distance) and are never trimmed: the set is
// bounded by the file pages a run touched.

type shadowKey struct {
	file  uint64 // File.id
	pgoff uint64
}

// shadowAdd remembers that reclaim evicted page pgoff of file.
func (m *Machine) shadowAdd(file *File, pgoff uint64) {
	if m.rs.shadows == nil {
		m.rs.shadows = make(map[shadowKey]struct{})
	}
	m.rs.shadows[shadowKey{file.id, pgoff}] = struct{}{}
}

// fileRefault is called when a fault reads page pgoff of file into the
// page cache; it counts a refault if reclaim had evicted the page.
func (m *Machine) fileRefault(file *File, pgoff uint64) {
	k := shadowKey{file.id, pgoff}
	if _, ok := m.rs.shadows[k]; !ok {
		return
	}
	delete(m.rs.shadows, k)
	m.Stats.FileRefaults++
	m.rs.mg.refaulted[lruGenFile]++
}
