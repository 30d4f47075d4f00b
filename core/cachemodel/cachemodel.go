// Package cachemodel is a model of a CPU's data caches: set-associative
// levels with LRU replacement in front of memory, and the latencies of a
// profile of real hardware. rmapbench feeds it the modelled kernel
// addresses of every object the MMU and the rmap strategies touch
// (core/hw.go), and reports the cycles it charges as modelled-sec, a
// model, beside the exact counters it is driven by.
//
//	access(addr) ──► L1d ──miss──► L2 ──miss──► [LLC] ──miss──► memory
//	                 hit: L1 cycles  hit: L2      hit: LLC       MemLatency
//	                                 cycles       cycles         cycles, one
//	                                                             cache-miss
//
// Every level is inclusive: a line fetched from further out is put in
// every level nearer the CPU, evicting that set's least recently used
// line. Writes cost what reads cost (write-allocate, no write-back
// traffic). There is no TLB, no prefetcher, no second CPU and no
// instruction cache: the model prices the data accesses the simulator
// makes and nothing else.
//
// Profiles (the figures and where they come from; "est." marks a figure
// chosen within a published range rather than read off one source):
//
//	p3-2003  a Pentium III Xeon server of 2003 at 700 MHz ("Cascades",
//	         0.18 µm, 1-2 MiB full-speed L2): 32-byte lines; L1d 16 KiB
//	         4-way, 3-cycle load-use latency (the P6 family, Intel
//	         Architecture Optimization Reference Manual, 1999); L2 2 MiB
//	         8-way (Intel's Pentium III Xeon datasheets), 10 cycles (est.:
//	         the 256 KiB on-die L2 of Coppermine takes 7; the 2 MiB array
//	         is slower); memory 180 ns (est.: lmbench lat_mem_rd on the
//	         ServerWorks and 440GX servers of the era gave 150-200 ns),
//	         126 cycles at 700 MHz.
//	modern   one core of a current x86 server (Intel Xeon 4th generation,
//	         "Sapphire Rapids", 2023) at 2.0 GHz: 64-byte lines; L1d
//	         48 KiB 12-way, 5 cycles; L2 2 MiB 16-way, 16 cycles (Intel
//	         64 and IA-32 Architectures Optimization Reference Manual,
//	         2023); LLC modelled as 32 MiB 16-way at 60 cycles (est.: the
//	         real LLC is a 1.875 MiB slice per core of a shared mesh, with
//	         a load latency measured at 30-40 ns); memory 110 ns (est.,
//	         from published measurements of that part, 100-130 ns), 220
//	         cycles.
//
// Each access also costs a profile's BaseCycles: the instructions around
// one access (the compare, the pointer chase, the loop), a stated
// constant of the model and not a measurement.
//
// The model is deterministic: the same accesses give the same cycles on
// every machine and every run.
package cachemodel

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"
)

// Level is one cache level of a profile.
type Level struct {
	Name    string
	Bytes   int // capacity
	Ways    int // associativity
	Latency int // load-use cycles on a hit
}

// Profile is a machine whose caches the model plays.
type Profile struct {
	Name       string
	Summary    string
	LineBytes  int
	ClockHz    float64
	Levels     []Level // nearest the CPU first
	MemLatency int     // cycles to memory on a miss in every level
	BaseCycles int     // cycles of instructions charged per access
}

var profiles = []Profile{
	{
		Name:      "p3-2003",
		Summary:   "Pentium III Xeon 700 MHz, 32-byte lines, 16 KiB L1d, 2 MiB L2, memory 180 ns",
		LineBytes: 32, ClockHz: 700e6,
		Levels: []Level{
			{Name: "L1d", Bytes: 16 << 10, Ways: 4, Latency: 3},
			{Name: "L2", Bytes: 2 << 20, Ways: 8, Latency: 10},
		},
		MemLatency: 126, BaseCycles: 4,
	},
	{
		Name:      "modern",
		Summary:   "x86 server core 2.0 GHz, 64-byte lines, 48 KiB L1d, 2 MiB L2, 32 MiB LLC, memory 110 ns",
		LineBytes: 64, ClockHz: 2.0e9,
		Levels: []Level{
			{Name: "L1d", Bytes: 48 << 10, Ways: 12, Latency: 5},
			{Name: "L2", Bytes: 2 << 20, Ways: 16, Latency: 16},
			{Name: "LLC", Bytes: 32 << 20, Ways: 16, Latency: 60},
		},
		MemLatency: 220, BaseCycles: 2,
	},
}

