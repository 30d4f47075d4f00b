package avc

import (
	"fmt"
	"math"

	"rmapbench/core"
	"rmapbench/strategies/internal/itree"
	"rmapbench/strategies/internal/objrmap"
)

// Strategy describes anonvma-avc for the registry.
var Strategy = core.Strategy{
	Name:         "anonvma-avc",
	Era:          "2.6.34+ (AVC), 3.7+ (interval tree), 3.19+ (degree reuse)",
	Summary:      "anon_vma + anon_vma_chain per ancestor level, interval tree per anon_vma, degree-based reuse (-avc-reuse)",
	DefaultIndex: "interval",
	ForkCopy:     core.ForkCopyAnon,
	New:          func(m *core.Machine) core.Rmapper { return newRmapper(m) },
}

// anonVMA is struct anon_vma of 3.19 - 4.19 (the rwsem has no cost in a
// single-threaded simulator).
type anonVMA struct {
	root   *anonVMA // the oldest anon_vma of the family; itself for a root
	parent *anonVMA // the anon_vma of the VMA this one was forked from
	// degree counts child anon_vmas plus VMAs whose vma->anon_vma this is
	// (7a3ef208e662); a root counts itself as its own child.
	degree int
	// refcount is the anon_vma's own reference, plus, on a root, one per
	// live descendant (anon_vma_fork's get_anon_vma(root)).
	refcount int
	// tree is rb_root: the chains linking VMAs to this anon_vma, keyed by
	// the VMA's page range.
	tree itree.Tree[*chain]
	// freed marks an anon_vma returned to the slab, so that a walk through
	// a stale page->mapping is caught instead of silently followed.
	freed bool
	obj   core.Obj // its slot in the anon_vma slab
}

// chain is struct anon_vma_chain: one link between a VMA and an anon_vma.
type chain struct {
	vma *core.VMA
	av  *anonVMA
	// same_vma: the VMA's list of chains, newest first.
	prev, next *chain
	rb         itree.Node[*chain]
	obj        core.Obj // its slot in the anon_vma_chain slab
}

// vmaState is the anonymous part of vm_area_struct, kept in VMA.Rmap:
// vma->anon_vma and the vma->anon_vma_chain list.
type vmaState struct {
	anonVMA    *anonVMA
	head, tail *chain // newest, oldest
	n          int
}

type rmapper struct {
	m     *core.Machine
	files *objrmap.Files
	// reuse is the 3.19 degree rule in anon_vma_clone.
	reuse   bool
	avKind  core.ObjKind
	avcKind core.ObjKind
}

func newRmapper(m *core.Machine) *rmapper {
	var reuse bool
	switch v := m.Option("avc-reuse", "true"); v {
	case "true":
		reuse = true
	case "false":
	default:
		panic(fmt.Sprintf("anonvma-avc: avc-reuse must be true or false, not %q", v))
	}
	m.DeclareFields("page._mapcount", "vm_area_struct.anon_vma_chain", "vm_area_struct.anon_vma")
	avSize, _ := m.Arch.StructSize("anon_vma_avc")
	avcSize, _ := m.Arch.StructSize("anon_vma_chain")
	return &rmapper{
		m:       m,
		files:   objrmap.New(m, objrmap.Era{}),
		reuse:   reuse,
		avKind:  m.Space.Register("anon_vma", avSize, true),
		avcKind: m.Space.Register("anon_vma_chain", avcSize, true),
	}
}

// peek returns v's state, or nil if it never had any.
func peek(v *core.VMA) *vmaState {
	s, _ := v.Rmap.(*vmaState)
	return s
}

// state returns v's state, creating it.
func state(v *core.VMA) *vmaState {
	if s := peek(v); s != nil {
		return s
	}
	s := &vmaState{}
	v.Rmap = s
	return s
}

// anonOf is vma->anon_vma.
func anonOf(v *core.VMA) *anonVMA {
	if s := peek(v); s != nil {
		return s.anonVMA
	}
	return nil
}

// chainLen is the length of vma->anon_vma_chain.
func chainLen(v *core.VMA) int {
	if s := peek(v); s != nil {
		return s.n
	}
	return 0
}

