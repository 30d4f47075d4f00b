package plot

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	xfont "golang.org/x/image/font"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"rmapbench/core/report"
)

// dpi of the PNG files: an 8x5 inch chart is 960x600 pixels.
const dpi = 120

// logYRatio and logXRatio: an auto axis turns logarithmic when its
// positive values span at least this factor.
const (
	logYRatio = 20
	logXRatio = 4
)

var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// Text measured in Liberation Sans gets this much room: an SVG names the
// font without embedding it, and a viewer without it may use a wider one
// (DejaVu Sans is about 12% wider).
const (
	svgSlackWrap   = 0.86
	svgSlackLegend = 1.16
)

func textStyle(size vg.Length, bold, italic bool) text.Style {
	f := font.From(sans, size)
	if bold {
		f.Weight = xfont.WeightBold
	}
	if italic {
		f.Style = xfont.StyleItalic
	}
	return text.Style{Color: color.Black, Font: f, Handler: gplot.DefaultTextHandler}
}

// prepare picks each panel's scales, clamps values <= 0 on log axes, chooses
// what the error bars show, and adds the notes that explain it.
func (f *figure) prepare() {
	f.limit() // limits.go
	useCI, minN, maxN, lines := true, math.MaxInt, 0, false
	for _, p := range f.Panels {
		if p.Groups != nil {
			continue
		}
		for _, s := range p.Series {
			if s.Ref {
				continue
			}
			for _, pt := range s.Points {
				lines = true
				minN, maxN = min(minN, pt.N), max(maxN, pt.N)
				if pt.N < 2 || math.IsInf(pt.CILo, 0) || math.IsInf(pt.CIHi, 0) || math.IsNaN(pt.CILo) || math.IsNaN(pt.CIHi) {
					useCI = false
				}
			}
		}
	}
	if lines {
		for pi := range f.Panels {
			p := &f.Panels[pi]
			if p.Groups != nil {
				continue
			}
			for si := range p.Series {
				for i := range p.Series[si].Points {
					pt := &p.Series[si].Points[i]
					if useCI {
						pt.Lo, pt.Hi = pt.CILo, pt.CIHi
					} else {
						pt.Lo, pt.Hi = pt.Min, pt.Max
					}
				}
			}
		}
		runs := strconv.Itoa(minN)
		if maxN != minN {
			runs = fmt.Sprintf("%d-%d", minN, maxN)
		}
		switch {
		case f.Band != "":
			// the chart says itself what its points are
		case maxN <= 1:
			f.Band = "Points: one run each, so no error bars (use -count 6 for confidence intervals)."
		case useCI:
			f.Band = "Points: median of " + runs + " runs; bars: 95% confidence interval of the median (as benchstat)."
		default:
			f.Band = "Points: median of " + runs + " runs; bars: min to max of the runs (fewer than 6 runs: no 95% interval)."
		}
	}
	if f.Sweep != "" {
		for _, p := range f.Panels {
			if p.Groups == nil && distinctX(p.Series) == 1 {
				f.Notes = append(f.Notes, "Only one x value: run the workload at several values ("+f.Sweep+") to see the trend.")
				break
			}
		}
	}
	var clampedAll, pairs []string
	coincide := map[string][]string{}
	for pi := range f.Panels {
		p := &f.Panels[pi]
		p.logX = decideLog(p.XScale, p.xValues(), logXRatio) && p.Groups == nil
		p.logY = decideLog(p.YScale, p.yValues(), logYRatio)
		if p.logY {
			if clamped := p.clamp(); p.Groups == nil {
				for _, c := range clamped {
					if !slices.Contains(clampedAll, c) {
						clampedAll = append(clampedAll, c)
					}
				}
			}
		}
		if p.Groups == nil {
			t, _, _ := strings.Cut(p.Title, ":")
			for _, pair := range p.coincident() {
				if coincide[pair] == nil {
					pairs = append(pairs, pair)
				}
				coincide[pair] = append(coincide[pair], t)
			}
		}
	}
	linePanels := 0
	for _, p := range f.Panels {
		if p.Groups == nil {
			linePanels++
		}
	}
	for _, pair := range pairs {
		where := coincide[pair]
		if len(where) == linePanels || slices.Contains(where, "") {
			f.Notes = append(f.Notes, pair+" coincide (identical values).")
		} else {
			f.Notes = append(f.Notes, pair+" coincide in "+strings.Join(where, ", ")+" (identical values).")
		}
	}
	if len(clampedAll) > 0 {
		f.Notes = append(f.Notes, "Zero values ("+strings.Join(clampedAll, ", ")+") cannot be shown on a log axis: they are drawn at its bottom.")
	}
	var notes []string
	for _, n := range f.Notes {
		if !slices.Contains(notes, n) {
			notes = append(notes, n)
		}
	}
	f.Notes = notes
}

