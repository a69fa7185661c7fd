package onnx

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zkai-dev/zkai/model"
	pb "github.com/zkai-dev/zkai/model/onnx/internal/onnxpb"
)

// Fuzz targets. Run them with
//
//	go test ./model/onnx/ -run XXX -fuzz FuzzLoad -fuzztime 60s
//	go test ./model/onnx/ -run XXX -fuzz FuzzNode -fuzztime 60s
//
// Without -fuzz they run their seeds as ordinary tests. The bodies do not
// recover: a panic is a failure.

// maxEvalElements bounds the inputs a fuzz body evaluates on (the brief's
// 1<<16) and maxEvalValue any value of the graph, to keep a fuzz worker's
// memory small.
const (
	maxEvalElements = 1 << 16
	maxEvalValue    = 1 << 22
)

// fuzzNodeSeeds are conformance models used as extra FuzzLoad seeds.
var fuzzNodeSeeds = []string{
	"test_add", "test_conv_with_strides_and_asymmetric_padding", "test_convtranspose",
	"test_maxpool_2d_precomputed_pads", "test_averagepool_2d_pads_count_include_pad",
	"test_gemm_all_attributes", "test_batchnorm_epsilon", "test_transpose_default",
	"test_softmax_axis_0", "test_concat_2d_axis_1", "test_layer_normalization_4d_axis2",
	"test_gather_0", "test_where_example", "test_mvn_expanded", "test_slice",
	"test_reshape_reordered_all_dims", "test_constant_pad",
}

func FuzzLoad(f *testing.F) {
	models, _ := filepath.Glob("../../testdata/models/*/model*.onnx")
	n := 0
	for _, p := range models {
		if st, err := os.Stat(p); err == nil && st.Size() < 20<<10 {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			n++
		}
	}
	if n < 5 {
		f.Fatalf("found %d small fixture models; want at least 5", n)
	}
	for _, name := range fuzzNodeSeeds {
		b, err := os.ReadFile(filepath.Join("../../testdata/onnx-node", name, "model.onnx"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// crafted graphs that reach the folding and BatchNorm paths
	for _, g := range fuzzCraftedSeeds() {
		f.Add(g.bytes(f))
	}
	for _, g := range indexFuzzSeeds() {
		f.Add(g.bytes(f))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := Load(b, Options{})
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		evalOnZeros(t, g)
	})
}

func fuzzCraftedSeeds() []gr {
	bn := newBN(1, 2)
	return []gr{
		{ // Shape→Gather→Unsqueeze→Concat→Reshape
			nodes: []*pb.NodeProto{
				nd("Shape", "shape", []string{"x"}, []string{"s"}),
				nd("Gather", "gather", []string{"s", "i0"}, []string{"b"}, aInt("axis", 0)),
				nd("Unsqueeze", "unsq", []string{"b", "ax0"}, []string{"b1"}),
				nd("Concat", "concat", []string{"b1", "minus1"}, []string{"shp"}, aInt("axis", 0)),
				nd("Reshape", "reshape", []string{"x", "shp"}, []string{"y"}),
			},
			inputs:  []*pb.ValueInfoProto{fv("x", 2, 3, 4)},
			outputs: []*pb.ValueInfoProto{fv("y", 2, 12)},
			inits:   []*pb.TensorProto{it("i0", nil, 0), it("ax0", dims(1), 0), it("minus1", dims(1), -1)},
		},
		{ // Conv→BatchNormalization→Relu→MaxPool→Flatten→Gemm
			nodes: []*pb.NodeProto{
				nd("Conv", "conv", []string{"x", "w", "cb"}, []string{"c"}, aInts("pads", 1, 1, 1, 1)),
				bnNode("bn", "c", "b", "bn_", 1e-5),
				nd("Relu", "relu", []string{"b"}, []string{"r"}),
				nd("MaxPool", "pool", []string{"r"}, []string{"p"}, aInts("kernel_shape", 2, 2), aInts("strides", 2, 2)),
				nd("Flatten", "flat", []string{"p"}, []string{"fl"}),
				nd("Gemm", "fc", []string{"fl", "fw", "fb"}, []string{"y"}, aInt("transB", 1)),
			},
			inputs:  []*pb.ValueInfoProto{fv("x", 1, 1, 4, 4)},
			outputs: []*pb.ValueInfoProto{fv("y", 1, 3)},
			inits: append([]*pb.TensorProto{ft("w", dims(2, 1, 3, 3), randFloats(2, 18, 1)...), ft("cb", dims(2), 0.1, -0.1),
				ft("fw", dims(3, 8), randFloats(3, 24, 1)...), ft("fb", dims(3), 1, 2, 3)}, bn.inits("bn_")...),
		},
		{ // Add→BatchNormalization (stays an Affine op), Softmax, Slice, Transpose
			nodes: []*pb.NodeProto{
				nd("Add", "add", []string{"x", "k"}, []string{"a"}),
				bnNode("bn", "a", "b", "bn_", 1e-5),
				nd("Transpose", "tr", []string{"b"}, []string{"t"}, aInts("perm", 0, 2, 3, 1)),
				nd("Slice", "sl", []string{"t", "st", "en", "ax"}, []string{"s"}),
				nd("Softmax", "sm", []string{"s"}, []string{"y"}, aInt("axis", -1)),
			},
			inputs:  []*pb.ValueInfoProto{fv("x", 1, 2, 3, 3)},
			outputs: []*pb.ValueInfoProto{fv("y", 1, 3, 2, 2)},
			inits: append([]*pb.TensorProto{ft("k", dims(2, 1, 1), 1, -1), it("st", dims(1), 1), it("en", dims(1), 3),
				it("ax", dims(1), 2)}, bn.inits("bn_")...),
		},
	}
}

// checkFuzzErr requires a loader error to be one line starting "onnx: ".
func checkFuzzErr(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "onnx: ") || strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("error is not one line starting with \"onnx: \": %q", msg)
	}
}