// allocAnonVMA is anon_vma_alloc: a new root with its own reference and
// degree 1 for the first VMA (or, for a root, the self-parent link that
// anon_vma_prepare then adds a VMA reference to).
func (r *rmapper) allocAnonVMA() *anonVMA {
	av := &anonVMA{degree: 1, refcount: 1}
	av.root, av.parent = av, av
	av.obj = r.m.Space.New(r.avKind)
	// A walk steps on every chain node its stab examines.
	av.tree.Seen = r.stepChain
	return av
}

func (r *rmapper) freeAnonVMA(av *anonVMA) {
	if av.freed || av.tree.Len() != 0 {
		panic(fmt.Sprintf("anonvma-avc: freeing an anon_vma that is freed (%v) or still holds %d chains", av.freed, av.tree.Len()))
	}
	av.freed = true
	r.m.Space.Delete(av.obj)
}

// put is put_anon_vma with __put_anon_vma: the last reference frees the
// anon_vma and drops its reference on the root.
func (r *rmapper) put(av *anonVMA) {
	av.refcount--
	if av.refcount > 0 {
		return
	}
	if root := av.root; root != av {
		root.refcount--
		if root.refcount == 0 {
			r.freeAnonVMA(root)
		}
	}
	r.freeAnonVMA(av)
}

func (r *rmapper) allocChain() *chain {
	c := &chain{obj: r.m.Space.New(r.avcKind)}
	c.rb.Value = c
	return c
}

func (r *rmapper) freeChain(c *chain) {
	c.vma, c.av = nil, nil
	r.m.Space.Delete(c.obj)
}

func (r *rmapper) stepChain(c *chain) { r.m.Step(c.obj) }

// link is anon_vma_chain_link: c joins v's list at its head and av's tree
// under v's page range.
func (r *rmapper) link(v *core.VMA, c *chain, av *anonVMA) {
	if av.freed {
		panic("anonvma-avc: linking a freed anon_vma")
	}
	s := state(v)
	c.vma, c.av = v, av
	// The chain is written, v's list head, and av's tree root (the
	// rebalancing steps of the insert are not counted).
	r.m.Step(c.obj)
	r.m.Step(v.Obj())
	r.m.Step(av.obj)
	c.prev, c.next = nil, s.head
	if s.head != nil {
		s.head.prev = c
	} else {
		s.tail = c
	}
	s.head = c
	s.n++
	av.tree.Insert(&c.rb, v.PgOff, v.LastPgOff())
}

// dropFromList is list_del(&avc->same_vma).
func (s *vmaState) dropFromList(c *chain) {
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		s.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		s.tail = c.prev
	}
	c.prev, c.next = nil, nil
	s.n--
}

// clone is anon_vma_clone: dst gets one new chain for every chain of src,
// oldest first (list_for_each_entry_reverse), so dst's list ends up in
// src's order. With the degree rule, a fork child (dst without an
// anon_vma) takes the first anon_vma of the chain that no VMA uses and
// that has at most one child. Whatever dst ends up using gains a degree.
func (r *rmapper) clone(dst, src *core.VMA) {
	ss := peek(src)
	if ss == nil {
		return
	}
	ds := state(dst)
	for pc := ss.tail; pc != nil; pc = pc.prev {
		av := pc.av
		r.link(dst, r.allocChain(), av)
		// Reuse needs src to have an anon_vma and av to be an older one:
		// src's own anon_vma has src as a user, and reusing it would put
		// the child's COW pages in the parent's walks again.
		if r.reuse && ds.anonVMA == nil && ss.anonVMA != nil && av != ss.anonVMA && av.degree < 2 {
			ds.anonVMA = av
		}
	}
	if ds.anonVMA != nil {
		ds.anonVMA.degree++
	}
}

