package onnx

import (
	"context"
	"encoding/json"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/zkai-dev/zkai/model"
	pb "github.com/zkai-dev/zkai/model/onnx/internal/onnxpb"
)

// ---------------------------------------------------------------------------
// Helpers to craft ONNX models with the generated protobuf types.

const (
	tFloat  = pb.TensorProto_FLOAT
	tInt64  = pb.TensorProto_INT64
	tString = pb.TensorProto_STRING
)

// vi declares a tensor value; each dim is an int, an int64 or a string
// (symbolic).
func vi(name string, elem pb.TensorProto_DataType, dims ...any) *pb.ValueInfoProto {
	shape := &pb.TensorShapeProto{}
	for _, d := range dims {
		dim := &pb.TensorShapeProto_Dimension{}
		switch d := d.(type) {
		case int:
			dim.Value = &pb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}
		case int64:
			dim.Value = &pb.TensorShapeProto_Dimension_DimValue{DimValue: d}
		case string:
			dim.Value = &pb.TensorShapeProto_Dimension_DimParam{DimParam: d}
		default:
			panic("vi: bad dim")
		}
		shape.Dim = append(shape.Dim, dim)
	}
	return &pb.ValueInfoProto{Name: proto.String(name), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{
		TensorType: &pb.TypeProto_Tensor{ElemType: proto.Int32(int32(elem)), Shape: shape}}}}
}

// fv is a float tensor value.
func fv(name string, dims ...any) *pb.ValueInfoProto { return vi(name, tFloat, dims...) }

func nd(op, name string, in, out []string, attrs ...*pb.AttributeProto) *pb.NodeProto {
	return &pb.NodeProto{OpType: proto.String(op), Name: proto.String(name), Input: in, Output: out, Attribute: attrs}
}

func aInt(name string, v int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func aInts(name string, v ...int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INTS.Enum(), Ints: v}
}

func aFloat(name string, v float32) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_FLOAT.Enum(), F: proto.Float32(v)}
}

func aTensor(name string, t *pb.TensorProto) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_TENSOR.Enum(), T: t}
}

// ft is a float initializer (float_data).
func ft(name string, dims []int64, vals ...float32) *pb.TensorProto {
	return &pb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(tFloat)), Dims: dims, FloatData: vals}
}

// it is an int64 initializer (int64_data).
func it(name string, dims []int64, vals ...int64) *pb.TensorProto {
	return &pb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(tInt64)), Dims: dims, Int64Data: vals}
}

func dims(d ...int64) []int64 { return d }

// gr assembles a graph.
type gr struct {
	nodes   []*pb.NodeProto
	inputs  []*pb.ValueInfoProto
	outputs []*pb.ValueInfoProto
	inits   []*pb.TensorProto
	opset   int64 // 0: 13
}

func (g gr) bytes(t testing.TB) []byte {
	t.Helper()
	opset := g.opset
	if opset == 0 {
		opset = 13
	}
	m := &pb.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(opset)}},
		Graph: &pb.GraphProto{Name: proto.String("crafted"), Node: g.nodes, Input: g.inputs,
			Output: g.outputs, Initializer: g.inits},
	}
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// safeLoad loads, turning a panic into a test failure with its stack so one
// bad case does not hide the others.
func safeLoad(t *testing.T, b []byte, opt Options) (g *model.Graph, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Load panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return Load(b, opt)
}

func safeLoadFile(t *testing.T, path string, opt Options) (g *model.Graph, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("LoadFile panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return LoadFile(path, opt)
}

// checkErr requires err to be one line, start with prefix ("onnx: " for the
// loader) exactly once, and contain every fragment.
func checkErr(t *testing.T, err error, prefix string, frags ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one mentioning %q", frags)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r") {
		t.Errorf("error spans several lines: %q", msg)
	}
	if !strings.HasPrefix(msg, prefix) {
		t.Errorf("error %q does not start with %q", msg, prefix)
	}
	if n := strings.Count(msg, prefix); n > 1 {
		t.Errorf("error %q repeats the prefix %q %d times", msg, prefix, n)
	}
	for _, f := range frags {
		if !strings.Contains(msg, f) {
			t.Errorf("error %q does not mention %q", msg, f)
		}
	}
}

// evalOne feeds data (every model input) and returns the first output.
func evalOne(t *testing.T, g *model.Graph, data ...[]float64) *model.Tensor {
	t.Helper()
	ins, err := g.Feed(data)
	if err != nil {
		t.Fatal(err)
	}
	env, err := g.Eval(ins)
	if err != nil {
		t.Fatal(err)
	}
	return g.OutputsOf(env)[0]
}

func near(t *testing.T, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d values; want %d", len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(got[i] - want[i]); !(d <= tol*(1+math.Abs(want[i]))) {
			t.Fatalf("element %d = %v; want %v", i, got[i], want[i])
		}
	}
}

