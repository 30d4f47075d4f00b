package core

import "rmapbench/core/internal/rbtree"

// KSM's two trees and their nodes (mm/ksm.c; ksm.go has the overview).
//
// Both are red-black trees ordered by page content, searched by
// comparing the page in hand with the page each node stands for
// (memcmp_pages; here the content tokens of content.go):
//
//   - the unstable tree holds rmap_items of pages whose checksum did not
//     change since the previous full scan. Its pages are not
//     write-protected and may change after they went in, so a descent
//     compares their current content and may go astray; the tree is
//     dropped at every full scan (root_unstable_tree = RB_ROOT) and built
//     again, and an rmap_item left in an old tree is told by its seqnr.
//   - the stable tree holds stable nodes, each a KSM page with the list
//     of rmap_items mapping it (hlist, newest first). Its pages are
//     write-protected, so the tree stays ordered. Since 4.13 a KSM page
//     takes at most max_page_sharing rmap_items: past that, ksmd makes
//     another KSM page of the same content, and the tree node becomes a
//     chain (stable_node_chain) whose dups are those pages. A search
//     takes the dup with the most rmap_items that still has room
//     (stable_node_dup), and prunes a chain of one dup back to a plain
//     node at most once per full scan.
//
// Invariants: every mapping of a KSM page has an rmap_item on the page's
// stable node (ksm.go); a node's n is the length of its rmap_item list;
// pages_shared counts the nodes with an rmap_item, pages_sharing the
// other rmap_items of those nodes; a chain has at least one dup.

// itemState is where an rmap_item is: nowhere, in the unstable tree
// (UNSTABLE_FLAG) or on a stable node (STABLE_FLAG).
type itemState uint8

const (
	itemNone itemState = iota
	itemUnstable
	itemStable
)

// rmapItem is struct rmap_item: ksmd's record of one address of one mm
// where it found an anonymous page.
type rmapItem struct {
	next     *rmapItem // rmap_list: the mm's rmap_items by address
	mm       *MM
	addr     uint64
	checksum uint32 // oldchecksum
	state    itemState
	seq      uint8 // seqnr & SEQNR_MASK of the unstable tree it went into
	node     rbtree.Node[*rmapItem]
	obj      Obj // its slot in the rmap_item slab (cost.go)
	// When stable: the node, the links of its list, and what the
	// strategy keeps to find the mapping (rmap_item->anon_vma).
	head *stableNode
	h    hlink[rmapItem]
	anon any
}

// stableNode is struct stable_node: a KSM page and its rmap_items, or a
// chain of dups (such nodes, one KSM page each, of the same content).
type stableNode struct {
	node rbtree.Node[*stableNode] // in the stable tree (a plain node or a chain)
	// chain is the chain this dup hangs on (is_stable_node_dup), with d
	// its links on the chain's list (hlist_dup).
	chain   *stableNode
	d       hlink[stableNode]
	dups    *stableNode // a chain's dups, newest first
	isChain bool
	pruned  uint64 // a chain's chain_prune_time, in full scans
	items   *rmapItem
	n       int     // rmap_hlist_len
	kpfn    FrameID // the KSM page
}

// hlink is an hlist_node: a node's links on a list whose head is a plain
// pointer, newest first. rmap_items hang on their stable node this way,
// dups on their chain.
type hlink[T any] struct{ prev, next *T }

func (it *rmapItem) links() *hlink[rmapItem]    { return &it.h }
func (n *stableNode) links() *hlink[stableNode] { return &n.d }

type hlisted[T any] interface {
	*T
	links() *hlink[T]
}

// hlistAdd is hlist_add_head: x becomes the first node of the list.
func hlistAdd[T any, P hlisted[T]](head **T, x P) {
	l := x.links()
	l.prev, l.next = nil, *head
	if *head != nil {
		P(*head).links().prev = (*T)(x)
	}
	*head = (*T)(x)
}

// hlistDel is hlist_del: x leaves the list.
func hlistDel[T any, P hlisted[T]](head **T, x P) {
	l := x.links()
	if l.prev != nil {
		P(l.prev).links().next = l.next
	} else {
		*head = l.next
	}
	if l.next != nil {
		P(l.next).links().prev = l.prev
	}
	l.prev, l.next = nil, nil
}

// ksmNodeOf returns the stable node of a KSM page (page_stable_node), or
// nil.
func ksmNodeOf(fr *Frame) *stableNode {
	if fr.Flags&FrameKsm == 0 {
		return nil
	}
	n, _ := fr.Anon.(*stableNode)
	return n
}

func (m *Machine) ksmNewItem(mm *MM, addr uint64) *rmapItem {
	k := m.ksm
	it := &rmapItem{mm: mm, addr: addr}
	it.node.Value = it
	k.rmapItems++
	k.progress++
	it.obj = m.Space.New(k.itemKind)
	return it
}