func decideLog(mode scaleMode, vs []float64, ratio float64) bool {
	switch mode {
	case scaleLinear:
		return false
	case scaleLog:
		return true
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		if v <= 0 {
			return false
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return len(vs) > 0 && hi/lo >= ratio
}

func (p *panel) xValues() []float64 {
	var vs []float64
	for _, s := range p.Series {
		for _, pt := range s.Points {
			vs = append(vs, pt.X)
		}
	}
	return vs
}

func (p *panel) yValues() []float64 {
	var vs []float64
	for _, s := range p.Series {
		for _, pt := range s.Points {
			vs = append(vs, pt.Y, pt.Lo, pt.Hi)
		}
	}
	for _, h := range p.HLines {
		vs = append(vs, h.Y)
	}
	return vs
}

// clamp raises values <= 0 (and bar ends) to the floor of the log axis: a
// third of the smallest positive value. It returns the series with a
// clamped median.
func (p *panel) clamp() []string {
	minPos := math.Inf(1)
	for _, v := range p.yValues() {
		if v > 0 && !math.IsInf(v, 0) {
			minPos = math.Min(minPos, v)
		}
	}
	if math.IsInf(minPos, 1) {
		minPos = 1
	}
	p.floor = minPos / 3
	var clamped []string
	for si := range p.Series {
		s := &p.Series[si]
		hit := false
		for i := range s.Points {
			pt := &s.Points[i]
			if !(pt.Y > 0) {
				pt.Y, pt.Clamped, hit = p.floor, true, true
			}
			if !(pt.Lo > 0) {
				pt.Lo = p.floor
			}
			if !(pt.Hi > 0) {
				pt.Hi = p.floor
			}
		}
		if hit {
			clamped = append(clamped, s.Label)
		}
	}
	for i := range p.HLines {
		if !(p.HLines[i].Y > 0) {
			p.HLines[i].Y = p.floor
		}
	}
	return clamped
}

// coincident names pairs of series with the same points, which draw over
// each other.
func (p *panel) coincident() []string {
	var out []string
	for i := range p.Series {
		for j := i + 1; j < len(p.Series); j++ {
			a, b := p.Series[i].Points, p.Series[j].Points
			if len(a) == len(b) && len(a) > 0 && slices.EqualFunc(a, b, func(x, y point) bool { return x.X == y.X && x.Y == y.Y }) {
				out = append(out, p.Series[i].Label+" and "+p.Series[j].Label)
			}
		}
	}
	return out
}

// write renders the figure as NAME.png and NAME.svg in dir, each to an
// output file that the caller commits.
func (f *figure) write(dir string) (files []*report.AtomicFile, paths []string, err error) {
	for _, ext := range []string{"png", "svg"} {
		path := filepath.Join(dir, f.Name+"."+ext)
		a, err := f.writeFile(path, ext)
		if err != nil {
			return files, paths, err
		}
		files = append(files, a)
		paths = append(paths, path)
	}
	return files, paths, nil
}

func (f *figure) writeFile(path, ext string) (*report.AtomicFile, error) {
	var cw vg.CanvasWriterTo
	switch ext {
	case "png":
		cw = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(dpi))}
	case "svg":
		cw = vgsvg.New(f.Width, f.Height)
	default:
		return nil, fmt.Errorf("unknown format %q", ext)
	}
	if err := f.render(draw.New(cw)); err != nil {
		return nil, err
	}
	a, err := report.CreateAtomic(path)
	if err != nil {
		return nil, err
	}
	if _, err := cw.WriteTo(a); err != nil {
		a.Abort()
		return nil, err
	}
	return a, nil
}

