package evaluation

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/engine"
)

// TestFixtureModels runs the shard circuit of every fixture model on the
// first rows of its test split, in both weight modes, with gnark's test
// engine: the circuit must agree with the native count (CheckCircuit with
// the prover would take minutes for the large ones; circuit-level soundness
// is TestCircuitSoundness's job).
func TestFixtureModels(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every fixture model's evaluation circuit")
	}
	for _, name := range []string{"iris_logreg", "credit_logreg", "cancer_mlp", "digits_cnn", "mnist_mlp", "lenet5"} {
		for _, w := range []circuit.Visibility{circuit.Public, circuit.Private} {
			t.Run(fmt.Sprintf("%s/%s", name, w), func(t *testing.T) {
				dir := filepath.Join("../../testdata/models", name)
				set, err := dataset.Load(filepath.Join(dir, "data.json"), dataset.Options{})
				if err != nil {
					t.Fatal(err)
				}
				set.X, set.Y = set.X[:3], set.Y[:3]
				d, err := datacommit.FromSet(set, datacommit.Options{Scale: -1, LabelScale: -1, RowsPerLeaf: 2})
				if err != nil {
					t.Fatal(err)
				}
				c, o, err := datacommit.New(d, name)
				if err != nil {
					t.Fatal(err)
				}
				_, salts, err := datacommit.Match(c, o, set, nil)
				if err != nil {
					t.Fatal(err)
				}
				m, in, err := prepare(filepath.Join(dir, "model.onnx"), engine.Options{}, c, Options{Batch: 4})
				if err != nil {
					t.Fatal(err)
				}
				p := m.Program
				spec, err := in.spec(modelClaim(p, w))
				if err != nil {
					t.Fatal(err)
				}
				circ, err := NewCircuit(p, spec)
				if err != nil {
					t.Fatal(err)
				}
				scores, err := scoreRows(p, d, &spec)
				if err != nil {
					t.Fatal(err)
				}
				// shard 1 holds one real row and one padding leaf slot
				for k := range in.Shards {
					a, sp, err := assignShard(p, d, salts, scores, &spec, in, k)
					if err != nil {
						t.Fatal(err)
					}
					a.Sum = []frontend.Variable{sp.sum}
					if spec.PrivateWeights {
						mw, err := newModelWitness(p, salts[0])
						if err != nil {
							t.Fatal(err)
						}
						mw.assign(a)
					}
					if err := test.IsSolved(circ, a, ecc.BN254.ScalarField()); err != nil {
						t.Fatalf("shard %d (native count %s): %v", k, sp.sum, err)
					}
					wrong := *a
					wrong.Sum = []frontend.Variable{sp.sum.Int64() + 1}
					if test.IsSolved(circ, &wrong, ecc.BN254.ScalarField()) == nil {
						t.Fatalf("shard %d: a count off by one solved", k)
					}
				}
			})
		}
	}
}
