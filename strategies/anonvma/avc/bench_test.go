package avc_test

import (
	"testing"

	"rmapbench/strategies/anonvma/avc"
	"rmapbench/strategies/fileindex"
	"rmapbench/strategies/internal/benchkit"
)

func BenchmarkForkExit(b *testing.B) { benchkit.ForkExit(b, avc.Strategy, fileindex.NewLinear) }
func BenchmarkWalk(b *testing.B)     { benchkit.Walk(b, avc.Strategy, fileindex.NewLinear) }
func BenchmarkMigrate(b *testing.B)  { benchkit.Migrate(b, avc.Strategy, fileindex.NewLinear) }
