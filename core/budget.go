package core

import (
	"fmt"
	"strings"
	"unsafe"
)

// The simulator's own memory budget (Config.MaxSimBytes, -max-sim-mem).
//
// Config.MemBytes bounds the simulated frames, but most of what a trace
// can make the simulator allocate needs no frame: a read of anonymous
// memory maps the zero page, a remap_file_pages range is file PTEs, and
// page tables, VMAs, processes and file names cost host memory whatever
// they map. Two lines of trace (an mmap of the whole 2^47 user space and
// a touch of it) would otherwise ask for 256 GiB of page tables and end in
// a Go runtime crash. So the machine keeps a budget for its own memory:
//
//	what                     counted as (host bytes)
//	page tables              4 KiB per table ever allocated (freed ones are reused)
//	frames                   the frame array's capacity x its element size
//	swap slots               the slot array's capacity x its element size
//	VMAs                     per live VMA: the struct, its place in the mm, an index node
//	processes                per live mm, and per exited pid remembered
//	files                    per file: the struct and its name; 2 KiB per page-cache chunk
//	rmap structures          the space model's live rmap bytes (the strategy's objects)
//	KSM                      per rmap_item, stable node and mm_slot (ksm.go)
//
// The sizes are those of the Go structures (unsafe.Sizeof) plus an
// allowance for map and slice overhead: the count is an estimate of the
// simulator's heap, close enough to keep the process well inside the
// budget it is given, not a measurement.
//
// Where the budget is checked:
//
//   - before an operation whose size comes from its input, against what it
//     will need: Touch and Remap (the PTE tables their range lacks), Fork
//     (the parent's page tables, VMAs and rmap structures), Mremap (the
//     tables at the destination and the list of PTEs to move), Mmap (a new
//     file's name). An operation that does not fit fails before it starts,
//     with a *BudgetError saying what it needs;
//   - when a process is looked up for an event (Process), against what the
//     machine uses now: growth spread over many small events stops at the
//     first event past the budget;
//   - in long loops, every pollEvery iterations, by poll (cancel.go).
//
// A BudgetError is a limit of this run, not bad input: the same trace may
// run with a larger -max-sim-mem on a larger machine.

// DefaultMaxSimBytes is the default budget: a third of a 24 GiB machine,
// leaving room for the Go runtime's own overhead (the garbage collector
// lets the heap grow to about twice what is live) and for the rest of the
// host.
const DefaultMaxSimBytes = 8 << 30

// Host bytes per object, as the budget counts them.
const (
	tableBudgetBytes  = PageSize // one [512]uint64 table; its arena slot and meta are under 1%
	frameBudgetBytes  = int64(unsafe.Sizeof(Frame{})) + 4
	slotBudgetBytes   = int64(unsafe.Sizeof(swapSlot{})) + 4
	vmaBudgetBytes    = int64(unsafe.Sizeof(VMA{})) + 8 + 64 // + the mm's pointer, an index node
	mmBudgetBytes     = int64(unsafe.Sizeof(MM{})) + 64      // + map and list entries
	exitedBudgetBytes = 32                                   // a map entry
	fileBudgetBytes   = int64(unsafe.Sizeof(File{})) + 256   // + its maps' headers and entry
	chunkBudgetBytes  = tableEntries*int64(unsafe.Sizeof(FrameID(0))) + 32
	moveBudgetBytes   = int64(unsafe.Sizeof(MapRef{}))
)

// budget is the machine's account of what it does not derive from other
// counters.
type budget struct {
	limit      int64
	fileBytes  int64 // files and their names
	cacheBytes int64 // page-cache chunks (File.store)
}

// BudgetError is an operation that would take the simulator's memory past
// its budget (Config.MaxSimBytes).
type BudgetError struct {
	// What names the operation and what it needs ("touching [0x0, +128
	// TiB) needs 256 GiB of page tables"), or is empty when the machine
	// passed the budget in the course of an operation.
	What string
	// Used is what the machine used when the check failed, Budget the
	// limit.
	Used, Budget int64
	// Parts is the breakdown of Used.
	Parts []BudgetPart
}

// BudgetPart is one line of a machine's memory account.
type BudgetPart struct {
	Name  string
	Bytes int64
}

func (e *BudgetError) Error() string {
	limit := FormatBytes(e.Budget)
	if e.What != "" {
		if e.Used < e.Budget/8 {
			return fmt.Sprintf("%s; the simulator's budget is %s (-max-sim-mem)", e.What, limit)
		}
		return fmt.Sprintf("%s, and the simulator already uses %s of its budget of %s (-max-sim-mem)", e.What, FormatBytes(e.Used), limit)
	}
	var parts []string
	for _, p := range e.Parts {
		if p.Bytes >= e.Used/100 && p.Bytes > 0 {
			parts = append(parts, p.Name+" "+FormatBytes(p.Bytes))
		}
	}
	return fmt.Sprintf("the simulator's memory passed its budget of %s (-max-sim-mem): %s", limit, strings.Join(parts, ", "))
}

// SimBytes returns the simulator's memory by the budget's account, and
// its parts.
func (m *Machine) SimBytes() (int64, []BudgetPart) {
	rmapNow, _ := m.Space.RmapBytes()
	parts := []BudgetPart{
		{"page tables", int64(len(m.pt.tables)-1) * tableBudgetBytes},
		{"frames", int64(cap(m.pm.frames)) * frameBudgetBytes},
		{"swap slots", int64(cap(m.swap.slots)) * slotBudgetBytes},
		{"VMAs", m.Space.Live(m.vmaKind) * vmaBudgetBytes},
		{"processes", int64(len(m.procs))*mmBudgetBytes + int64(len(m.exited))*exitedBudgetBytes},
		{"files", m.budget.fileBytes},
		{"page cache", m.budget.cacheBytes},
		{"rmap structures", rmapNow},
		{"KSM", m.ksmBudgetBytes()},
	}
	total := int64(0)
	for _, p := range parts {
		total += p.Bytes
	}
	return total, parts
}

