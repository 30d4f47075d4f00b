package perf

// window puts records back in timestamp order with bounded memory. perf
// script sorts its output by time already, but buffers of different CPUs
// flushed late (or an output assembled from several files) can put a line
// after later ones. The window holds up to size records, ordered by
// (timestamp, place in the file) in a binary heap, and releases the
// earliest when it is full, so a line out of order by fewer than size
// lines takes its place. A line later than one already released is
// released at once: it counts as late.
//
// The heap orders small keys; the records stay in slots, so that moving a
// key moves no record.
type window struct {
	size  int
	keys  []key // a min-heap
	slots []record
	free  []int32
	last  uint64 // timestamp of the last record released
	late  int
}

type key struct {
	ts, seq uint64
	slot    int32
}

func (a key) less(b key) bool { return a.ts < b.ts || (a.ts == b.ts && a.seq < b.seq) }

// add takes r and calls release for each record that leaves the window.
func (w *window) add(r *record, release func(*record) error) error {
	if r.ts < w.last {
		w.late++
		return release(r)
	}
	var slot int32
	if n := len(w.free); n > 0 {
		slot = w.free[n-1]
		w.free = w.free[:n-1]
	} else {
		slot = int32(len(w.slots))
		w.slots = append(w.slots, record{})
	}
	w.slots[slot] = *r
	w.keys = append(w.keys, key{r.ts, r.seq, slot})
	w.up(len(w.keys) - 1)
	if len(w.keys) > w.size {
		return w.pop(release)
	}
	return nil
}

func (w *window) pop(release func(*record) error) error {
	k := w.keys[0]
	last := len(w.keys) - 1
	w.keys[0] = w.keys[last]
	w.keys = w.keys[:last]
	w.down(0)
	w.last = k.ts
	w.free = append(w.free, k.slot)
	return release(&w.slots[k.slot])
}

// drain releases every record left, in order.
func (w *window) drain(release func(*record) error) error {
	for len(w.keys) > 0 {
		if err := w.pop(release); err != nil {
			return err
		}
	}
	return nil
}

func (w *window) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !w.keys[i].less(w.keys[parent]) {
			return
		}
		w.keys[i], w.keys[parent] = w.keys[parent], w.keys[i]
		i = parent
	}
}

func (w *window) down(i int) {
	n := len(w.keys)
	for {
		child := 2*i + 1
		if child >= n {
			return
		}
		if right := child + 1; right < n && w.keys[right].less(w.keys[child]) {
			child = right
		}
		if !w.keys[child].less(w.keys[i]) {
			return
		}
		w.keys[i], w.keys[child] = w.keys[child], w.keys[i]
		i = child
	}
}
