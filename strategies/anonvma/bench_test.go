package anonvma_test

import (
	"testing"

	"rmapbench/strategies/anonvma"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/internal/benchkit"
)

func BenchmarkForkExit(b *testing.B) { benchkit.ForkExit(b, anonvma.Strategy, fileindex.NewLinear) }
func BenchmarkWalk(b *testing.B)     { benchkit.Walk(b, anonvma.Strategy, fileindex.NewLinear) }
func BenchmarkMigrate(b *testing.B)  { benchkit.Migrate(b, anonvma.Strategy, fileindex.NewLinear) }
