package core

import "fmt"

// The shadow count: ground truth kept at the speed of the run.
//
// Scanning every page table to learn how many PTEs map one frame costs as
// much as a 2.4 reverse walk (pagescan's), so checking many frames that
// way is quadratic. With Config.Verify the MMU instead keeps, in each
// frame, how many present PTEs map it, counted where the PTEs are
// written:
//
//	pageTables.set (faults, COW, try_to_unmap, mremap, remap_file_pages)
//	        old PTE present, real frame f  ──▶ f.ptes--
//	        new PTE present, real frame g  ──▶ g.ptes++
//	fork's copy loop and zap's clearing loop write PTEs in bulk and list
//	the present ones they wrote in a batch, one page table at a time:
//	        the batch, before any strategy sees it ──▶ ptes++ / ptes--
//
// The count is kept below MapCount and below every strategy hook, so no
// strategy and no MapCount bookkeeping can influence it; Frame.ptes is
// unexported, so no strategy can write it. It can only drift if a PTE is
// written past these sites, so every full verification pass (each `check`
// event and the end of a verified run) counts the page tables afresh
// (scanCounts) and fails with rule 0 wherever the two differ.
//
// Cost: one predictable branch per PTE write when verification is off
// (the shadow is nil). When it is on, an increment or a decrement on the
// cache line that holds MapCount: about a quarter more time for fork and
// exit (BenchmarkShadow), and no memory (Frame.ptes fills padding of
// struct Frame). A frame's count is reset when it is freed or allocated,
// so a PTE left mapping a free frame is caught by the scan.

// shadow counts, in Frame.ptes, the present PTEs mapping each frame.
type shadow struct {
	pm *physMem
	// writes counts the installs and removals of present PTEs: the
	// run's own page-table work, which sizes the verification budget.
	writes int64
}

// note records that a PTE changed from old to new. It is called at every
// PTE write that can install or remove a present PTE, and costs a branch
// when verification is off.
func (s *shadow) note(old, new PTE) {
	if s != nil && (old|new)&ptePresent != 0 {
		s.apply(old, new)
	}
}

// apply counts the change. The zero page takes no part in rmap and is
// not counted.
func (s *shadow) apply(old, new PTE) {
	if f := old.Frame(); old&ptePresent != 0 && f != ZeroFrame {
		s.pm.frames[f].ptes--
		s.writes++
	}
	if f := new.Frame(); new&ptePresent != 0 && f != ZeroFrame {
		s.pm.frames[f].ptes++
		s.writes++
	}
}

// mapped records the present PTEs fork copied into one page table, as the
// batch fork's own copy loop collected while writing them.
func (s *shadow) mapped(refs []MapRef) {
	if s == nil {
		return
	}
	for _, r := range refs {
		s.pm.frames[r.Frame].ptes++
	}
	s.writes += int64(len(refs))
}

// unmapped records the present PTEs zap cleared from one page table, as
// the batch zap's own loop collected while clearing them.
func (s *shadow) unmapped(refs []MapRef) {
	if s == nil {
		return
	}
	for _, r := range refs {
		s.pm.frames[r.Frame].ptes--
	}
	s.writes += int64(len(refs))
}

// of returns the shadow count of f.
func (s *shadow) of(f FrameID) int32 { return s.pm.frames[f].ptes }

// scanCounts counts, by scanning the page tables of every VMA of every
// live process, the present PTEs mapping each real frame into counts
// (which it resizes to the frame count and zeroes), and those inside
// nonlinear VMAs into nonlinear (cleared first). A present PTE naming a
// frame beyond physical memory is returned as bad (an MMU bug).
func (m *Machine) scanCounts(counts []int32, nonlinear map[FrameID]int32) (out []int32, bad *VerifyError, err error) {
	n := len(m.pm.frames)
	if cap(counts) < n {
		counts = make([]int32, n)
	}
	counts = counts[:n]
	clear(counts)
	clear(nonlinear)
	for _, mm := range m.mmList {
		for _, v := range mm.vmas {
			if err := m.poll(); err != nil {
				return counts, nil, err
			}
			m.pt.forEachEntry(mm.pgd, v.Start, v.End, func(t tableID, lo, hi int) {
				tab := m.pt.tables[t]
				for i := lo; i < hi; i++ {
					p := PTE(tab[i])
					if !p.Present() || p.Frame() == ZeroFrame {
						continue
					}
					f := p.Frame()
					if int(f) >= n {
						if bad == nil {
							at := Mapping{PID: mm.PID, Addr: m.pt.meta[t].base + uint64(i)<<pageShift}
							bad = &VerifyError{Frame: f, Msg: fmt.Sprintf("PTE %v maps a frame beyond physical memory", at)}
						}
						continue
					}
					counts[f]++
					if v.Nonlinear {
						nonlinear[f]++
					}
				}
			}, func(t tableID, slot int) {
				// A PMD leaf maps each page of its folio once (thp.go).
				head := PTE(m.pt.tables[t][slot]).Frame()
				if int(head)+pmdPages > n {
					if bad == nil {
						bad = &VerifyError{Frame: head, Msg: "a PMD leaf maps frames beyond physical memory"}
					}
					return
				}
				for i := range pmdPages {
					counts[head+FrameID(i)]++
				}
			})
		}
	}
	return counts, bad, nil
}
