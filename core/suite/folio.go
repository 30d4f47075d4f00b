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
			report.Metric{Value: float64(s.FolioAllocs), Unit: "folio-allocs", Exact: true},
			report.Metric{Value: float64(s.FolioSplits), Unit: "folio-splits", Exact: true},
			report.Metric{Value: float64(s.FolioDeferred), Unit: "folio-deferred-splits", Exact: true})
	}
	if m.THP() || s.THPMaps != 0 {
		// THP (-thp always, the trace's thp event; core/thp.go): the
		// 2 MiB folios mapped by a PMD, 0 under a strategy without THP
		// support, and the PMDs split to PTEs.
		ms = append(ms,
			report.Metric{Value: float64(s.THPMaps), Unit: "thp-pmd-maps", Exact: true},
			report.Metric{Value: float64(s.THPSplits), Unit: "thp-pmd-splits", Exact: true})
	}
	return ms
}
