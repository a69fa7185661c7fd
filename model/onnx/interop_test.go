package onnx

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zkai-dev/zkai/input"
	pb "github.com/zkai-dev/zkai/model/onnx/internal/onnxpb"
)

var update = flag.Bool("update", false, "rewrite testdata/interop/*.onnx from the graphs built here")

// interopModels are small models for the input-file interop cases, built here and kept in
// testdata/interop for the engine and CLI tests.
func interopModels() map[string]gr {
	tBool := pb.TensorProto_BOOL
	return map[string]gr{
		// A dynamic batch as torch exports it, with the weights also listed as graph inputs
		// (keep_initializers_as_inputs): y = relu(x·Wᵀ + b).
		"dynamic_batch": {
			inputs: []*pb.ValueInfoProto{fv("x", "batch", 3), fv("W", 2, 3), fv("b", 2)},
			inits: []*pb.TensorProto{ft("W", dims(2, 3), 0.5, -1, 0.25, 1, 0.75, -0.5),
				ft("b", dims(2), 0.125, -0.25)},
			nodes: []*pb.NodeProto{nd("Gemm", "gemm", []string{"x", "W", "b"}, []string{"h"}, aInt("transB", 1)),
				nd("Relu", "relu", []string{"h"}, []string{"y"})},
			outputs: []*pb.ValueInfoProto{fv("y", "batch", 2)},
		},
		// A boolean mask input: y = where(m, x, -x).
		"bool_input": {
			inputs: []*pb.ValueInfoProto{fv("x", 2, 3), vi("m", tBool, 2, 3)},
			nodes: []*pb.NodeProto{nd("Neg", "neg", []string{"x"}, []string{"nx"}),
				nd("Where", "where", []string{"m", "x", "nx"}, []string{"y"})},
			outputs: []*pb.ValueInfoProto{fv("y", 2, 3)},
		},
		// An integer input: y = x + float(k).
		"int_input": {
			inputs: []*pb.ValueInfoProto{fv("x", 3), vi("k", tInt64, 3)},
			nodes: []*pb.NodeProto{nd("Cast", "cast", []string{"k"}, []string{"kf"}, aInt("to", int64(tFloat))),
				nd("Add", "add", []string{"x", "kf"}, []string{"y"})},
			outputs: []*pb.ValueInfoProto{fv("y", 3)},
		},
		// No graph inputs: y = relu(c) * 2 for a constant c.
		"constant": {
			inits: []*pb.TensorProto{ft("two", dims(), 2)},
			nodes: []*pb.NodeProto{nd("Constant", "c", nil, []string{"c"}, aTensor("value", ft("", dims(4), -1.5, 0.5, 2, -0.25))),
				nd("Relu", "relu", []string{"c"}, []string{"r"}),
				nd("Mul", "mul", []string{"r", "two"}, []string{"y"})},
			outputs: []*pb.ValueInfoProto{fv("y", 4)},
		},
		// Two inputs, the first with two symbolic dimensions: y = a + b, b broadcast over a's rows.
		"multi_input": {
			inputs:  []*pb.ValueInfoProto{fv("a", "batch", "n"), fv("b", 3)},
			nodes:   []*pb.NodeProto{nd("Add", "add", []string{"a", "b"}, []string{"y"})},
			outputs: []*pb.ValueInfoProto{fv("y", "batch", 3)},
		},
	}
}

// TestInteropModels checks testdata/interop against the graphs built above (-update rewrites it) and
// that DeclaredInputs reads their inputs as declared.
func TestInteropModels(t *testing.T) {
	for name, g := range interopModels() {
		path := filepath.Join("..", "..", "testdata", "interop", name+".onnx")
		b := g.bytes(t)
		if *update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		on, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./model/onnx -run TestInteropModels -update)", err)
		}
		if !proto.Equal(decode(t, on), decode(t, b)) {
			t.Errorf("%s differs from the graph built here; run go test ./model/onnx -run TestInteropModels -update", path)
		}
		if _, err := LoadFile(path, Options{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	decl, err := DeclaredInputs("../../testdata/interop/dynamic_batch.onnx")
	want := []input.Declared{
		{Name: "x", Dims: []int{-1, 3}, Params: []string{"batch", ""}},
		{Name: "W", Dims: []int{2, 3}, Initialized: true},
		{Name: "b", Dims: []int{2}, Initialized: true},
	}
	if err != nil || !reflect.DeepEqual(decl, want) {
		t.Errorf("DeclaredInputs = %+v, %v; want %+v", decl, err, want)
	}
	if decl, err := DeclaredInputs("../../testdata/interop/constant.onnx"); err != nil || len(decl) != 0 {
		t.Errorf("DeclaredInputs(constant) = %+v, %v; want none", decl, err)
	}
	if _, err := DeclaredInputs("../../testdata/interop/nope.onnx"); err == nil {
		t.Error("DeclaredInputs of a missing file succeeded")
	}
}

func decode(t *testing.T, b []byte) *pb.ModelProto {
	m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAlignTestdata: every input file in testdata matches its model's declared inputs as written (Align
// keeps the file's full shapes and its data), and without its input_shapes gets the same shapes from the
// model.
func TestAlignTestdata(t *testing.T) {
	var paths []string
	for _, pattern := range []string{"../../testdata/onnx-node/*/input.json", "../../testdata/onnx-node-extra/*/input.json", "../../testdata/models/*/input*.json"} {
		m, _ := filepath.Glob(pattern)
		paths = append(paths, m...)
	}
	if len(paths) < 100 {
		t.Fatalf("found %d input files; is testdata vendored?", len(paths))
	}
	for _, path := range paths {
		in, err := input.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		model := filepath.Join(filepath.Dir(path), "model.onnx")
		if strings.HasSuffix(path, "_batch20.json") {
			model = filepath.Join(filepath.Dir(path), "model_dynamic_batch.onnx")
		}
		decl, err := DeclaredInputs(model)
		if err != nil {
			t.Fatal(err)
		}
		got, err := in.Align(decl)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if !reflect.DeepEqual(got.Shapes, in.Shapes) || !reflect.DeepEqual(got.Data, in.Data) {
			t.Errorf("%s: Align changed shapes %v to %v", path, in.Shapes, got.Shapes)
		}
		// Flattened without input_shapes, as EZKL's users write it, the shapes come from the model.
		shapes := in.Shapes
		in.Shapes = nil
		if got, err := in.Align(decl); err != nil {
			t.Errorf("%s without input_shapes: %v", path, err)
		} else if !reflect.DeepEqual(got.Shapes, shapes) {
			t.Errorf("%s without input_shapes: Align gave shapes %v; the file has %v", path, got.Shapes, shapes)
		}
	}
}