// render draws the figure: title and claim on top, panels, a legend column
// on the right shared by the panels, and notes at the bottom.
func (f *figure) render(c draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing %s: %v", f.Name, r)
		}
	}()
	c.FillPolygon(color.White, []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}})
	const margin = 10
	inner := vg.Rectangle{Min: vg.Point{X: c.Min.X + margin, Y: c.Min.Y + margin}, Max: vg.Point{X: c.Max.X - margin, Y: c.Max.Y - margin}}
	width := inner.Max.X - inner.Min.X
	// SVG viewers without Liberation Sans substitute a wider font: leave
	// room for it when wrapping text and sizing the legend.
	wrapWidth := width * svgSlackWrap

	// Header.
	y := inner.Max.Y
	titleSty := textStyle(13, true, false)
	claimSty := textStyle(10.5, false, true)
	for _, l := range wrap(titleSty, f.Title, wrapWidth) {
		y = drawLine(c, titleSty, inner.Min.X, y, l)
	}
	y -= 2
	for _, l := range wrap(claimSty, f.Claim, wrapWidth) {
		y = drawLine(c, claimSty, inner.Min.X, y, l)
	}
	top := y - 6

	// Footer.
	noteSty := textStyle(9, false, false)
	var notes []string
	if f.Band != "" {
		notes = append(notes, f.Band)
	}
	notes = append(notes, f.Notes...)
	var noteLines []string
	for _, n := range notes {
		noteLines = append(noteLines, wrap(noteSty, n, wrapWidth)...)
	}
	lineH := noteSty.Height("Ag") + 1
	notesTop := inner.Min.Y + vg.Length(len(noteLines))*lineH
	ny := notesTop
	for _, l := range noteLines {
		ny = drawLine(c, noteSty, inner.Min.X, ny, l)
	}
	bottom := notesTop
	if len(noteLines) > 0 {
		bottom += 6
	}

	// Legend column.
	leg, legW := f.legend()
	legendArea := vg.Rectangle{Min: vg.Point{X: inner.Max.X - legW, Y: bottom}, Max: vg.Point{X: inner.Max.X, Y: top}}
	leg.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: legendArea})

	// Panels.
	area := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: inner.Min.X, Y: bottom}, Max: vg.Point{X: legendArea.Min.X - 12, Y: top}}}
	cols := max(f.Cols, 1)
	rows := (len(f.Panels) + cols - 1) / cols
	grid := make([][]*gplot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*gplot.Plot, cols)
	}
	for i := range f.Panels {
		p, err := f.Panels[i].build(area.Max.X - area.Min.X)
		if err != nil {
			return err
		}
		grid[i/cols][i%cols] = p
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: 18, PadY: 14}
	canvases := gplot.Align(grid, tiles, area)
	for r := range grid {
		for col, p := range grid[r] {
			if p != nil {
				p.Draw(canvases[r][col])
			}
		}
	}
	return nil
}

// drawLine draws one line of text with its top at y and returns the y
// below it.
func drawLine(c draw.Canvas, sty text.Style, x, y vg.Length, s string) vg.Length {
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YTop
	c.FillText(sty, vg.Point{X: x, Y: y}, s)
	return y - sty.Height("Ag") - 1
}

// wrap breaks s into lines no wider than width.
func wrap(sty text.Style, s string, width vg.Length) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		next := w
		if cur != "" {
			next = cur + " " + w
		}
		if cur != "" && sty.Width(next) > width {
			lines = append(lines, cur)
			cur = w
			continue
		}
		cur = next
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// legend builds the shared legend of the figure's series, reference lines
// and error bars, and returns its width.
func (f *figure) legend() (gplot.Legend, vg.Length) {
	leg := gplot.NewLegend()
	leg.TextStyle = textStyle(10, false, false)
	leg.Top, leg.Left = true, true
	leg.ThumbnailWidth = 26
	leg.Padding = 4
	seen := map[string]bool{}
	bars := false
	for _, p := range f.Panels {
		for si, s := range p.Series {
			if seen[s.Label] {
				continue
			}
			seen[s.Label] = true
			st := styleOf(s.Key, si)
			switch {
			case p.Groups != nil:
				leg.Add(s.Label, &barSet{color: st.color})
				continue
			case s.Ref:
				leg.Add(s.Label, &plotter.Line{LineStyle: st.refLine()})
				continue
			}
			line, pts := st.plotters(si, nil)
			leg.Add(s.Label, line, pts)
			for _, pt := range s.Points {
				if pt.Hi > pt.Lo {
					bars = true
				}
			}
		}
		for _, h := range p.HLines {
			if seen[h.Label] {
				continue
			}
			seen[h.Label] = true
			leg.Add(h.Label, &hlinePlot{Y: h.Y, style: hlineStyle(h.Key)})
		}
	}
	const barLabel = "error bar: spread of the runs"
	if bars {
		leg.Add(barLabel, errorBarThumb{})
	}
	w := vg.Length(0)
	for label := range seen {
		w = max(w, leg.ThumbnailWidth+leg.TextStyle.Width(" "+label+" "))
	}
	if bars {
		w = max(w, leg.ThumbnailWidth+leg.TextStyle.Width(" "+barLabel+" "))
	}
	return leg, min(w*svgSlackLegend, f.Width*0.4)
}

