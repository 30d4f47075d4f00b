package plot

import (
	"os"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func TestDbg(t *testing.T) {
	rs, err := Load("/tmp/data/fe.txt")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := forkExitTime(parseRuns(rs))
	f.prepare()
	pl, _ := f.Panels[0].build(500)
	c := vgimg.NewWith(vgimg.UseWH(6*vg.Inch, 4*vg.Inch), vgimg.UseDPI(100))
	dc := draw.New(c)
	pl.Draw(dc)
	pl.DrawGlyphBoxes(dc)
	out, _ := os.Create("/tmp/dbg.png")
	vgimg.PngCanvas{Canvas: c}.WriteTo(out)
	out.Close()
}
