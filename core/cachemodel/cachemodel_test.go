package cachemodel

import "testing"

func mustProfile(t *testing.T, name string) Profile {
	t.Helper()
	p, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A line is fetched from memory once, then hits in L1 while it stays;
// bytes of one line share it.
func TestHitAfterMiss(t *testing.T) {
	p := mustProfile(t, "p3-2003")
	c := New(p)
	if cyc, miss := c.Access(0x1000); !miss || cyc != int64(p.BaseCycles+p.MemLatency) {
		t.Fatalf("first access: %d cycles, miss %v", cyc, miss)
	}
	if cyc, miss := c.Access(0x1000 + 31); miss || cyc != int64(p.BaseCycles+p.Levels[0].Latency) {
		t.Fatalf("same 32-byte line: %d cycles, miss %v", cyc, miss)
	}
	if _, miss := c.Access(0x1000 + 32); !miss {
		t.Fatal("next line hit without being fetched")
	}
}

// Ways+1 lines of one L1 set evict the least recently used one to L2;
// a working set larger than the last level misses every time round.
func TestLRUEviction(t *testing.T) {
	p := mustProfile(t, "p3-2003")
	c := New(p)
	l1 := p.Levels[0]
	stride := uint64(l1.Bytes / l1.Ways) // same set, next tag
	for i := 0; i <= l1.Ways; i++ {
		c.Access(uint64(i) * stride)
	}
	if cyc, miss := c.Access(0); miss || cyc != int64(p.BaseCycles+p.Levels[1].Latency) {
		t.Fatalf("evicted line: %d cycles, miss %v; want an L2 hit", cyc, miss)
	}
	c = New(p)
	big := uint64(2 * p.Levels[len(p.Levels)-1].Bytes)
	for round := 0; round < 2; round++ {
		before := c.Misses
		for a := uint64(0); a < big; a += uint64(p.LineBytes) {
			c.Access(a)
		}
		if got, want := c.Misses-before, int64(big)/int64(p.LineBytes); got != want {
			t.Fatalf("round %d: %d misses over twice the cache, want %d", round, got, want)
		}
	}
}

func TestProfilesAreValid(t *testing.T) {
	for _, name := range Names() {
		p := mustProfile(t, name)
		New(p) // panics on a bad geometry
		if p.Seconds(int64(p.ClockHz)) != 1 {
			t.Errorf("%s: a second of cycles is not a second", name)
		}
	}
	if _, err := Lookup("pentium4"); err == nil {
		t.Error("unknown profile accepted")
	}
}