// randFloats gives deterministic pseudo-random floats in [-scale, scale).
func randFloats(seed int64, n int, scale float64) []float32 {
	r := rand.New(rand.NewSource(seed))
	out := make([]float32, n)
	for i := range out {
		out[i] = float32((r.Float64()*2 - 1) * scale)
	}
	return out
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

const digitsCNN = "../../testdata/models/digits_cnn/model.onnx"

// ---------------------------------------------------------------------------
// Task 1: bad input is an error, never a panic.

func TestBadFiles(t *testing.T) {
	real, err := os.ReadFile(digitsCNN)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	random := make([]byte, 4096)
	r.Read(random)
	// the graph (field 7) spans bytes 19..7493 of digits_cnn; every cut
	// inside it breaks the protobuf, a cut at 19 leaves no graph
	cases := []struct {
		name string
		b    []byte
		frag string
	}{
		{"random bytes", random, "not an ONNX model"},
		{"0xff bytes", []byte(strings.Repeat("\xff", 64)), "not an ONNX model"},
		{"empty", nil, "not an ONNX model"},
		{"text", []byte("this is not a model\n"), "not an ONNX model"},
	}
	for _, n := range []int{1, 5, 19, 20, 100, 1000, len(real) / 2, 7000, 7490} {
		cases = append(cases, struct {
			name string
			b    []byte
			frag string
		}{"truncated at " + itoa(n), real[:n], "not an ONNX model"})
	}
	dir := t.TempDir()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := safeLoad(t, c.b, Options{})
			checkErr(t, err, "onnx: ", c.frag)
			// the same through a file
			p := filepath.Join(dir, "m"+itoa(i)+".onnx")
			if err := os.WriteFile(p, c.b, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = safeLoadFile(t, p, Options{})
			checkErr(t, err, "onnx: ", c.frag)
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := safeLoadFile(t, filepath.Join(dir, "nope.onnx"), Options{})
		checkErr(t, err, "onnx: ", "nope.onnx", "does not exist")
	})
	t.Run("directory", func(t *testing.T) {
		_, err := safeLoadFile(t, dir, Options{})
		checkErr(t, err, "onnx: ", "is a directory")
	})
	t.Run("whole file loads", func(t *testing.T) {
		g, err := safeLoadFile(t, digitsCNN, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if g.Name == "" {
			t.Error("no graph name")
		}
	})
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// x14 declares the float input x of shape [1,4].
func x14() *pb.ValueInfoProto { return fv("x", 1, 4) }

func TestBadGraphs(t *testing.T) {
	x := x14
	y := func() *pb.ValueInfoProto { return fv("y", 1, 4) }
	cases := []struct {
		name  string
		g     gr
		opt   Options
		frags []string
	}{
		// structure
		{"cycle", gr{
			nodes:  []*pb.NodeProto{nd("Relu", "a", []string{"b"}, []string{"a_out"}), nd("Relu", "b", []string{"a_out"}, []string{"b"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("b", 1, 4)},
		}, Options{}, []string{"cycle", "Relu"}},
		{"self loop", gr{
			nodes:  []*pb.NodeProto{nd("Add", "loop", []string{"x", "y"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{"cycle", `"loop"`}},
		{"dangling input", gr{
			nodes:  []*pb.NodeProto{nd("Relu", "r", []string{"nowhere"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`"r"`, `"nowhere"`, "no node, input or initializer defines"}},
		{"two producers", gr{
			nodes:  []*pb.NodeProto{nd("Relu", "r1", []string{"x"}, []string{"y"}), nd("Sigmoid", "r2", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`"r1"`, `"r2"`, `both produce "y"`}},
		{"output never computed", gr{
			nodes:  []*pb.NodeProto{nd("Relu", "r", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("z", 1, 4)},
		}, Options{}, []string{`"z"`, "never computed"}},
		{"no outputs", gr{
			nodes:  []*pb.NodeProto{nd("Relu", "r", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()},
		}, Options{}, []string{"no outputs"}},
		{"no nodes, no outputs", gr{inputs: []*pb.ValueInfoProto{x()}}, Options{}, []string{"no graph"}},

		// operators
		{"unsupported op", gr{
			nodes:  []*pb.NodeProto{nd("LSTM", "lstm1", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`node "lstm1" (LSTM)`, "operator LSTM is not supported", "supported: ", "Conv", "Gemm", "Relu"}},
		{"custom domain", gr{
			nodes: []*pb.NodeProto{func() *pb.NodeProto {
				n := nd("FusedGelu", "fg", []string{"x"}, []string{"y"})
				n.Domain = proto.String("com.microsoft")
				return n
			}()},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`node "fg" (FusedGelu)`, `domain "com.microsoft" is not supported`}},
		{"custom domain of a known op", gr{
			nodes: []*pb.NodeProto{func() *pb.NodeProto {
				n := nd("Relu", "cr", []string{"x"}, []string{"y"})
				n.Domain = proto.String("org.custom")
				return n
			}()},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`"cr"`, `domain "org.custom"`}},
		{"reshape shape at run time", gr{
			nodes:  []*pb.NodeProto{nd("Reshape", "rs", []string{"x", "s"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x(), vi("s", tInt64, 2)}, outputs: []*pb.ValueInfoProto{fv("y", 2, 2)},
		}, Options{}, []string{`node "rs" (Reshape)`, `"s"`, "computed at run time"}},
		{"pow runtime exponent", gr{
			nodes:  []*pb.NodeProto{nd("Pow", "pw", []string{"x", "e"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x(), fv("e", 1)}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`node "pw" (Pow)`, "constant exponent"}},
		{"pow vector exponent", gr{
			nodes:  []*pb.NodeProto{nd("Pow", "pw", []string{"x", "e"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{ft("e", dims(4), 1, 2, 3, 4)},
		}, Options{}, []string{`node "pw" (Pow)`, "one constant exponent"}},
		{"conv channel mismatch", gr{
			nodes:  []*pb.NodeProto{nd("Conv", "c1", []string{"x", "w"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 3, 5, 5)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 2, 3, 3)},
			inits: []*pb.TensorProto{ft("w", dims(2, 2, 3, 3), randFloats(1, 36, 1)...)},
		}, Options{}, []string{`node "c1" (Conv)`, "does not fit"}},
		{"conv kernel_shape mismatch", gr{
			nodes:  []*pb.NodeProto{nd("Conv", "c1", []string{"x", "w"}, []string{"y"}, aInts("kernel_shape", 5, 5))},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 2, 5, 5)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 2, 3, 3)},
			inits: []*pb.TensorProto{ft("w", dims(2, 2, 3, 3), randFloats(1, 36, 1)...)},
		}, Options{}, []string{`node "c1" (Conv)`, "kernel_shape"}},
		{"convtranspose kernel_shape mismatch", gr{
			nodes:  []*pb.NodeProto{nd("ConvTranspose", "ct", []string{"x", "w"}, []string{"y"}, aInts("kernel_shape", 3, 3))},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 2, 3, 3)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 2, 5, 5)},
			inits: []*pb.TensorProto{ft("w", dims(2, 2, 2, 2), randFloats(1, 16, 1)...)},
		}, Options{}, []string{`node "ct" (ConvTranspose)`, "kernel_shape [3 3] differs from W's [2 2]"}},
		{"conv missing weight", gr{
			nodes:  []*pb.NodeProto{nd("Conv", "c1", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 2, 5, 5)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 2, 3, 3)},
		}, Options{}, []string{`node "c1" (Conv)`, "has 1 inputs; want 2 to 3"}},
		{"gemm inner dims", gr{
			nodes:  []*pb.NodeProto{nd("Gemm", "fc", []string{"x", "w", "b"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 2)},
			inits: []*pb.TensorProto{ft("w", dims(3, 2), 1, 2, 3, 4, 5, 6), ft("b", dims(2), 1, 2)},
		}, Options{}, []string{`node "fc" (Gemm)`, "inner dimensions differ"}},
		{"gemm omitted B", gr{
			nodes:  []*pb.NodeProto{nd("Gemm", "fc", []string{"x", ""}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 2)},
		}, Options{}, []string{`node "fc" (Gemm)`, "required input 1 is missing"}},
		{"matmul inner dims", gr{
			nodes:  []*pb.NodeProto{nd("MatMul", "mm", []string{"x", "w"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 2)},
			inits: []*pb.TensorProto{ft("w", dims(3, 2), 1, 2, 3, 4, 5, 6)},
		}, Options{}, []string{`node "mm" (MatMul)`, "inner dimensions differ"}},
		{"concat shapes", gr{
			nodes:  []*pb.NodeProto{nd("Concat", "cat", []string{"x", "z"}, []string{"y"}, aInt("axis", 1))},
			inputs: []*pb.ValueInfoProto{x(), fv("z", 2, 3)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 7)},
		}, Options{}, []string{`node "cat" (Concat)`, "only axis 1 may differ"}},
		{"concat ranks", gr{
			nodes:  []*pb.NodeProto{nd("Concat", "cat", []string{"x", "z"}, []string{"y"}, aInt("axis", 0))},
			inputs: []*pb.ValueInfoProto{x(), fv("z", 4)}, outputs: []*pb.ValueInfoProto{fv("y", 2, 4)},
		}, Options{}, []string{`node "cat" (Concat)`, "unlike input 0"}},
		{"concat no axis", gr{
			nodes:  []*pb.NodeProto{nd("Concat", "cat", []string{"x", "x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 2, 4)},
		}, Options{}, []string{`node "cat" (Concat)`, "axis is missing"}},
		{"slice step 0", gr{
			nodes:  []*pb.NodeProto{nd("Slice", "sl", []string{"x", "st", "en", "ax", "sp"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 2)},
			inits: []*pb.TensorProto{it("st", dims(1), 0), it("en", dims(1), 4), it("ax", dims(1), 1), it("sp", dims(1), 0)},
		}, Options{}, []string{`node "sl" (Slice)`, "step 0"}},
		{"slice bad axis", gr{
			nodes:  []*pb.NodeProto{nd("Slice", "sl", []string{"x", "st", "en", "ax"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 2)},
			inits: []*pb.TensorProto{it("st", dims(1), 0), it("en", dims(1), 4), it("ax", dims(1), 7)},
		}, Options{}, []string{`node "sl" (Slice)`, "axis 7 is out of range"}},
		{"slice runtime starts", gr{
			nodes:  []*pb.NodeProto{nd("Slice", "sl", []string{"x", "st", "en"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x(), vi("st", tInt64, 2)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 2)},
			inits: []*pb.TensorProto{it("en", dims(2), 1, 4)},
		}, Options{}, []string{`node "sl" (Slice)`, "starts", "computed at run time"}},
		{"transpose repeated perm", gr{
			nodes:  []*pb.NodeProto{nd("Transpose", "tr", []string{"x"}, []string{"y"}, aInts("perm", 0, 0))},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 4, 1)},
		}, Options{}, []string{`node "tr" (Transpose)`, "not a permutation"}},
		{"transpose perm length", gr{
			nodes:  []*pb.NodeProto{nd("Transpose", "tr", []string{"x"}, []string{"y"}, aInts("perm", 0, 1, 2))},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 4, 1)},
		}, Options{}, []string{`node "tr" (Transpose)`, "perm [0 1 2] has 3 entries for rank 2"}},
		{"transpose perm out of int32", gr{
			nodes:  []*pb.NodeProto{nd("Transpose", "tr", []string{"x"}, []string{"y"}, aInts("perm", 1<<40, 0))},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 4, 1)},
		}, Options{}, []string{`node "tr" (Transpose)`, "out of range"}},
		{"gather constant indices out of range (folded)", gr{
			nodes:  []*pb.NodeProto{nd("Gather", "ga", []string{"d", "i"}, []string{"g"}), nd("Add", "add", []string{"x", "g"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{ft("d", dims(4), 1, 2, 3, 4), it("i", dims(4), 0, 1, 2, 9)},
		}, Options{}, []string{`node "ga" (Gather)`, "index 9 is out of range"}},
		{"gather bad axis", gr{
			nodes:  []*pb.NodeProto{nd("Gather", "ga", []string{"x", "i"}, []string{"y"}, aInt("axis", 2))},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1)},
			inits: []*pb.TensorProto{it("i", dims(1), 0)},
		}, Options{}, []string{`node "ga" (Gather)`, "axis 2 is out of range"}},
		{"gather float indices", gr{
			nodes:  []*pb.NodeProto{nd("Gather", "ga", []string{"x", "i"}, []string{"y"}, aInt("axis", 1))},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1)},
			inits: []*pb.TensorProto{ft("i", dims(1), 0.5)},
		}, Options{}, []string{`node "ga" (Gather)`, "indices are float"}},
		{"squeeze non-1 axis", gr{
			nodes:  []*pb.NodeProto{nd("Squeeze", "sq", []string{"x", "ax"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 1)},
			inits: []*pb.TensorProto{it("ax", dims(1), 1)},
		}, Options{}, []string{`node "sq" (Squeeze)`, "cannot squeeze axis 1 of size 4"}},
		{"squeeze non-1 axis attribute (opset 11)", gr{
			nodes:  []*pb.NodeProto{nd("Squeeze", "sq", []string{"x"}, []string{"y"}, aInts("axes", -1))},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 1)}, opset: 11,
		}, Options{}, []string{`node "sq" (Squeeze)`, "cannot squeeze axis 1 of size 4"}},
		{"unsqueeze repeated axis", gr{
			nodes:  []*pb.NodeProto{nd("Unsqueeze", "us", []string{"x", "ax"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 1, 4)},
			inits: []*pb.TensorProto{it("ax", dims(2), 0, 0)},
		}, Options{}, []string{`node "us" (Unsqueeze)`, "repeated"}},
		{"reshape two -1", gr{
			nodes:  []*pb.NodeProto{nd("Reshape", "rs", []string{"x", "s"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 2, 2)},
			inits: []*pb.TensorProto{it("s", dims(2), -1, -1)},
		}, Options{}, []string{`node "rs" (Reshape)`, "more than one -1"}},
		{"reshape wrong size", gr{
			nodes:  []*pb.NodeProto{nd("Reshape", "rs", []string{"x", "s"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{fv("y", 3, 3)},
			inits: []*pb.TensorProto{it("s", dims(2), 3, 3)},
		}, Options{}, []string{`node "rs" (Reshape)`, "cannot reshape"}},
		{"binary broadcast mismatch", gr{
			nodes:  []*pb.NodeProto{nd("Add", "ad", []string{"x", "z"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x(), fv("z", 3)}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`node "ad" (Add)`, "broadcast"}},
		{"maxpool without kernel", gr{
			nodes:  []*pb.NodeProto{nd("MaxPool", "mp", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 1, 4, 4)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 2, 2)},
		}, Options{}, []string{`node "mp" (MaxPool)`, "kernel_shape is missing"}},
		{"maxpool window too big", gr{
			nodes:  []*pb.NodeProto{nd("MaxPool", "mp", []string{"x"}, []string{"y"}, aInts("kernel_shape", 9, 9))},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 1, 4, 4)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 2, 2)},
		}, Options{}, []string{`node "mp" (MaxPool)`, "does not fit"}},
		{"bad auto_pad", gr{
			nodes: []*pb.NodeProto{nd("MaxPool", "mp", []string{"x"}, []string{"y"}, aInts("kernel_shape", 2, 2),
				&pb.AttributeProto{Name: proto.String("auto_pad"), S: []byte("WEIRD")})},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 1, 4, 4)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 2, 2)},
		}, Options{}, []string{`node "mp" (MaxPool)`, "auto_pad=WEIRD is not supported", "SAME_UPPER"}},
		{"batchnorm training mode", gr{
			nodes:  []*pb.NodeProto{nd("BatchNormalization", "bn", []string{"x", "s", "b", "m", "v"}, []string{"y"}, aInt("training_mode", 1))},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 4)}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{ft("s", dims(4), 1, 1, 1, 1), ft("b", dims(4), 0, 0, 0, 0), ft("m", dims(4), 0, 0, 0, 0), ft("v", dims(4), 1, 1, 1, 1)},
		}, Options{}, []string{`node "bn" (BatchNormalization)`, "training_mode"}},
		{"batchnorm negative variance", gr{
			nodes:  []*pb.NodeProto{nd("BatchNormalization", "bn", []string{"x", "s", "b", "m", "v"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 4)}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{ft("s", dims(4), 1, 1, 1, 1), ft("b", dims(4), 0, 0, 0, 0), ft("m", dims(4), 0, 0, 0, 0), ft("v", dims(4), 1, -2, 1, 1)},
		}, Options{}, []string{`node "bn" (BatchNormalization)`, "variance"}},
		{"batchnorm runtime stats", gr{
			nodes:  []*pb.NodeProto{nd("BatchNormalization", "bn", []string{"x", "s", "b", "m", "v"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 4), fv("m", 4)}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{ft("s", dims(4), 1, 1, 1, 1), ft("b", dims(4), 0, 0, 0, 0), ft("v", dims(4), 1, 1, 1, 1)},
		}, Options{}, []string{`node "bn" (BatchNormalization)`, "input_mean", "computed at run time"}},
		{"cast to string", gr{
			nodes:  []*pb.NodeProto{nd("Cast", "ca", []string{"x"}, []string{"y"}, aInt("to", int64(tString)))},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`node "ca" (Cast)`, "element type STRING is not supported"}},
		{"constant without value", gr{
			nodes:  []*pb.NodeProto{nd("Constant", "k", nil, []string{"k"}), nd("Add", "ad", []string{"x", "k"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`node "k" (Constant)`, "no value attribute"}},
		{"constant with NaN", gr{
			nodes:  []*pb.NodeProto{nd("Constant", "k", nil, []string{"k"}, aTensor("value", ft("kv", dims(1), float32(math.NaN())))), nd("Add", "ad", []string{"x", "k"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`node "k" (Constant)`, "NaN", "finite"}},
		{"unsupported second output", gr{
			nodes:  []*pb.NodeProto{nd("Relu", "r", []string{"x"}, []string{"y", "extra"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`node "r" (Relu)`, `output "extra" is not supported`}},

		// initializers and values
		{"raw_data length", gr{
			nodes:  []*pb.NodeProto{nd("Add", "ad", []string{"x", "w"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{{Name: proto.String("w"), DataType: proto.Int32(int32(tFloat)), Dims: dims(1, 4), RawData: make([]byte, 15)}},
		}, Options{}, []string{"initializer", `"w"`, "raw_data has 15 bytes", "needs 16"}},
		{"float_data length", gr{
			nodes:  []*pb.NodeProto{nd("Add", "ad", []string{"x", "w"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{ft("w", dims(1, 4), 1, 2, 3)},
		}, Options{}, []string{"initializer", `"w"`, "has 3 values", "needs 4"}},
		{"initializer NaN", gr{
			nodes:  []*pb.NodeProto{nd("Add", "ad", []string{"x", "w"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{ft("w", dims(1, 4), 1, 2, float32(math.NaN()), 4)},
		}, Options{}, []string{"initializer", `"w"`, "element 2 is NaN"}},
		{"initializer Inf raw", gr{
			nodes:  []*pb.NodeProto{nd("Add", "ad", []string{"x", "w"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{{Name: proto.String("w"), DataType: proto.Int32(int32(pb.TensorProto_DOUBLE)), Dims: dims(1),
				RawData: []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x7f}}},
		}, Options{}, []string{"initializer", `"w"`, "+Inf"}},
		{"external data", gr{
			nodes:  []*pb.NodeProto{nd("Add", "ad", []string{"x", "w"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{{Name: proto.String("w"), DataType: proto.Int32(int32(tFloat)), Dims: dims(1, 4),
				DataLocation: pb.TensorProto_EXTERNAL.Enum(),
				ExternalData: []*pb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String("weights.bin")}}}},
		}, Options{}, []string{"initializer", `"w"`, "external data"}},
		{"external data entries only", gr{
			nodes:  []*pb.NodeProto{nd("Add", "ad", []string{"x", "w"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{{Name: proto.String("w"), DataType: proto.Int32(int32(tFloat)), Dims: dims(1, 4),
				ExternalData: []*pb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String("/etc/passwd")}}}},
		}, Options{}, []string{"initializer", `"w"`, "external data"}},
		{"string initializer", gr{
			nodes:  []*pb.NodeProto{nd("Add", "ad", []string{"x", "w"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{{Name: proto.String("w"), DataType: proto.Int32(int32(tString)), Dims: dims(1), StringData: [][]byte{[]byte("hi")}}},
		}, Options{}, []string{"initializer", `"w"`, "element type STRING is not supported", "supported: "}},
		{"string input", gr{
			nodes:  []*pb.NodeProto{nd("Identity", "id", []string{"s"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{vi("s", tString, 1)}, outputs: []*pb.ValueInfoProto{vi("y", tString, 1)},
		}, Options{}, []string{`input "s"`, "element type STRING is not supported"}},
		{"complex input", gr{
			nodes:  []*pb.NodeProto{nd("Identity", "id", []string{"s"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{vi("s", pb.TensorProto_COMPLEX64, 1)}, outputs: []*pb.ValueInfoProto{vi("y", pb.TensorProto_COMPLEX64, 1)},
		}, Options{}, []string{`input "s"`, "element type COMPLEX64 is not supported"}},
		{"unknown element type", gr{
			nodes:  []*pb.NodeProto{nd("Identity", "id", []string{"s"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{vi("s", pb.TensorProto_DataType(99), 1)}, outputs: []*pb.ValueInfoProto{vi("y", tFloat, 1)},
		}, Options{}, []string{`input "s"`, "element type 99 is not supported"}},
		{"sequence input", gr{
			nodes: []*pb.NodeProto{nd("Identity", "id", []string{"s"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{{Name: proto.String("s"), Type: &pb.TypeProto{Value: &pb.TypeProto_SequenceType{
				SequenceType: &pb.TypeProto_Sequence{ElemType: fv("e", 1).GetType()}}}}},
			outputs: []*pb.ValueInfoProto{fv("y", 1)},
		}, Options{}, []string{`input "s"`, "not a tensor"}},
		{"input without shape", gr{
			nodes: []*pb.NodeProto{nd("Relu", "r", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{{Name: proto.String("x"), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{
				TensorType: &pb.TypeProto_Tensor{ElemType: proto.Int32(int32(tFloat))}}}}},
			outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`input "x"`, "has no shape"}},
		{"sparse initializer", gr{
			nodes:  []*pb.NodeProto{nd("Relu", "r", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, nil}, // filled in below
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.g.bytes(t)
			if c.name == "sparse initializer" {
				m := &pb.ModelProto{}
				if err := proto.Unmarshal(b, m); err != nil {
					t.Fatal(err)
				}
				m.Graph.SparseInitializer = []*pb.SparseTensorProto{{Dims: dims(4), Values: ft("sv", dims(1), 1), Indices: it("si", dims(1), 0)}}
				b, _ = proto.Marshal(m)
				c.frags = []string{"sparse initializers are not supported"}
			}
			g, err := safeLoad(t, b, c.opt)
			if err == nil {
				t.Fatalf("loaded (%d nodes); want an error mentioning %q", len(g.Nodes), c.frags)
			}
			checkErr(t, err, "onnx: ", c.frags...)
		})
	}
}

// TestHugeDimensions: a declared shape far beyond what zkai handles fails
// at once, before anything of that size is allocated.
func TestHugeDimensions(t *testing.T) {
	const huge = int64(1) << 40
	x := x14
	y := func() *pb.ValueInfoProto { return fv("y", 1, 4) }
	cases := []struct {
		name  string
		g     gr
		opt   Options
		frags []string
	}{
		{"initializer dim 1<<40", gr{
			nodes:  []*pb.NodeProto{nd("Add", "ad", []string{"x", "w"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{ft("w", dims(huge))},
		}, Options{}, []string{"initializer", `"w"`, "dimension 1099511627776 is out of range"}},
		{"initializer raw dims product", gr{
			nodes:  []*pb.NodeProto{nd("Add", "ad", []string{"x", "w"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{{Name: proto.String("w"), DataType: proto.Int32(int32(tFloat)), Dims: dims(1<<20, 1<<20, 1<<20), RawData: []byte{1, 2, 3, 4}}},
		}, Options{}, []string{"initializer", `"w"`, "more than"}},
		{"initializer negative dim", gr{
			nodes:  []*pb.NodeProto{nd("Add", "ad", []string{"x", "w"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{ft("w", dims(-4), 1, 2, 3, 4)},
		}, Options{}, []string{"initializer", `"w"`, "dimension -4 is out of range"}},
		{"input dim 1<<40", gr{
			nodes:  []*pb.NodeProto{nd("Relu", "r", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{fv("x", 1, huge)}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`input "x"`, "out of range"}},
		{"input dims product", gr{
			nodes:  []*pb.NodeProto{nd("Relu", "r", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{fv("x", 1<<20, 1<<20, 1<<20, 1<<20)}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`input "x"`, "more than"}},
		{"input shape option 1<<40", gr{
			nodes:  []*pb.NodeProto{nd("Relu", "r", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{fv("x", "batch", 4)}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{InputShapes: [][]int{{1 << 40, 4}}}, []string{`input "x"`, "out of range"}},
		{"input shape option negative", gr{
			nodes:  []*pb.NodeProto{nd("Relu", "r", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{fv("x", "batch", 4)}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{InputShapes: [][]int{{-1, 4}}}, []string{`input "x"`, "out of range"}},
		{"constant attribute dim 1<<40", gr{
			nodes:  []*pb.NodeProto{nd("Constant", "k", nil, []string{"k"}, aTensor("value", ft("kv", dims(huge)))), nd("Add", "ad", []string{"x", "k"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
		}, Options{}, []string{`node "k" (Constant)`, "out of range"}},
		{"ConstantOfShape huge", gr{
			nodes:  []*pb.NodeProto{nd("ConstantOfShape", "cos", []string{"s"}, []string{"k"}), nd("Add", "ad", []string{"x", "k"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{it("s", dims(3), 1<<20, 1<<20, 1<<20)},
		}, Options{}, []string{`node "cos" (ConstantOfShape)`, "more than"}},
		{"Range huge", gr{
			nodes:  []*pb.NodeProto{nd("Range", "rg", []string{"a", "b", "c"}, []string{"k"}), nd("Add", "ad", []string{"x", "k"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{it("a", nil, 0), it("b", nil, 1<<60), it("c", nil, 1)},
		}, Options{}, []string{`node "rg" (Range)`, "too many"}},
		{"Expand huge", gr{
			nodes:  []*pb.NodeProto{nd("Expand", "ex", []string{"x", "s"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{it("s", dims(3), 1<<20, 1<<20, 4)},
		}, Options{}, []string{`node "ex" (Expand)`, "more than"}},
		{"Expand constant huge", gr{
			nodes:  []*pb.NodeProto{nd("Expand", "ex", []string{"k", "s"}, []string{"e"}), nd("Add", "ad", []string{"x", "e"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{ft("k", dims(1), 1), it("s", dims(2), 1<<26, 1<<26)},
		}, Options{}, []string{`node "ex" (Expand)`, "more than"}},
		{"Pad huge", gr{
			nodes:  []*pb.NodeProto{nd("Pad", "pd", []string{"x", "p"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{it("p", dims(4), 1<<26, 1<<26, 0, 0)},
		}, Options{}, []string{`node "pd" (Pad)`, "more than"}},
		{"Reshape huge", gr{
			nodes:  []*pb.NodeProto{nd("Reshape", "rs", []string{"x", "s"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{it("s", dims(2), 1<<40, 1)},
		}, Options{}, []string{`node "rs" (Reshape)`, "out-of-range dimension"}},
		{"Tile-like Concat of huge folded constants", gr{
			nodes:  []*pb.NodeProto{nd("ConstantOfShape", "cos", []string{"s"}, []string{"k"}), nd("Concat", "cat", []string{"k", "k", "k", "k", "k", "k", "k", "k", "k"}, []string{"c"}, aInt("axis", 0)), nd("Add", "ad", []string{"x", "c"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x()}, outputs: []*pb.ValueInfoProto{y()},
			inits: []*pb.TensorProto{it("s", dims(1), 1<<24)},
		}, Options{}, []string{`node "cat" (Concat)`, "out of range"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.g.bytes(t)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := safeLoad(t, b, c.opt)
			el := time.Since(start)
			runtime.ReadMemStats(&after)
			checkErr(t, err, "onnx: ", c.frags...)
			// a model of a few hundred bytes may legitimately fold one
			// maximal constant (maxElements), nothing more
			if a := after.TotalAlloc - before.TotalAlloc; a > 8*maxElements+(64<<20) {
				t.Errorf("allocated %d MiB before failing", a>>20)
			}
			if el > 5*time.Second {
				t.Errorf("took %v to fail", el)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Positive checks: folding, BatchNorm, dynamic batch, input binding.

// TestFoldShapeChain: PyTorch's x.view(x.size(0), -1) exports as
// Shape→Gather→Unsqueeze→Concat→Reshape; all but the Reshape folds.
func TestFoldShapeChain(t *testing.T) {
	for _, opset := range []int64{11, 13} {
		unsq := nd("Unsqueeze", "unsq", []string{"b", "ax0"}, []string{"b1"})
		if opset < 13 {
			unsq = nd("Unsqueeze", "unsq", []string{"b"}, []string{"b1"}, aInts("axes", 0))
		}
		g := gr{
			nodes: []*pb.NodeProto{
				nd("Shape", "shape", []string{"x"}, []string{"s"}),
				nd("Gather", "gather", []string{"s", "i0"}, []string{"b"}, aInt("axis", 0)),
				unsq,
				nd("Concat", "concat", []string{"b1", "minus1"}, []string{"shp"}, aInt("axis", 0)),
				nd("Reshape", "reshape", []string{"x", "shp"}, []string{"y"}),
			},
			inputs:  []*pb.ValueInfoProto{fv("x", 2, 3, 4)},
			outputs: []*pb.ValueInfoProto{fv("y", 2, 12)},
			inits:   []*pb.TensorProto{it("i0", nil, 0), it("ax0", dims(1), 0), it("minus1", dims(1), -1)},
			opset:   opset,
		}
		gg, err := safeLoad(t, g.bytes(t), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(gg.Nodes) != 1 || gg.Nodes[0].Op.Type() != "Reshape" {
			var ops []string
			for _, n := range gg.Nodes {
				ops = append(ops, n.Op.Type())
			}
			t.Fatalf("opset %d: nodes %v; want only the Reshape", opset, ops)
		}
		if got := gg.Outputs[0].Shape; !slices.Equal(got, []int{2, 12}) {
			t.Fatalf("output shape %v; want [2 12]", got)
		}
		x := make([]float64, 24)
		for i := range x {
			x[i] = float64(i) - 7.5
		}
		near(t, evalOne(t, gg, x).F, x, 0)
	}
}

// conv2d computes a plain NCHW convolution (stride 1, symmetric pad p).
func conv2d(x []float64, n, c, h, w int, wt []float64, m, kh, kw, p int, bias []float64) ([]float64, int, int) {
	oh, ow := h+2*p-kh+1, w+2*p-kw+1
	out := make([]float64, n*m*oh*ow)
	for b := 0; b < n; b++ {
		for oc := 0; oc < m; oc++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					s := bias[oc]
					for ic := 0; ic < c; ic++ {
						for u := 0; u < kh; u++ {
							for v := 0; v < kw; v++ {
								yi, xj := i+u-p, j+v-p
								if yi < 0 || yi >= h || xj < 0 || xj >= w {
									continue
								}
								s += x[((b*c+ic)*h+yi)*w+xj] * wt[((oc*c+ic)*kh+u)*kw+v]
							}
						}
					}
					out[((b*m+oc)*oh+i)*ow+j] = s
				}
			}
		}
	}
	return out, oh, ow
}

// bnRef applies inference BatchNormalization over axis 1 of [N,C,rest…].
func bnRef(x []float64, c, inner int, scale, bias, mean, vr []float64, eps float64) []float64 {
	out := make([]float64, len(x))
	for j, v := range x {
		ch := (j / inner) % c
		out[j] = scale[ch]*(v-mean[ch])/math.Sqrt(vr[ch]+eps) + bias[ch]
	}
	return out
}

type bnParams struct{ s, b, m, v []float32 }

func newBN(seed int64, c int) bnParams {
	p := bnParams{randFloats(seed, c, 2), randFloats(seed+1, c, 1), randFloats(seed+2, c, 1), randFloats(seed+3, c, 1)}
	for i := range p.v {
		p.v[i] = float32(math.Abs(float64(p.v[i]))) + 0.1
	}
	return p
}

func (p bnParams) inits(prefix string) []*pb.TensorProto {
	c := int64(len(p.s))
	return []*pb.TensorProto{ft(prefix+"s", dims(c), p.s...), ft(prefix+"b", dims(c), p.b...), ft(prefix+"m", dims(c), p.m...), ft(prefix+"v", dims(c), p.v...)}
}

func (p bnParams) ref(x []float64, c, inner int, eps float64) []float64 {
	return bnRef(x, c, inner, f64(p.s), f64(p.b), f64(p.m), f64(p.v), eps)
}

func bnNode(name, in, out, prefix string, eps float32) *pb.NodeProto {
	return nd("BatchNormalization", name, []string{in, prefix + "s", prefix + "b", prefix + "m", prefix + "v"}, []string{out}, aFloat("epsilon", eps))
}

func TestBatchNormFoldedIntoConv(t *testing.T) {
	const n, c, h, w, m, k = 2, 3, 5, 4, 4, 3
	wt := randFloats(10, m*c*k*k, 0.5)
	bias := randFloats(11, m, 0.5)
	bn := newBN(20, m)
	const eps = 1e-3
	g := gr{
		nodes: []*pb.NodeProto{
			nd("Conv", "conv", []string{"x", "w", "cb"}, []string{"c"}, aInts("pads", 1, 1, 1, 1)),
			bnNode("bn", "c", "y", "bn_", eps),
		},
		inputs:  []*pb.ValueInfoProto{fv("x", n, c, h, w)},
		outputs: []*pb.ValueInfoProto{fv("y", n, m, h, w)},
		inits:   append([]*pb.TensorProto{ft("w", dims(m, c, k, k), wt...), ft("cb", dims(m), bias...)}, bn.inits("bn_")...),
	}
	gg, err := safeLoad(t, g.bytes(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if oc := gg.OpCounts(); oc["BatchNormalization"] != 0 || oc["Conv"] != 1 || len(gg.Nodes) != 1 {
		t.Fatalf("ops %v; want the BatchNormalization folded into the Conv", oc)
	}
	x := f64(randFloats(30, n*c*h*w, 1))
	cv, oh, ow := conv2d(x, n, c, h, w, f64(wt), m, k, k, 1, f64(bias))
	want := bn.ref(cv, m, oh*ow, float64(float32(eps)))
	near(t, evalOne(t, gg, x).F, want, 1e-9)
}

func TestBatchNormFoldedIntoGemm(t *testing.T) {
	const b, k, m = 3, 5, 4
	for _, transB := range []int64{0, 1} {
		wt := randFloats(40+transB, k*m, 0.5)
		bias := randFloats(42, m, 0.5)
		bn := newBN(50, m)
		wd := dims(k, m)
		if transB == 1 {
			wd = dims(m, k)
		}
		g := gr{
			nodes: []*pb.NodeProto{
				nd("Gemm", "fc", []string{"x", "w", "gb"}, []string{"f"}, aInt("transB", transB), aFloat("alpha", 0.5), aFloat("beta", 2)),
				bnNode("bn", "f", "y", "bn_", 1e-5),
			},
			inputs:  []*pb.ValueInfoProto{fv("x", b, k)},
			outputs: []*pb.ValueInfoProto{fv("y", b, m)},
			inits:   append([]*pb.TensorProto{ft("w", wd, wt...), ft("gb", dims(m), bias...)}, bn.inits("bn_")...),
		}
		gg, err := safeLoad(t, g.bytes(t), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if oc := gg.OpCounts(); oc["BatchNormalization"] != 0 || len(gg.Nodes) != 1 {
			t.Fatalf("ops %v; want the BatchNormalization folded into the Gemm", oc)
		}
		x := f64(randFloats(60, b*k, 1))
		f := make([]float64, b*m)
		for i := 0; i < b; i++ {
			for j := 0; j < m; j++ {
				s := 0.0
				for p := 0; p < k; p++ {
					wv := wt[p*m+j]
					if transB == 1 {
						wv = wt[j*k+p]
					}
					s += x[i*k+p] * float64(wv)
				}
				f[i*m+j] = 0.5*s + 2*float64(bias[j])
			}
		}
		near(t, evalOne(t, gg, x).F, bn.ref(f, m, 1, float64(float32(1e-5))), 1e-9)
	}
}

// TestBatchNormGemmRowBias: Gemm's C may broadcast along rows ([M,1]); a
// fold that treats it as per-column would be silently wrong.
func TestBatchNormGemmRowBias(t *testing.T) {
	const b, k, m = 3, 2, 3 // M == N so a [3,1] bias has as many values as channels
	wt := randFloats(70, k*m, 0.5)
	bias := []float32{10, 20, 30}
	bn := newBN(71, m)
	g := gr{
		nodes: []*pb.NodeProto{
			nd("Gemm", "fc", []string{"x", "w", "gb"}, []string{"f"}),
			bnNode("bn", "f", "y", "bn_", 1e-5),
		},
		inputs:  []*pb.ValueInfoProto{fv("x", b, k)},
		outputs: []*pb.ValueInfoProto{fv("y", b, m)},
		inits:   append([]*pb.TensorProto{ft("w", dims(k, m), wt...), ft("gb", dims(b, 1), bias...)}, bn.inits("bn_")...),
	}
	gg, err := safeLoad(t, g.bytes(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := f64(randFloats(72, b*k, 1))
	f := make([]float64, b*m)
	for i := 0; i < b; i++ {
		for j := 0; j < m; j++ {
			s := 0.0
			for p := 0; p < k; p++ {
				s += x[i*k+p] * float64(wt[p*m+j])
			}
			f[i*m+j] = s + float64(bias[i]) // C[i,0] broadcasts along the row
		}
	}
	near(t, evalOne(t, gg, x).F, bn.ref(f, m, 1, float64(float32(1e-5))), 1e-9)
}

// TestBatchNormFoldSameNodeName: two Conv nodes with the same (or an empty)
// name, each followed by a BatchNormalization.
func TestBatchNormFoldSameNodeName(t *testing.T) {
	const c, h, w = 2, 3, 3
	w1, w2 := randFloats(80, c*c, 1), randFloats(81, c*c, 1)
	b1, b2 := randFloats(82, c, 1), randFloats(83, c, 1)
	bn1, bn2 := newBN(84, c), newBN(88, c)
	for _, name := range []string{"", "conv"} {
		inits := []*pb.TensorProto{ft("w1", dims(c, c, 1, 1), w1...), ft("w2", dims(c, c, 1, 1), w2...), ft("b1", dims(c), b1...), ft("b2", dims(c), b2...)}
		inits = append(append(inits, bn1.inits("p_")...), bn2.inits("q_")...)
		g := gr{
			nodes: []*pb.NodeProto{
				nd("Conv", name, []string{"x", "w1", "b1"}, []string{"c1"}),
				bnNode("bn1", "c1", "r1", "p_", 1e-5),
				nd("Relu", "relu", []string{"r1"}, []string{"a"}),
				nd("Conv", name, []string{"a", "w2", "b2"}, []string{"c2"}),
				bnNode("bn2", "c2", "y", "q_", 1e-5),
			},
			inputs:  []*pb.ValueInfoProto{fv("x", 1, c, h, w)},
			outputs: []*pb.ValueInfoProto{fv("y", 1, c, h, w)},
			inits:   inits,
		}
		gg, err := safeLoad(t, g.bytes(t), Options{})
		if err != nil {
			t.Fatal(err)
		}
		x := f64(randFloats(90, c*h*w, 1))
		v, _, _ := conv2d(x, 1, c, h, w, f64(w1), c, 1, 1, 0, f64(b1))
		v = bn1.ref(v, c, h*w, float64(float32(1e-5)))
		for i := range v {
			v[i] = max(v[i], 0)
		}
		v, _, _ = conv2d(v, 1, c, h, w, f64(w2), c, 1, 1, 0, f64(b2))
		if oc := gg.OpCounts(); oc["BatchNormalization"] != 0 {
			t.Fatalf("name %q: ops %v; want both BatchNormalizations folded", name, oc)
		}
		near(t, evalOne(t, gg, x).F, bn2.ref(v, c, h*w, float64(float32(1e-5))), 1e-9)
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestBatchNormNotFolded: a BatchNormalization whose producer cannot absorb
// it stays a per-channel affine op (model.Affine) with the same values.
func TestBatchNormNotFolded(t *testing.T) {
	const n, c, h, w = 2, 3, 2, 2
	const eps = 1e-5
	bn := newBN(100, c)
	x := f64(randFloats(101, n*c*h*w, 1))
	wt := randFloats(102, c*c, 1)
	k := randFloats(103, c*h*w, 1)
	relu := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, a := range v {
			out[i] = max(a, 0)
		}
		return out
	}
	cases := []struct {
		name  string
		nodes []*pb.NodeProto
		inits []*pb.TensorProto
		want  func() []float64
	}{
		{"after Relu", []*pb.NodeProto{
			nd("Relu", "relu", []string{"x"}, []string{"r"}),
			bnNode("bn", "r", "y", "bn_", eps),
		}, nil, func() []float64 { return bn.ref(relu(x), c, h*w, float64(float32(eps))) }},
		{"after Add of a constant", []*pb.NodeProto{
			nd("Add", "add", []string{"x", "k"}, []string{"r"}),
			bnNode("bn", "r", "y", "bn_", eps),
		}, []*pb.TensorProto{ft("k", dims(c, h, w), k...)}, func() []float64 {
			s := make([]float64, len(x))
			for i := range x {
				s[i] = x[i] + float64(k[i%(c*h*w)])
			}
			return bn.ref(s, c, h*w, float64(float32(eps)))
		}},
		{"after a Conv whose output is also used elsewhere", []*pb.NodeProto{
			nd("Conv", "conv", []string{"x", "w"}, []string{"cv"}),
			bnNode("bn", "cv", "b", "bn_", eps),
			nd("Add", "add", []string{"cv", "b"}, []string{"y"}),
		}, []*pb.TensorProto{ft("w", dims(c, c, 1, 1), wt...)}, func() []float64 {
			cv, _, _ := conv2d(x, n, c, h, w, f64(wt), c, 1, 1, 0, make([]float64, c))
			bv := bn.ref(cv, c, h*w, float64(float32(eps)))
			for i := range bv {
				bv[i] += cv[i]
			}
			return bv
		}},
		{"after a Conv with runtime weights", []*pb.NodeProto{
			nd("Conv", "conv", []string{"x", "w"}, []string{"cv"}),
			bnNode("bn", "cv", "y", "bn_", eps),
		}, nil, nil}, // w is a graph input: see below
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			inputs := []*pb.ValueInfoProto{fv("x", n, c, h, w)}
			data := [][]float64{x}
			want := cs.want
			if cs.want == nil {
				inputs = append(inputs, fv("w", c, c, 1, 1))
				data = append(data, f64(wt))
				want = func() []float64 {
					cv, _, _ := conv2d(x, n, c, h, w, f64(wt), c, 1, 1, 0, make([]float64, c))
					return bn.ref(cv, c, h*w, float64(float32(eps)))
				}
			}
			g := gr{nodes: cs.nodes, inputs: inputs, outputs: []*pb.ValueInfoProto{fv("y", n, c, h, w)},
				inits: append(cs.inits, bn.inits("bn_")...)}
			gg, err := safeLoad(t, g.bytes(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if gg.OpCounts()["BatchNormalization"] != 1 {
				t.Fatalf("ops %v; want the BatchNormalization kept", gg.OpCounts())
			}
			for _, nn := range gg.Nodes {
				if nn.Op.Type() == "BatchNormalization" {
					if _, ok := nn.Op.(*model.Affine); !ok {
						t.Fatalf("BatchNormalization node is %T; want *model.Affine", nn.Op)
					}
				}
			}
			near(t, evalOne(t, gg, data...).F, want(), 1e-9)
		})
	}
}

func TestDynamicBatch(t *testing.T) {
	const dir = "../../testdata/models/iris_logreg/"
	raw, err := os.ReadFile(dir + "input_batch20.json")
	if err != nil {
		t.Fatal(err)
	}
	var in struct {
		Input  [][]float64 `json:"input_data"`
		Shapes [][]int     `json:"input_shapes"`
		Output [][]float64 `json:"output_data"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		t.Fatal(err)
	}
	g, err := safeLoadFile(t, dir+"model_dynamic_batch.onnx", Options{InputShapes: [][]int{{20, 4}}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Inputs[0].Shape, []int{20, 4}) || !slices.Equal(g.Outputs[0].Shape, []int{20, 3}) {
		t.Fatalf("input %v output %v; want [20 4] → [20 3]", g.Inputs[0].Shape, g.Outputs[0].Shape)
	}
	got := evalOne(t, g, in.Input...)
	for i, w := range in.Output[0] {
		if d := math.Abs(got.F[i] - w); d > 1e-4 {
			t.Fatalf("output %d = %v; want %v", i, got.F[i], w)
		}
	}
	// the symbolic batch defaults to 1
	g1, err := safeLoadFile(t, dir+"model_dynamic_batch.onnx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g1.Inputs[0].Shape, []int{1, 4}) {
		t.Fatalf("default input shape %v; want [1 4]", g1.Inputs[0].Shape)
	}

	for _, c := range []struct {
		name  string
		file  string
		opt   Options
		frags []string
	}{
		{"fixed batch", "model.onnx", Options{InputShapes: [][]int{{20, 4}}}, []string{`input "input"`, "needs dimension 0 = 1", "[20 4]"}},
		{"fixed features", "model_dynamic_batch.onnx", Options{InputShapes: [][]int{{20, 5}}}, []string{`input "input"`, "needs dimension 1 = 4"}},
		{"rank", "model_dynamic_batch.onnx", Options{InputShapes: [][]int{{20, 4, 1}}}, []string{`input "input"`, "has rank 2", "rank 3"}},
		{"count", "model_dynamic_batch.onnx", Options{InputShapes: [][]int{{20, 4}, {1}}}, []string{"2 input shapes given", "1 inputs"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := safeLoadFile(t, dir+c.file, c.opt)
			checkErr(t, err, "onnx: ", c.frags...)
		})
	}
}

// boundReshape is x[2,3] reshaped by the runtime input s (int64 [2]).
func boundReshape(t *testing.T) []byte {
	return gr{
		nodes:   []*pb.NodeProto{nd("Reshape", "rs", []string{"x", "s"}, []string{"y"})},
		inputs:  []*pb.ValueInfoProto{fv("x", 2, 3), vi("s", tInt64, 2)},
		outputs: []*pb.ValueInfoProto{fv("y", 3, 2)},
	}.bytes(t)
}

func TestInputBinding(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6}
	g, err := safeLoad(t, boundReshape(t), Options{InputValues: [][]float64{x, {3, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Inputs) != 1 || len(g.ModelInputs) != 2 || g.Bound["s"] == nil {
		t.Fatalf("inputs %v, model inputs %v, bound %v; want s bound", g.Inputs, g.ModelInputs, g.Bound)
	}
	out := evalOne(t, g, x, []float64{3, 2})
	if !slices.Equal(out.Shape, []int{3, 2}) {
		t.Fatalf("shape %v; want [3 2]", out.Shape)
	}
	near(t, out.F, x, 0)

	for _, c := range []struct {
		name  string
		vals  [][]float64
		frags []string
	}{
		{"wrong length", [][]float64{x, {3, 2, 1}}, []string{`input "s"`, "has 3 values"}},
		{"fractional", [][]float64{x, {3, 2.5}}, []string{`input "s"`, "takes integers"}},
		{"NaN", [][]float64{x, {3, math.NaN()}}, []string{`input "s"`, "NaN"}},
		{"bad shape value", [][]float64{x, {4, 2}}, []string{`node "rs" (Reshape)`, "cannot reshape"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := safeLoad(t, boundReshape(t), Options{InputValues: c.vals})
			checkErr(t, err, "onnx: ", c.frags...)
		})
	}
}

func TestFeedErrors(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6}
	g, err := safeLoad(t, boundReshape(t), Options{InputValues: [][]float64{x, {3, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	iris, err := safeLoadFile(t, "../../testdata/models/iris_logreg/model.onnx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		g     *model.Graph
		data  [][]float64
		frags []string
	}{
		{"no inputs", iris, nil, []string{"got 0 inputs", "takes 1", "input[1 4]"}},
		{"too many inputs", iris, [][]float64{{1, 2, 3, 4}, {1}}, []string{"got 2 inputs", "takes 1"}},
		{"wrong length", iris, [][]float64{{1, 2, 3}}, []string{`input "input"`, "has 3 values", "needs 4"}},
		{"NaN", iris, [][]float64{{1, math.NaN(), 3, 4}}, []string{`input "input"`, "element 1 is NaN", "finite"}},
		{"Inf", iris, [][]float64{{1, 2, math.Inf(-1), 4}}, []string{`input "input"`, "element 2 is -Inf"}},
		{"bound input, only the runtime one given", g, [][]float64{x}, []string{"got 1 inputs", "takes 2"}},
		{"bound input, other value", g, [][]float64{x, {2, 3}}, []string{`input "s"`, "fixed when the model was loaded", "element 0 = 3", "got 2"}},
		{"bound input, other length", g, [][]float64{x, {3, 2, 1}}, []string{`input "s"`, "fixed to 2 values", "got 3"}},
		{"runtime input wrong length next to a bound one", g, [][]float64{x[:5], {3, 2}}, []string{`input "x"`, "has 5 values"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.g.Feed(c.data)
			checkErr(t, err, "model: ", c.frags...)
		})
	}
	// Eval checks what Feed would
	if _, err := iris.Eval(nil); err == nil {
		t.Error("Eval with no inputs succeeded")
	}
	bad := model.NewFloat([]int{1, 3})
	if _, err := iris.Eval([]*model.Tensor{bad}); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("Eval of a [1 3] input: %v; want a shape error", err)
	}
}

// TestWindowGeometryPanics: pads, strides or dilations that make a window
// op's output astronomically large must be an error, found before the op
// builds its window or term lists.
func TestWindowGeometryPanics(t *testing.T) {
	const big = 1 << 30
	cases := []struct {
		name  string
		g     gr
		frags []string
	}{
		{"MaxPool pads 2^30", gr{
			nodes:  []*pb.NodeProto{nd("MaxPool", "mp", []string{"x"}, []string{"y"}, aInts("kernel_shape", 1, 1), aInts("pads", big, big, big, big))},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 1, 1, 1)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 1, 1)},
		}, []string{`node "mp" (MaxPool)`, "window taps", "more than"}},
		{"AveragePool 3-D pads 2^30", gr{
			nodes:  []*pb.NodeProto{nd("AveragePool", "ap", []string{"x"}, []string{"y"}, aInts("kernel_shape", 1, 1, 1), aInts("pads", big, big, big, big, big, big))},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 1, 1, 1, 1)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 1, 1, 1)},
		}, []string{`node "ap" (AveragePool)`, "window taps", "more than"}},
		{"Conv pads 2^30", gr{
			nodes:  []*pb.NodeProto{nd("Conv", "cv", []string{"x", "w"}, []string{"y"}, aInts("pads", big, big, big, big))},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 1, 1, 1)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 1, 1)},
			inits: []*pb.TensorProto{ft("w", dims(1, 1, 1, 1), 1)},
		}, []string{`node "cv" (Conv)`, "products", "more than"}},
		{"ConvTranspose strides 2^30", gr{
			nodes:  []*pb.NodeProto{nd("ConvTranspose", "ct", []string{"x", "w"}, []string{"y"}, aInts("strides", big, big))},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 1, 2, 2)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 1, 1)},
			inits: []*pb.TensorProto{ft("w", dims(1, 1, 1, 1), 1)},
		}, []string{`node "ct" (ConvTranspose)`, "more than"}},
		{"ConvTranspose dilations 2^30", gr{
			nodes:  []*pb.NodeProto{nd("ConvTranspose", "ct", []string{"x", "w"}, []string{"y"}, aInts("dilations", big, big))},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 1, 1, 1)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 1, 1)},
			inits: []*pb.TensorProto{ft("w", dims(1, 1, 2, 2), 1, 1, 1, 1)},
		}, []string{`node "ct" (ConvTranspose)`, "more than"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := safeLoad(t, c.g.bytes(t), Options{})
			checkErr(t, err, "onnx: ", c.frags...)
		})
	}
}

// TestGatherConstantIndicesOutOfRange: constant indices outside the data
// axis are known at load time and should be rejected there, not only when
// the graph is evaluated.
func TestGatherConstantIndicesOutOfRange(t *testing.T) {
	g := gr{
		nodes:  []*pb.NodeProto{nd("Gather", "ga", []string{"x", "i"}, []string{"y"}, aInt("axis", 1))},
		inputs: []*pb.ValueInfoProto{x14()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 2)},
		inits: []*pb.TensorProto{it("i", dims(2), 0, 9)},
	}
	_, err := safeLoad(t, g.bytes(t), Options{})
	checkErr(t, err, "onnx: ", `node "ga" (Gather)`, "index 9 is out of range")
}

// hugeAllocCases are tiny models whose load-time work grows much faster
// than any tensor they declare: each tensor is within maxElements, but the
// term or window lists the ops build are not.
var hugeAllocCases = map[string]gr{
	// 2^24-element inputs and output; MatMul's Terms reserve m·n·k = 2^36 entries
	"MatMul 4096³": {
		nodes:  []*pb.NodeProto{nd("MatMul", "mm", []string{"a", "b"}, []string{"y"})},
		inputs: []*pb.ValueInfoProto{fv("a", 4096, 4096), fv("b", 4096, 4096)}, outputs: []*pb.ValueInfoProto{fv("y", 4096, 4096)},
	},
	// a [1,1,1,1] input; 20000² window lists of 20000² taps (k⁴ = 1.6e17)
	// for a 20000² (4e8-element) output that is itself out of bounds
	"AveragePool k=20000 on 1x1": {
		nodes: []*pb.NodeProto{nd("AveragePool", "ap", []string{"x"}, []string{"y"}, aInts("kernel_shape", 20000, 20000),
			aInts("pads", 19999, 19999, 19999, 19999), aInt("count_include_pad", 1))},
		inputs: []*pb.ValueInfoProto{fv("x", 1, 1, 1, 1)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 20000, 20000)},
	},
	// 300² outputs (within bounds) × 300² taps: 8e9 window entries
	"AveragePool k=300 on 1x1": {
		nodes: []*pb.NodeProto{nd("AveragePool", "ap", []string{"x"}, []string{"y"}, aInts("kernel_shape", 300, 300),
			aInts("pads", 299, 299, 299, 299), aInt("count_include_pad", 1))},
		inputs: []*pb.ValueInfoProto{fv("x", 1, 1, 1, 1)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 300, 300)},
	},
	// batch dims [65536,1] and [1,65536] broadcast to 2^32 before the output is bounded
	"MatMul batch broadcast": {
		nodes:  []*pb.NodeProto{nd("MatMul", "mm", []string{"a", "b"}, []string{"y"})},
		inputs: []*pb.ValueInfoProto{fv("a", 65536, 1, 1, 1), fv("b", 1, 65536, 1, 1)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 1, 1)},
	},
}

func init() {
	// 16 ConstantOfShape nodes of 2^25 floats each (256 MiB apiece): every
	// tensor is within maxElements, but folded constants are kept until the
	// end of loading, so only maxFoldedBytes bounds their total
	g := gr{inputs: []*pb.ValueInfoProto{x14()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 4)},
		inits: []*pb.TensorProto{it("s", dims(1), 1<<25)}}
	for i := 0; i < 16; i++ {
		g.nodes = append(g.nodes, nd("ConstantOfShape", "c"+itoa(i), []string{"s"}, []string{"k" + itoa(i)},
			aTensor("value", ft("v", dims(1), float32(i)))))
	}
	g.nodes = append(g.nodes, nd("Relu", "r", []string{"x"}, []string{"y"}))
	hugeAllocCases["16 folded constants of 2^25"] = g
}

const hugeCaseEnv = "ZKAI_ONNX_HUGE_CASE"

// TestHugeAllocation loads each hugeAllocCases model in a child process
// whose address space is capped (ulimit -v), so that a loader that tries to
// allocate without bound crashes the child, not the test run.
func TestHugeAllocation(t *testing.T) {
	if name := os.Getenv(hugeCaseEnv); name != "" {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Load(hugeAllocCases[name].bytes(t), Options{})
		runtime.ReadMemStats(&after)
		os.Stdout.WriteString("\nRESULT " + strconvQuote(errString(err)) + " alloc_mib=" + itoa(int((after.TotalAlloc-before.TotalAlloc)>>20)) + "\n")
		os.Exit(0)
	}
	if runtime.GOOS != "linux" {
		t.Skip("needs ulimit -v")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	names := make([]string, 0, len(hugeAllocCases))
	for n := range hugeAllocCases {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// a Go test binary reserves about 1.2 GB of address space; the
			// cap leaves a few hundred MB of heap, or about 800 MB where a
			// case legitimately holds large constants
			capKB := "1000000"
			if strings.Contains(name, "folded constants") {
				capKB = "2000000"
			}
			cmd := exec.CommandContext(ctx, sh, "-c", `ulimit -v `+capKB+` && exec "$0" -test.run='^TestHugeAllocation$' -test.count=1`, exe)
			cmd.Env = append(os.Environ(), hugeCaseEnv+"="+name, "GOMAXPROCS=2")
			out, err := cmd.CombinedOutput()
			text := string(out)
			if i := strings.Index(text, "\nRESULT "); err == nil && i >= 0 {
				res := strings.TrimSpace(text[i+len("\nRESULT "):])
				if !strings.HasPrefix(res, `"onnx: `) {
					t.Fatalf("child: %s; want an onnx: error", res)
				}
				t.Log(res)
				return
			}
			if i := strings.Index(text, "goroutine "); i > 0 {
				text = text[:i] // the first lines say why; the stacks are long
			}
			t.Fatalf("child failed: %v\n%s", err, text)
		})
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestErrorsOneLine: text taken from the file (names, op types, string
// attributes) must not break an error message over several lines.
func TestErrorsOneLine(t *testing.T) {
	cases := []struct {
		name string
		g    gr
	}{
		{"node name", gr{
			nodes:  []*pb.NodeProto{nd("LSTM", "a\nb", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 4)},
		}},
		{"value name", gr{
			nodes:  []*pb.NodeProto{nd("Relu", "r", []string{"x\ny"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 4)},
		}},
		{"op type", gr{
			nodes:  []*pb.NodeProto{nd("Re\nlu", "r", []string{"x"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 4)},
		}},
		{"op type of a dangling node", gr{
			nodes:  []*pb.NodeProto{nd("Re\nlu", "r", []string{"nowhere"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 4)},
		}},
		{"string attribute", gr{
			nodes: []*pb.NodeProto{nd("MaxPool", "mp", []string{"x"}, []string{"y"}, aInts("kernel_shape", 2, 2),
				&pb.AttributeProto{Name: proto.String("auto_pad"), S: []byte("SAME\nUPPER")})},
			inputs: []*pb.ValueInfoProto{fv("x", 1, 1, 4, 4)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 1, 2, 2)},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := safeLoad(t, c.g.bytes(t), Options{})
			checkErr(t, err, "onnx: ")
		})
	}
}

// TestSliceMoreStartsThanRank: without axes, starts index the input's axes
// 0, 1, …; more starts than the input has axes must be an error.
func TestSliceMoreStartsThanRank(t *testing.T) {
	cases := []struct {
		name string
		g    gr
	}{
		{"inputs", gr{
			nodes:  []*pb.NodeProto{nd("Slice", "sl", []string{"x", "st", "en"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 4)},
			inits: []*pb.TensorProto{it("st", dims(3), 0, 0, 0), it("en", dims(3), 1, 4, 1)},
		}},
		{"attributes (opset 9)", gr{
			nodes:  []*pb.NodeProto{nd("Slice", "sl", []string{"x"}, []string{"y"}, aInts("starts", 0, 0, 0), aInts("ends", 1, 4, 1))},
			inputs: []*pb.ValueInfoProto{x14()}, outputs: []*pb.ValueInfoProto{fv("y", 1, 4)}, opset: 9,
		}},
		{"scalar input", gr{
			nodes:  []*pb.NodeProto{nd("Slice", "sl", []string{"x", "st", "en"}, []string{"y"})},
			inputs: []*pb.ValueInfoProto{fv("x")}, outputs: []*pb.ValueInfoProto{fv("y")},
			inits: []*pb.TensorProto{it("st", dims(1), 0), it("en", dims(1), 1)},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := safeLoad(t, c.g.bytes(t), Options{})
			checkErr(t, err, "onnx: ", `node "sl" (Slice)`, "rank")
		})
	}
}

// TestPowExponentBroadcast: ONNX broadcasts Pow's base and exponent; a
// constant exponent of higher rank than the base widens the output.
func TestPowExponentBroadcast(t *testing.T) {
	g := gr{
		nodes:  []*pb.NodeProto{nd("Pow", "pw", []string{"x", "e"}, []string{"y"})},
		inputs: []*pb.ValueInfoProto{fv("x", 3)}, outputs: []*pb.ValueInfoProto{fv("y", 1, 3)},
		inits: []*pb.TensorProto{ft("e", dims(1, 1), 2)},
	}
	gg, err := safeLoad(t, g.bytes(t), Options{})
	if err != nil {
		// refusing is acceptable; a wrong shape is not
		checkErr(t, err, "onnx: ", `node "pw" (Pow)`)
		return
	}
	out := evalOne(t, gg, []float64{1, 2, 3})
	if !slices.Equal(out.Shape, []int{1, 3}) {
		t.Fatalf("Pow of x[3] by a constant exponent [1,1] has shape %v; ONNX broadcasting gives [1 3]", out.Shape)
	}
	near(t, out.F, []float64{1, 4, 9}, 1e-12)
}

// TestPowMixedTypes: ONNX Pow takes a float base and an integer exponent
// (T and T1 differ); with both constant the model still loads.
func TestPowMixedTypes(t *testing.T) {
	for _, constBase := range []bool{false, true} {
		g := gr{
			nodes:   []*pb.NodeProto{nd("Pow", "pw", []string{"b", "e"}, []string{"p"}), nd("Add", "add", []string{"x", "p"}, []string{"y"})},
			inputs:  []*pb.ValueInfoProto{fv("x", 3)},
			outputs: []*pb.ValueInfoProto{fv("y", 3)},
			inits:   []*pb.TensorProto{it("e", nil, 2)},
		}
		if constBase {
			g.inits = append(g.inits, ft("b", dims(3), 1, 2, 3))
		} else {
			g.nodes[0] = nd("Pow", "pw", []string{"x", "e"}, []string{"p"})
		}
		gg, err := safeLoad(t, g.bytes(t), Options{})
		if err != nil {
			t.Fatalf("constant base %v: %v", constBase, err)
		}
		want := []float64{2, 6, 12} // x + x² for x = 1,2,3
		if constBase {
			want = []float64{2, 6, 12} // x + b² with b = x
		}
		near(t, evalOne(t, gg, []float64{1, 2, 3}).F, want, 1e-12)
	}
}

// TestNodeWithoutOutputs: a node that lists no outputs (useless, but a
// well-formed protobuf) must not crash the loader, whatever its op.
func TestNodeWithoutOutputs(t *testing.T) {
	for _, op := range SupportedOps() {
		t.Run(op, func(t *testing.T) {
			g := gr{
				nodes:   []*pb.NodeProto{nd(op, "n", []string{"x", "s", "b"}, nil)},
				inputs:  []*pb.ValueInfoProto{fv("x", 1, 3, 2, 2)},
				outputs: []*pb.ValueInfoProto{fv("x", 1, 3, 2, 2)},
				inits:   []*pb.TensorProto{ft("s", dims(3), 1, 2, 3), ft("b", dims(3), 1, 2, 3)},
			}
			_, err := safeLoad(t, g.bytes(t), Options{})
			if err != nil {
				checkErr(t, err, "onnx: ")
			}
		})
	}
}

// TestZeroDimInput: a declared dimension of 0 is a valid (empty) ONNX
// dimension; the loader must keep it or refuse the model, not change it.
func TestZeroDimInput(t *testing.T) {
	g := gr{
		nodes:  []*pb.NodeProto{nd("Relu", "r", []string{"x"}, []string{"y"})},
		inputs: []*pb.ValueInfoProto{fv("x", 3, 0)}, outputs: []*pb.ValueInfoProto{fv("y", 3, 0)},
	}
	gg, err := safeLoad(t, g.bytes(t), Options{})
	if err != nil {
		checkErr(t, err, "onnx: ", `input "x"`)
		return
	}
	if got := gg.Inputs[0].Shape; !slices.Equal(got, []int{3, 0}) {
		t.Fatalf("input declared [3 0] loads as %v", got)
	}
}
