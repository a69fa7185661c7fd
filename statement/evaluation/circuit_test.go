package evaluation

import (
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/engine"
)

// TestCircuitSoundness checks the shard circuit itself with gnark's test
// engine and the Groth16 prover: the honest assignment of 7 digits rows
// (leaves of 4, so the shard's last slot is padding) solves; every edit of
// what it proves does not. (Rows itself is checked by the verifier, which
// knows each shard's row count: the circuit proves the count over the first
// Rows slots, padding included if Rows says so.)
func TestCircuitSoundness(t *testing.T) {
	set := subset(t, 7)
	d, err := datacommit.FromSet(set, datacommit.Options{Scale: -1, RowsPerLeaf: 4})
	if err != nil {
		t.Fatal(err)
	}
	c, o, err := datacommit.New(d, "digits")
	if err != nil {
		t.Fatal(err)
	}
	_, salts, err := datacommit.Match(c, o, subset(t, 7), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.Open(digitsModel, engine.Options{InputRange: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, threshold := range []bool{false, true} {
		name := "exact"
		if threshold {
			name = "threshold"
		}
		t.Run(name, func(t *testing.T) {
			in, err := plan(c, Options{Batch: 8})
			if err != nil {
				t.Fatal(err)
			}
			in.InputShift = m.Program.Tensors[m.Program.Inputs[0]].Scale - c.Scale
			if threshold {
				n := 5
				in.AtLeast = &n
			}
			spec, err := in.spec(modelClaim(m.Program, circuit.Public))
			if err != nil {
				t.Fatal(err)
			}
			good := func() *Circuit {
				scores, err := scoreRows(m.Program, d, &spec)
				if err != nil {
					t.Fatal(err)
				}
				a, sp, err := assignShard(m.Program, d, salts, scores, &spec, in, 0)
				if err != nil {
					t.Fatal(err)
				}
				if threshold {
					if _, err := chainCount(a, 0, *in, 0, sp.sum.Int64(), nil); err != nil {
						t.Fatal(err)
					}
				} else {
					a.Sum = []frontend.Variable{sp.sum.Int64()}
				}
				return a
			}
			g := good()
			if threshold && *in.AtLeast > 7 || !threshold && g.Sum[0].(int64) < 2 {
				t.Fatalf("fixture too weak to show anything")
			}
			edits := map[string]func(a *Circuit){
				"a label":            func(a *Circuit) { a.Y[0] = (a.Y[0].(int64) + 1) % 10 },
				"a feature":          func(a *Circuit) { a.X[70] = a.X[70].(int64) + 1 },
				"a leaf":             func(a *Circuit) { a.Leaves[1] = new(big.Int).Add(a.Leaves[1].(*big.Int), big.NewInt(1)) },
				"a salt":             func(a *Circuit) { a.Salts[0] = big.NewInt(1) },
				"a real row dropped": func(a *Circuit) { a.Rows = 6 },
				"another layout":     func(a *Circuit) { a.Layout = new(big.Int).Add(spec.Layout, big.NewInt(1)) },
			}
			if threshold {
				edits["threshold above the count"] = func(a *Circuit) { a.Count[countAtLeast] = 8 }
				edits["not the first shard, no predecessor"] = func(a *Circuit) { a.Count[countFirst] = 0 }
				edits["count after is another"] = func(a *Circuit) { a.Count[countOut] = big.NewInt(3) }
				edits["started above zero"] = func(a *Circuit) { a.CountSalts[0] = 1 }
			} else {
				edits["count plus one"] = func(a *Circuit) { a.Sum[0] = a.Sum[0].(int64) + 1 }
				edits["count minus one"] = func(a *Circuit) { a.Sum[0] = a.Sum[0].(int64) - 1 }
			}
			opts := []test.TestingOption{test.WithCurves(ecc.BN254), test.WithBackends(backend.GROTH16), test.NoFuzzing(),
				test.NoProverChecks(), test.WithValidAssignment(g)}
			for name, e := range edits {
				a := good()
				e(a)
				t.Log("invalid:", name)
				opts = append(opts, test.WithInvalidAssignment(a))
			}
			circ, err := NewCircuit(m.Program, spec)
			if err != nil {
				t.Fatal(err)
			}
			test.NewAssert(t).CheckCircuit(circ, opts...)
		})
	}
}