// errorBarThumb is the legend's picture of an error bar.
type errorBarThumb struct{}

func (errorBarThumb) Thumbnail(c *draw.Canvas) {
	sty := draw.LineStyle{Color: color.NRGBA{90, 90, 90, 255}, Width: 1}
	x := c.Center().X
	lo, hi := c.Min.Y+2, c.Max.Y-2
	c.StrokeLine2(sty, x, lo, x, hi)
	c.StrokeLine2(sty, x-3, lo, x+3, lo)
	c.StrokeLine2(sty, x-3, hi, x+3, hi)
}

// build makes the gonum plot of one panel; plotWidth is the width of the
// whole panel area (used to decide whether bar group labels must turn).
//
// Log axes are drawn as linear axes over log10 of the values, with tick
// labels giving the values: gonum's LogScale places the axis label's glyph
// box at the arithmetic middle of the range, which shrinks the data area.
func (p *panel) build(plotWidth vg.Length) (*gplot.Plot, error) {
	pl := gplot.New()
	pl.Title.Text = p.Title
	pl.Title.TextStyle = textStyle(11, true, false)
	pl.Title.TextStyle.XAlign, pl.Title.TextStyle.YAlign = draw.XCenter, draw.YTop
	pl.Title.Padding = 6
	for _, ax := range []*gplot.Axis{&pl.X, &pl.Y} {
		ax.Label.TextStyle = textStyle(11, false, false)
		ax.Label.TextStyle.XAlign, ax.Label.TextStyle.YAlign = draw.XCenter, draw.YBottom
		xa, ya := ax.Tick.Label.XAlign, ax.Tick.Label.YAlign
		ax.Tick.Label = textStyle(9.5, false, false)
		ax.Tick.Label.XAlign, ax.Tick.Label.YAlign = xa, ya
	}
	pl.X.Label.Text, pl.Y.Label.Text = p.XLabel, p.YLabel
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 215}
	grid.Horizontal.Color = color.Gray{Y: 215}
	if p.Groups != nil {
		grid.Vertical.Color = nil
	}
	pl.Add(grid)

	if p.Groups != nil {
		p.addBars(pl, plotWidth)
	} else if err := p.addLines(pl); err != nil {
		return nil, err
	}
	for _, h := range p.HLines {
		pl.Add(&hlinePlot{Y: p.ty(h.Y), style: hlineStyle(h.Key)})
	}

	// Y axis.
	if p.logY {
		pl.Y.Tick.Marker = logTicks{}
		lo := pl.Y.Min
		if p.Groups != nil {
			lo = math.Min(lo, p.ty(p.floor)) - math.Log10(2.5)
		} else {
			lo -= math.Log10(1.25)
		}
		pl.Y.Min, pl.Y.Max = lo, pl.Y.Max+math.Log10(1.25)
	} else {
		pl.Y.Tick.Marker = linearTicks{}
		if pl.Y.Min >= 0 {
			pl.Y.Min = 0
		}
		if pl.Y.Max <= pl.Y.Min {
			pl.Y.Max = pl.Y.Min + 1
		}
		pl.Y.Max += 0.05 * (pl.Y.Max - pl.Y.Min)
	}
	// X axis.
	if p.Groups != nil {
		pl.X.Min, pl.X.Max = -0.5, float64(len(p.Groups))-0.5
		return pl, nil
	}
	pl.X.Tick.Marker = linearTicks{}
	if p.logX {
		pl.X.Tick.Marker = logTicks{}
	}
	if ticks := p.dataTicks(pl); ticks != nil {
		pl.X.Tick.Marker = ticks
	}
	return pl, nil
}

