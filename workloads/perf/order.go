package perf

import "container/heap"

// window puts records back in timestamp order with bounded memory. perf
// script sorts its output by time already, but buffers of different CPUs
// flushed late (or an output assembled from several files) can put a line
// after later ones. The window holds up to size records in a heap ordered
// by (timestamp, place in the file) and releases the earliest when it is
// full, so a line out of order by fewer than size lines takes its place.
// A line later than one already released is released at once: it counts
// as late.
type window struct {
	h    recHeap
	size int
	last uint64 // timestamp of the last record released
	late int
}

type recHeap []record

func (h recHeap) Len() int { return len(h) }
func (h recHeap) Less(i, j int) bool {
	if h[i].ts != h[j].ts {
		return h[i].ts < h[j].ts
	}
	return h[i].seq < h[j].seq
}
func (h recHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *recHeap) Push(x any)   { *h = append(*h, x.(record)) }
func (h *recHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}

// add takes r and calls release for each record that leaves the window.
func (w *window) add(r record, release func(*record) error) error {
	if r.ts < w.last {
		w.late++
		return release(&r)
	}
	heap.Push(&w.h, r)
	if len(w.h) > w.size {
		return w.pop(release)
	}
	return nil
}

func (w *window) pop(release func(*record) error) error {
	r := heap.Pop(&w.h).(record)
	w.last = r.ts
	return release(&r)
}

// drain releases every record left, in order.
func (w *window) drain(release func(*record) error) error {
	for len(w.h) > 0 {
		if err := w.pop(release); err != nil {
			return err
		}
	}
	return nil
}
