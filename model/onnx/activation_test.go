package onnx

import (
	"math"
	"testing"

	pb "github.com/zkai-dev/zkai/model/onnx/internal/onnxpb"
)

// oneNode is a graph of one node over runtime inputs of the given shapes
// (float unless elem says otherwise), output "y".
func oneNode(op string, elem pb.TensorProto_DataType, shapes [][]any, out []any, attrs ...*pb.AttributeProto) gr {
	var ins []*pb.ValueInfoProto
	var names []string
	for i, s := range shapes {
		name := "x" + itoa(i)
		ins = append(ins, vi(name, elem, s...))
		names = append(names, name)
	}
	outElem := elem
	if op == "IsInf" || op == "IsNaN" {
		outElem = pb.TensorProto_BOOL
	}
	return gr{nodes: []*pb.NodeProto{nd(op, "n", names, []string{"y"}, attrs...)},
		inputs: ins, outputs: []*pb.ValueInfoProto{vi("y", outElem, out...)}}
}

// TestActivationAttributes: each activation reads its spec attributes
// (defaults and given values), checked against hand-computed values.
func TestActivationAttributes(t *testing.T) {
	x := []float64{-2, -0.5, 0, 0.5, 3}
	s := [][]any{{5}}
	for _, c := range []struct {
		op    string
		attrs []*pb.AttributeProto
		want  []float64
	}{
		{"Elu", nil, []float64{math.Expm1(-2), math.Expm1(-0.5), 0, 0.5, 3}},
		{"Elu", []*pb.AttributeProto{aFloat("alpha", 2)}, []float64{2 * math.Expm1(-2), 2 * math.Expm1(-0.5), 0, 0.5, 3}},
		{"Selu", nil, []float64{seluGamma * seluAlpha * math.Expm1(-2), seluGamma * seluAlpha * math.Expm1(-0.5), 0, seluGamma * 0.5, seluGamma * 3}},
		{"Selu", []*pb.AttributeProto{aFloat("alpha", 2), aFloat("gamma", 3)}, []float64{6 * math.Expm1(-2), 6 * math.Expm1(-0.5), 0, 1.5, 9}},
		{"Celu", []*pb.AttributeProto{aFloat("alpha", 2)}, []float64{2 * math.Expm1(-1), 2 * math.Expm1(-0.25), 0, 0.5, 3}},
		{"HardSigmoid", nil, []float64{0.1, 0.4, 0.5, 0.6, 1}},
		{"HardSigmoid", []*pb.AttributeProto{aFloat("alpha", 0.5), aFloat("beta", 0.25)}, []float64{0, 0, 0.25, 0.5, 1}},
		{"HardSwish", nil, []float64{-2 * (0.5 - 2.0/6), -0.5 * (0.5 - 0.5/6), 0, 0.5 * (0.5 + 0.5/6), 3}},
		{"ThresholdedRelu", nil, []float64{0, 0, 0, 0, 3}},
		{"ThresholdedRelu", []*pb.AttributeProto{aFloat("alpha", -1)}, []float64{0, -0.5, 0, 0.5, 3}},
		{"Softsign", nil, []float64{-2.0 / 3, -0.5 / 1.5, 0, 0.5 / 1.5, 0.75}},
		{"Sign", nil, []float64{-1, -1, 0, 1, 1}},
		{"Abs", nil, []float64{2, 0.5, 0, 0.5, 3}},
		{"Floor", nil, []float64{-2, -1, 0, 0, 3}},
		{"Ceil", nil, []float64{-2, -0, 0, 1, 3}},
		{"Round", nil, []float64{-2, -0, 0, 0, 3}},
		{"IsNaN", nil, []float64{0, 0, 0, 0, 0}},
		{"IsInf", []*pb.AttributeProto{aInt("detect_negative", 0)}, []float64{0, 0, 0, 0, 0}},
	} {
		t.Run(c.op, func(t *testing.T) {
			g, err := safeLoad(t, oneNode(c.op, tFloat, s, []any{5}, c.attrs...).bytes(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			near(t, evalOne(t, g, x).Floats(), c.want, 1e-6)
		})
	}
}

// TestLogicMaxMinMod checks broadcasting, variadic Max/Min and both Mod
// conventions against hand-computed values.
func TestLogicMaxMinMod(t *testing.T) {
	tBool := pb.TensorProto_BOOL
	for _, c := range []struct {
		name string
		g    gr
		in   [][]float64
		want []float64
	}{
		{"Xor broadcast", oneNode("Xor", tBool, [][]any{{2, 2}, {2}}, []any{2, 2}), [][]float64{{0, 1, 1, 0}, {1, 0}}, []float64{1, 1, 0, 0}},
		{"Not", oneNode("Not", tBool, [][]any{{3}}, []any{3}), [][]float64{{0, 1, 0}}, []float64{1, 0, 1}},
		{"Max of three", oneNode("Max", tFloat, [][]any{{2, 2}, {2}, {1}}, []any{2, 2}), [][]float64{{1, 5, -3, 0}, {2, -1}, {0.5}}, []float64{2, 5, 2, 0.5}},
		{"Min of one", oneNode("Min", tFloat, [][]any{{3}}, []any{3}), [][]float64{{3, -1, 2}}, []float64{3, -1, 2}},
		{"Mod Python", oneNode("Mod", tInt64, [][]any{{4}, {4}}, []any{4}), [][]float64{{7, -7, 7, -7}, {3, 3, -3, -3}}, []float64{1, 2, -2, -1}},
		{"Mod fmod", oneNode("Mod", tInt64, [][]any{{4}, {4}}, []any{4}, aInt("fmod", 1)), [][]float64{{7, -7, 7, -7}, {3, 3, -3, -3}}, []float64{1, -1, 1, -1}},
		{"Mod float", oneNode("Mod", tFloat, [][]any{{2}, {1}}, []any{2}, aInt("fmod", 1)), [][]float64{{5.5, -5.5}, {2}}, []float64{1.5, -1.5}},
		{"LessOrEqual", oneNode("LessOrEqual", tFloat, [][]any{{3}, {3}}, []any{3}), [][]float64{{1, 2, 3}, {2, 2, 2}}, []float64{1, 1, 0}},
		{"GreaterOrEqual", oneNode("GreaterOrEqual", tFloat, [][]any{{3}, {3}}, []any{3}), [][]float64{{1, 2, 3}, {2, 2, 2}}, []float64{0, 1, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "LessOrEqual" || c.name == "GreaterOrEqual" {
				c.g.outputs[0] = vi("y", tBool, 3)
			}
			g, err := safeLoad(t, c.g.bytes(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			near(t, evalOne(t, g, c.in...).Floats(), c.want, 0)
		})
	}
}

// TestActivationErrors: unsupported attribute values and types name what
// is wrong.
func TestActivationErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		g     gr
		frags []string
	}{
		{"Celu alpha 0", oneNode("Celu", tFloat, [][]any{{3}}, []any{3}, aFloat("alpha", 0)), []string{"Celu", "alpha=0 is not supported"}},
		{"Mod fmod 2", oneNode("Mod", tInt64, [][]any{{3}, {3}}, []any{3}, aInt("fmod", 2)), []string{"Mod", "fmod=2 is not supported; supported: 0, 1"}},
		{"Mod float fmod 0", oneNode("Mod", tFloat, [][]any{{3}, {3}}, []any{3}), []string{"Mod", "fmod=0 on float inputs"}},
		{"And float", oneNode("And", tFloat, [][]any{{3}, {3}}, []any{3}), []string{"And", "needs bool tensors"}},
		{"And legacy axis", oneNode("And", pb.TensorProto_BOOL, [][]any{{3}, {3}}, []any{3}, aInt("broadcast", 1), aInt("axis", 0)), []string{"axis=0 is not supported"}},
		{"Max mixed types", gr{nodes: []*pb.NodeProto{nd("Max", "n", []string{"a", "b"}, []string{"y"})},
			inputs:  []*pb.ValueInfoProto{fv("a", 3), vi("b", tInt64, 3)},
			outputs: []*pb.ValueInfoProto{fv("y", 3)}}, []string{"Max", "numbers of one type"}},
		{"PRelu slope too wide", oneNode("PRelu", tFloat, [][]any{{3}, {2, 3}}, []any{3}), []string{"PRelu", "does not broadcast to the input"}},
		{"Elu on int", oneNode("Elu", tInt64, [][]any{{3}}, []any{3}), []string{"Elu", "needs a float tensor"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := safeLoad(t, c.g.bytes(t), Options{})
			checkErr(t, err, "onnx: ", c.frags...)
		})
	}
}