// tx and ty map values to the drawn axis coordinates (log10 on log axes).
func (p *panel) tx(v float64) float64 {
	if p.logX {
		return math.Log10(v)
	}
	return v
}

func (p *panel) ty(v float64) float64 {
	if p.logY {
		return math.Log10(v)
	}
	return v
}

func (p *panel) addLines(pl *gplot.Plot) error {
	for si, s := range p.Series {
		st := styleOf(s.Key, si)
		xys := make(plotter.XYs, len(s.Points))
		var bars []errorBar
		for i, pt := range s.Points {
			xys[i] = plotter.XY{X: p.tx(pt.X), Y: p.ty(pt.Y)}
			if pt.Hi > pt.Lo && !s.Ref {
				bars = append(bars, errorBar{x: p.tx(pt.X), lo: p.ty(pt.Lo), hi: p.ty(pt.Hi)})
			}
		}
		if s.Ref {
			pl.Add(&plotter.Line{XYs: xys, LineStyle: st.refLine()})
			continue
		}
		if len(bars) > 0 {
			pl.Add(&errorBars{bars: bars, color: st.color})
		}
		line, pts := st.plotters(si, xys)
		pl.Add(line, pts)
	}
	return nil
}

// errorBar is the spread of one point's runs, in drawn coordinates.
type errorBar struct{ x, lo, hi float64 }

// errorBars draws a series' error bars: thin vertical lines with caps,
// which stay legible where the series cross (shaded bands ran into each
// other there).
type errorBars struct {
	bars  []errorBar
	color color.NRGBA
}

func (e *errorBars) Plot(c draw.Canvas, pl *gplot.Plot) {
	trX, trY := pl.Transforms(&c)
	col := e.color
	col.A = 190
	sty := draw.LineStyle{Color: col, Width: 1.1}
	for _, b := range e.bars {
		x, lo, hi := trX(b.x), trY(b.lo), trY(b.hi)
		c.StrokeLine2(sty, x, lo, x, hi)
		c.StrokeLine2(sty, x-3.5, lo, x+3.5, lo)
		c.StrokeLine2(sty, x-3.5, hi, x+3.5, hi)
	}
}

func (e *errorBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	r := emptyRange()
	for _, b := range e.bars {
		r.add(b.x, b.x, b.lo, b.hi)
	}
	return r.xmin, r.xmax, r.ymin, r.ymax
}

// dataRange is the extent of what a plotter draws, grown by add.
type dataRange struct{ xmin, xmax, ymin, ymax float64 }

