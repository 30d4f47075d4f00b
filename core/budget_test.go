package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/pagescan"
)

const tib = 1 << 40

func budgetMachine(mem, budget int64) *core.Machine {
	return core.NewMachine(core.Config{MemBytes: mem, MaxSimBytes: budget, Seed: 1, NewIndex: fileindex.NewLinear}, pagescan.Strategy.New)
}

// wantBudgetError checks that err is a *BudgetError whose message has
// every string of want.
func wantBudgetError(t *testing.T, err error, want ...string) {
	t.Helper()
	var be *core.BudgetError
	if !errors.As(err, &be) {
		t.Fatalf("got %v, want a *core.BudgetError", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not say %q", err, w)
		}
	}
}

// A touch of the whole user address space needs 256 GiB of PTE tables: it
// fails before it allocates any, with the message of issue 16.
func TestTouchOfTheWholeAddressSpaceFailsAtOnce(t *testing.T) {
	for _, write := range []bool{false, true} {
		m := budgetMachine(0, 0)
		must(t, m.Mmap(1, 0, core.UserLimit, core.ProtRead|core.ProtWrite, false, "", 0))
		before, _ := m.PageTables()
		err := m.Touch(1, 0, core.UserLimit, write)
		wantBudgetError(t, err, "touching [0x0, +128 TiB) needs 256 GiB of page tables; the simulator's budget is 8 GiB (-max-sim-mem)")
		if after, _ := m.PageTables(); after != before {
			t.Errorf("write=%v: %d page tables before the touch, %d after it failed", write, before, after)
		}
	}
}

func TestRemapOfTheWholeAddressSpaceFailsAtOnce(t *testing.T) {
	m := budgetMachine(0, 0)
	must(t, m.Mmap(1, 0, core.UserLimit, core.ProtRead|core.ProtWrite, true, "f", 0))
	wantBudgetError(t, m.Remap(1, 0, core.UserLimit, 5), "remapping [0x0, +128 TiB) needs 256 GiB")
}

// The pre-check counts the tables a range already has: touching again a
// range that is fully populated needs nothing, even close to the budget.
func TestTouchCountsTheTablesPresent(t *testing.T) {
	const budget = 8 << 20 // 2048 page tables
	m := budgetMachine(0, budget)
	const span = 2 << 30 // 1024 PTE tables
	must(t, m.Mmap(1, 0, span, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Touch(1, 0, span, false))
	must(t, m.Touch(1, 0, span, false))
	must(t, m.Mmap(1, span, 2*span, core.ProtRead|core.ProtWrite, false, "", 0))
	wantBudgetError(t, m.Touch(1, 0, 3*span, false), "needs 8 MiB of page tables", "already uses")
}

// Growth spread over many events stops at the first event past the
// budget, and the machine never holds much more than its budget.
func TestManySmallEventsStopAtTheBudget(t *testing.T) {
	const budget = 16 << 20
	m := budgetMachine(0, budget)
	var err error
	for pid := uint64(1); err == nil && pid < 1<<20; pid++ {
		// Each process: a PGD, PUD, PMD and PTE table.
		if err = m.Mmap(pid, 0x400000, core.PageSize, core.ProtRead, false, "", 0); err == nil {
			err = m.Touch(pid, 0x400000, core.PageSize, false)
		}
	}
	wantBudgetError(t, err, "passed its budget of 16 MiB", "page tables")
	if used, _ := m.SimBytes(); used > budget+budget/8 {
		t.Errorf("the machine uses %d bytes, budget %d", used, budget)
	}
}

// Frames of a long write touch grow past the budget inside one event:
// the touch's loop stops there (poll).
func TestLongTouchStopsAtTheBudget(t *testing.T) {
	const budget = 4 << 20
	m := budgetMachine(1<<30, budget)
	must(t, m.Mmap(1, 0, 1<<30, core.ProtRead|core.ProtWrite, false, "", 0))
	err := m.Touch(1, 0, 1<<30, true)
	wantBudgetError(t, err, "passed its budget of 4 MiB", "frames")
	if used, _ := m.SimBytes(); used > 2*budget {
		t.Errorf("the machine uses %d bytes, budget %d", used, budget)
	}
}

// A fork needs as much as the parent's page tables: one that does not fit
// fails before it copies anything.
func TestForkChecksTheCopy(t *testing.T) {
	const budget = 16 << 20
	m := budgetMachine(0, budget)
	must(t, m.Mmap(1, 0, 2<<30, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Touch(1, 0, 2<<30, false)) // 1024 PTE tables, 4 MiB
	var err error
	child := uint64(2)
	for ; err == nil && child < 10; child++ {
		before, _ := m.PageTables()
		if err = m.Fork(1, child); err != nil {
			if after, _ := m.PageTables(); after != before {
				t.Errorf("%d page tables before the fork, %d after it failed", before, after)
			}
		}
	}
	wantBudgetError(t, err, "forking process 1 (1028 page tables")
	if child != 5 {
		t.Errorf("fork %d failed, want the fourth (16 MiB / 4 MiB)", child-2)
	}
}

func TestMremapChecksTheMove(t *testing.T) {
	const budget = 8 << 20
	m := budgetMachine(0, budget)
	must(t, m.Mmap(1, 0, 2<<30, core.ProtRead|core.ProtWrite, false, "", 0))
	must(t, m.Touch(1, 0, 2<<30, false)) // 1024 tables with 512 PTEs each
	wantBudgetError(t, m.Mremap(1, 0, 2<<30, 4<<30, 2<<30), "moving [0x0, +2 GiB)")
}

// A file name is counted once, whatever the number of mappings of it.
func TestFileNamesAreCounted(t *testing.T) {
	m := budgetMachine(0, 1<<20)
	name := strings.Repeat("n", 4000)
	var err error
	for i := 0; err == nil && i < 1000; i++ {
		err = m.Mmap(1, uint64(i)*core.PageSize, core.PageSize, core.ProtRead, false, name[:4000-i], 0)
	}
	wantBudgetError(t, err, "a file named by")
}

// poll answers a cancelled context inside one long operation, which
// remap_file_pages of a huge range is.
func TestRemapStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := core.NewMachine(core.Config{Ctx: ctx, Seed: 1, NewIndex: fileindex.NewLinear}, pagescan.Strategy.New)
	must(t, m.Mmap(1, 0, tib, core.ProtRead|core.ProtWrite, true, "f", 0))
	if err := m.Remap(1, 0, 1<<30, 5); !errors.Is(err, context.Canceled) {
		t.Fatalf("remap under a cancelled context: %v", err)
	}
}

func TestFormatBytes(t *testing.T) {
	for _, tc := range []struct {
		b    int64
		want string
	}{{0, "0 B"}, {512, "512 B"}, {1536, "1.5 KiB"}, {8 << 30, "8 GiB"}, {128 * tib, "128 TiB"}, {256 << 30, "256 GiB"}} {
		if got := core.FormatBytes(tc.b); got != tc.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tc.b, got, tc.want)
		}
	}
}
