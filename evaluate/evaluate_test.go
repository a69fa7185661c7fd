package evaluate

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/model/onnx"
	"github.com/zkai-dev/zkai/quant"
)

// TestFixtureAccuracy is the acceptance check of the fixed-point engine:
// over each fixture model's whole test split, fixed-point accuracy is within
// 0.5 points of PyTorch's float accuracy (meta.json), or for splits under
// 200 rows at most one more misclassified row.
func TestFixtureAccuracy(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/models/*")
	n := 0
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "meta.json")); err != nil {
			continue
		}
		n++
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			if testing.Short() && (name == "lenet5" || name == "mnist_mlp") {
				t.Skip("large model in -short mode")
			}
			var meta struct {
				Acc float64 `json:"test_accuracy_float"`
			}
			b, _ := os.ReadFile(filepath.Join(dir, "meta.json"))
			if err := json.Unmarshal(b, &meta); err != nil {
				t.Fatal(err)
			}
			g, err := onnx.LoadFile(filepath.Join(dir, "model.onnx"), onnx.Options{})
			if err != nil {
				t.Fatal(err)
			}
			p, err := quant.Compile(g, nil)
			if err != nil {
				t.Fatal(err)
			}
			set, err := dataset.Load(filepath.Join(dir, "data.json"), dataset.Options{Split: "test"})
			if err != nil {
				t.Fatal(err)
			}
			r, err := Run(g, p, set, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("n=%d float %.4f (meta %.4f) fixed %.4f agreement %.4f max|err| %.5f", r.N, r.FloatAccuracy, meta.Acc, r.FixedAccuracy, r.Agreement, r.MaxAbsError)
			if math.Abs(r.FloatAccuracy-meta.Acc) > 1e-9 {
				t.Errorf("float accuracy %.4f differs from PyTorch's %.4f", r.FloatAccuracy, meta.Acc)
			}
			allowed := 0.005
			if r.N < 200 {
				allowed = 1/float64(r.N) + 1e-9
			}
			if meta.Acc-r.FixedAccuracy > allowed {
				t.Errorf("fixed accuracy %.4f is more than %.4f below the float %.4f", r.FixedAccuracy, allowed, meta.Acc)
			}
		})
	}
	if n != 7 {
		t.Fatalf("found %d fixture models; want 7", n)
	}
}