func emptyRange() dataRange {
	return dataRange{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
}

func (r *dataRange) add(x0, x1, y0, y1 float64) {
	r.xmin, r.xmax = math.Min(r.xmin, x0), math.Max(r.xmax, x1)
	r.ymin, r.ymax = math.Min(r.ymin, y0), math.Max(r.ymax, y1)
}

func (p *panel) addBars(pl *gplot.Plot, plotWidth vg.Length) {
	n := max(len(p.Series), 1)
	w := 0.84 / float64(n)
	for si, s := range p.Series {
		st := styleOf(s.Key, si)
		bs := &barSet{color: st.color}
		for _, pt := range s.Points {
			x0 := pt.X - 0.42 + float64(si)*w
			bs.bars = append(bs.bars, bar{x0: x0 + 0.04*w, x1: x0 + 0.96*w, y: p.ty(pt.Y), hollow: pt.Clamped})
		}
		pl.Add(bs)
	}
	pl.Add(&groupDecor{groups: len(p.Groups)})
	ticks := make(gplot.ConstantTicks, len(p.Groups))
	for i, g := range p.Groups {
		ticks[i] = gplot.Tick{Value: float64(i), Label: g}
	}
	pl.X.Tick.Marker = ticks
	pl.X.Tick.Length = 0
	// Turn the labels when they would not fit side by side.
	widest := vg.Length(0)
	for _, g := range p.Groups {
		widest = max(widest, pl.X.Tick.Label.Width(g))
	}
	if len(p.Groups) > 0 && widest > (plotWidth-50)/vg.Length(len(p.Groups)) {
		pl.X.Tick.Label.Rotation = math.Pi / 6
		pl.X.Tick.Label.XAlign, pl.X.Tick.Label.YAlign = draw.XRight, draw.YTop
	}
}

// dataTicks returns tick marks at the panel's x values when there are few
// and they are far enough apart on the axis to be labelled.
func (p *panel) dataTicks(pl *gplot.Plot) gplot.Ticker {
	xs := slices.Compact(slices.Sorted(slices.Values(p.xValues())))
	if len(xs) == 0 || len(xs) > 12 {
		return nil
	}
	lo, hi := pl.X.Min, pl.X.Max
	if hi <= lo {
		return gplot.ConstantTicks{{Value: p.tx(xs[0]), Label: formatTick(xs[0])}}
	}
	for i := 1; i < len(xs); i++ {
		if (p.tx(xs[i])-p.tx(xs[i-1]))/(hi-lo) < 0.07 {
			return nil
		}
	}
	ticks := make(gplot.ConstantTicks, len(xs))
	for i, x := range xs {
		ticks[i] = gplot.Tick{Value: p.tx(x), Label: formatTick(x)}
	}
	return gplot.ConstantTicks(relabel(ticks, p.logX))
}

// formatTick writes a tick value compactly: 0.5, 16, 2048, 1e+06 as 1e6.
func formatTick(v float64) string {
	if a := math.Abs(v); v != 0 && (a >= 1e6 || a < 1e-3) {
		return sciTick(v)
	}
	return plainTick(v)
}

// plainTick writes v in decimals, to six significant digits.
func plainTick(v float64) string {
	return strconv.FormatFloat(roundTo(v, 6), 'f', -1, 64)
}

// sciTick writes v as mantissa e exponent: 5e-5, 1.5e6.
func sciTick(v float64) string {
	s := strconv.FormatFloat(v, 'e', 3, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	e, _ := strconv.Atoi(exp)
	if e == 0 {
		return mant
	}
	return mant + "e" + strconv.Itoa(e)
}

// suffixTick writes v with a k, M, G or T suffix: 500k, 1.5M.
func suffixTick(v float64) string {
	a := math.Abs(v)
	for _, u := range []struct {
		div    float64
		suffix string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if a >= u.div {
			return plainTick(roundTo(v/u.div, 4)) + u.suffix
		}
	}
	return plainTick(v)
}

// roundTo rounds v to n significant digits.
func roundTo(v float64, n int) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	p := math.Pow10(n - 1 - int(math.Floor(math.Log10(math.Abs(v)))))
	return math.Round(v*p) / p
}

// relabel writes every label of one axis the same way: in decimals; with
// k, M, G suffixes when a label reaches 100,000; in e-notation when one
// is below 0.0001. An axis never mixes 500000 and 1.5e6. Tick values of a
// log axis are log10 of the labelled values.
func relabel(ticks []gplot.Tick, logAxis bool) []gplot.Tick {
	val := func(t gplot.Tick) float64 {
		if logAxis {
			return roundTo(math.Pow(10, t.Value), 12)
		}
		return t.Value
	}
	big, tiny := false, false
	for _, t := range ticks {
		if t.Label == "" {
			continue
		}
		a := math.Abs(val(t))
		big = big || a >= 1e5
		tiny = tiny || (a != 0 && a < 1e-4)
	}
	for i, t := range ticks {
		if t.Label == "" {
			continue
		}
		switch v := val(t); {
		case v == 0:
			ticks[i].Label = "0"
		case tiny:
			ticks[i].Label = sciTick(v)
		case big:
			ticks[i].Label = suffixTick(v)
		default:
			ticks[i].Label = plainTick(v)
		}
	}
	return ticks
}

// linearTicks labels a linear axis at 1, 2, 2.5 or 5 times a power of ten,
// five to ten labels over the range, with minor ticks between.
type linearTicks struct{}

func (linearTicks) Ticks(min, max float64) []gplot.Tick {
	if !(max > min) {
		return []gplot.Tick{{Value: min, Label: formatTick(min)}}
	}
	raw := (max - min) / 6
	mag := math.Pow10(int(math.Floor(math.Log10(raw))))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	minor := step / 5
	var ticks []gplot.Tick
	for i := math.Ceil(min / minor); i*minor <= max+minor*1e-9; i++ {
		v := i * minor
		t := gplot.Tick{Value: v}
		if k := v / step; math.Abs(k-math.Round(k)) < 1e-6 {
			v = math.Round(k) * step
			t.Value, t.Label = v, formatTick(v)
		}
		ticks = append(ticks, t)
	}
	return relabel(ticks, false)
}

// logTicks labels an axis drawn in log10 units: every power of ten over
// many decades, 1-2-5 over a few, 1-2-3-5 over about one, 1 to 9 within
// half of one, with unlabelled minor ticks in between (plain ticks when the
// range is too narrow for two of those). Tick values are log10 of the
// labelled values.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []gplot.Tick {
	lo, hi := math.Pow(10, min), math.Pow(10, max)
	if !(hi > lo) {
		return []gplot.Tick{{Value: min, Label: formatTick(lo)}}
	}
	decades := max - min
	var labelled []int
	switch {
	case decades <= 0.6:
		labelled = []int{1, 2, 3, 4, 5, 6, 7, 8, 9}
	case decades <= 1.5:
		labelled = []int{1, 2, 3, 5}
	case decades <= 3.5:
		labelled = []int{1, 2, 5}
	default:
		labelled = []int{1}
	}
	step := 1
	if decades > 9 {
		step = int(math.Ceil(decades / 8))
	}
	var ticks []gplot.Tick
	for e := int(math.Floor(min)); e <= int(math.Ceil(max)); e++ {
		base := math.Pow10(e)
		for m := 1; m <= 9; m++ {
			v := base * float64(m)
			lv := math.Log10(v)
			if lv < min-1e-9 || lv > max+1e-9 {
				continue
			}
			t := gplot.Tick{Value: lv}
			if slices.Contains(labelled, m) && (m != 1 || e%step == 0) {
				t.Label = formatTick(v)
			}
			ticks = append(ticks, t)
		}
	}
	labels := 0
	for _, t := range ticks {
		if t.Label != "" {
			labels++
		}
	}
	if labels < 2 {
		// A narrow range: plain ticks over the values, placed in log10.
		ticks = ticks[:0]
		for _, t := range (gplot.DefaultTicks{}).Ticks(lo, hi) {
			if t.Value > 0 {
				if t.Label != "" {
					t.Label = formatTick(t.Value)
				}
				t.Value = math.Log10(t.Value)
				ticks = append(ticks, t)
			}
		}
	}
	return relabel(ticks, true)
}