// fuzzInputs makes runtime inputs: zeros, or small deterministic values.
func fuzzInputs(g *model.Graph, zeros bool) ([]*model.Tensor, bool) {
	ins := make([]*model.Tensor, len(g.Inputs))
	for i, v := range g.Inputs {
		if model.Size(v.Shape) > maxEvalElements {
			return nil, false
		}
		ins[i] = model.New(v.DType, v.Shape)
		if !zeros {
			for j := 0; j < ins[i].Len(); j++ {
				if v.DType == model.Float {
					ins[i].Set(j, float64((j*7+i*3)%11-5)/4)
				} else {
					ins[i].Set(j, float64((j+i)%3))
				}
			}
		}
	}
	for _, v := range g.Values {
		if model.Size(v.Shape) > maxEvalValue {
			return nil, false
		}
	}
	return ins, true
}

// evalOnZeros evaluates a loaded graph once and checks that every value the
// evaluator produces has the type the loader inferred for it.
func evalOnZeros(t *testing.T, g *model.Graph) map[string]*model.Tensor {
	t.Helper()
	ins, ok := fuzzInputs(g, true)
	if !ok {
		return nil
	}
	env, err := g.Eval(ins)
	if err != nil {
		return nil
	}
	checkEnv(t, g, env)
	return env
}

