package onnx

import (
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/zkai-dev/zkai/model/onnx/internal/onnxpb"
)

// indexStrAttr is a string attribute.
func indexStrAttr(name, v string) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

// TestIndexOpErrors: the shape, indexing, reduction and normalisation ops
// name the attribute or input they refuse, and say what is supported.
func TestIndexOpErrors(t *testing.T) {
	x4 := func() *pb.ValueInfoProto { return fv("x", 1, 1, 2, 2) }
	y := func(d ...any) []*pb.ValueInfoProto { return []*pb.ValueInfoProto{fv("y", d...)} }
	one := func(op string, attrs ...*pb.AttributeProto) []*pb.NodeProto {
		return []*pb.NodeProto{nd(op, "n", []string{"x"}, []string{"y"}, attrs...)}
	}
	cases := []struct {
		name  string
		g     gr
		frags []string
	}{
		{"resize mode", gr{
			nodes:  []*pb.NodeProto{nd("Resize", "n", []string{"x", "", "s"}, []string{"y"}, indexStrAttr("mode", "area"))},
			inputs: []*pb.ValueInfoProto{x4()}, outputs: y(1, 1, 4, 4), inits: []*pb.TensorProto{ft("s", dims(4), 1, 1, 2, 2)},
		}, []string{"(Resize)", "mode=area is not supported", "supported: nearest, linear, cubic"}},
		{"resize crop", gr{
			nodes: []*pb.NodeProto{nd("Resize", "n", []string{"x", "", "s"}, []string{"y"},
				indexStrAttr("coordinate_transformation_mode", "tf_crop_and_resize"))},
			inputs: []*pb.ValueInfoProto{x4()}, outputs: y(1, 1, 4, 4), inits: []*pb.TensorProto{ft("s", dims(4), 1, 1, 2, 2)},
		}, []string{"coordinate_transformation_mode=tf_crop_and_resize is not supported", "half_pixel"}},
		{"resize nearest mode", gr{
			nodes:  []*pb.NodeProto{nd("Resize", "n", []string{"x", "", "s"}, []string{"y"}, indexStrAttr("nearest_mode", "nearest"))},
			inputs: []*pb.ValueInfoProto{x4()}, outputs: y(1, 1, 4, 4), inits: []*pb.TensorProto{ft("s", dims(4), 1, 1, 2, 2)},
		}, []string{"nearest_mode=nearest is not supported", "round_prefer_floor"}},
		{"resize scales at run time", gr{
			nodes:  []*pb.NodeProto{nd("Resize", "n", []string{"x", "", "s"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x4(), fv("s", 4)}, outputs: y(1, 1, 4, 4),
		}, []string{"scales", "computed at run time"}},
		{"scatternd max", gr{
			nodes:  []*pb.NodeProto{nd("ScatterND", "n", []string{"x", "i", "u"}, []string{"y"}, indexStrAttr("reduction", "max"))},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: y(1, 4),
			inits: []*pb.TensorProto{it("i", dims(1, 1), 0), ft("u", dims(1, 4), 1, 2, 3, 4)},
		}, []string{"reduction=max is not supported", "supported: none, add"}},
		{"gather elements runtime indices", gr{
			nodes:  []*pb.NodeProto{nd("GatherElements", "n", []string{"x", "i"}, []string{"y"}, aInt("axis", 1))},
			inputs: []*pb.ValueInfoProto{x14(), vi("i", tInt64, 1, 2)}, outputs: y(1, 2),
		}, []string{"(GatherElements)", "computed at run time", "constant indices only"}},
		{"gather elements out of range", gr{
			nodes:  []*pb.NodeProto{nd("GatherElements", "n", []string{"x", "i"}, []string{"y"}, aInt("axis", 1))},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: y(1, 2), inits: []*pb.TensorProto{it("i", dims(1, 2), 0, 4)},
		}, []string{"index 4 is out of range for an axis of size 4"}},
		{"depthtospace no blocksize", gr{nodes: one("DepthToSpace"), inputs: []*pb.ValueInfoProto{x4()}, outputs: y(1, 1, 2, 2)},
			[]string{"attribute blocksize is missing"}},
		{"spacetodepth crd", gr{nodes: one("SpaceToDepth", aInt("blocksize", 2), indexStrAttr("mode", "CRD")),
			inputs: []*pb.ValueInfoProto{x4()}, outputs: y(1, 4, 1, 1)}, []string{"mode=CRD is not supported"}},
		{"depthtospace channels", gr{nodes: one("DepthToSpace", aInt("blocksize", 2)), inputs: []*pb.ValueInfoProto{x4()},
			outputs: y(1, 1, 4, 4)}, []string{"1 channels are not a multiple of blocksize² = 4"}},
		{"trilu rank 1", gr{nodes: one("Trilu"), inputs: []*pb.ValueInfoProto{fv("x", 4)}, outputs: y(4)},
			[]string{"(Trilu)", "rank 1; want at least 2"}},
		{"split sizes", gr{
			nodes:  []*pb.NodeProto{nd("Split", "n", []string{"x", "s"}, []string{"a", "b"}, aInt("axis", 1))},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: []*pb.ValueInfoProto{fv("a", 1, 1), fv("b", 1, 2)},
			inits: []*pb.TensorProto{it("s", dims(2), 1, 2)},
		}, []string{"split [1 2] adds up to 3; axis 1 has size 4"}},
		{"topk runtime k", gr{
			nodes:  []*pb.NodeProto{nd("TopK", "n", []string{"x", "k"}, []string{"y", "i"})},
			inputs: []*pb.ValueInfoProto{x14(), vi("k", tInt64, 1)}, outputs: y(1, 2),
		}, []string{"(TopK)", `k (input "k") is computed at run time`}},
		{"topk k too large", gr{
			nodes:  []*pb.NodeProto{nd("TopK", "n", []string{"x", "k"}, []string{"y", "i"})},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: y(1, 2), inits: []*pb.TensorProto{it("k", dims(1), 5)},
		}, []string{"(TopK)", "k = 5 for an axis of size 4"}},
		{"onehot runtime float indices", gr{
			nodes:  []*pb.NodeProto{nd("OneHot", "n", []string{"x", "d", "v"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: y(1, 4, 3),
			inits: []*pb.TensorProto{it("d", nil, 3), ft("v", dims(2), 0, 1)},
		}, []string{"(OneHot)", `float indices (input "x") is computed at run time`}},
		{"lpnorm p3", gr{nodes: one("LpNormalization", aInt("p", 3)), inputs: []*pb.ValueInfoProto{x14()}, outputs: y(1, 4)},
			[]string{"(LpNormalization)", "p=3 is not supported; supported: 1, 2"}},
		{"einsum three operands", gr{
			nodes:  []*pb.NodeProto{nd("Einsum", "n", []string{"x", "x", "x"}, []string{"y"}, indexStrAttr("equation", "ij,ij,ij->ij"))},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: y(1, 4),
		}, []string{"(Einsum)", "has 3 operands; supported: 1 or 2"}},
		{"einsum bad ellipsis", gr{
			nodes:  []*pb.NodeProto{nd("Einsum", "n", []string{"x"}, []string{"y"}, indexStrAttr("equation", "..i.->i"))},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: y(4),
		}, []string{"operand 0 has a malformed ellipsis"}},
		{"einsum sizes", gr{
			nodes:  []*pb.NodeProto{nd("Einsum", "n", []string{"x", "x"}, []string{"y"}, indexStrAttr("equation", "ij,ji->"))},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: y(),
		}, []string{"j has sizes 4 and 1"}},
		{"groupnorm groups", gr{
			nodes:  []*pb.NodeProto{nd("GroupNormalization", "n", []string{"x", "s", "b"}, []string{"y"}, aInt("num_groups", 3))},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 4, 2)}, outputs: y(1, 4, 2),
			inits: []*pb.TensorProto{ft("s", dims(3), 1, 1, 1), ft("b", dims(3), 0, 0, 0)},
		}, []string{"(GroupNormalization)", "4 channels do not split into 3 groups"}},
		{"groupnorm no groups", gr{
			nodes:  []*pb.NodeProto{nd("GroupNormalization", "n", []string{"x", "s", "b"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 4, 2)}, outputs: y(1, 4, 2),
			inits: []*pb.TensorProto{ft("s", dims(4), 1, 1, 1, 1), ft("b", dims(4), 0, 0, 0, 0)},
		}, []string{"attribute num_groups is missing"}},
		{"instancenorm scale shape", gr{
			nodes:  []*pb.NodeProto{nd("InstanceNormalization", "n", []string{"x", "s", "b"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x4()}, outputs: y(1, 1, 2, 2),
			inits: []*pb.TensorProto{ft("s", dims(2), 1, 1), ft("b", dims(1), 0)},
		}, []string{"scale/bias have shape [2]; want [1]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := safeLoad(t, c.g.bytes(t), Options{})
			checkErr(t, err, "onnx: ", c.frags...)
		})
	}
}

// TestIndexOpsByHand: Tile, Trilu (lower, k = −1), SpaceToDepth then
// DepthToSpace (the identity in DCR mode), CumSum (reverse) and TopK
// folded, against hand-computed values.
func TestIndexOpsByHand(t *testing.T) {
	g := gr{
		nodes: []*pb.NodeProto{
			nd("SpaceToDepth", "s2d", []string{"x"}, []string{"d"}, aInt("blocksize", 2)),
			nd("DepthToSpace", "d2s", []string{"d"}, []string{"y"}, aInt("blocksize", 2)),
			nd("Reshape", "rs", []string{"x", "shp"}, []string{"m"}),
			nd("Trilu", "tri", []string{"m", "k"}, []string{"l"}, aInt("upper", 0)),
			nd("Tile", "tile", []string{"l", "rep"}, []string{"z"}),
			nd("CumSum", "cs", []string{"m", "ax"}, []string{"c"}, aInt("reverse", 1)),
		},
		inputs:  []*pb.ValueInfoProto{fv("x", 1, 1, 2, 2)},
		outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 2, 2), fv("z", 2, 4), fv("c", 2, 2)},
		inits: []*pb.TensorProto{it("shp", dims(2), 2, 2), it("k", nil, -1), it("rep", dims(2), 1, 2),
			it("ax", nil, 1)},
	}
	l, err := safeLoad(t, g.bytes(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ins, err := l.Feed([][]float64{{1, 2, 3, 4}})
	if err != nil {
		t.Fatal(err)
	}
	env, err := l.Eval(ins)
	if err != nil {
		t.Fatal(err)
	}
	outs := l.OutputsOf(env)
	near(t, outs[0].Floats(), []float64{1, 2, 3, 4}, 0)
	near(t, outs[1].Floats(), []float64{0, 0, 0, 0, 3, 0, 3, 0}, 0)
	near(t, outs[2].Floats(), []float64{3, 2, 7, 4}, 0)

	topk := gr{
		nodes:   []*pb.NodeProto{nd("TopK", "tk", []string{"v", "k"}, []string{"y", "i"}, aInt("largest", 0))},
		outputs: []*pb.ValueInfoProto{fv("y", 2), vi("i", tInt64, 2)},
		inits:   []*pb.TensorProto{ft("v", dims(4), 3, 1, 2, 1), it("k", dims(1), 2)},
	}
	l, err = safeLoad(t, topk.bytes(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	env, err = l.Eval(nil)
	if err != nil {
		t.Fatal(err)
	}
	outs = l.OutputsOf(env)
	near(t, outs[0].Floats(), []float64{1, 1}, 0)
	near(t, outs[1].Floats(), []float64{1, 3}, 0)
}

// indexFuzzSeeds are FuzzLoad seeds that reach the indexing, reduction and
// normalisation converters and their attributes.
func indexFuzzSeeds() []gr {
	return []gr{{
		nodes: []*pb.NodeProto{
			nd("Resize", "rz", []string{"x", "", "sc"}, []string{"r"}, indexStrAttr("coordinate_transformation_mode", "asymmetric"),
				indexStrAttr("nearest_mode", "floor")),
			nd("InstanceNormalization", "in", []string{"r", "g", "b"}, []string{"n"}, aFloat("epsilon", 1e-3)),
			nd("DepthToSpace", "d2s", []string{"n"}, []string{"d"}, aInt("blocksize", 2), indexStrAttr("mode", "CRD")),
			nd("Split", "sp", []string{"d", "parts"}, []string{"s0", "s1"}, aInt("axis", 3)),
			nd("GatherElements", "ge", []string{"s0", "gi"}, []string{"e"}, aInt("axis", 2)),
			nd("ScatterND", "sn", []string{"s1", "si", "su"}, []string{"t"}),
			nd("ReduceL2", "l2", []string{"e"}, []string{"q"}, aInts("axes", 3), aInt("keepdims", 1)),
			nd("LpNormalization", "lp", []string{"t"}, []string{"p"}, aInt("axis", 2), aInt("p", 1)),
			nd("ArgMin", "am", []string{"p"}, []string{"a"}, aInt("axis", 2), aInt("select_last_index", 1)),
			nd("CumSum", "cs", []string{"q", "ax"}, []string{"y"}, aInt("exclusive", 1)),
		},
		inputs:  []*pb.ValueInfoProto{fv("x", 1, 4, 2, 2)},
		outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 8, 1), vi("a", tInt64, 1, 1, 1, 4)},
		inits: []*pb.TensorProto{ft("sc", dims(4), 1, 1, 2, 2), ft("g", dims(4), 1, 2, 3, 4), ft("b", dims(4), 0, 1, 0, 1),
			it("parts", dims(2), 4, 4), it("gi", dims(1, 1, 8, 2), 0, 1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1, 0),
			it("si", dims(1, 1), 0), ft("su", dims(1, 1, 8, 4), randFloats(4, 32, 1)...), it("ax", nil, 2)},
	}}
}

// TestIndexFuzzSeedsLoad: the fuzz seeds load and evaluate (a seed that
// fails at load reaches none of the converters it is for).
func TestIndexFuzzSeedsLoad(t *testing.T) {
	for _, g := range indexFuzzSeeds() {
		l, err := safeLoad(t, g.bytes(t), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if evalOnZeros(t, l) == nil {
			t.Fatal("the seed does not evaluate")
		}
	}
}