// simBytes is SimBytes without the parts, for the checks.
func (m *Machine) simBytes() int64 {
	rmapNow, _ := m.Space.RmapBytes()
	return int64(len(m.pt.tables)-1)*tableBudgetBytes +
		int64(cap(m.pm.frames))*frameBudgetBytes +
		int64(cap(m.swap.slots))*slotBudgetBytes +
		m.Space.Live(m.vmaKind)*vmaBudgetBytes +
		int64(len(m.procs))*mmBudgetBytes + int64(len(m.exited))*exitedBudgetBytes +
		m.budget.fileBytes + m.budget.cacheBytes + rmapNow + m.ksmBudgetBytes()
}

// MaxSimBytes returns the machine's budget.
func (m *Machine) MaxSimBytes() int64 { return m.budget.limit }

// overBudget returns a *BudgetError if the machine uses more than its
// budget now.
func (m *Machine) overBudget() error {
	if m.simBytes() <= m.budget.limit {
		return nil
	}
	used, parts := m.SimBytes()
	return &BudgetError{Used: used, Budget: m.budget.limit, Parts: parts}
}

// fits checks that need more bytes fit in the budget; what describes the
// need for the error ("touching [...) needs 256 GiB of page tables").
func (m *Machine) fits(need int64, what func() string) error {
	used := m.simBytes()
	if need <= m.budget.limit-used {
		return nil
	}
	return &BudgetError{What: what(), Used: used, Budget: m.budget.limit}
}

// smallOpTables is the most PTE tables an operation may add unchecked
// (256 KiB): most touches cover a table or two, and the check before the
// next event (checkProcess) counts what they added.
const smallOpTables = 64

// checkTables checks that the PTE tables [start, end) lacks in mm fit, for
// an operation that fills every PTE of the range (Touch, Remap). Counting
// the tables present costs a walk of them, so it is done only when the
// worst case (no table present) does not fit.
func (m *Machine) checkTables(mm *MM, start, end uint64, verb string) error {
	span := func(s, e uint64) int64 {
		lo := s &^ (pteTableSpan - 1)
		hi := (e + pteTableSpan - 1) &^ (pteTableSpan - 1)
		return int64((hi - lo) / pteTableSpan)
	}
	worst := span(start, end)
	if worst <= smallOpTables {
		return nil // the next event's check (checkProcess) sees them
	}
	// The upper levels add at most one table per 512 below, and one per
	// level at the ends.
	worstAll := worst + worst/tableEntries + 2*levels
	if worstAll*tableBudgetBytes <= m.budget.limit-m.simBytes() {
		return nil
	}
	present := int64(0)
	m.pt.forEachLeaf(mm.pgd, start, end, func(tableID, int, int) { present++ })
	need := (worst - present) * tableBudgetBytes
	return m.fits(need, func() string {
		return fmt.Sprintf("%s [%#x, +%s) needs %s of page tables", verb, start, FormatBytes(int64(end-start)), FormatBytes(need))
	})
}

// checkFork checks that a copy of parent fits: its page tables, VMAs and
// process, and the rmap structures of its mappings at the machine's
// current rmap bytes per mapping.
func (m *Machine) checkFork(parent *MM) error {
	rmapNow, _ := m.Space.RmapBytes()
	perMapping := int64(0)
	if m.mapped > 0 {
		perMapping = rmapNow / m.mapped
	}
	need := int64(parent.tables)*tableBudgetBytes + int64(len(parent.vmas))*vmaBudgetBytes +
		mmBudgetBytes + parent.RSS*perMapping
	return m.fits(need, func() string {
		return fmt.Sprintf("forking process %d (%d page tables, %d VMAs, %d pages mapped) needs %s",
			parent.PID, parent.tables, len(parent.vmas), parent.RSS, FormatBytes(need))
	})
}

// checkMove checks that moving the PTEs of [start, end) in mm fits: the
// list of PTEs to move and a table at the destination for each table of
// the source.
func (m *Machine) checkMove(mm *MM, start, end uint64) error {
	tables, ptes := int64(0), int64(0)
	m.pt.forEachLeaf(mm.pgd, start, end, func(t tableID, _, _ int) {
		tables++
		ptes += int64(m.pt.meta[t].used)
	})
	need := (tables+2*levels)*tableBudgetBytes + ptes*moveBudgetBytes
	return m.fits(need, func() string {
		return fmt.Sprintf("moving [%#x, +%s) (%d page tables, up to %d PTEs) needs %s", start, FormatBytes(int64(end-start)), tables, ptes, FormatBytes(need))
	})
}

// checkProcess checks the machine as it is, plus a new process if pid
// has none, before an event of pid.
func (m *Machine) checkProcess(pid uint64) error {
	need := int64(0)
	if m.procs[pid] == nil {
		need = mmBudgetBytes + levels*tableBudgetBytes
	}
	if m.simBytes()+need <= m.budget.limit {
		return nil
	}
	return m.overBudget()
}

// checkFile checks that a new file called name fits.
func (m *Machine) checkFile(name string) error {
	if name == "" || m.files[name] != nil {
		return nil
	}
	need := fileBudgetBytes + int64(len(name))
	return m.fits(need, func() string {
		return fmt.Sprintf("a file named by %d bytes needs %s", len(name), FormatBytes(need))
	})
}

// FormatBytes writes a byte count in binary units for messages: "8 GiB",
// "1.5 MiB", "128 TiB", "512 B".
func FormatBytes(b int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := float64(b)
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + units[i]
}
