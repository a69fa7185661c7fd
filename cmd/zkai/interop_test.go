package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/statement/inference"
)

const interop = "../../testdata/interop/"

// runOutputs runs `zkai run --json` and returns the fixed-point and float outputs and the output_data report.
func runOutputs(t *testing.T, args ...string) (fixed, float [][]float64, shapes [][]int, outputData map[string]float64) {
	t.Helper()
	code, stdout, stderr := runCLI(t, append(append([]string{"run"}, args...), "--json")...)
	if code != 0 {
		t.Fatalf("run %v: exit %d: %s", args, code, stderr)
	}
	type output struct {
		Shape []int     `json:"shape"`
		Data  []float64 `json:"data"`
	}
	var r struct {
		Outputs      []output           `json:"outputs"`
		FloatOutputs []output           `json:"float_outputs"`
		OutputData   map[string]float64 `json:"output_data"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || len(r.FloatOutputs) != len(r.Outputs) {
		t.Fatalf("run %v: %v\n%s", args, err, stdout)
	}
	for i, o := range r.Outputs {
		fixed, shapes = append(fixed, o.Data), append(shapes, o.Shape)
		float = append(float, r.FloatOutputs[i].Data)
	}
	return fixed, float, shapes, r.OutputData
}

// TestRegressionInputRank2GivenShapeRank1: EZKL writes input_shapes without the batch dimension ([4] for a
// model input [batch 4]); this failed with `input "input" has rank 2; the given shape [4] has rank 1`.
// It now reads as a batch of 1, as does the flattened file with no input_shapes, both giving the outputs
// of the fixture's own file with its full shape [1 4].
func TestRegressionInputRank2GivenShapeRank1(t *testing.T) {
	model := "../../testdata/models/iris_logreg/model_dynamic_batch.onnx"
	fixture := "../../testdata/models/iris_logreg/input.json"
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Data   [][]float64 `json:"input_data"`
		Shapes [][]int     `json:"input_shapes"`
	}
	if err := json.Unmarshal(b, &f); err != nil || !reflect.DeepEqual(f.Shapes, [][]int{{1, 4}}) {
		t.Fatalf("%s: shapes %v (%v); want [[1 4]]", fixture, f.Shapes, err)
	}
	want, _, _, _ := runOutputs(t, model, "--input", fixture)
	for _, file := range []any{
		map[string]any{"input_data": f.Data, "input_shapes": [][]int{{4}}},
		map[string]any{"input_data": f.Data},
		map[string]any{"input_data": map[string]any{"File": f.Data}},
	} {
		b, _ := json.Marshal(file)
		got, _, shapes, _ := runOutputs(t, model, "--input", writeTemp(t, "in.json", b))
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(shapes, [][]int{{1, 3}}) {
			t.Errorf("%s: outputs %v %v; the file with shape [1 4] gives %v", b, shapes, got, want)
		}
	}
}

// TestInteropInputs runs the interop models (built in model/onnx's TestInteropModels) on input files as
// people write them, against hand-computed outputs; the fixed and float outputs agree exactly here since
// every value is a multiple of 2^-12.
func TestInteropInputs(t *testing.T) {
	tests := []struct {
		name, model, in string // in "" runs without --input
		want            []float64
		shape           []int
	}{
		// relu(x·Wᵀ + b) with W = [[0.5 -1 0.25] [1 0.75 -0.5]], b = [0.125 -0.25]
		{"batch of 1 from the length", "dynamic_batch", `{"input_data": [[1, 2, 3]]}`, []float64{0, 0.75}, []int{1, 2}},
		{"batch of 2 from the length", "dynamic_batch", `{"input_data": [[1, 2, 3, -1, -2, -3]]}`, []float64{0, 0.75, 0.875, 0}, []int{2, 2}},
		{"shapes of the weights too", "dynamic_batch", `{"input_data": [[1, 2, 3, -1, -2, -3]], "input_shapes": [[2, 3], [2, 3], [2]]}`,
			[]float64{0, 0.75, 0.875, 0}, []int{2, 2}},
		// where(m, x, -x)
		{"booleans", "bool_input", `{"input_data": [[1, 2, 3, -1, -2, -3], [true, false, true, false, false, true]]}`,
			[]float64{1, -2, 3, 1, 2, -3}, []int{2, 3}},
		{"booleans as numbers", "bool_input", `{"input_data": [[1, 2, 3, -1, -2, -3], [1, 0, 1, 0, 0, 1]]}`,
			[]float64{1, -2, 3, 1, 2, -3}, []int{2, 3}},
		// x + float(k)
		{"integers", "int_input", `{"input_data": [[0.5, 1, -2], [3, -4, 100000]]}`, []float64{3.5, -3, 99998}, []int{3}},
		// relu([-1.5 0.5 2 -0.25]) * 2
		{"no inputs, empty input_data", "constant", `{"input_data": []}`, []float64{0, 1, 4, 0}, []int{4}},
		{"no inputs, no --input", "constant", "", []float64{0, 1, 4, 0}, []int{4}},
		// a + b
		{"shape for the first input only", "multi_input", `{"input_data": [[1, 2, 3, 4, 5, 6], [10, 20, 30]], "input_shapes": [[2, 3]]}`,
			[]float64{11, 22, 33, 14, 25, 36}, []int{2, 3}},
		{"batch-less shape", "multi_input", `{"input_data": [[1, 2, 3], [10, 20, 30]], "input_shapes": [[3], [3]]}`,
			[]float64{11, 22, 33}, []int{1, 3}},
		{"by name", "multi_input", `{"input_data": [[10, 20, 30], [1, 2, 3, 4, 5, 6]], "input_names": ["b", "a"], "input_shapes": [[3], [2, 3]]}`,
			[]float64{11, 22, 33, 14, 25, 36}, []int{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{interop + tt.model + ".onnx"}
			if tt.in != "" {
				args = append(args, "--input", writeTemp(t, "in.json", []byte(tt.in)))
			}
			fixed, float, shapes, _ := runOutputs(t, args...)
			if !reflect.DeepEqual(fixed, [][]float64{tt.want}) || !reflect.DeepEqual(float, [][]float64{tt.want}) || !reflect.DeepEqual(shapes, [][]int{tt.shape}) {
				t.Errorf("outputs %v %v (float %v); want %v %v", shapes, fixed, float, tt.shape, tt.want)
			}
		})
	}
}

func TestInteropInputErrors(t *testing.T) {
	tests := []struct{ name, model, in, want string }{
		{"several shapes fit", "multi_input", `{"input_data": [[1, 2, 3, 4, 5, 6], [10, 20, 30]]}`,
			"input_data[0] has 6 values, which fit input a [batch n] in several shapes, such as [6 1] and [1 6]; give the shape in input_shapes"},
		{"no multiple", "dynamic_batch", `{"input_data": [[1, 2, 3, 4]]}`, "input_data[0] has 4 values; input x [batch 3] needs a multiple of 3"},
		{"bool out of range", "bool_input", `{"input_data": [[1, 2, 3, -1, -2, -3], [2, 0, 1, 0, 0, 1]]}`, "this boolean input takes 0 or 1"},
		{"fraction for an integer", "int_input", `{"input_data": [[0.5, 1, -2], [3, -4.5, 1]]}`, `input "k" element 1 is -4.5; this input takes integers`},
		{"weight by name", "dynamic_batch", `{"input_data": [[1, 2, 3], [0]], "input_names": ["x", "b"]}`, `input_names[1] "b" is a weight of the model`},
		{"input to a model without", "constant", `{"input_data": [[1]]}`, "input_data has 1 inputs; the model takes 0 (none)"},
		{"output_data count", "constant", `{"input_data": [], "output_data": [[0, 1, 4, 0], [1]]}`, "output_data has 2 outputs; the model has 1 (y [4])"},
		{"output_data size", "constant", `{"input_data": [], "output_data": [[0, 1, 4]]}`, "output_data[0] has 3 values; output y [4] has 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "run", interop+tt.model+".onnx", "--input", writeTemp(t, "in.json", []byte(tt.in)))
			if code != 1 || !strings.HasPrefix(stderr, "zkai: error: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want an error containing %q", code, stderr, tt.want)
			}
		})
	}
	code, _, stderr := runCLI(t, "run", interop+"multi_input.onnx")
	if code != 1 || !strings.Contains(stderr, "--input is required: the model takes input a [batch n]") {
		t.Errorf("run without --input: exit %d, %q", code, stderr)
	}
}

// TestOutputData: run reports the largest differences from output_data, fixed and float separately.
func TestOutputData(t *testing.T) {
	in := writeTemp(t, "in.json", []byte(`{"input_data": [], "output_data": [[0, 1.5, 4, -0.25]]}`))
	fixed, float, _, got := runOutputs(t, interop+"constant.onnx", "--input", in)
	want := map[string]float64{"fixed_max_abs_error": 0.5, "float_max_abs_error": 0.5}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(fixed, [][]float64{{0, 1, 4, 0}}) || !reflect.DeepEqual(float, fixed) {
		t.Errorf("output_data = %v (outputs %v %v); want %v", got, fixed, float, want)
	}
	code, stdout, stderr := runCLI(t, "run", interop+"constant.onnx", "--input", in)
	if code != 0 || !strings.Contains(stdout, "against output_data: max |fixed - output_data| = 0.5, max |float - output_data| = 0.5") {
		t.Errorf("run: exit %d: %s %s", code, stdout, stderr)
	}
}

// TestProveInterop proves the boolean-input, integer-input and input-less models through the CLI, and
// prove --json reports output_data differences.
func TestProveInterop(t *testing.T) {
	for _, tt := range []struct {
		model, in  string
		want       []float64
		outputData map[string]float64 // prove --json's output_data
	}{
		{"bool_input", `{"input_data": [[1, 2, 3, -1, -2, -3], [true, false, true, false, false, true]], "output_data": [[1, -2, 3, 1, 2, -2]]}`,
			[]float64{1, -2, 3, 1, 2, -3}, map[string]float64{"fixed_max_abs_error": 1, "float_max_abs_error": 1}},
		{"int_input", `{"input_data": [[0.5, 1, -2], [3, -4, 100000]]}`, []float64{3.5, -3, 99998}, nil},
		{"constant", "", []float64{0, 1, 4, 0}, nil},
	} {
		dir := filepath.Join(t.TempDir(), tt.model)
		bundle := filepath.Join(t.TempDir(), "proof.json")
		prove := []string{"prove", dir, "-o", bundle, "--json"}
		if tt.in != "" {
			prove = append(prove, "--input", writeTemp(t, "in.json", []byte(tt.in)))
		}
		var stdout string
		for _, args := range [][]string{{"compile", interop + tt.model + ".onnx", "-o", dir, "--weights", "public"}, {"setup", dir}, prove} {
			code, out, stderr := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s %s", args, code, out, stderr)
			}
			stdout = out
		}
		var p struct {
			OutputData map[string]float64 `json:"output_data"`
		}
		if err := json.Unmarshal([]byte(stdout), &p); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p.OutputData, tt.outputData) {
			t.Errorf("%s: prove --json output_data = %v", tt.model, p.OutputData)
		}
		code, stdout, stderr := runCLI(t, "verify", bundle, "--vk", filepath.Join(dir, "vk"), "--json")
		var v inference.Result
		if err := json.Unmarshal([]byte(stdout), &v); err != nil || code != 0 || !v.Valid || len(v.Public.Output.Tensors) != 1 ||
			!reflect.DeepEqual(v.Public.Output.Tensors[0].Data, tt.want) {
			t.Errorf("%s: verify exit %d: %s %s", tt.model, code, stdout, stderr)
		}
	}
}

// TestSettingsBindInputShapes: a file without input_shapes takes the shapes saved in settings.json where
// they fit its values, which settles what the model's symbolic dimensions leave open.
func TestSettingsBindInputShapes(t *testing.T) {
	settings := filepath.Join(t.TempDir(), "settings.json")
	shaped := writeTemp(t, "shaped.json", []byte(`{"input_data": [[1, 2, 3, 4, 5, 6], [10, 20, 30]], "input_shapes": [[2, 3], [3]]}`))
	want, _, _, _ := runOutputs(t, interop+"multi_input.onnx", "--input", shaped, "--save-settings", settings)
	flat := writeTemp(t, "flat.json", []byte(`{"input_data": [[1, 2, 3, 4, 5, 6], [10, 20, 30]]}`))
	got, _, shapes, _ := runOutputs(t, interop+"multi_input.onnx", "--input", flat, "--settings", settings)
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(shapes, [][]int{{2, 3}}) {
		t.Errorf("with the settings' shapes: %v %v; want [[2 3]] %v", shapes, got, want)
	}
	other := writeTemp(t, "other.json", []byte(`{"input_data": [[1, 2, 3], [10, 20, 30]], "input_shapes": [[3], [3]]}`))
	if code, _, stderr := runCLI(t, "run", interop+"multi_input.onnx", "--input", other, "--settings", settings); code != 1 ||
		!strings.Contains(stderr, "the settings were made for input shapes [[2 3] [3]]; this input has [[1 3] [3]]") {
		t.Errorf("3 values against settings for 6: exit %d, %q", code, stderr)
	}
}
