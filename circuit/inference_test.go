package circuit

import (
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/test"

	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/input"
	"github.com/zkai-dev/zkai/quant"
)

var update = flag.Bool("update", false, "rewrite testdata/constraints.golden")

const golden = "testdata/constraints.golden"

// TestFixtureModels compiles every fixture model in both weight modes,
// checks that the witness from quant's evaluator satisfies the circuit, and
// compares the R1CS constraint count with the golden file (counts are
// deterministic, so a gadget regression fails here; -update rewrites it).
func TestFixtureModels(t *testing.T) {
	want := readGolden(t, golden)
	var mu sync.Mutex
	got := map[string]int{}
	names := []string{"iris_logreg", "credit_logreg", "cancer_mlp", "digits_mlp", "digits_cnn", "mnist_mlp", "lenet5"}
	for _, name := range names {
		for _, wmode := range []Visibility{Public, Private} {
			key := name + "/" + string(wmode)
			t.Run(key, func(t *testing.T) {
				if testing.Short() && (name == "mnist_mlp" || name == "lenet5") && wmode == Private {
					t.Skip("large private-weights circuit in -short mode")
				}
				m, r := runFixture(t, filepath.Join("../testdata/models", name))
				c, err := NewInference(m.Program, Options{Weights: wmode, Input: Private, Output: Public}, testLayout)
				if err != nil {
					t.Fatal(err)
				}
				ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
				if err != nil {
					t.Fatal(err)
				}
				n := ccs.GetNbConstraints()
				mu.Lock()
				got[key] = n
				mu.Unlock()
				if w, ok := want[key]; !*update && (!ok || w != n) {
					t.Errorf("%d constraints; the golden file says %d (run go test ./circuit -run TestFixtureModels -update after an intended change)", n, w)
				}
				if err := test.IsSolved(c, mustAssign(t, c, r.Witness), ecc.BN254.ScalarField()); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
	if *update {
		writeGolden(t, golden, "# R1CS constraints per fixture model and weight mode (input private, output public), default settings", got)
	}
}

func readGolden(t *testing.T, path string) map[string]int {
	b, err := os.ReadFile(path)
	if err != nil {
		if *update {
			return nil
		}
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		f := strings.Fields(line)
		n, err := strconv.Atoi(f[1])
		if len(f) != 2 || err != nil {
			t.Fatalf("bad golden line %q", line)
		}
		out[f[0]] = n
	}
	return out
}

func writeGolden(t *testing.T, path, header string, got map[string]int) {
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	sb.WriteString(header + "\n")
	for _, k := range keys {
		fmt.Fprintf(&sb, "%s %d\n", k, got[k])
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
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

// testLayout is the layout digest the circuit tests compile with (the
// statement computes the real one from the public values' metadata).
var testLayout = big.NewInt(424242)

// TestLayoutBound: the layout public input is fixed by the circuit — an
// assignment claiming another layout digest is refused. (Its cost, one
// constraint, shows in testdata/constraints.golden.)
func TestLayoutBound(t *testing.T) {
	m, r := runFixture(t, "../testdata/models/iris_logreg")
	opt := Options{Weights: Public, Input: Public, Output: Public}
	c, err := NewInference(m.Program, opt, testLayout)
	if err != nil {
		t.Fatal(err)
	}
	good := mustAssign(t, c, r.Witness)
	bad := *good
	bad.Layout = new(big.Int).Add(testLayout, big.NewInt(1))
	test.NewAssert(t).CheckCircuit(c, test.WithCurves(ecc.BN254), test.WithBackends(backend.GROTH16),
		test.WithValidAssignment(good), test.WithInvalidAssignment(&bad))
	if _, err := NewInference(m.Program, opt, nil); err == nil || !strings.Contains(err.Error(), "layout digest") {
		t.Fatalf("a circuit without a layout digest: %v", err)
	}
}

// runFixture opens a fixture model and runs it on its input.json.
func runFixture(t *testing.T, dir string) (*engine.Model, *engine.RunResult) {
	t.Helper()
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
	return m, r
}
