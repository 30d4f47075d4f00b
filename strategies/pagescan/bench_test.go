package pagescan_test

import (
	"testing"

	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/internal/benchkit"
	"rmapbench/strategies/pagescan"
)

func BenchmarkForkExit(b *testing.B) { benchkit.ForkExit(b, pagescan.Strategy, fileindex.NewLinear) }
func BenchmarkWalk(b *testing.B)     { benchkit.Walk(b, pagescan.Strategy, fileindex.NewLinear) }
func BenchmarkMigrate(b *testing.B)  { benchkit.Migrate(b, pagescan.Strategy, fileindex.NewLinear) }