// style is how one series is drawn.
type style struct {
	color  color.NRGBA
	dashes []vg.Length
	glyph  draw.GlyphDrawer
}

var keyColors = map[string]color.NRGBA{
	"pagescan":      {110, 110, 110, 255},
	"ptechain":      {214, 39, 40, 255},
	"filelinear":    {255, 127, 14, 255},
	"anonmm":        {148, 103, 189, 255},
	"anonvma":       {31, 119, 180, 255},
	"anonvma-avc":   {44, 160, 44, 255},
	"anonvma-folio": {23, 190, 207, 255},
	"linear":        {214, 39, 40, 255},
	"prio":          {31, 119, 180, 255},
	"interval":      {44, 160, 44, 255},
	"reuse":         {44, 160, 44, 255},
	"no reuse":      {214, 39, 40, 255},
}

var fallbackColors = []color.NRGBA{
	{140, 86, 75, 255}, {227, 119, 194, 255}, {188, 189, 34, 255}, {23, 190, 207, 255},
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
}

var dashPatterns = [][]vg.Length{nil, {6, 3}, {2, 2}, {8, 3, 2, 3}, {12, 4}, {4, 2, 1, 2}}

var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.PyramidGlyph{},
	draw.RingGlyph{}, draw.BoxGlyph{}, draw.PlusGlyph{}, draw.CrossGlyph{},
}

// keyIndex gives each known key a fixed dash and glyph.
var keyIndex = map[string]int{
	"pagescan": 2, "ptechain": 0, "filelinear": 1, "anonmm": 3, "anonvma": 4, "anonvma-avc": 5, "anonvma-folio": 6,
	"linear": 0, "prio": 1, "interval": 2, "reuse": 0, "no reuse": 1,
}

