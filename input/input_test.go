package input

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseTestdata(t *testing.T) {
	models, _ := filepath.Glob("../testdata/models/*/input.json")
	nodes, _ := filepath.Glob("../testdata/onnx-node/*/input.json")
	if len(models) < 7 || len(nodes) < 100 {
		t.Fatalf("found %d model and %d onnx-node input files; is testdata vendored?", len(models), len(nodes))
	}
	for _, path := range append(models, nodes...) {
		f, err := Load(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if f.Shapes == nil || len(f.Shapes) != len(f.Data) {
			t.Errorf("%s: %d shapes for %d inputs", path, len(f.Shapes), len(f.Data))
			continue
		}
		for i, shape := range f.Shapes {
			n := 1
			for _, d := range shape {
				n *= d
			}
			if n != len(f.Data[i]) {
				t.Errorf("%s: input %d has %d values, shape %v", path, i, len(f.Data[i]), shape)
			}
		}
		if strings.Contains(path, "onnx-node") && len(f.Names) != len(f.Data) {
			t.Errorf("%s: names %v for %d inputs", path, f.Names, len(f.Data))
		}
	}
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		path   string
		shapes [][]int
		names  []string
		first  []float64 // leading values of each input
	}{
		{"../testdata/models/iris_logreg/input.json", [][]int{{1, 4}}, nil,
			[]float64{1.6611909}},
		{"../testdata/onnx-node/test_gather_negative_indices/input.json", [][]int{{10}, {3}}, []string{"data", "indices"},
			[]float64{0, 0}},
		{"../testdata/onnx-node/test_clip_min_greater_than_max/input.json", [][]int{{3}, {}, {}}, []string{"x", "min", "max"},
			[]float64{-2, 2, 1}},
		{"../testdata/onnx-node/test_reduce_sum_empty_set/input.json", [][]int{{2, 0, 4}, {1}}, []string{"data", "axes"},
			nil},
		// A graph without inputs (a lone Constant node).
		{"../testdata/onnx-node/test_constant/input.json", [][]int{}, []string{}, nil},
	}
	for _, tt := range tests {
		f, err := Load(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(f.Shapes, tt.shapes) || !reflect.DeepEqual(f.Names, tt.names) {
			t.Errorf("%s: shapes %v names %q, want %v %q", tt.path, f.Shapes, f.Names, tt.shapes, tt.names)
		}
		for i, want := range tt.first {
			if got := f.Data[i][0]; got != want {
				t.Errorf("%s: input %d starts with %v, want %v", tt.path, i, got, want)
			}
		}
	}
	f, err := Load("../testdata/onnx-node/test_gather_negative_indices/input.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Data[1]; !reflect.DeepEqual(got, []float64{0, -9, -10}) {
		t.Errorf("indices = %v", got)
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		in   string
		want File
	}{
		{`{"input_data": [[1, 2.5e-1, -3]]}`, File{Data: [][]float64{{1, 0.25, -3}}}},
		{"\n{\"input_data\":[[ 1 ,2 ],\r\n\t[]], \"input_shapes\": [[2],[0,3]], \"public_inputs\": [[\"ignored\"]]} ",
			File{Data: [][]float64{{1, 2}, {}}, Shapes: [][]int{{2}, {0, 3}}}},
		{`{"input_data": [[7]], "input_shapes": [[]], "input_dtypes": ["int64"], "output_shapes": [[1]]}`,
			File{Data: [][]float64{{7}}, Shapes: [][]int{{}}}},
		{`{"input_data": [[1e-400, -0]], "input_shapes": [[1.0, 2e0]], "input_names": ["x"]}`,
			File{Data: [][]float64{{0, 0}}, Shapes: [][]int{{1, 2}}, Names: []string{"x"}}},
		{`{"input_data": [[1]], "input_shapes": null}`, File{Data: [][]float64{{1}}}},
		{`{"input_data": []}`, File{Data: [][]float64{}}},
		// Shapes for only some inputs, or for more (initializer-backed inputs): Align matches them to a model.
		{`{"input_data": [[1, 2], [3]], "input_shapes": [[2]]}`, File{Data: [][]float64{{1, 2}, {3}}, Shapes: [][]int{{2}}}},
		{`{"input_data": [[1]], "input_shapes": [[1], [4, 4]]}`, File{Data: [][]float64{{1}}, Shapes: [][]int{{1}, {4, 4}}}},
		// Booleans for bool inputs; EZKL's {"File": ...} wrapper; output_data kept for comparison.
		{`{"input_data": [[true, false, 1]], "output_data": [[0.5], [true]]}`,
			File{Data: [][]float64{{1, 0, 1}}, Outputs: [][]float64{{0.5}, {1}}}},
		{`{"input_data": {"File": [[-0.4, 2.5]]}, "output_data": {"File": [[0, 2.5]]}}`,
			File{Data: [][]float64{{-0.4, 2.5}}, Outputs: [][]float64{{0, 2.5}}}},
	}
	for _, tt := range tests {
		f, err := Parse([]byte(tt.in))
		if err != nil {
			t.Errorf("Parse(%s): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(*f, tt.want) {
			t.Errorf("Parse(%s) = %+v, want %+v", tt.in, *f, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, "invalid JSON at line 1, column 1: unexpected end of JSON input"},
		{`{"input_data": [[1, 2]`, "invalid JSON"},
		{"{\n \"input_data\": [[1, NaN]]}", "invalid JSON at line 2, column 21: NaN and Infinity are not JSON numbers"},
		{`{"input_data": [[-Infinity]]}`, "NaN and Infinity are not JSON numbers"},
		{`[[1, 2]]`, `want a JSON object {"input_data": [[...]], ...}, got array`},
		{`null`, "input_data is missing"},
		{`{}`, "input_data is missing"},
		{`{"input": [[1]]}`, "input_data is missing"},
		{`{"input_data": null}`, "input_data is missing"},
		{`{"input_data": {"x": [1]}}`, "input_data must be a list with one list of numbers per input, got an object"},
		{`{"input_data": [1, 2, 3]}`, "input_data[0] must be a list of numbers, got a number; wrap each input's values in a list"},
		{`{"input_data": [[1], "x"]}`, `input_data[1] must be a list of numbers, got the string "x"`},
		{`{"input_data": [[1, "NaN"]]}`, `input_data[0][1] is the string "NaN"; want a finite number`},
		{`{"input_data": [[1], [2, "Infinity"]]}`, `input_data[1][1] is the string "Infinity"`},
		{`{"input_data": [[1, null]]}`, "input_data[0][1] is null; want a finite number"},
		{`{"input_data": [[1, "` + strings.Repeat("x", 33) + `"]]}`, "input_data[0][1] is a string; want a finite number"},
		{`{"input_data": [[1]], "input_shapes": [[true]]}`, "input_shapes[0][0] is a boolean"},
		{`{"input_data": [[1]], "output_data": [[1, "x"]]}`, `output_data[0][1] is the string "x"`},
		{`{"input_data": [[1]], "output_data": [1]}`, "output_data[0] must be a list of numbers"},
		{`{"input_data": {"OnChain": {"rpc": "x"}}}`, "input_data reads from a chain (OnChain)"},
		{`{"input_data": {"File": [1]}}`, "input_data[0] must be a list of numbers"},
		{`{"input_data": [[tru]]}`, "invalid JSON"},
		{`{"input_data": [[{}]]}`, "input_data[0][0] is an object"},
		{`{"input_data": [[[1, 2], [3, 4]]]}`, "input_data[0][0] is a list; flatten each input to one list of numbers"},
		{`{"input_data": [[0, 1e309]]}`, "input_data[0][1] = 1e309 overflows float64"},
		{`{"input_data": [[-1e400]]}`, "input_data[0][0] = -1e400 overflows float64"},
		{`{"input_data": [[1, 2]], "input_shapes": [[3]]}`, "input_data[0] has 2 values but input_shapes[0] [3] needs 3"},
		{`{"input_data": [[1, 2]], "input_shapes": [[1, 784]]}`, "input_data[0] has 2 values but input_shapes[0] [1 784] needs 784"},
		{`{"input_data": [[1]], "input_shapes": [1]}`, "input_shapes[0] must be a list of numbers, got a number"},
		{`{"input_data": [[1]], "input_shapes": [[-1]]}`, "input_shapes[0][0] is -1; dims must be integers from 0 to 67108864"},
		{`{"input_data": [[1]], "input_shapes": [[0.5]]}`, "input_shapes[0][0] is 0.5; dims must be integers"},
		{`{"input_data": [[1]], "input_shapes": [[1e300]]}`, "input_shapes[0][0] is 1e+300; dims must be integers"},
		{`{"input_data": [[1]], "input_shapes": [[null]]}`, "input_shapes[0][0] is null"},
		{`{"input_data": [[1]], "input_shapes": [[65536, 65536, 65536]]}`,
			"input_data[0] has 1 values but input_shapes[0] [65536 65536 65536] needs more than 67108864"},
		{`{"input_data": [[1]], "input_names": "x"}`, "input_names must be a list of strings, got string"},
		{`{"input_data": [[1]], "input_names": ["x", "y"]}`, "input_names has 2 names but input_data has 1 inputs"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		if err == nil {
			t.Errorf("Parse(%s) succeeded, want error %q", tt.in, tt.want)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "input: ") || !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
			t.Errorf("Parse(%s) error:\n  %s\nwant one line starting \"input: \" containing\n  %s", tt.in, msg, tt.want)
		}
	}
}

func TestParseLimit(t *testing.T) {
	big := `{"input_data": [[` + strings.Repeat("0,", MaxValues/2) + `0], [` + strings.Repeat("0,", MaxValues/2) + `0]]}`
	_, err := Parse([]byte(big))
	if err == nil || !strings.Contains(err.Error(), "input: more than 67108864 values in total") {
		t.Errorf("Parse of %d values: %v", MaxValues+2, err)
	}
}

func TestLoadErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.json")
	if _, err := Load(missing); err == nil || err.Error() != "input: file "+missing+" does not exist" {
		t.Errorf("Load(missing) = %v", err)
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.HasPrefix(err.Error(), "input: ") {
		t.Errorf("Load(dir) = %v", err)
	}
}

func TestMarshal(t *testing.T) {
	tests := []struct {
		f    File
		want string
	}{
		{File{Data: [][]float64{{1, -0.5, 1e21, 1e-7}}},
			`{"input_data":[[1,-0.5,1e+21,1e-07]]}`},
		{File{Data: [][]float64{nil, {3}}, Shapes: [][]int{{0}, {}}, Names: []string{"a", "b"}},
			`{"input_data":[[],[3]],"input_shapes":[[0],[]],"input_names":["a","b"]}`},
		{File{Data: [][]float64{{1}}, Outputs: [][]float64{{0.5, 2}}}, `{"input_data":[[1]],"output_data":[[0.5,2]]}`},
		{File{Data: [][]float64{}, Shapes: [][]int{}}, `{"input_data":[],"input_shapes":[]}`},
	}
	for _, tt := range tests {
		b, err := tt.f.Marshal()
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%+v) = %s, %v; want %s", tt.f, b, err, tt.want)
		}
	}
	half := make([]float64, MaxValues/2+1)
	bad := []struct {
		f    File
		want string
	}{
		{File{}, "input: input_data is missing"},
		{File{Data: [][]float64{{math.NaN()}}}, "input: input_data[0][0] is NaN; values must be finite"},
		{File{Data: [][]float64{{1, math.Inf(-1)}}}, "input: input_data[0][1] is -Inf; values must be finite"},
		{File{Data: [][]float64{{1}}, Shapes: [][]int{{2}}}, "input: input_data[0] has 1 values but input_shapes[0] [2] needs 2"},
		{File{Data: [][]float64{{1}}, Names: []string{}}, "input: input_names has 0 names but input_data has 1 inputs"},
		{File{Data: [][]float64{{1}}, Shapes: [][]int{{-1}}}, "input: input_shapes[0][0] is -1; dims must be integers from 0 to 67108864"},
		{File{Data: [][]float64{half, half}}, "input: more than 67108864 values in total"},
		{File{Data: [][]float64{{1}}, Outputs: [][]float64{{math.NaN()}}}, "input: output_data[0][0] is NaN; values must be finite"},
		{File{Data: [][]float64{half}, Outputs: [][]float64{half}}, "input: more than 67108864 values in total"},
	}
	for _, tt := range bad {
		if _, err := tt.f.Marshal(); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Marshal(%+v) error %v, want %s", tt.f, err, tt.want)
		}
	}
}