// ksmFreeItems takes every rmap_item from *list on out of its tree and
// frees it (remove_trailing_rmap_items).
func (m *Machine) ksmFreeItems(list **rmapItem) {
	for *list != nil {
		it := *list
		*list = it.next
		m.ksmRemoveItem(it)
		m.ksm.rmapItems--
		m.ksm.progress++
		m.Space.Delete(it.obj)
	}
}

func (m *Machine) ksmNewNode() *stableNode {
	n := &stableNode{}
	n.node.Value = n
	m.Space.Alloc(m.ksm.nodeKind, 1)
	return n
}

func (m *Machine) ksmFreeNode(n *stableNode) {
	*n = stableNode{}
	m.Space.Free(m.ksm.nodeKind, 1)
}

// candidate is __is_page_sharing_candidate: n still maps something and
// has room for offset+1 more rmap_items under max_page_sharing.
func (k *ksmState) candidate(n *stableNode, offset int) bool {
	return n.n > 0 && (k.maxSharing == 0 || n.n+offset < k.maxSharing)
}

// ksmRemoveItem is remove_rmap_item_from_tree.
func (m *Machine) ksmRemoveItem(it *rmapItem) {
	k := m.ksm
	switch it.state {
	case itemStable:
		n := it.head
		hlistDel(&n.items, it)
		if n.items != nil {
			k.pagesSharing--
		} else {
			k.pagesShared--
		}
		n.n--
		m.ksmUnlinkAnon(it)
		it.head = nil
	case itemUnstable:
		// ksmd dropped the tree at the last full scan; an rmap_item of
		// the tree under way is still in it.
		switch age := uint8(k.seqnr) - it.seq; age {
		case 0:
			k.unstable.Erase(&it.node)
		case 1:
		default:
			panic("core: ksm: an rmap_item two full scans old in the unstable tree")
		}
		k.pagesUnshared--
	}
	it.state = itemNone
}

// ksmUnlinkAnon drops the rmap_item's reference on the strategy's
// anonymous object (put_anon_vma).
func (m *Machine) ksmUnlinkAnon(it *rmapItem) {
	if it.anon != nil {
		m.rm.(KSMLinker).KSMUnlink(it.anon)
		it.anon = nil
	}
}

// ksmAppend is stable_tree_append: it joins n's list at its head.
func (m *Machine) ksmAppend(it *rmapItem, n *stableNode) {
	k := m.ksm
	n.n++
	it.head, it.state = n, itemStable
	hlistAdd(&n.items, it)
	if it.h.next != nil {
		k.pagesSharing++
	} else {
		k.pagesShared++
	}
}

// ksmPick is __stable_node_chain: the node whose KSM page a scanned page
// may join. For a plain node, the node if it has room; for a chain, the
// dup with room (with prune, at most once per full scan: the one with the
// most rmap_items, and a chain left with one dup becomes a plain node
// again; without, the first). It returns the dup, or nil if every one is
// full, and the node now at n's place in the tree.
func (m *Machine) ksmPick(n *stableNode, prune bool) (dup, at *stableNode) {
	k := m.ksm
	if !n.isChain {
		if k.candidate(n, 0) {
			return n, n
		}
		return nil, n
	}
	if prune && k.seqnr > n.pruned {
		n.pruned = k.seqnr
	} else {
		prune = false
	}
	var found *stableNode
	dups := 0
	for d := n.dups; d != nil; d = d.d.next {
		dups++
		if k.candidate(d, 0) && (found == nil || d.n > found.n) {
			found = d
			if !prune {
				break
			}
		}
	}
	switch {
	case found == nil:
	case prune && dups == 1:
		// One dup left with room: the chain is collapsed.
		k.stable.Replace(&n.node, &found.node)
		found.chain, found.d = nil, hlink[stableNode]{}
		m.ksmFreeNode(n)
		k.chains--
		k.dups--
		k.progress++
		return found, found
	case n.dups != found && k.candidate(found, 1):
		// Put it first so that the next search meets it at once.
		m.ksmUnlinkDup(found)
		m.ksmAddDup(found, n)
		k.progress++
	}
	return found, n
}

// ksmAny is stable_node_dup_any: a node of n's content to compare with,
// when no dup has room.
func ksmAny(n *stableNode) *stableNode {
	if n.isChain {
		return n.dups
	}
	return n
}

// ksmAddDup puts dup on chain's list (stable_node_chain_add_dup).
func (m *Machine) ksmAddDup(dup, chain *stableNode) {
	dup.chain = chain
	hlistAdd(&chain.dups, dup)
	m.ksm.dups++
}

// ksmUnlinkDup takes dup off its chain's list (__stable_node_dup_del).
func (m *Machine) ksmUnlinkDup(dup *stableNode) {
	hlistDel(&dup.chain.dups, dup)
	dup.chain = nil
	m.ksm.dups--
}

