package circuit

import (
	"math/big"
	"testing"

	"github.com/consensys/gnark/test"

	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant"
)

// TestConstantFalseOutput: IsNaN and IsInf compile to a constant false
// output (a fixed-point value is always finite); the circuit accepts it
// beside a computed output and rejects a claimed true.
func TestConstantFalseOutput(t *testing.T) {
	x := model.Value{Name: "x", DType: model.Float, Shape: []int{3}}
	g := &model.Graph{Name: "isinf", ModelInputs: []model.Value{x}, Inputs: []model.Value{x}, Constants: map[string]*model.Tensor{},
		Nodes: []*model.Node{
			{Name: "inf", Op: &model.Activation{Fn: model.IsInf, Alpha: 1, Beta: 1}, Inputs: []string{"x"}, Outputs: []string{"y"}},
			{Name: "nan", Op: &model.Activation{Fn: model.IsNaN}, Inputs: []string{"x"}, Outputs: []string{"z"}},
			{Name: "abs", Op: &model.Activation{Fn: model.Abs}, Inputs: []string{"x"}, Outputs: []string{"a"}},
		},
		Outputs: []model.Value{{Name: "y", DType: model.Bool, Shape: []int{3}}, {Name: "z", DType: model.Bool, Shape: []int{3}},
			{Name: "a", DType: model.Float, Shape: []int{3}}},
		Values: map[string]model.Value{"x": x}}
	checkHandGraph(t, g, [][]int64{{-5, 0, 7}}, 0, 1)
}

// TestMishCircuit: Mish (no ONNX conformance case in onnx 1.12) proves
// what the evaluator computes, across its saturated and curved parts.
func TestMishCircuit(t *testing.T) {
	x := model.Value{Name: "x", DType: model.Float, Shape: []int{6}}
	g := &model.Graph{Name: "mish", ModelInputs: []model.Value{x}, Inputs: []model.Value{x}, Constants: map[string]*model.Tensor{},
		Nodes:   []*model.Node{{Name: "mish", Op: &model.Activation{Fn: model.Mish}, Inputs: []string{"x"}, Outputs: []string{"y"}}},
		Outputs: []model.Value{{Name: "y", DType: model.Float, Shape: []int{6}}},
		Values:  map[string]model.Value{"x": x}}
	// −20, −6.25, −1, 0, 0.5, 9 at scale 12
	checkHandGraph(t, g, [][]int64{{-20 << 12, -25600, -4096, 0, 2048, 9 << 12}}, 0, 1)
}

// checkHandGraph compiles g, evaluates it on ins, requires the circuit to
// accept the evaluator's witness in both weight modes, and to reject output
// out's element i changed by one.
func checkHandGraph(t *testing.T, g *model.Graph, ins [][]int64, out, i int) {
	t.Helper()
	if err := g.Check(); err != nil {
		t.Fatal(err)
	}
	p, err := quant.Compile(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := p.EvalInts(ins)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []Visibility{Public, Private} {
		c := compileEquiv(t, g.Name, p, mode).c
		a := assignTest(t, c, w)
		if err := test.IsSolved(c, a, bn254); err != nil {
			t.Fatalf("%s: the circuit rejects the evaluator's witness: %v", mode, firstErrLine(err))
		}
		bad := cloneOutputs(a)
		bad.Output[out][i] = big.NewInt(w.Values[p.Outputs[out]][i] + 1)
		if err := test.IsSolved(c, bad, bn254); err == nil {
			t.Fatalf("%s: output %d element %d changed by one is accepted", mode, out, i)
		}
	}
}
