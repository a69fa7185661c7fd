package onnx

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/model"
)

// nodeCase is an ONNX backend conformance case in the JSON layout of
// testdata/onnx-node (see its README).
type nodeCase struct {
	Name      string
	Dir       string
	In, Out   [][]float64
	InShapes  [][]int
	OutShapes [][]int
}

func loadNodeCase(t *testing.T, dir string) nodeCase {
	t.Helper()
	var in struct {
		Data   [][]float64 `json:"input_data"`
		Shapes [][]int     `json:"input_shapes"`
	}
	var out struct {
		Data   [][]float64 `json:"output_data"`
		Shapes [][]int     `json:"output_shapes"`
	}
	for f, v := range map[string]any{"input.json": &in, "expected.json": &out} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	return nodeCase{Name: filepath.Base(dir), Dir: dir, In: in.Data, InShapes: in.Shapes, Out: out.Data, OutShapes: out.Shapes}
}

// unsupportedCases fail to load with an error naming the reason.
var unsupportedCases = map[string]string{
	"test_pow":         "constant exponent",
	"test_pow_example": "constant exponent",
}

// TestConformanceFloat runs every conformance case through the loader and
// the float64 reference evaluator.
func TestConformanceFloat(t *testing.T) {
	dirs, _ := filepath.Glob("../../testdata/onnx-node/test_*")
	if len(dirs) < 100 {
		t.Fatalf("found %d conformance cases; want the vendored 111", len(dirs))
	}
	for _, dir := range dirs {
		c := loadNodeCase(t, dir)
		t.Run(c.Name, func(t *testing.T) {
			g, err := LoadFile(filepath.Join(dir, "model.onnx"), Options{InputShapes: c.InShapes, InputValues: c.In})
			if want, ok := unsupportedCases[c.Name]; ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("got error %v; want one mentioning %q", err, want)
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
				if len(got.Shape) != len(c.OutShapes[i]) || model.Size(got.Shape) != model.Size(c.OutShapes[i]) {
					t.Fatalf("output %d has shape %v; want %v", i, got.Shape, c.OutShapes[i])
				}
				for j, w := range c.Out[i] {
					if d := math.Abs(got.At(j) - w); d > 1e-4+1e-4*math.Abs(w) {
						t.Fatalf("output %d element %d = %v; want %v", i, j, got.At(j), w)
					}
				}
			}
		})
	}
}
