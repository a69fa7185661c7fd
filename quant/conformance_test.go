package quant

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/zkai-dev/zkai/model/onnx"
)

// unsupportedCases fail with a clear error (see README, "Unsupported").
var unsupportedCases = map[string]string{
	"test_pow":         "constant exponent",
	"test_pow_example": "constant exponent",
}

// TestConformanceFixed runs every ONNX conformance case through the
// fixed-point program with default settings and requires
// |got − want| ≤ 0.02 + 0.02·|want| (the acceptance bound).
func TestConformanceFixed(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/onnx-node/test_*")
	if len(dirs) < 100 {
		t.Fatalf("found %d conformance cases; want the vendored 111", len(dirs))
	}
	worst := 0.0
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			var in struct {
				Data   [][]float64 `json:"input_data"`
				Shapes [][]int     `json:"input_shapes"`
			}
			var want struct {
				Data [][]float64 `json:"output_data"`
			}
			readJSON(t, filepath.Join(dir, "input.json"), &in)
			readJSON(t, filepath.Join(dir, "expected.json"), &want)
			g, err := onnx.LoadFile(filepath.Join(dir, "model.onnx"), onnx.Options{InputShapes: in.Shapes, InputValues: in.Data})
			if _, bad := unsupportedCases[name]; bad {
				if err == nil {
					t.Fatal("loaded; want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p, err := Compile(g, nil)
			if err != nil {
				t.Fatal(err)
			}
			ins, err := g.Feed(in.Data)
			if err != nil {
				t.Fatal(err)
			}
			w, err := p.Eval(ins)
			if err != nil {
				t.Fatal(err)
			}
			for i, got := range p.Decode(w) {
				for j, x := range want.Data[i] {
					d := math.Abs(got.At(j) - x)
					if d > 0.02+0.02*math.Abs(x) {
						t.Fatalf("output %d element %d = %v; want %v", i, j, got.At(j), x)
					}
					worst = math.Max(worst, d/(1+math.Abs(x)))
				}
			}
		})
	}
	t.Logf("worst |got-want|/(1+|want|) = %.5f", worst)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