// unlinkAnonVMAs is unlink_anon_vmas: every chain of v leaves its tree,
// newest first, so that descendants go before their ancestors and the root
// last. A chain whose anon_vma still has other chains is freed at once; an
// anon_vma left empty tells its parent it has one child fewer and is freed
// (put_anon_vma) in a second pass together with its chain, as the kernel
// does outside the root's lock.
func (r *rmapper) unlinkAnonVMAs(v *core.VMA) {
	s := peek(v)
	if s == nil {
		return
	}
	for c := s.head; c != nil; {
		next := c.next
		av := c.av
		r.m.Step(c.obj)
		r.m.Step(av.obj)
		av.tree.Remove(&c.rb)
		if av.tree.Len() == 0 {
			av.parent.degree--
		} else {
			s.dropFromList(c)
			r.freeChain(c)
		}
		c = next
	}
	if s.anonVMA != nil {
		s.anonVMA.degree--
		s.anonVMA = nil
	}
	for c := s.head; c != nil; {
		next := c.next
		av := c.av
		// VM_WARN_ON(anon_vma->degree): an empty anon_vma has no VMA
		// using it and no child left.
		if av.degree != 0 {
			panic(fmt.Sprintf("anonvma-avc: freeing an anon_vma with degree %d", av.degree))
		}
		r.put(av)
		s.dropFromList(c)
		r.freeChain(c)
		c = next
	}
}

// rekey is anon_vma_interval_tree_pre_update_vma / post_update_vma: v's
// range or vm_pgoff changed, so each of its chains moves to its new key.
// A chain already at the right key (linked after the change) stays put.
func (r *rmapper) rekey(v *core.VMA) {
	s := peek(v)
	if s == nil {
		return
	}
	start, last := v.PgOff, v.LastPgOff()
	for c := s.head; c != nil; c = c.next {
		if c.rb.Start() == start && c.rb.Last() == last {
			continue
		}
		c.av.tree.Remove(&c.rb)
		c.av.tree.Insert(&c.rb, start, last)
	}
}

func (r *rmapper) MMInit(mm, parent *core.MM) {}
func (r *rmapper) MMExit(mm *core.MM)         {}

// VMACreated: mmap gives no anon_vma; the first anonymous fault does.
func (r *rmapper) VMACreated(v *core.VMA) {}

// reusableAnonVMA is reusable_anon_vma: old (a or b) lends its anon_vma if
// a and b could share one and old's chain has a single entry, so that the
// two VMAs end up with identical chains (d0e9fe17).
func reusableAnonVMA(old, a, b *core.VMA) *anonVMA {
	if !objrmap.AnonCompatible(a, b) {
		return nil
	}
	if av := anonOf(old); av != nil && chainLen(old) == 1 {
		return av
	}
	return nil
}

// findMergeable is find_mergeable_anon_vma: the next VMA first, then the
// previous one.
func findMergeable(v *core.VMA) *anonVMA {
	prev, next := objrmap.Neighbours(v)
	if next != nil {
		if av := reusableAnonVMA(next, v, next); av != nil {
			return av
		}
	}
	if prev != nil {
		return reusableAnonVMA(prev, prev, v)
	}
	return nil
}

// AnonPrepare is __anon_vma_prepare: a VMA without an anon_vma shares a
// neighbour's or gets a new one, and links it with one chain. The degree
// it adds is the VMA's reference (for a new root, the first VMA's, on top
// of the self-parent link anon_vma_alloc counted).
func (r *rmapper) AnonPrepare(v *core.VMA) {
	if anonOf(v) != nil {
		return
	}
	c := r.allocChain()
	av := findMergeable(v)
	if av == nil {
		av = r.allocAnonVMA()
	}
	state(v).anonVMA = av
	r.link(v, c, av)
	av.degree++
}

// VMAFork is anon_vma_fork: the child clones the parent VMA's chain and,
// unless the degree rule let it reuse an anon_vma of that chain, gets a
// new anon_vma one level below the parent's, linked by one more chain.
func (r *rmapper) VMAFork(child, parent *core.VMA) {
	pav := anonOf(parent)
	if pav == nil {
		return
	}
	// vm_area_dup copied parent->anon_vma; anon_vma_fork clears it first.
	state(child).anonVMA = nil
	r.clone(child, parent)
	cs := state(child)
	if cs.anonVMA != nil {
		return // reused
	}
	av := r.allocAnonVMA()
	c := r.allocChain()
	av.root = pav.root
	av.parent = pav
	av.root.refcount++ // get_anon_vma(anon_vma->root)
	cs.anonVMA = av
	r.link(child, c, av)
	av.parent.degree++
}

