package avc

import "rmapbench/core"

// FolioStrategy describes anonvma-folio for the registry: the
// anon_vma_chain of anonvma-avc behind 6.8's folio rmap interface.
var FolioStrategy = core.Strategy{
	Name:         "anonvma-folio",
	Era:          "6.8+ (folio rmap interface), 6.9+ (batched fork and zap)",
	Summary:      "anonvma-avc behind the folio rmap interface: one rmap call per run of PTEs of one large folio at fault, fork and zap (-folio)",
	DefaultIndex: "interval",
	ForkCopy:     core.ForkCopyAnon,
	New:          func(m *core.Machine) core.Rmapper { return &folioRmapper{newRmapper(m)} },
}

// folioRmapper is the anon_vma_chain of 3.19 - 4.19, unchanged since in
// what it links, called through the folio interface of 6.8 and 6.9
// (core.FolioRmapper): its structures, walks and hooks are rmapper's.
type folioRmapper struct{ *rmapper }

// FolioAddPTEs is folio_add_new_anon_rmap for a fault's new folio
// (__folio_set_anon: folio->mapping is vma->anon_vma, folio->index the
// linear offset of its first page). The simulator keeps mapping and
// index in every page of the run, where the kernel derives a page's from
// its folio's.
func (r *folioRmapper) FolioAddPTEs(v *core.VMA, refs []core.MapRef, kind core.AddKind) {
	for _, ref := range refs {
		r.PageAdd(v, ref, kind)
	}
}

// FolioDupPTEs is folio_try_dup_anon_rmap_ptes: the mapcounts, which the
// MMU keeps (a page pinned for DMA, which makes fork copy it, is not
// modelled).
func (r *folioRmapper) FolioDupPTEs(child *core.VMA, refs []core.MapRef) {}

// FolioRemovePTEs is folio_remove_rmap_ptes: the mapcounts, and the
// deferred split of a folio left partially mapped, which the MMU does.
func (r *folioRmapper) FolioRemovePTEs(v *core.VMA, refs []core.MapRef) {}
