package ptechain_test

import (
	"testing"

	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/internal/benchkit"
	"rmapbench/strategies/ptechain"
)

func BenchmarkForkExit(b *testing.B) { benchkit.ForkExit(b, ptechain.Strategy, fileindex.NewLinear) }
func BenchmarkWalk(b *testing.B)     { benchkit.Walk(b, ptechain.Strategy, fileindex.NewLinear) }
func BenchmarkMigrate(b *testing.B)  { benchkit.Migrate(b, ptechain.Strategy, fileindex.NewLinear) }