// styleOf returns the style of a series with key at position i of its
// panel; known keys look the same in every chart.
func styleOf(key string, i int) style {
	c, ok := keyColors[key]
	if !ok {
		c = fallbackColors[i%len(fallbackColors)]
	}
	k, ok := keyIndex[key]
	if !ok {
		k = i
	}
	return style{color: c, dashes: dashPatterns[k%len(dashPatterns)], glyph: glyphs[k%len(glyphs)]}
}

// refLine is how a reference line of the series' key is drawn.
func (s style) refLine() draw.LineStyle {
	return draw.LineStyle{Color: s.color, Width: 1.3, Dashes: []vg.Length{7, 4}}
}

// plotters returns the line and the marks of a series; later series get
// smaller marks so that coinciding points stay visible.
func (s style) plotters(i int, xys plotter.XYs) (*plotter.Line, *plotter.Scatter) {
	line := &plotter.Line{XYs: xys, LineStyle: draw.LineStyle{Color: s.color, Width: 1.8, Dashes: s.dashes}}
	r := vg.Length(math.Max(5.5-0.6*float64(i), 2.5))
	pts := &plotter.Scatter{XYs: xys, GlyphStyle: draw.GlyphStyle{Color: s.color, Radius: r, Shape: s.glyph}}
	return line, pts
}

func hlineStyle(key string) draw.LineStyle {
	if key == "limit" {
		return draw.LineStyle{Color: color.NRGBA{200, 0, 0, 255}, Width: 2, Dashes: []vg.Length{8, 4}}
	}
	return draw.LineStyle{Color: color.Black, Width: 1.2, Dashes: []vg.Length{4, 3}}
}

// hlinePlot is a horizontal line across the panel at Y.
type hlinePlot struct {
	Y     float64
	style draw.LineStyle
}

func (h *hlinePlot) Plot(c draw.Canvas, pl *gplot.Plot) {
	_, trY := pl.Transforms(&c)
	y := trY(h.Y)
	if !c.ContainsY(y) {
		return
	}
	c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
}

func (h *hlinePlot) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), h.Y, h.Y
}

func (h *hlinePlot) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
}

// bar is one bar in data coordinates, rising from the bottom of the axis.
type bar struct {
	x0, x1, y float64
	hollow    bool
}

// barSet draws bars of one series; hollow bars (clamped zeros) are drawn
// as a dashed outline.
type barSet struct {
	bars  []bar
	color color.NRGBA
}

func (b *barSet) Plot(c draw.Canvas, pl *gplot.Plot) {
	trX, trY := pl.Transforms(&c)
	for _, br := range b.bars {
		x0, x1 := trX(br.x0), trX(br.x1)
		y0, y1 := c.Min.Y, trY(br.y)
		pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
		outline := draw.LineStyle{Color: color.NRGBA{40, 40, 40, 255}, Width: 0.5}
		if br.hollow {
			outline = draw.LineStyle{Color: b.color, Width: 1.2, Dashes: []vg.Length{2, 1.5}}
		} else {
			c.FillPolygon(b.color, c.ClipPolygonXY(pts))
		}
		c.StrokeLines(outline, c.ClipLinesXY(append(pts, pts[0]))...)
	}
}

func (b *barSet) DataRange() (xmin, xmax, ymin, ymax float64) {
	r := emptyRange()
	for _, br := range b.bars {
		r.add(br.x0, br.x1, br.y, br.y)
	}
	return r.xmin, r.xmax, r.ymin, r.ymax
}

func (b *barSet) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{c.Min, {X: c.Min.X, Y: c.Max.Y}, c.Max, {X: c.Max.X, Y: c.Min.Y}}
	c.FillPolygon(b.color, pts)
}

// groupDecor draws thin separators between bar groups.
type groupDecor struct {
	groups int
}

func (g *groupDecor) Plot(c draw.Canvas, pl *gplot.Plot) {
	trX, _ := pl.Transforms(&c)
	sep := draw.LineStyle{Color: color.Gray{Y: 190}, Width: 0.6}
	for i := 0; i < g.groups-1; i++ {
		x := trX(float64(i) + 0.5)
		c.StrokeLine2(sep, x, c.Min.Y, x, c.Max.Y)
	}
}