func checkEnv(t *testing.T, g *model.Graph, env map[string]*model.Tensor) {
	t.Helper()
	for _, o := range g.Outputs {
		if env[o.Name] == nil {
			t.Fatalf("output %q was not computed", o.Name)
		}
	}
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o == "" {
				continue
			}
			got := env[o]
			want, typed := g.Values[o]
			if !typed {
				continue // pruned: nothing reads it
			}
			if got == nil {
				if slices.ContainsFunc(g.Outputs, func(v model.Value) bool { return v.Name == o }) {
					t.Fatalf("%s: output %q missing", n.Label(), o)
				}
				continue
			}
			if !slices.Equal(got.Shape, want.Shape) || (got.DType == model.Float) != (want.DType == model.Float) {
				t.Fatalf("%s: %q evaluates to %s%v; the loader inferred %s%v", n.Label(), o, got.DType, got.Shape, want.DType, want.Shape)
			}
			if got.Len() != model.Size(got.Shape) {
				t.Fatalf("%s: %q has %d values for shape %v", n.Label(), o, got.Len(), got.Shape)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// FuzzNode: structured fuzzing of one node of every supported op, with
// fuzzed input shapes, constant inputs and attributes. Besides never
// panicking, the loaded graph must evaluate to the inferred types, and the
// same node with its runtime inputs given as initializers (folded at load
// time) must give the same values.

// byteReader yields the fuzz bytes, then zeros.
type byteReader struct {
	b []byte
	i int
}

func (r *byteReader) next() int {
	if r.i >= len(r.b) {
		r.i++
		return 0
	}
	r.i++
	return int(r.b[r.i-1])
}

// small is a signed value in [-8, 7].
func (r *byteReader) small() int64 { return int64(int8(r.next())) / 16 }

type attrSpec struct {
	name string
	kind int // 0 int, 1 ints, 2 float, 3 string, 4 tensor
	strs []string
}

var fuzzAttrs = []attrSpec{
	{"axis", 0, nil}, {"axes", 1, nil}, {"perm", 1, nil}, {"keepdims", 0, nil},
	{"kernel_shape", 1, nil}, {"pads", 1, nil}, {"strides", 1, nil}, {"dilations", 1, nil},
	{"group", 0, nil}, {"ceil_mode", 0, nil}, {"count_include_pad", 0, nil},
	{"auto_pad", 3, []string{"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER", ""}},
	{"output_padding", 1, nil}, {"output_shape", 1, nil},
	{"transA", 0, nil}, {"transB", 0, nil}, {"alpha", 2, nil}, {"beta", 2, nil},
	{"epsilon", 2, nil}, {"min", 2, nil}, {"max", 2, nil}, {"allowzero", 0, nil},
	{"select_last_index", 0, nil}, {"noop_with_empty_axes", 0, nil}, {"to", 0, nil},
	{"start", 0, nil}, {"end", 0, nil}, {"starts", 1, nil}, {"ends", 1, nil},
	{"mode", 3, []string{"constant", "edge", "reflect", "wrap"}}, {"value", 4, nil},
	{"value_float", 2, nil}, {"value_floats", 2, nil}, {"value_int", 0, nil}, {"value_ints", 1, nil},
	{"approximate", 3, []string{"none", "tanh"}}, {"shape", 1, nil}, {"paddings", 1, nil},
	{"broadcast", 0, nil}, {"stash_type", 0, nil},
	{"gamma", 2, nil}, {"fmod", 0, nil}, {"detect_negative", 0, nil}, {"detect_positive", 0, nil},
}

var fuzzElemTypes = []int64{1, 7, 6, 9, 11, 10, 3, 8}

// fuzzGraph builds one node from the fuzz data; runtime lists the runtime
// inputs and their values (for the folded twin).
type fuzzInput struct {
	vi     *pb.ValueInfoProto
	values []float64
	elem   pb.TensorProto_DataType
	shape  []int64
}

func buildFuzzNode(op uint8, spec, attrs []byte) (g gr, runtime []fuzzInput) {
	ops := SupportedOps()
	r := &byteReader{b: spec}
	a := &byteReader{b: attrs}
	opName := ops[int(op)%len(ops)]
	nIn := 1 + r.next()%5
	var in []string
	var shape0 []int64 // input 0's shape as the loader sees it
	for i := 0; i < nIn; i++ {
		// kind: 0 runtime float, 1 float initializer, 2 int64 initializer,
		// 3 omitted (input 0: runtime float), 4 runtime int64, 5 runtime
		// bool, 6 bool initializer
		kind := r.next() % 7
		name := "in" + itoa(i)
		// shape: rank 0-4 with dims 0-4; 5 input 0's shape; 6 [C] for
		// input 0's channel axis; 7 a Conv weight [M, C, k…] for input 0
		var shape []int64
		switch rc := r.next() % 8; {
		case rc < 5:
			shape = make([]int64, rc)
			for d := range shape {
				shape[d] = int64(r.next() % 5)
			}
		case rc == 5:
			shape = slices.Clone(shape0)
		case rc == 6:
			shape = []int64{1}
			if len(shape0) > 1 {
				shape[0] = shape0[1]
			}
		default:
			shape = []int64{int64(1 + r.next()%3), 1}
			if len(shape0) > 1 {
				shape[1] = shape0[1]
			}
			for d := 2; d < len(shape0); d++ {
				shape = append(shape, int64(1+r.next()%3))
			}
		}
		size := 1
		for _, d := range shape {
			size *= int(d)
		}
		if i == 0 {
			shape0 = shape
		}
		switch {
		case kind == 3 && i > 0:
			in = append(in, "")
			continue
		case kind == 1:
			vals := make([]float32, size)
			for j := range vals {
				vals[j] = float32(r.small()) / 2
			}
			g.inits = append(g.inits, ft(name, shape, vals...))
		case kind == 2:
			vals := make([]int64, size)
			for j := range vals {
				vals[j] = r.small()
			}
			g.inits = append(g.inits, it(name, shape, vals...))
		case kind == 6:
			vals := make([]int32, size)
			for j := range vals {
				vals[j] = int32(r.next() % 2)
			}
			g.inits = append(g.inits, &pb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(pb.TensorProto_BOOL)), Dims: shape, Int32Data: vals})
		default:
			elem := tFloat
			switch kind {
			case 4:
				elem = tInt64
			case 5:
				elem = pb.TensorProto_BOOL
			}
			ds := make([]any, len(shape))
			for d, v := range shape {
				ds[d] = v
			}
			v := vi(name, elem, ds...)
			vals := make([]float64, size)
			for j := range vals {
				switch elem {
				case tInt64:
					vals[j] = float64(r.small())
				case pb.TensorProto_BOOL:
					vals[j] = float64(r.next() % 2)
				default:
					vals[j] = float64(r.small()) / 2
				}
			}
			g.inputs = append(g.inputs, v)
			runtime = append(runtime, fuzzInput{vi: v, values: vals, elem: elem, shape: shape})
		}
		in = append(in, name)
	}
	outs := []string{"y"}
	if a.next()%4 == 1 {
		outs = append(outs, "y2")
	}
	var as []*pb.AttributeProto
	for _, s := range fuzzAttrs {
		if a.next()%4 != 1 {
			continue
		}
		switch s.kind {
		case 0:
			v := a.small()
			if s.name == "to" {
				v = fuzzElemTypes[a.next()%len(fuzzElemTypes)]
			}
			as = append(as, aInt(s.name, v))
		case 1:
			vs := make([]int64, a.next()%5)
			for j := range vs {
				vs[j] = a.small()
			}
			as = append(as, aInts(s.name, vs...))
		case 2:
			if s.name == "value_floats" {
				as = append(as, &pb.AttributeProto{Name: proto.String(s.name), Floats: []float32{float32(a.small()), float32(a.small())}})
				continue
			}
			as = append(as, aFloat(s.name, float32(a.small())/4))
		case 3:
			as = append(as, &pb.AttributeProto{Name: proto.String(s.name), S: []byte(s.strs[a.next()%len(s.strs)])})
		case 4:
			n := a.next() % 3
			vals := make([]float32, n)
			for j := range vals {
				vals[j] = float32(a.small())
			}
			as = append(as, aTensor(s.name, ft("v", dims(int64(n)), vals...)))
		}
	}
	g.nodes = []*pb.NodeProto{nd(opName, "n", in, outs, as...)}
	g.outputs = []*pb.ValueInfoProto{fv("y")}
	g.opset = int64(7 + a.next()%12)
	return g, runtime
}

