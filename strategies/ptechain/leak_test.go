package ptechain_test

import (
	"testing"

	"rmapbench/core"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/filelinear"
	"rmapbench/strategies/ptechain"
	"rmapbench/workloads"
	"rmapbench/workloads/trace"
)

type auditor interface{ Audit() error }

// ptechainAudit adapts ptechain's Rmapper, whose every frame is chained.
type ptechainAudit struct{ *ptechain.Rmapper }

func (a ptechainAudit) Audit() error { return a.AuditAll() }

// No pte_chain block outlives the mappings it records, on any path the
// workloads take (fork, exit, exec, munmap, mremap, COW, MADV_DONTNEED,
// remap_file_pages, swap-out by reclaim and by memory pressure, swap-in):
// 2.6.0 freed a block as soon as page_remove_rmap or try_to_unmap emptied
// it, so after every event each frame's chain holds exactly its mappings
// and the slab nothing else; once every process has exited, no block is
// left. (Blocks of one PTE, which only page_referenced collapsed, are
// mappings still recorded, not leaks.)
func TestNoChainBlockOutlivesItsMappings(t *testing.T) {
	for _, st := range []core.Strategy{ptechain.Strategy, filelinear.Strategy} {
		for _, g := range workloads.All() {
			t.Run(st.Name+"/"+g.Name, func(t *testing.T) {
				// A small memory, so that faults reclaim and swap.
				m := core.NewMachineFor(core.Config{MemBytes: 256 * core.PageSize, Seed: 1, NewIndex: fileindex.NewLinear}, st)
				var a auditor
				switch r := m.Rmapper().(type) {
				case *ptechain.Rmapper:
					a = ptechainAudit{r}
				case auditor:
					a = r
				default:
					t.Fatalf("%T has no Audit", r)
				}
				rp := &workloads.Replayer{M: m}
				live := map[uint64]bool{}
				events := 0
				err := g.Source(g.Values(workloads.ScaleSmall, nil), 1).Run(func(ev trace.Event) error {
					if err := rp.Apply(ev); err != nil {
						return err
					}
					switch ev.Op {
					case trace.OpFork:
						live[ev.Child] = true
					case trace.OpExit:
						delete(live, ev.PID)
					case trace.OpReclaim, trace.OpCheck:
					default:
						live[ev.PID] = true
					}
					events++
					if events%7 == 0 || ev.Op != trace.OpTouch {
						return a.Audit()
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				for pid := range live {
					if err := m.Exit(pid); err != nil {
						t.Fatal(err)
					}
				}
				if err := a.Audit(); err != nil {
					t.Fatal(err)
				}
				for _, o := range m.Space.Objects() {
					if o.Name == "pte_chain" && o.Live != 0 {
						t.Fatalf("%d pte_chain blocks left after every process exited", o.Live)
					}
				}
			})
		}
	}
}
