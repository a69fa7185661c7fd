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
	if err := g.Check(); err != nil {
		t.Fatal(err)
	}
	p, err := quant.Compile(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := p.EvalInts([][]int64{{-5, 0, 7}})
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []Visibility{Public, Private} {
		c := compileEquiv(t, "isinf", p, mode).c
		a := assignTest(t, c, w)
		if err := test.IsSolved(c, a, bn254); err != nil {
			t.Fatalf("%s: the circuit rejects the evaluator's witness: %v", mode, firstErrLine(err))
		}
		bad := cloneOutputs(a)
		bad.Output[0][1] = big.NewInt(1)
		if err := test.IsSolved(c, bad, bn254); err == nil {
			t.Fatalf("%s: IsInf claimed true is accepted", mode)
		}
	}
}