// seedIn encodes one input for buildFuzzNode: kind, shape code, the raw
// shape bytes and small values (a float initializer holds v/2, an int one
// v, a bool one v%2).
type seedIn struct {
	kind, rc int
	dims     []int
	vals     []int
}

func seedSpec(ins ...seedIn) []byte {
	b := []byte{byte(len(ins) - 1)}
	for _, in := range ins {
		b = append(b, byte(in.kind), byte(in.rc))
		for _, d := range in.dims {
			b = append(b, byte(d))
		}
		for _, v := range in.vals {
			if in.kind == 5 || in.kind == 6 {
				b = append(b, byte(v))
			} else {
				b = append(b, byte(int8(v*16)))
			}
		}
	}
	return b
}

// seedAttrs encodes attributes for buildFuzzNode: ints as given, floats in
// quarters, strings and "to" as indices into their lists.
func seedAttrs(set map[string][]int, opset int) []byte {
	b := []byte{0} // no second output
	for _, s := range fuzzAttrs {
		v, ok := set[s.name]
		if !ok {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		switch {
		case s.name == "to":
			b = append(b, 0, byte(v[0]))
		case s.kind == 0 || (s.kind == 2 && s.name != "value_floats"):
			b = append(b, byte(int8(v[0]*16)))
		case s.kind == 3:
			b = append(b, byte(v[0]))
		case s.name == "value_floats":
			b = append(b, byte(int8(v[0]*16)), byte(int8(v[1]*16)))
		default: // ints, tensor
			b = append(b, byte(len(v)))
			for _, x := range v {
				b = append(b, byte(int8(x*16)))
			}
		}
	}
	return append(b, byte(opset-7))
}

func seq(n int) []int {
	v := make([]int, n)
	for i := range v {
		v[i] = i%7 - 3
	}
	return v
}

type nodeSeed struct {
	spec  []byte
	attrs []byte
}

// nodeSeeds are configurations that load for some op family; every one is
// tried with every op.
func nodeSeeds() []nodeSeed {
	x23 := seedIn{0, 2, []int{2, 3}, seq(6)}
	x1244 := seedIn{0, 4, []int{1, 2, 4, 4}, seq(32)}
	ints := func(v ...int) seedIn { return seedIn{2, 1, []int{len(v)}, v} }
	scalar := func(kind, v int) seedIn { return seedIn{kind, 0, nil, []int{v}} }
	none := seedAttrs(nil, 13)
	return []nodeSeed{
		{seedSpec(x23, seedIn{1, 5, nil, seq(6)}), none},                                          // elementwise
		{seedSpec(x23, seedIn{1, 5, nil, seq(6)}), seedAttrs(map[string][]int{"axis": {1}}, 13)},  // Concat …
		{seedSpec(x1244, seedIn{1, 7, []int{1, 1, 1}, seq(16)}, seedIn{1, 6, nil, seq(2)}), none}, // Conv, ConvTranspose
		{seedSpec(x1244, seedIn{1, 7, []int{0, 2, 2}, seq(18)}), seedAttrs(map[string][]int{"pads": {1, 1, 1, 1}, "strides": {2, 2}, "dilations": {1, 2}}, 13)},
		{seedSpec(x1244), seedAttrs(map[string][]int{"kernel_shape": {2, 2}, "strides": {2, 2}}, 13)}, // pools
		{seedSpec(x1244), seedAttrs(map[string][]int{"kernel_shape": {3, 3}, "pads": {1, 1, 1, 1}, "ceil_mode": {1}, "count_include_pad": {1}}, 13)},
		{seedSpec(x1244), seedAttrs(map[string][]int{"kernel_shape": {2, 3}, "auto_pad": {2}}, 13)},
		{seedSpec(x23, seedIn{1, 2, []int{3, 4}, seq(12)}, seedIn{1, 1, []int{4}, seq(4)}), none}, // Gemm, MatMul
		{seedSpec(x23, seedIn{1, 2, []int{4, 3}, seq(12)}, seedIn{1, 2, []int{2, 1}, seq(2)}), seedAttrs(map[string][]int{"transB": {1}, "alpha": {2}, "beta": {-4}}, 13)},
		{seedSpec(seedIn{0, 4, []int{1, 2, 2, 2}, seq(8)}, seedIn{1, 6, nil, seq(2)}, seedIn{1, 6, nil, seq(2)}, seedIn{1, 6, nil, seq(2)}, seedIn{1, 6, nil, []int{2, 3}}), none}, // BatchNormalization
		{seedSpec(seedIn{5, 2, []int{2, 3}, []int{1, 0, 1, 1, 0, 0}}, seedIn{0, 5, nil, seq(6)}, seedIn{1, 1, []int{3}, seq(3)}), none},                                            // Where
		{seedSpec(scalar(2, 0), scalar(2, 5), scalar(2, 2)), none},                                                                                                                 // Range
		{seedSpec(x23, ints(3, 2)), none},                                                                                                   // Reshape, Expand, ConstantOfShape
		{seedSpec(x23, ints(1), ints(3), ints(1), ints(1)), none},                                                                           // Slice
		{seedSpec(x23, ints(1, 0, 0, 1)), seedAttrs(map[string][]int{"mode": {1}}, 13)},                                                     // Pad
		{seedSpec(seedIn{0, 3, []int{2, 3, 4}, seq(24)}), seedAttrs(map[string][]int{"perm": {2, 0, 1}, "axes": {1}, "keepdims": {0}}, 13)}, // Transpose, Reduce
		{seedSpec(x23, seedIn{1, 1, []int{3}, seq(3)}, seedIn{1, 1, []int{3}, seq(3)}), seedAttrs(map[string][]int{"axis": {-1}}, 17)},      // LayerNormalization
		{seedSpec(x23, ints(0, -1)), seedAttrs(map[string][]int{"axis": {1}}, 13)},                                                          // Gather
		{seedSpec(seedIn{0, 3, []int{1, 3, 1}, seq(3)}, ints(0)), none},                                                                     // Squeeze, Unsqueeze
		{seedSpec(x23, scalar(1, -1), scalar(1, 1)), none},                                                                                  // Clip
		{seedSpec(x23), seedAttrs(map[string][]int{"value": {1, 2, 3}, "to": {1}, "axis": {0}}, 11)},                                        // Constant, Cast, Softmax (opset 11)
		{seedSpec(x23, seedIn{4, 5, nil, seq(6)}), none},
		{seedSpec(ints(2, 3)), seedAttrs(map[string][]int{"value": {2}}, 13)},                      // ConstantOfShape
		{seedSpec(seedIn{0, 3, []int{2, 2, 3}, seq(12)}, seedIn{0, 2, []int{3, 2}, seq(6)}), none}, // MatMul, runtime × runtime
		{seedSpec(seedIn{0, 1, []int{3}, seq(3)}, seedIn{1, 1, []int{3}, seq(3)}), none},           // 1-D
		// int inputs
	}
}

func FuzzNode(f *testing.F) {
	for i := range SupportedOps() {
		for _, s := range nodeSeeds() {
			f.Add(uint8(i), s.spec, s.attrs)
		}
	}
	f.Fuzz(func(t *testing.T, op uint8, spec, attrs []byte) {
		g, runtime := buildFuzzNode(op, spec, attrs)
		gg, err := Load(g.bytes(t), Options{})
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		evalOnZeros(t, gg)
		// evaluate on the values recorded with the inputs
		data := make([][]float64, len(runtime))
		for i, in := range runtime {
			data[i] = in.values
		}
		ins, err := gg.Feed(data)
		if err != nil {
			t.Fatalf("Feed of values that fit the declared inputs: %v", err)
		}
		if _, ok := fuzzInputs(gg, true); !ok {
			return
		}
		env, err := gg.Eval(ins)
		if err != nil || len(runtime) == 0 {
			return
		}
		checkEnv(t, gg, env)
		// the folded twin: every runtime input an initializer
		twin := g
		twin.inputs = nil
		twin.inits = slices.Clone(g.inits)
		for _, in := range runtime {
			name := in.vi.GetName()
			switch in.elem {
			case tInt64:
				vs := make([]int64, len(in.values))
				for j, v := range in.values {
					vs[j] = int64(v)
				}
				twin.inits = append(twin.inits, it(name, in.shape, vs...))
			case pb.TensorProto_BOOL:
				vs := make([]int32, len(in.values))
				for j, v := range in.values {
					vs[j] = int32(v)
				}
				twin.inits = append(twin.inits, &pb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(pb.TensorProto_BOOL)), Dims: in.shape, Int32Data: vs})
			default:
				vs := make([]float32, len(in.values))
				for j, v := range in.values {
					vs[j] = float32(v)
				}
				twin.inits = append(twin.inits, ft(name, in.shape, vs...))
			}
		}
		tg, err := Load(twin.bytes(t), Options{})
		if err != nil {
			// folding evaluates at load time what the runtime graph
			// evaluated fine
			checkFuzzErr(t, err)
			t.Fatalf("the runtime graph evaluates, but with its inputs constant it fails to load: %v", err)
		}
		tenv, err := tg.Eval(nil)
		if err != nil {
			t.Fatalf("folded graph: %v", err)
		}
		for i, o := range gg.Outputs {
			want, got := env[o.Name], tenv[tg.Outputs[i].Name]
			if !slices.Equal(want.Shape, got.Shape) {
				t.Fatalf("output %q: runtime shape %v, folded %v", o.Name, want.Shape, got.Shape)
			}
			for j := 0; j < want.Len(); j++ {
				w, v := want.At(j), got.At(j)
				if !(w == v || math.Abs(w-v) <= 1e-9*(1+math.Abs(w)) || (math.IsNaN(w) && math.IsNaN(v))) {
					t.Fatalf("output %q element %d: runtime %v, folded %v", o.Name, j, w, v)
				}
			}
		}
	})
}
