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
	if s.FolioAllocs == 0 {
		return nil
	}
	return []report.Metric{
		{Value: float64(s.FolioAllocs), Unit: "folio-allocs", Exact: true},
		{Value: float64(s.FolioSplits), Unit: "folio-splits", Exact: true},
		{Value: float64(s.FolioDeferred), Unit: "folio-deferred-splits", Exact: true},
	}
}
