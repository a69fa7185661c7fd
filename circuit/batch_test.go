package circuit

import (
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/test"

	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/quant"
)

const batchGolden = "testdata/batch_constraints.golden"

// batchCircuit evaluates a program on a batch of samples with private
// weights, with BuildBatch or, when Naive, with Build per sample. Outputs
// nil leaves the outputs free, so that only the circuit's own constraints
// can reject a witness.
type batchCircuit struct {
	Program *quant.Program `gnark:"-"`
	Naive   bool           `gnark:"-"`

	Inputs  [][][]frontend.Variable `gnark:",secret"`
	Weights [][]frontend.Variable   `gnark:",secret"`
	Outputs [][][]frontend.Variable `gnark:",public"`
}

func (c *batchCircuit) Define(api frontend.API) error {
	weights := map[int][]frontend.Variable{}
	for k, id := range c.Program.Weights {
		weights[id] = c.Weights[k]
	}
	var outs [][][]frontend.Variable
	if c.Naive {
		for _, in := range c.Inputs {
			out, err := Build(api, c.Program, in, weights)
			if err != nil {
				return err
			}
			outs = append(outs, out)
		}
	} else {
		var err error
		if outs, err = BuildBatch(api, c.Program, c.Inputs, weights); err != nil {
			return err
		}
	}
	if c.Outputs == nil {
		return nil
	}
	for s := range outs {
		for k := range outs[s] {
			for i, v := range outs[s][k] {
				api.AssertIsEqual(c.Outputs[s][k][i], v)
			}
		}
	}
	return nil
}

// batchFixture is a fixture model with the first rows of its test split,
// quantized and evaluated.
type batchFixture struct {
	p    *quant.Program
	ins  [][][]int64 // by sample
	wits []*quant.Witness
}

