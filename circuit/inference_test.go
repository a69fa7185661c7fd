package circuit

import (
	"math/big"
	"path/filepath"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/test"

	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/input"
	"github.com/zkai-dev/zkai/quant"
)

func TestFixtureSolves(t *testing.T) {
	for _, name := range []string{"iris_logreg", "digits_cnn", "cancer_mlp", "mnist_mlp", "lenet5"} {
		for _, wmode := range []Visibility{Public, Private} {
			t.Run(name+"/"+string(wmode), func(t *testing.T) {
				dir := filepath.Join("../testdata/models", name)
				in, err := input.Load(filepath.Join(dir, "input.json"))
				if err != nil {
					t.Fatal(err)
				}
				m, err := engine.Open(filepath.Join(dir, "model.onnx"), engine.Options{})
				if err != nil {
					t.Fatal(err)
				}
				r, err := m.Run(in.Data)
				if err != nil {
					t.Fatal(err)
				}
				c, err := NewInference(m.Program, Options{Weights: wmode, Input: Private, Output: Public})
				if err != nil {
					t.Fatal(err)
				}
				ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("constraints %d", ccs.GetNbConstraints())
				if err := test.IsSolved(c, mustAssign(t, c, r.Witness), ecc.BN254.ScalarField()); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func mustAssign(t *testing.T, c *Inference, w *quant.Witness) *Inference {
	t.Helper()
	a, err := c.Assign(w, big.NewInt(7), Secrets{ModelSalt: big.NewInt(11), InputSalt: big.NewInt(13), OutputSalt: big.NewInt(17)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
