package priotree

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchSizes are the numbers of vmas per file the benchmarks use: a library
// mapped by a few processes up to a libc mapped by tens of thousands.
var benchSizes = []int{16, 256, 4096, 65536}

// fileLikeInterval draws a vma over a file of 2^20 pages (4 GiB): starts
// spread over the file, a quarter of them at offset 0 (whole-file and
// text-segment mappings), lengths from one page to a few thousand.
func fileLikeInterval(rng *rand.Rand) (start, last uint64) {
	if rng.IntN(4) != 0 {
		start = rng.Uint64N(1 << 20)
	}
	return start, start + rng.Uint64N(1<<uint(rng.IntN(13)))
}

func buildBenchTree(n int, rng *rand.Rand) (*Tree[int], []Node[int]) {
	tr := &Tree[int]{}
	nodes := make([]Node[int], n)
	for i := range nodes {
		start, last := fileLikeInterval(rng)
		tr.Insert(&nodes[i], start, last)
	}
	return tr, nodes
}

// BenchmarkInsertRemove measures one Remove plus one Insert of a fresh
// interval into a tree of steady size N (munmap then mmap).
func BenchmarkInsertRemove(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, uint64(n)))
			tr, nodes := buildBenchTree(n, rng)
			starts := make([]uint64, 1024)
			lasts := make([]uint64, 1024)
			for i := range starts {
				starts[i], lasts[i] = fileLikeInterval(rng)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				node := &nodes[i%n]
				tr.Remove(node)
				tr.Insert(node, starts[i%1024], lasts[i%1024])
			}
		})
	}
}

// BenchmarkFork measures InsertAfter plus the matching Remove: a fork and
// the child's exit, O(1) whatever N.
func BenchmarkFork(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(2, uint64(n)))
			tr, nodes := buildBenchTree(n, rng)
			var child Node[int]
			for i := 0; b.Loop(); i++ {
				tr.InsertAfter(&child, &nodes[i%n])
				tr.Remove(&child)
			}
		})
	}
}

// BenchmarkStab measures a single-page stab, the rmap walk for one file page,
// and reports the mean number of nodes examined and found.
func BenchmarkStab(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, uint64(n)))
			tr, _ := buildBenchTree(n, rng)
			points := make([]uint64, 4096)
			for i := range points {
				points[i] = rng.Uint64N(1 << 20)
			}
			found := 0
			count := func(*Node[int]) bool { found++; return true }
			visited := 0
			ops := 0
			for i := 0; b.Loop(); i++ {
				visited += tr.Stab(points[i%len(points)], count)
				ops++
			}
			b.ReportMetric(float64(visited)/float64(ops), "visited/op")
			b.ReportMetric(float64(found)/float64(ops), "found/op")
		})
	}
}

// BenchmarkStabDisjoint stabs N disjoint intervals: the O(log N) case.
func BenchmarkStabDisjoint(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			tr := &Tree[int]{}
			nodes := make([]Node[int], n)
			for i := range nodes {
				tr.Insert(&nodes[i], uint64(10*i), uint64(10*i+4))
			}
			rng := rand.New(rand.NewPCG(4, uint64(n)))
			points := make([]uint64, 4096)
			for i := range points {
				points[i] = rng.Uint64N(uint64(10 * n))
			}
			nop := func(*Node[int]) bool { return true }
			visited, ops := 0, 0
			for i := 0; b.Loop(); i++ {
				visited += tr.Stab(points[i%len(points)], nop)
				ops++
			}
			b.ReportMetric(float64(visited)/float64(ops), "visited/op")
		})
	}
}
