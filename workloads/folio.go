package workloads

// folioFork and folioMunmap are David Hildenbrand's benchmarks of the
// batched rmap of 6.9 (his series "mm/memory: optimize fork() with
// PTE-mapped THP", Jan 2024, and "mm/memory: optimize unmap/zap with
// PTE-mapped THP", Feb 2024): a process populates a region of anonymous
// memory with large folios of one size, mapped by PTEs, then forks (a
// child that exits at once) or unmaps it. His region was 1 GiB (-scale
// large); the folio size is the sysfs switch his runs changed, here the
// trace's `folio SIZE` event (docs/folios.md).

// folioSizes are the folio sizes the knob offers (multi-size THP's).
var folioSizes = []string{"4KiB", "8KiB", "16KiB", "32KiB", "64KiB", "128KiB", "256KiB", "512KiB", "1MiB", "2MiB"}

// folioKnob is the folio size of both workloads, 64 KiB unless -param
// folio= says otherwise.
var folioKnob = Knob{Name: "folio", Choices: folioSizes, ByScale: [3]int64{4, 4, 4}, Help: "the size of the large folios the region is populated with (4KiB: small pages)"}

// folioReclaim is the reclaim at the end, after what is measured: it
// splits the folios it takes (docs/folios.md).
var folioReclaim = Knob{Name: "reclaim", ByScale: [3]int64{32, 256, 1024}, Min: 0, Help: "pages reclaimed at the end, once the forks or unmaps are done"}

// folioSize is both workloads' populated region.
var folioSize = Knob{Name: "size", Bytes: true, ByScale: [3]int64{16 * mib, 128 * mib, 1024 * mib}, Min: 2 * mib, Help: "the populated region (Hildenbrand: 1GiB)"}

const folioBase = 0x7f4000000000 // 1 GiB aligned

var folioFork = &Generator{
	Name:    "folio-fork",
	BenchID: "FolioFork",
	Summary: "fork of a process whose region is populated with PTE-mapped large folios, the child exiting at once (Hildenbrand's fork batching, 6.9)",
	Knobs: []Knob{
		folioKnob,
		folioSize,
		{Name: "forks", ByScale: [3]int64{2, 4, 4}, Min: 1, Help: "forks, each child exiting before the next"},
		folioReclaim,
	},
	generate: genFolioFork,
}

var folioMunmap = &Generator{
	Name:    "folio-munmap",
	BenchID: "FolioMunmap",
	Summary: "munmap of a region populated with PTE-mapped large folios (Hildenbrand's unmap/zap batching, 6.9)",
	Knobs: []Knob{
		folioKnob,
		folioSize,
		{Name: "loops", ByScale: [3]int64{2, 4, 4}, Min: 1, Help: "rounds of populating and unmapping"},
		folioReclaim,
	},
	generate: genFolioMunmap,
}

// folioPopulate sets the folio size and has process 1 map and write the
// region.
func folioPopulate(k Values, e *emitter) uint64 {
	size := pages(k["size"])
	e.folio(pageSize << uint(k["folio"]))
	e.mmapAnon(1, folioBase, size, rw, false)
	e.touch(1, folioBase, size, true)
	return size
}

func genFolioFork(k Values, seed uint64, e *emitter) {
	folioPopulate(k, e)
	for range int(k["forks"]) {
		e.fork(1, 2)
		e.exit(2)
	}
	e.check()
	e.reclaim(uint64(k["reclaim"]))
	e.check()
}

func genFolioMunmap(k Values, seed uint64, e *emitter) {
	for range int(k["loops"]) {
		size := folioPopulate(k, e)
		e.check()
		e.munmap(1, folioBase, size)
	}
	folioPopulate(k, e)
	e.reclaim(uint64(k["reclaim"]))
	e.check()
}
