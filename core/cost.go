package core

import "rmapbench/core/cachemodel"

// The cost API: how the MMU and every strategy say what they touch, so
// that the work counters (work.go) and the cache model (-hw, package
// core/cachemodel) see the same accesses and cannot drift from the code.
//
//	strategy code                      counted in         cache model (-hw)
//	m.Step(obj)       a chain entry,   rmap-steps/OP      the object's line in
//	                  list or tree     (and Walk.Steps    its kind's slab
//	                  node read or     inside a walk)
//	                  written
//	m.TouchPage(f)    a struct page    page-touches/OP    f's line in mem_map
//	                  rmap field read
//	                  in a walk
//	Space.New/Delete  an object of     rmap-allocs/OP,    gives the object its
//	(Space.Alloc/Free the strategy     rmap-frees/OP      slot in the slab
//	 for counts)
//
// The MMU counts the rest itself: a page touch for every page it hands
// to a page-level hook, a PTE for every PTE it copies or clears.
//
// Modelled kernel memory (addresses only; nothing is stored there):
//
//	hwMemMap   + f*sizeof(struct page)              mem_map
//	hwPageTabs + table*4096 + slot*sizeof(pte)      page-table pages
//	hwSlabs    + kind<<36 + slab*4096 + i*size      one slab cache per
//	                                                kind, order-0 slabs of
//	                                                4096/size objects, slot
//	                                                i handed out as a slab
//	                                                allocator would (LIFO)
const (
	hwMemMap   = 1 << 40
	hwPageTabs = 1 << 42
	hwSlabs    = 1 << 44
	hwSlabSize = 4096
)

// Obj names one object of a strategy: its kind and its slot in the
// kind's slab. Space.New hands one out; a strategy keeps it in its
// object and passes it to Step wherever it reads or writes the object.
type Obj struct {
	Kind ObjKind
	Slot uint32
}

// ObjAt names slot of kind k, for a strategy whose objects already have
// slab slots of their own (the pte_chain slab's block numbers).
func ObjAt(k ObjKind, slot uint32) Obj { return Obj{Kind: k, Slot: slot} }

// New allocates one object of kind k (Alloc(k, 1)) and returns it with a
// slot: the most recently freed one of its kind, else the next new one,
// as a slab cache hands objects out.
func (s *Space) New(k ObjKind) Obj {
	s.Alloc(k, 1)
	o := &s.kinds[k]
	if n := len(o.freeSlots); n > 0 {
		slot := o.freeSlots[n-1]
		o.freeSlots = o.freeSlots[:n-1]
		return Obj{Kind: k, Slot: slot}
	}
	o.nextSlot++
	return Obj{Kind: k, Slot: o.nextSlot - 1}
}

// Delete frees an object New returned (Free(k, 1)); its slot is the next
// New of its kind hands out.
func (s *Space) Delete(obj Obj) {
	s.Free(obj.Kind, 1)
	o := &s.kinds[obj.Kind]
	o.freeSlots = append(o.freeSlots, obj.Slot)
}

// Step says that rmap code read or wrote obj: one rmap step of the
// operation running now, and under -hw an access to obj's line. Inside a
// reverse walk the machine runs (walk), or outside any operation (a
// test or tool calling a strategy's walk itself), the step is also one
// of Walk.Steps.
func (m *Machine) Step(obj Obj) {
	m.curWork().Steps++
	if m.walking > 0 || m.op == OpNone {
		m.Walk.Steps++
	}
	if m.hw != nil {
		m.hwStep(obj)
	}
}

// The hw functions are the cache model's side of the calls above, kept
// out of line so that with the model off a call costs a nil test, and
// TouchPage, hookPage and ptes stay small enough to inline.

//go:noinline
func (m *Machine) hwStep(obj Obj) { m.hwAccess(m.curWork(), m.objAddr(obj)) }

//go:noinline
func (m *Machine) hwPage(f FrameID) { m.hwAccess(m.curWork(), m.pageAddr(f)) }