// VMASplit is __split_vma: the new VMA inherits v's anon_vma (vm_area_dup)
// and clones its chain; then vma_adjust shrinks v, re-keying its chains.
func (r *rmapper) VMASplit(v, tail *core.VMA) {
	av := anonOf(v)
	if av == nil {
		return
	}
	state(tail).anonVMA = av
	r.clone(tail, v)
	r.rekey(v)
}

// VMAAdjusted is the re-keying vma_adjust does around a range change.
func (r *rmapper) VMAAdjusted(v *core.VMA) { r.rekey(v) }

// CanMerge is is_mergeable_anon_vma: the same anon_vma, or one side
// without any provided the side that has one has a single-entry chain
// (965f55dea0e3, "mmap: avoid merging cloned VMAs": a VMA cloned from a
// parent is left alone, so that new memory next to it does not join its
// family and contend on the family's anon_vma lock).
func (r *rmapper) CanMerge(prev, next *core.VMA) bool {
	if !objrmap.OffsetsRunOn(prev, next) {
		return false
	}
	a, b := anonOf(prev), anonOf(next)
	switch {
	case a == b:
		return true
	case a == nil:
		return chainLen(next) == 1
	case b == nil:
		return chainLen(prev) == 1
	}
	return false
}

// VMAMerge is vma_adjust removing gone: if kept had no anon_vma it imports
// gone's (anon_vma_clone from the exporter), then anon_vma_merge drops
// gone's chains (unlink_anon_vmas).
func (r *rmapper) VMAMerge(kept, gone *core.VMA) {
	gav := anonOf(gone)
	if gav != nil && anonOf(kept) == nil {
		state(kept).anonVMA = gav
		r.clone(kept, gone)
	}
	if gav != nil {
		if anonOf(kept) != gav {
			panic("anonvma-avc: merging VMAs with different anon_vmas")
		}
		r.unlinkAnonVMAs(gone)
	}
	// kept's range grew: its chains take their new keys (the ones just
	// cloned already have them).
	r.rekey(kept)
}

// VMAMove is copy_vma: the new VMA shares src's anon_vma and clones its
// chain; src is unlinked after its PTEs moved.
func (r *rmapper) VMAMove(dst, src *core.VMA) {
	av := anonOf(src)
	if av == nil {
		return
	}
	state(dst).anonVMA = av
	r.clone(dst, src)
}

// VMAUnlink is unlink_anon_vmas.
func (r *rmapper) VMAUnlink(v *core.VMA) { r.unlinkAnonVMAs(v) }

// HasAnonState is vma->anon_vma != NULL: copy_page_range copies only such
// VMAs (and the nonlinear ones) since 2.6.14.
func (r *rmapper) HasAnonState(v *core.VMA) bool { return anonOf(v) != nil }

// PageAdd is page_add_anon_rmap / page_add_new_anon_rmap with
// __page_set_anon_rmap: on the first mapping of a page that is not yet
// anonymous, page->mapping becomes vma->anon_vma for an exclusive page and
// the root for a page other PTEs may share ("we must use the _oldest_
// possible anon_vma"); page->index its linear offset. A page kept in the
// swap cache keeps the mapping it had, and is refused to a VMA of another
// family or at another offset, whether the fault reuses it or not
// (ksm_might_need_to_copy, 2.6.33+: only a page KSM shared across
// families before it was swapped out can meet one). File pages keep no rmap state; a KSM page keeps its stable node.
func (r *rmapper) PageAdd(v *core.VMA, ref core.MapRef, kind core.AddKind) bool {
	if kind == core.AddFile || kind == core.AddKsm {
		return true
	}
	fr := r.m.Frame(ref.Frame)
	if old, ok := fr.Anon.(*anonVMA); ok && (kind == core.AddSwapIn || kind == core.AddSwapInExclusive) &&
		(old.root != anonOf(v).root || fr.Index != v.LinearPgOff(ref.Addr)) {
		return false // ksm_might_need_to_copy: the MMU maps a copy
	}
	if fr.MapCount != 0 || fr.Anon != nil {
		return true
	}
	av := anonOf(v)
	if av == nil {
		panic("anonvma-avc: anonymous page added to a VMA without an anon_vma")
	}
	if kind == core.AddSwapIn {
		av = av.root
	}
	fr.Anon = av
	fr.Index = v.LinearPgOff(ref.Addr)
	return true
}