// ksmContent is the content of the KSM page of node n (get_ksm_page:
// nodes of freed pages are gone, so every node's page is there).
func (m *Machine) ksmContent(n *stableNode) uint64 {
	fr := &m.pm.frames[n.kpfn]
	if ksmNodeOf(fr) != n {
		panic("core: ksm: a stable node whose page is not its KSM page")
	}
	return fr.Content
}

// ksmStableSearch is stable_tree_search: the KSM page the page f can be
// merged with, or 0. A KSM page found at once is itself (a KSM page
// forked); a content whose every dup is full gives 0, and the page must
// then meet a twin in the unstable tree to start a new dup.
func (m *Machine) ksmStableSearch(f FrameID) FrameID {
	fr := &m.pm.frames[f]
	if ksmNodeOf(fr) != nil {
		return f
	}
	c := fr.Content
	for t := m.ksm.stable.Root(); t != nil; {
		dup, at := m.ksmPick(t.Value, true)
		tc := m.ksmContent(ksmAny(at))
		if dup != nil {
			tc = m.ksmContent(dup)
		}
		switch {
		case c < tc:
			t = at.node.Child(rbtree.Left)
		case c > tc:
			t = at.node.Child(rbtree.Right)
		case dup == nil:
			return 0
		default:
			return dup.kpfn
		}
	}
	return 0
}

// ksmStableInsert is stable_tree_insert: kpage, just made a KSM page,
// gets a stable node: a new node of the tree, or a dup of the node of
// its content (which becomes a chain if it was not one).
func (m *Machine) ksmStableInsert(kpage FrameID) *stableNode {
	k := m.ksm
	c := m.pm.frames[kpage].Content
	var parent *rbtree.Node[*stableNode]
	side := rbtree.Left
	var same *stableNode
	for t := k.stable.Root(); t != nil; t = t.Child(side) {
		dup, at := m.ksmPick(t.Value, false)
		tc := m.ksmContent(ksmAny(at))
		if dup != nil {
			tc = m.ksmContent(dup)
		}
		parent = t
		if c == tc {
			same = at
			break
		}
		side = rbtree.Left
		if c > tc {
			side = rbtree.Right
		}
	}
	n := m.ksmNewNode()
	n.kpfn = kpage
	m.pm.frames[kpage].Anon = n // set_page_stable_node
	switch {
	case same == nil:
		k.stable.Link(&n.node, parent, side)
	case same.isChain:
		m.ksmAddDup(n, same)
	default:
		// alloc_stable_node_chain: the chain takes the node's place in
		// the tree and the node becomes its first dup.
		chain := m.ksmNewNode()
		chain.isChain = true
		chain.pruned = k.seqnr
		k.stable.Replace(&same.node, &chain.node)
		k.chains++
		m.ksmAddDup(same, chain)
		m.ksmAddDup(n, chain)
	}
	return n
}

// ksmPageFreed is remove_node_from_stable_tree for the node of KSM page
// f, which is being freed: its rmap_items leave it (keeping their place
// in their mm's list) and it leaves the tree, with its chain if it was
// the chain's last dup.
func (m *Machine) ksmPageFreed(f FrameID) {
	k := m.ksm
	n := ksmNodeOf(&m.pm.frames[f])
	if k == nil || n == nil {
		return // made a KSM page, then broken before it got a node
	}
	for it := n.items; it != nil; {
		next := it.h.next
		if next != nil {
			k.pagesSharing--
		} else {
			k.pagesShared--
		}
		m.ksmUnlinkAnon(it)
		it.head, it.h, it.state = nil, hlink[rmapItem]{}, itemNone
		it = next
	}
	if c := n.chain; c != nil {
		m.ksmUnlinkDup(n)
		if c.dups == nil {
			k.stable.Erase(&c.node)
			m.ksmFreeNode(c)
			k.chains--
		}
	} else {
		k.stable.Erase(&n.node)
	}
	m.ksmFreeNode(n)
}

// ksmUnstableSearchInsert is unstable_tree_search_insert: an rmap_item of
// this scan whose page has f's content, with that page; else it is put in
// the tree and nil returned. A node whose page is gone, or is f itself
// (forked), ends the search without inserting.
func (m *Machine) ksmUnstableSearchInsert(it *rmapItem, f FrameID) (*rmapItem, FrameID) {
	k := m.ksm
	c := m.pm.frames[f].Content
	var parent *rbtree.Node[*rmapItem]
	side := rbtree.Left
	for t := k.unstable.Root(); t != nil; t = t.Child(side) {
		tree := t.Value
		tp := m.ksmMergeablePage(tree)
		if tp == 0 || tp == f {
			return nil, 0
		}
		tc := m.pm.frames[tp].Content
		if c == tc {
			return tree, tp
		}
		parent = t
		side = rbtree.Left
		if c > tc {
			side = rbtree.Right
		}
	}
	it.state, it.seq = itemUnstable, uint8(k.seqnr)
	k.unstable.Link(&it.node, parent, side)
	k.pagesUnshared++
	return nil, 0
}
