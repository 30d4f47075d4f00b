package itree

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

var benchSizes = []int{16, 1024, 65536}

// vmaLike returns n intervals shaped like a file's mappings: page-offset
// ranges of 1-64 pages scattered over a large file, overlapping occasionally.
func vmaLike(r *rand.Rand, n int) [][2]uint64 {
	out := make([][2]uint64, n)
	for i := range out {
		start := r.Uint64N(uint64(n) * 64)
		out[i] = [2]uint64{start, start + r.Uint64N(64)}
	}
	return out
}

// BenchmarkInsertRemove measures one Remove plus one Insert (a vma being
// unmapped and another mapped) in a tree holding n nodes.
func BenchmarkInsertRemove(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			var tr Tree[int]
			nodes := make([]Node[int], n)
			for i, iv := range vmaLike(r, n) {
				tr.Insert(&nodes[i], iv[0], iv[1])
			}
			// Precomputed so the loop measures the tree, not the generator.
			const tableSize = 1 << 12
			victims := make([]int32, tableSize)
			for i := range victims {
				victims[i] = int32(r.IntN(n))
			}
			fresh := vmaLike(r, tableSize)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := i & (tableSize - 1)
				node := &nodes[victims[k]]
				tr.Remove(node)
				tr.Insert(node, fresh[k][0], fresh[k][1])
			}
		})
	}
}

// BenchmarkInsertAfterRemove measures the fork path: InsertAfter next to a
// random node, then Remove (the child exiting).
func BenchmarkInsertAfterRemove(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(3, 4))
			var tr Tree[int]
			nodes := make([]Node[int], n)
			for i, iv := range vmaLike(r, n) {
				tr.Insert(&nodes[i], iv[0], iv[1])
			}
			const tableSize = 1 << 12
			parents := make([]int32, tableSize)
			for i := range parents {
				parents[i] = int32(r.IntN(n))
			}
			var child Node[int]
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tr.InsertAfter(&child, &nodes[parents[i&(tableSize-1)]])
				tr.Remove(&child)
			}
		})
	}
}

// BenchmarkStab measures a single-page reverse-map lookup in a vma-like
// tree, and reports the nodes examined per stab as visited/op.
func BenchmarkStab(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(5, 6))
			var tr Tree[int]
			nodes := make([]Node[int], n)
			for i, iv := range vmaLike(r, n) {
				tr.Insert(&nodes[i], iv[0], iv[1])
			}
			const tableSize = 1 << 12
			points := make([]uint64, tableSize)
			for i := range points {
				points[i] = r.Uint64N(uint64(n) * 64)
			}
			found, visited := 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				visited += tr.Stab(points[i&(tableSize-1)], func(*Node[int]) bool {
					found++
					return true
				})
			}
			b.ReportMetric(float64(visited)/float64(b.N), "visited/op")
			b.ReportMetric(float64(found)/float64(b.N), "found/op")
		})
	}
}

// BenchmarkStabShared measures the anon_vma shape: n chains whose intervals
// all cover the stabbed page (a process forked n times), so every node is
// reported; the figure is the per-report walk cost.
func BenchmarkStabShared(b *testing.B) {
	for _, n := range []int{16, 1024} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			var tr Tree[int]
			nodes := make([]Node[int], n)
			tr.Insert(&nodes[0], 100, 200)
			for i := 1; i < n; i++ {
				tr.InsertAfter(&nodes[i], &nodes[i-1])
			}
			found := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tr.Stab(150, func(*Node[int]) bool { found++; return true })
			}
			if found != n*b.N {
				b.Fatalf("found %d, want %d", found, n*b.N)
			}
		})
	}
}
