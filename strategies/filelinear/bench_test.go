package filelinear_test

import (
	"testing"

	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/filelinear"
	"rmapbench/strategies/internal/benchkit"
)

func BenchmarkForkExit(b *testing.B) { benchkit.ForkExit(b, filelinear.Strategy, fileindex.NewLinear) }
func BenchmarkWalk(b *testing.B)     { benchkit.Walk(b, filelinear.Strategy, fileindex.NewLinear) }
func BenchmarkMigrate(b *testing.B)  { benchkit.Migrate(b, filelinear.Strategy, fileindex.NewLinear) }
