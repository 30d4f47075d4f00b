package anonmm_test

import (
	"testing"

	"rmapbench/strategies/anonmm"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/internal/benchkit"
)

func BenchmarkForkExit(b *testing.B) { benchkit.ForkExit(b, anonmm.Strategy, fileindex.NewLinear) }
func BenchmarkWalk(b *testing.B)     { benchkit.Walk(b, anonmm.Strategy, fileindex.NewLinear) }
func BenchmarkMigrate(b *testing.B)  { benchkit.Migrate(b, anonmm.Strategy, fileindex.NewLinear) }
