package inference

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/proof"
)

// BenchmarkInference measures proving and verifying (setup excluded) per
// fixture model and weight mode:
//
//	go test ./statement/inference -run XXX -bench Inference/mnist_mlp -benchtime 3x
func BenchmarkInference(b *testing.B) {
	for _, name := range []string{"iris_logreg", "digits_cnn", "mnist_mlp", "lenet5"} {
		for _, w := range []circuit.Visibility{circuit.Public, circuit.Private} {
			b.Run(fmt.Sprintf("%s/%s", name, w), func(b *testing.B) {
				dir := b.TempDir()
				vis := circuit.Options{Weights: w, Input: circuit.Private, Output: circuit.Public}
				c, err := Compile(filepath.Join("../../testdata/models", name, "model.onnx"), engine.Options{}, vis, proof.Groth16, dir)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := RunSetup(dir, nil); err != nil {
					b.Fatal(err)
				}
				in := loadInput(b, name)
				vk, err := os.ReadFile(filepath.Join(dir, VKFile))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(c.Constraints), "constraints")
				b.Run("prove", func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						if _, err := Prove(dir, in, nil, "bench"); err != nil {
							b.Fatal(err)
						}
					}
				})
				p, err := Prove(dir, in, nil, "bench")
				if err != nil {
					b.Fatal(err)
				}
				bundle, err := json.Marshal(p.Bundle)
				if err != nil {
					b.Fatal(err)
				}
				b.Run("verify", func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						if r := Verify(bundle, vk, ""); !r.Valid {
							b.Fatal(r.Reason)
						}
					}
				})
			})
		}
	}
}
