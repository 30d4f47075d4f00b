package plot

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Limits of a chart. A chart is read by eye: past a few dozen series or
// bar groups it shows nothing, and drawing it (a legend entry per series,
// a comparison of every pair of series for the notes) costs time and
// memory that grow with their square. So a panel keeps its first
// maxSeries series and maxGroups groups, in the chart's order, and a note
// says how many were left out; results files of hundreds of thousands of
// configurations are charted in seconds. A point whose value is not finite
// (which results files cannot hold, core/results rejects them, but a
// ratio can overflow to) is left out with a note too. A note that lists
// names is cut short.
const (
	maxSeries = 24
	maxGroups = 40
	// maxNote bounds a note's length: a note that lists workloads or
	// series is cut at a word, with the number of words left out.
	maxNote = 600
)

// limit applies the limits to every panel and note of f.
func (f *figure) limit() {
	defer func() {
		for i, n := range f.Notes {
			f.Notes[i] = shortNote(n)
		}
	}()
	for pi := range f.Panels {
		p := &f.Panels[pi]
		dropped := 0
		for si := range p.Series {
			s := &p.Series[si]
			n := len(s.Points)
			s.Points = slices.DeleteFunc(s.Points, func(pt point) bool { return !finite(pt.X) || !finite(pt.Y) })
			dropped += n - len(s.Points)
		}
		if dropped > 0 {
			f.Notes = append(f.Notes, fmt.Sprintf("%s: %d points left out: their values are not finite.", panelName(p), dropped))
		}
		if n := len(p.Groups); n > maxGroups {
			p.Groups = p.Groups[:maxGroups]
			for si := range p.Series {
				s := &p.Series[si]
				s.Points = slices.DeleteFunc(s.Points, func(pt point) bool { return pt.X >= maxGroups })
			}
			p.Series = slices.DeleteFunc(p.Series, func(s series) bool { return len(s.Points) == 0 })
			f.Notes = append(f.Notes, fmt.Sprintf("%s: only the first %d of %d groups are drawn.", panelName(p), maxGroups, n))
		}
		if n := len(p.Series); n > maxSeries {
			p.Series = p.Series[:maxSeries]
			f.Notes = append(f.Notes, fmt.Sprintf("%s: only the first %d of %d series are drawn; chart fewer configurations at once.", panelName(p), maxSeries, n))
		}
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// panelName names a panel in a note: its title, or "the chart".
func panelName(p *panel) string {
	if p.Title != "" {
		return p.Title
	}
	return "The chart"
}

// shortNote cuts a note longer than maxNote at a space, saying how many
// words were left out.
func shortNote(n string) string {
	if len(n) <= maxNote {
		return n
	}
	cut := strings.LastIndexByte(n[:maxNote], ' ')
	if cut <= 0 {
		cut = maxNote
	}
	return fmt.Sprintf("%s ... (%d more words)", strings.TrimRight(n[:cut], ", "), len(strings.Fields(n[cut:])))
}