// PagesDup: page_dup_rmap only raises mapcount, which the MMU keeps.
func (r *rmapper) PagesDup(child *core.VMA, refs []core.MapRef) {}

// PagesRemove: page_remove_rmap leaves page->mapping stale until the page
// is freed.
func (r *rmapper) PagesRemove(v *core.VMA, refs []core.MapRef) {}

// PageMove: mremap keeps vm_pgoff, so a moved page is found at its offset
// in the new VMA, which cloned the old one's chain.
func (r *rmapper) PageMove(dst, src *core.VMA, from, to core.MapRef) bool { return true }

// anonWalk is rmap_walk_anon: stab the page's anon_vma tree at its offset
// and look at each VMA the stab reports. A KSM page's walk goes through
// its rmap_items (rmap_walk_ksm).
func (r *rmapper) anonWalk(f core.FrameID, fn func(v *core.VMA, addr uint64, a core.PTEAddr) bool) {
	m := r.m
	fr := m.Frame(f)
	if fr.Flags&core.FrameKsm != 0 {
		m.KSMWalk(f, r.ksmVMAs, fn)
		return
	}
	av, _ := fr.Anon.(*anonVMA)
	if av == nil {
		return
	}
	if av.freed {
		panic(fmt.Sprintf("anonvma-avc: frame %d points at a freed anon_vma", f))
	}
	pgoff := fr.Index
	av.tree.Stab(pgoff, func(n *itree.Node[*chain]) bool {
		v := n.Value.vma
		m.Walk.VMAs++
		addr, ok := v.Address(pgoff)
		if !ok {
			return true // vma_address: the page cannot be in this VMA
		}
		a, ok := m.CheckAddress(v, addr, f)
		if !ok {
			return true
		}
		return fn(v, addr, a)
	})
}

// Walk is rmap_walk: file pages through i_mmap, anonymous pages through
// their anon_vma.
func (r *rmapper) Walk(f core.FrameID, visit func(v *core.VMA, addr uint64) bool) {
	r.files.WalkPage(f, r.anonWalk, visit)
}

// TryToUnmap is try_to_unmap_anon / try_to_unmap_file.
func (r *rmapper) TryToUnmap(f core.FrameID) bool { return r.files.TryToUnmapPage(f, r.anonWalk) }

// PageReuse is page_move_anon_rmap (do_wp_page, 2.6.35+): a page the
// process alone maps, kept on a write fault, moves to the VMA's own
// anon_vma, so its walks no longer visit the VMAs of older generations.
func (r *rmapper) PageReuse(v *core.VMA, ref core.MapRef) {
	if av := anonOf(v); av != nil {
		r.m.Frame(ref.Frame).Anon = av
	}
}

// KSMLink is try_to_merge_with_ksm_page's get_anon_vma: an rmap_item of a
// KSM page holds its VMA's anon_vma.
func (r *rmapper) KSMLink(v *core.VMA) (any, bool) {
	av := anonOf(v)
	if av == nil {
		return nil, false
	}
	av.refcount++
	return av, true
}

// KSMUnlink is put_anon_vma of an rmap_item leaving the stable tree.
func (r *rmapper) KSMUnlink(anon any) { r.put(anon.(*anonVMA)) }

// ksmVMAs is rmap_walk_ksm's anon_vma_interval_tree_foreach over
// [0, ULONG_MAX]: every chain of an rmap_item's anon_vma, whatever its
// range.
func (r *rmapper) ksmVMAs(anon any, fn func(v *core.VMA) bool) {
	av := anon.(*anonVMA)
	if av.freed {
		panic("anonvma-avc: an rmap_item holds a freed anon_vma")
	}
	av.tree.Overlap(0, math.MaxUint64, func(n *itree.Node[*chain]) bool {
		return fn(n.Value.vma)
	})
}