//go:noinline
func (m *Machine) hwPTE(a PTEAddr) {
	m.hwAccess(m.curWork(), hwPageTabs+uint64(a.table())*hwSlabSize+uint64(a.slot()*m.Arch.PointerSize))
}

// hwPTEs is hwPTE for slots [lo, hi) of table t.
//
//go:noinline
func (m *Machine) hwPTEs(t tableID, lo, hi int) {
	for i := lo; i < hi; i++ {
		m.hwPTE(makePTEAddr(t, i))
	}
}

// TouchPage says that a reverse walk read f's struct page rmap fields
// (page->mapping and index, the pte union): one page touch, and under
// -hw an access to f's line of mem_map. The page-level hooks need not
// call it: the MMU counts the page it hands them.
func (m *Machine) TouchPage(f FrameID) {
	m.curWork().PageTouches++
	if m.hw != nil {
		m.hwPage(f)
	}
}

// hookPages counts the struct page each of refs has touched by the hook
// the MMU is about to call.
func (m *Machine) hookPages(refs []MapRef) {
	m.curWork().PageTouches += int64(len(refs))
	if m.hw != nil {
		for _, r := range refs {
			m.hwPage(r.Frame)
		}
	}
}

// hookPage is hookPages for one page.
func (m *Machine) hookPage(f FrameID) {
	m.curWork().PageTouches++
	if m.hw != nil {
		m.hwPage(f)
	}
}

// ptes counts n PTEs copied or cleared.
func (m *Machine) ptes(n int) { m.curWork().PTEs += int64(n) }

// touchPTE is an MMU access to the PTE at a, for the cache model only.
func (m *Machine) touchPTE(a PTEAddr) {
	if m.hw != nil {
		m.hwPTE(a)
	}
}

func (m *Machine) hwAccess(w *OpWork, addr uint64) {
	c, miss := m.hw.Access(addr)
	w.Cycles += c
	if miss {
		w.Misses++
	}
}

func (m *Machine) pageAddr(f FrameID) uint64 {
	return hwMemMap + uint64(f)*uint64(m.pageStruct)
}

func (m *Machine) objAddr(obj Obj) uint64 {
	size := uint64(max(m.Space.kinds[obj.Kind].size, 1))
	per := max(hwSlabSize/size, 1)
	slot := uint64(obj.Slot)
	return hwSlabs + uint64(obj.Kind)<<36 + slot/per*max(hwSlabSize, size) + slot%per*size
}

// HW returns the hardware profile of the cache model, and false when the
// model is off.
func (m *Machine) HW() (cachemodel.Profile, bool) {
	if m.hw == nil {
		return cachemodel.Profile{}, false
	}
	return m.hw.Profile(), true
}

// walk runs fn, a reverse walk of the strategy, so that its steps count
// in Walk.Steps as well.
func (m *Machine) walk(fn func()) {
	m.walking++
	fn()
	m.walking--
}

// quiet leaves a verification step out of the work counters and the
// cache: it saves the counters and unplugs the cache model; the function
// it returns puts both back.
func (m *Machine) quiet() func() {
	saved, hw := m.work, m.hw
	m.hw = nil
	return func() {
		m.work = saved
		m.hw = hw
	}
}

// newIndex builds a file's i_mmap index, wired to count its steps.
func (m *Machine) newIndex() FileIndex {
	ix := m.cfg.NewIndex()
	if st, ok := ix.(IndexStepper); ok {
		st.StepWith(m.stepVMA)
	}
	return ix
}

func (m *Machine) stepVMA(v *VMA) { m.Step(v.obj) }

// RmapWalk is the strategy's Walk of f (rmap_walk) as the machine runs
// it: its steps count in Walk.Steps. Tests and tools that walk a frame
// call it rather than Rmapper().Walk, whose steps count only as the
// operation's.
func (m *Machine) RmapWalk(f FrameID, visit func(v *VMA, addr uint64) bool) {
	m.walk(func() { m.rm.Walk(f, visit) })
}
