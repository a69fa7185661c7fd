package evaluation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/inference"
)

// BenchmarkEvaluation measures proving and verifying the accuracy of
// digits_mlp over the whole digits test split (450 rows, one shard; setup
// excluded, and slow: minutes per weight mode):
//
//	go test ./statement/evaluation -run XXX -bench Evaluation/private -benchtime 2x
func BenchmarkEvaluation(b *testing.B) {
	for _, w := range []circuit.Visibility{circuit.Private, circuit.Public} {
		b.Run(string(w), func(b *testing.B) {
			set := subset(b, 450)
			d, err := datacommit.FromSet(set, datacommit.DefaultOptions())
			if err != nil {
				b.Fatal(err)
			}
			c, o, err := datacommit.New(d, "digits")
			if err != nil {
				b.Fatal(err)
			}
			dir := b.TempDir()
			comp, err := Compile(digitsModel, engine.Options{}, c, Options{Weights: w, Backend: proof.Groth16}, dir)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := inference.RunSetup(dir, nil); err != nil {
				b.Fatal(err)
			}
			vk, err := os.ReadFile(filepath.Join(dir, inference.VKFile))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(comp.Constraints), "constraints")
			var file []byte
			b.Run("prove", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					p, err := Prove(dir, set, o, "bench", nil)
					if err != nil {
						b.Fatal(err)
					}
					if file, err = json.Marshal(p.File); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(450*b.N)/b.Elapsed().Seconds(), "rows/s")
			})
			b.Run("verify", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if r := Verify(file, vk, Expect{DataRoot: c.Root}); !r.Valid {
						b.Fatal(r.Reason)
					}
				}
			})
		})
	}
}
