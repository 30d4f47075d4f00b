package suite

import (
	"rmapbench/core"
	"rmapbench/core/report"
)

// folioMetrics are the large folios of runs that had any (-folio, the
// trace's folio event; core/folio.go, docs/folios.md): folios allocated,
// split, and split by the deferred split queue.
func folioMetrics(m *core.Machine) []report.Metric {
	s := &m.Stats
	var ms []report.Metric
	if s.FolioAllocs != 0 {
		ms = append(ms,
			exact(float64(s.FolioAllocs), "folio-allocs"),
			exact(float64(s.FolioSplits), "folio-splits"),
			exact(float64(s.FolioDeferred), "folio-deferred-splits"))
	}
	if m.THP() || s.THPMaps != 0 {
		// THP (-thp always, the trace's thp event; core/thp.go): the
		// 2 MiB folios mapped by a PMD, 0 under a strategy without THP
		// support, and the PMDs split to PTEs.
		ms = append(ms,
			exact(float64(s.THPMaps), "thp-pmd-maps"),
			exact(float64(s.THPSplits), "thp-pmd-splits"))
	}
	return ms
}
