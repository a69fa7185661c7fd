package quant

import (
	"math"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/internal/conformance"
	"github.com/zkai-dev/zkai/model/onnx"
)

// TestConformanceFixed runs every supported ONNX conformance case through
// the fixed-point program with default settings and requires
// |got − want| ≤ 0.02 + 0.02·|want| (the acceptance bound); the measured
// worst case is logged. Cases listed as unsupported at compile (or eval:
// values beyond the fixed-point range) fail with their stated error.
func TestConformanceFixed(t *testing.T) {
	cases, err := conformance.Load("../testdata")
	if err != nil {
		t.Fatal(err)
	}
	worst, worstCase := 0.0, ""
	for _, c := range cases {
		if c.Unsupported != nil && c.Unsupported.Stage == "load" {
			continue // the loader's test checks these
		}
		t.Run(c.Name, func(t *testing.T) {
			g, err := onnx.LoadFile(c.Model, onnx.Options{InputShapes: c.InShapes, InputValues: c.In})
			if err != nil {
				t.Fatal(err)
			}
			p, err := Compile(g, nil)
			if r := c.Unsupported; r != nil && r.Stage == "compile" {
				if err == nil || !strings.Contains(err.Error(), r.Error) {
					t.Fatalf("got error %v; want one containing %q", err, r.Error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ins, err := g.Feed(c.In)
			if err != nil {
				t.Fatal(err)
			}
			w, err := p.Eval(ins)
			if r := c.Unsupported; r != nil && r.Stage == "eval" {
				if err == nil || !strings.Contains(err.Error(), r.Error) {
					t.Fatalf("got error %v; want one containing %q", err, r.Error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, got := range p.Decode(w) {
				for j, x := range c.Out[i] {
					d := math.Abs(got.At(j) - x)
					if d > 0.02+0.02*math.Abs(x) {
						t.Fatalf("output %d element %d = %v; want %v", i, j, got.At(j), x)
					}
					if r := d / (1 + math.Abs(x)); r > worst {
						worst, worstCase = r, c.Name
					}
				}
			}
		})
	}
	t.Logf("worst |got−want|/(1+|want|) = %.5f (%s)", worst, worstCase)
}