func loadBatch(t testing.TB, name string, batch int) batchFixture {
	t.Helper()
	dir := filepath.Join("../testdata/models", name)
	m, err := engine.Open(filepath.Join(dir, "model.onnx"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	set, err := dataset.Load(filepath.Join(dir, "data.json"), dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() < batch {
		t.Fatalf("%s: %d test rows; the batch needs %d", name, set.Len(), batch)
	}
	set.X = set.X[:batch]
	rows, err := engine.Rows(m.Graph, set)
	if err != nil {
		t.Fatal(err)
	}
	f := batchFixture{p: m.Program}
	for _, row := range rows {
		in, err := m.Program.QuantizeInputs(row)
		if err != nil {
			t.Fatal(err)
		}
		w, err := m.Program.EvalInts(in)
		if err != nil {
			t.Fatal(err)
		}
		f.ins = append(f.ins, in)
		f.wits = append(f.wits, w)
	}
	return f
}

// circuit returns the circuit's slots and, with withOutputs, output slots
// to claim.
func (f batchFixture) circuit(naive, withOutputs bool) *batchCircuit {
	p := f.p
	c := &batchCircuit{Program: p, Naive: naive, Weights: tensorSlots(p, p.Weights)}
	for range f.ins {
		c.Inputs = append(c.Inputs, tensorSlots(p, p.Inputs))
		if withOutputs {
			c.Outputs = append(c.Outputs, tensorSlots(p, p.Outputs))
		}
	}
	return c
}

// assignment is the evaluator's witness, outputs claimed when withOutputs.
func (f batchFixture) assignment(withOutputs bool) *batchCircuit {
	p := f.p
	a := &batchCircuit{Program: p}
	for _, id := range p.Weights {
		a.Weights = append(a.Weights, vars(p.Consts[id]))
	}
	for s, in := range f.ins {
		ins := make([][]frontend.Variable, len(in))
		for k := range in {
			ins[k] = vars(in[k])
		}
		a.Inputs = append(a.Inputs, ins)
		if withOutputs {
			a.Outputs = append(a.Outputs, values(f.wits[s], p.Outputs))
		}
	}
	return a
}

// batchedOps counts the Linear ops BuildBatch checks with Freivalds.
func (f batchFixture) batchedOps() int {
	weights := map[int][]frontend.Variable{}
	for _, id := range f.p.Weights {
		weights[id] = nil
	}
	n := 0
	for _, op := range f.p.Ops {
		if l, ok := op.(*quant.Linear); ok && batchable(f.p, l, weights) {
			n++
		}
	}
	return n
}

// TestBuildBatchMatchesEvaluator: on real rows of fixture models (dense,
// logistic regression with a lookup table after the linear layer, and a
// convolutional model), BuildBatch accepts exactly the outputs quant's
// evaluator computes for each sample, and rejects an output changed by ±1
// in the first or last sample.
func TestBuildBatchMatchesEvaluator(t *testing.T) {
	for _, c := range []struct {
		name  string
		batch int
	}{
		{"digits_mlp", 4},
		{"credit_logreg", 4},
		{"cancer_mlp", 3},
		{"digits_cnn", 2},
	} {
		t.Run(fmt.Sprintf("%s/B%d", c.name, c.batch), func(t *testing.T) {
			f := loadBatch(t, c.name, c.batch)
			if f.batchedOps() == 0 {
				t.Fatalf("%s has no linear layer with private weights to batch", c.name)
			}
			good := f.assignment(true)
			opts := append(checkOpts[:len(checkOpts):len(checkOpts)], test.WithValidAssignment(good))
			for _, s := range []int{0, c.batch - 1} {
				for _, d := range []int64{1, -1} {
					bad := f.assignment(true)
					v := f.wits[s].Values[f.p.Outputs[0]]
					bad.Outputs[s][0][len(v)-1] = big.NewInt(v[len(v)-1] + d)
					opts = append(opts, test.WithInvalidAssignment(bad))
				}
			}
			test.NewAssert(t).CheckCircuit(f.circuit(false, true), opts...)
		})
	}
}

func addAt(out []*big.Int, i int, d int64) { out[i].Add(out[i], big.NewInt(d)) }

// TestBatchFreivaldsRejectsWrongProducts replaces BatchLinearHint with one
// that corrupts the products of one batched op at a time, outputs left
// free (every later gadget recomputes from the wrong products, so only the
// Freivalds check can object); the R1CS solver and the test engine must
// reject each, and the solver accept the honest hint under the same
// override. The compensating
// tampers keep every plain sum over samples or over outputs unchanged:
// they are caught only because the random weights u_s and v_j differ.
func TestBatchFreivaldsRejectsWrongProducts(t *testing.T) {
	f := loadBatch(t, "digits_mlp", 3)
	ccs, err := frontend.Compile(bn254, r1cs.NewBuilder, f.circuit(false, false))
	if err != nil {
		t.Fatal(err)
	}
	wit, err := frontend.NewWitness(f.assignment(false), bn254)
	if err != nil {
		t.Fatal(err)
	}
	id := solver.GetHintID(BatchLinearHint)
	honest := &attackHint{hint: BatchLinearHint}
	if _, err := ccs.Solve(wit, solver.OverrideHint(id, honest.fn)); err != nil {
		t.Fatalf("the honest hint is rejected: %v", firstErrLine(err))
	}
	if got, want := honest.calls.Load(), int64(f.batchedOps()); got != want {
		t.Fatalf("BatchLinearHint called %d times; want once per batched op (%d)", got, want)
	}
	n := func(in []*big.Int) int { return int(in[3].Int64()) }
	for _, c := range []struct {
		name   string
		tamper tamper // on the signed products out[s·n + j]; n = in[3]
	}{
		{"last product +1", func(in, out []*big.Int) bool { addAt(out, len(out)-1, 1); return true }},
		{"+1 in sample 0, -1 in sample 1 (same output)", func(in, out []*big.Int) bool {
			addAt(out, 0, 1)
			addAt(out, n(in), -1)
			return true
		}},
		{"+1 on output 0, -1 on output 1 (same sample)", func(in, out []*big.Int) bool {
			addAt(out, 0, 1)
			addAt(out, 1, -1)
			return true
		}},
		{"samples 0 and 1 swapped", func(in, out []*big.Int) bool {
			k := n(in)
			changed := false
			for j := range k {
				if out[j].Cmp(out[k+j]) != 0 {
					changed = true
				}
				out[j], out[k+j] = out[k+j], out[j]
			}
			return changed
		}},
	} {
		for target := range f.batchedOps() {
			t.Run(fmt.Sprintf("%s/op%d", c.name, target), func(t *testing.T) {
				e := &attackHint{hint: BatchLinearHint, tamper: c.tamper, target: int64(target)}
				_, err := ccs.Solve(wit, solver.OverrideHint(id, e.fn))
				if e.hits.Load() == 0 {
					t.Fatal("the tamper changed nothing")
				}
				if err == nil {
					t.Error("the R1CS solver accepts wrong products")
				}
				e = &attackHint{hint: BatchLinearHint, tamper: c.tamper, target: int64(target)}
				if err := test.IsSolved(f.circuit(false, false), f.assignment(false), bn254, test.WithReplacementHint(id, e.fn)); err == nil || e.hits.Load() == 0 {
					t.Errorf("the test engine accepts wrong products (tamper applied %d times)", e.hits.Load())
				}
			})
		}
	}
}

// TestBatchConstraints compares the constraint counts of digits_mlp on 16
// samples, Build per sample versus BuildBatch (written to
// testdata/batch_constraints.golden; -update rewrites it), and checks
// that a batch of one costs exactly what Build costs.
func TestBatchConstraints(t *testing.T) {
	const name, batch = "digits_mlp", 16
	count := func(f batchFixture, naive bool) int {
		ccs, err := frontend.Compile(bn254, r1cs.NewBuilder, f.circuit(naive, true))
		if err != nil {
			t.Fatal(err)
		}
		return ccs.GetNbConstraints()
	}
	f := loadBatch(t, name, batch)
	naive, batched := count(f, true), count(f, false)
	t.Logf("%s, %d samples, private weights: Build per sample %d constraints, BuildBatch %d (%.1f×)",
		name, batch, naive, batched, float64(naive)/float64(batched))
	if batched >= naive {
		t.Errorf("BuildBatch costs %d constraints, Build per sample %d: batching saves nothing", batched, naive)
	}
	one := loadBatch(t, name, 1)
	if b1, n1 := count(one, false), count(one, true); b1 != n1 {
		t.Errorf("a batch of one costs %d constraints; Build costs %d (it must fall back to Build's gadgets)", b1, n1)
	}
	got := map[string]int{
		fmt.Sprintf("%s/B%d/naive", name, batch):   naive,
		fmt.Sprintf("%s/B%d/batched", name, batch): batched,
	}
	if *update {
		writeGolden(t, batchGolden, "# R1CS constraints of a batch with private weights: Build per sample (naive) and BuildBatch (batched)", got)
		return
	}
	want := readGolden(t, batchGolden)
	for k, n := range got {
		if want[k] != n {
			t.Errorf("%s: %d constraints; the golden file says %d (go test ./circuit -run TestBatchConstraints -update after an intended change)", k, n, want[k])
		}
	}
}

// TestBuildBatchErrors: a batch that does not fit the program is refused
// with an error naming the sample and what is wrong.
func TestBuildBatchErrors(t *testing.T) {
	f := loadBatch(t, "credit_logreg", 2)
	short := f.circuit(false, false)
	short.Inputs[1][0] = short.Inputs[1][0][1:]
	for _, c := range []struct {
		name string
		c    *batchCircuit
		want string
	}{
		{"no samples", &batchCircuit{Program: f.p, Weights: tensorSlots(f.p, f.p.Weights)}, "circuit: a batch needs at least one sample"},
		{"short input", short, "circuit: sample 1: input"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := frontend.Compile(bn254, r1cs.NewBuilder, c.c)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v; want one containing %q", err, c.want)
			}
		})
	}
}
