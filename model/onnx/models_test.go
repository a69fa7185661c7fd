package onnx

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/zkai-dev/zkai/model"
)

type reference struct {
	Samples []struct {
		Label  int         `json:"label"`
		Input  [][]float64 `json:"input_data"`
		Output [][]float64 `json:"output_data"`
	} `json:"samples"`
}

// TestModelsFloat checks the loader and float evaluator against PyTorch's
// outputs for every fixture model, static and dynamic-batch export.
func TestModelsFloat(t *testing.T) {
	dirs, _ := filepath.Glob("../../testdata/models/*")
	var n int
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "reference.json"))
		if err != nil {
			continue
		}
		n++
		var ref reference
		if err := json.Unmarshal(b, &ref); err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{"model.onnx", "model_dynamic_batch.onnx"} {
			t.Run(filepath.Base(dir)+"/"+file, func(t *testing.T) {
				g, err := LoadFile(filepath.Join(dir, file), Options{})
				if err != nil {
					t.Fatal(err)
				}
				for i, s := range ref.Samples {
					ins, err := g.Feed(s.Input)
					if err != nil {
						t.Fatal(err)
					}
					env, err := g.Eval(ins)
					if err != nil {
						t.Fatal(err)
					}
					got := g.OutputsOf(env)[0]
					for j, w := range s.Output[0] {
						// the fixtures state |ONNX − PyTorch| ≤ 2e-5
						if d := math.Abs(got.F[j] - w); d > 1e-4 {
							t.Fatalf("sample %d output %d = %v; PyTorch gives %v", i, j, got.F[j], w)
						}
					}
				}
				if model.Size(g.Inputs[0].Shape) == 0 {
					t.Fatal("empty input")
				}
			})
		}
	}
	if n != 7 {
		t.Fatalf("found %d fixture models; want 7", n)
	}
}
