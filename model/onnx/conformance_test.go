package onnx

import (
	"math"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/internal/conformance"
	"github.com/zkai-dev/zkai/model"
)

// TestConformanceFloat runs every conformance case through the loader and
// the float64 reference evaluator: outputs match expected.json within
// 1e-4·(1 + |want|); cases listed as unsupported at load fail with their
// stated error.
func TestConformanceFloat(t *testing.T) {
	cases, err := conformance.Load("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			g, err := LoadFile(c.Model, Options{InputShapes: c.InShapes, InputValues: c.In})
			if r := c.Unsupported; r != nil && r.Stage == "load" {
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
			env, err := g.Eval(ins)
			if err != nil {
				t.Fatal(err)
			}
			for i, got := range g.OutputsOf(env) {
				if model.Size(got.Shape) != model.Size(c.OutShapes[i]) || len(got.Shape) != len(c.OutShapes[i]) {
					t.Fatalf("output %d has shape %v; want %v", i, got.Shape, c.OutShapes[i])
				}
				for j, w := range c.Out[i] {
					if d := math.Abs(got.At(j) - w); d > 1e-4*(1+math.Abs(w)) {
						t.Fatalf("output %d element %d = %v; want %v", i, j, got.At(j), w)
					}
				}
			}
		})
	}
}