func TestRoundTripTestdata(t *testing.T) {
	for _, path := range []string{
		"../testdata/models/mnist_mlp/input.json",
		"../testdata/models/lenet5/input_batch20.json",
		"../testdata/onnx-node/test_layer_normalization_4d_axis2/input.json",
	} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, b)
	}
}

// roundTrip checks that whatever Parse accepts survives Marshal and Parse unchanged.
func roundTrip(t *testing.T, b []byte) {
	f, err := Parse(b)
	if err != nil {
		return
	}
	out, err := f.Marshal()
	if err != nil {
		t.Fatalf("Marshal of parsed %q: %v", b, err)
	}
	g, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse of marshalled %s: %v", out, err)
	}
	if !reflect.DeepEqual(g.Shapes, f.Shapes) || !reflect.DeepEqual(g.Names, f.Names) {
		t.Fatalf("round trip changed %+v to %+v", f, g)
	}
	sameBits(t, "input_data", g.Data, f.Data)
	sameBits(t, "output_data", g.Outputs, f.Outputs)
}

func sameBits(t *testing.T, name string, got, want [][]float64) {
	if len(got) != len(want) || (got == nil) != (want == nil) {
		t.Fatalf("round trip changed %s from %d lists to %d", name, len(want), len(got))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("round trip changed %s[%d] length from %d to %d", name, i, len(want[i]), len(got[i]))
		}
		for j, v := range want[i] {
			if math.Float64bits(got[i][j]) != math.Float64bits(v) {
				t.Fatalf("round trip changed %s[%d][%d] from %v to %v", name, i, j, v, got[i][j])
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, path := range []string{
		"../testdata/models/iris_logreg/input.json",
		"../testdata/models/digits_cnn/input.json",
		"../testdata/onnx-node/test_clip_min_greater_than_max/input.json",
		"../testdata/onnx-node/test_gather_negative_indices/input.json",
		"../testdata/onnx-node/test_reduce_sum_empty_set/input.json",
		"../testdata/onnx-node/test_constant/input.json",
	} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `[]`, `{}`, `{"input_data": []}`, `{"input_data": [[]]}`,
		`{"input_data": [[1, NaN]]}`, `{"input_data": [[1, "NaN"]]}`, `{"input_data": [[1e999]]}`,
		`{"input_data": [[1, null]]}`, `{"input_data": [1, 2]}`, `{"input_data": [[[1]]]}`,
		`{"input_data": [[1, 2]], "input_shapes": [[1, 3]]}`, `{"input_data": [[1]], "input_shapes": [[-1]]}`,
		`{"input_data": [[1]], "input_shapes": [[1]], "input_names": ["x", "y"]}`,
		`{"input_data": [[-0, 5e-324, 1.7976931348623157e308]], "input_names": ["\u00e9<>"]}`,
		`{"input_data": [[true, false, 0]], "output_data": [[1.5], [false]]}`, `{"input_data": [[1]], "output_data": [[null]]}`,
		`{"input_data": {"File": [[1, 2]]}, "output_data": {"File": []}}`, `{"input_data": {"OnChain": {}}}`,
		`{"input_data": {"File": {"File": [[1]]}}}`, `{"input_data": [[1]], "input_shapes": [[true]]}`,
	} {
		f.Add([]byte(s))
	}
	decls := [][]Declared{
		{{Name: "x", Dims: []int{-1, 3}, Params: []string{"batch"}}},
		{{Name: "x", Dims: []int{-1, -1, 2}}, {Name: "w", Dims: []int{2}, Initialized: true}, {Name: "k", Dims: []int{}}},
		{{Name: "u"}, {Name: "v", Dims: []int{1 << 40, -1}}},
		{},
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		roundTrip(t, b)
		file, err := Parse(b)
		if err != nil {
			return
		}
		for _, decl := range decls {
			got, err := file.Align(decl)
			if err != nil {
				continue
			}
			for i, shape := range got.Shapes { // what Align returns fits its data
				if product(shape) != len(got.Data[i]) {
					t.Fatalf("Align(%s) gave shape %v for %d values", b, shape, len(got.Data[i]))
				}
			}
		}
	})
}