// Lookup returns the profile called name.
func Lookup(name string) (Profile, error) {
	for _, p := range profiles {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("unknown hardware profile %q (known: off, %s)", name, strings.Join(Names(), ", "))
}

// Names lists the profiles, sorted.
func Names() []string {
	var n []string
	for _, p := range profiles {
		n = append(n, p.Name)
	}
	sort.Strings(n)
	return n
}

// Seconds converts cycles of p to modelled seconds.
func (p Profile) Seconds(cycles int64) float64 { return float64(cycles) / p.ClockHz }

// level is one set-associative LRU level: set s holds its lines in
// ways[s*n:(s+1)*n], each as line+1 (0: empty) with the time of its last
// use.
type level struct {
	n       int
	setMask uint64
	latency int64
	ways    []way
}

type way struct{ tag, used uint64 }

// Cache is the model of one profile's caches.
type Cache struct {
	p         Profile
	lineShift uint
	levels    []level
	clock     uint64
	// last is the line of the latest access, plus one: an access to it
	// again hits L1 and changes no LRU order, so it skips the search.
	last uint64
	// Accesses and Misses count every access and those that went to
	// memory.
	Accesses, Misses int64
}

// New builds the empty caches of p.
func New(p Profile) *Cache {
	c := &Cache{p: p, lineShift: uint(bits.TrailingZeros(uint(p.LineBytes)))}
	for _, l := range p.Levels {
		sets := l.Bytes / p.LineBytes / l.Ways
		if sets&(sets-1) != 0 || sets == 0 {
			panic(fmt.Sprintf("cachemodel: %s %s: %d sets is not a power of two", p.Name, l.Name, sets))
		}
		c.levels = append(c.levels, level{
			n: l.Ways, setMask: uint64(sets - 1), latency: int64(l.Latency),
			ways: make([]way, sets*l.Ways),
		})
	}
	return c
}

// Profile returns the profile the cache plays.
func (c *Cache) Profile() Profile { return c.p }

// Access touches the byte at addr and returns the cycles it costs
// (BaseCycles plus the latency of the level that held the line, or of
// memory) and whether it missed every level.
func (c *Cache) Access(addr uint64) (cycles int64, miss bool) {
	line := addr >> c.lineShift
	tag := line + 1
	c.Accesses++
	cycles = int64(c.p.BaseCycles)
	if tag == c.last {
		return cycles + c.levels[0].latency, false
	}
	c.last = tag
	c.clock++
	hit := -1
	for i := range c.levels {
		if c.levels[i].lookup(line, tag, c.clock) {
			hit = i
			break
		}
	}
	if hit < 0 {
		c.Misses++
		cycles += int64(c.p.MemLatency)
		hit = len(c.levels)
	} else {
		cycles += c.levels[hit].latency
	}
	for i := 0; i < hit; i++ {
		c.levels[i].fill(line, tag, c.clock)
	}
	return cycles, hit == len(c.levels)
}

// lookup reports whether the level holds the line, marking it used.
func (l *level) lookup(line, tag, now uint64) bool {
	s := int(line&l.setMask) * l.n
	set := l.ways[s : s+l.n]
	for w := range set {
		if set[w].tag == tag {
			set[w].used = now
			return true
		}
	}
	return false
}

// fill puts the line in its set in place of the least recently used one.
func (l *level) fill(line, tag, now uint64) {
	s := int(line&l.setMask) * l.n
	set := l.ways[s : s+l.n]
	victim := 0
	for w := 1; w < len(set); w++ {
		if set[w].used < set[victim].used {
			victim = w
		}
	}
	set[victim] = way{tag: tag, used: now}
}
