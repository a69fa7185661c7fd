package input

import (
	"reflect"
	"strings"
	"testing"
)

func TestAlign(t *testing.T) {
	batch := Declared{Name: "x", Dims: []int{-1, 3}, Params: []string{"batch"}}
	k := Declared{Name: "k", Dims: []int{2}}
	w := Declared{Name: "w", Dims: []int{3, 3}, Initialized: true}
	two := Declared{Name: "s", Dims: []int{-1, -1, 2}, Params: []string{"b", "t", ""}}
	flag := Declared{Name: "flag", Dims: []int{}}
	tests := []struct {
		name string
		decl []Declared
		in   string
		want File
	}{
		// EZKL's usual file: flattened, no input_shapes; the batch dimension becomes 1.
		{"flattened, no shapes", []Declared{batch}, `{"input_data": [[1, 2, 3]]}`,
			File{Data: [][]float64{{1, 2, 3}}, Shapes: [][]int{{1, 3}}}},
		{"batch from the length", []Declared{batch}, `{"input_data": [[1, 2, 3, 4, 5, 6]]}`,
			File{Data: [][]float64{{1, 2, 3, 4, 5, 6}}, Shapes: [][]int{{2, 3}}}},
		// EZKL's export writes the shape without the batch dimension.
		{"shape without batch", []Declared{batch}, `{"input_data": [[1, 2, 3]], "input_shapes": [[3]]}`,
			File{Data: [][]float64{{1, 2, 3}}, Shapes: [][]int{{1, 3}}}},
		{"full shape", []Declared{batch}, `{"input_data": [[1, 2, 3, 4, 5, 6]], "input_shapes": [[2, 3]]}`,
			File{Data: [][]float64{{1, 2, 3, 4, 5, 6}}, Shapes: [][]int{{2, 3}}}},
		{"several symbolic dims, all 1", []Declared{two}, `{"input_data": [[1, 2]]}`,
			File{Data: [][]float64{{1, 2}}, Shapes: [][]int{{1, 1, 2}}}},
		// Shapes for the initializer-backed inputs too (torch's keep_initializers_as_inputs).
		{"shapes with initializers", []Declared{batch, w, k}, `{"input_data": [[1, 2, 3], [4, 5]], "input_shapes": [[1, 3], [3, 3], [2]]}`,
			File{Data: [][]float64{{1, 2, 3}, {4, 5}}, Shapes: [][]int{{1, 3}, {2}}}},
		{"shapes for the first input only", []Declared{batch, k}, `{"input_data": [[1, 2, 3, 4, 5, 6], [4, 5]], "input_shapes": [[2, 3]]}`,
			File{Data: [][]float64{{1, 2, 3, 4, 5, 6}, {4, 5}}, Shapes: [][]int{{2, 3}, {2}}}},
		// Names match in any order, skipping shapes of other inputs.
		{"by name", []Declared{batch, w, k}, `{"input_data": [[4, 5], [1, 2, 3]], "input_names": ["k", "x"], "input_shapes": [[2], [3]]}`,
			File{Data: [][]float64{{1, 2, 3}, {4, 5}}, Shapes: [][]int{{1, 3}, {2}}, Names: []string{"x", "k"}}},
		{"bool scalar and output_data", []Declared{flag}, `{"input_data": [[true]], "output_data": [[0.5]]}`,
			File{Data: [][]float64{{1}}, Shapes: [][]int{{}}, Outputs: [][]float64{{0.5}}}},
		{"no inputs", []Declared{w}, `{"input_data": []}`, File{Data: [][]float64{}, Shapes: [][]int{}}},
		{"undeclared shape", []Declared{{Name: "u"}}, `{"input_data": [[1, 2]], "input_shapes": [[2, 1]]}`,
			File{Data: [][]float64{{1, 2}}, Shapes: [][]int{{2, 1}}}},
	}
	for _, tt := range tests {
		f, err := Parse([]byte(tt.in))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, err := f.Align(tt.decl)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("%s: Align = %+v, want %+v", tt.name, *got, tt.want)
		}
	}
}

func TestAlignErrors(t *testing.T) {
	batch := Declared{Name: "x", Dims: []int{-1, 3}, Params: []string{"batch"}}
	fixed := Declared{Name: "x", Dims: []int{2, 3}}
	k := Declared{Name: "k", Dims: []int{2}}
	w := Declared{Name: "w", Dims: []int{3, 3}, Initialized: true}
	two := Declared{Name: "s", Dims: []int{-1, -1, 2}, Params: []string{"b", "t", ""}}
	tests := []struct {
		decl []Declared
		in   string
		want string
	}{
		{[]Declared{batch}, `{"input_data": [[1, 2, 3, 4]]}`, "input_data[0] has 4 values; input x [batch 3] needs a multiple of 3"},
		{[]Declared{fixed}, `{"input_data": [[1, 2, 3]]}`, "input_data[0] has 3 values; input x [2 3] needs 6"},
		{[]Declared{two}, `{"input_data": [[1, 2, 3, 4, 5, 6, 7, 8]]}`,
			"input_data[0] has 8 values, which fit input s [b t 2] in several shapes, such as [4 1 2] and [1 4 2]; give the shape in input_shapes"},
		{[]Declared{fixed}, `{"input_data": [[1, 2, 3, 4, 5, 6]], "input_shapes": [[6]]}`,
			"input_shapes[0] [6] has rank 1; input x [2 3] has rank 2, and its leading dimension 2 cannot be left out"},
		{[]Declared{batch}, `{"input_data": [[1, 2, 3, 4]], "input_shapes": [[4]]}`, "input_shapes[0] [4] does not fit input x [batch 3]: dimension 1 is 4, not 3"},
		{[]Declared{batch}, `{"input_data": [[1, 2, 3]], "input_shapes": [[1, 1, 3]]}`, "input_shapes[0] [1 1 3] has rank 3; input x [batch 3] has rank 2"},
		{[]Declared{{Name: "u"}}, `{"input_data": [[1, 2]]}`, "input u (no declared shape); give its shape in input_shapes"},
		{[]Declared{{Name: "u"}, k}, `{"input_data": [[1, 2], [3, 4]], "input_shapes": [[5]]}`, "input_data[0] has 2 values but input_shapes[0] [5] needs 5"},
		{[]Declared{k, batch}, `{"input_data": [[3, 4], [1, 2, 3, 4]], "input_shapes": [[2]]}`, "input_data[1] has 4 values; input x [batch 3] needs a multiple of 3"},
		{[]Declared{batch, w, k}, `{"input_data": [[1, 2, 3], [4, 5]], "input_shapes": [[1, 3], [3, 3], [3]]}`,
			"input_shapes[2] [3] does not fit input k [2]: dimension 0 is 3, not 2"},
		{[]Declared{{Name: "z", Dims: []int{0, -1}}}, `{"input_data": [[1]]}`, "input_data[0] has 1 values; input z [0 ?] needs 0"},
		{[]Declared{batch, k}, `{"input_data": [[1, 2, 3]]}`, "input_data has 1 inputs; the model takes 2 (x [batch 3], k [2]); give one list per input in this order"},
		{[]Declared{batch}, `{"input_data": []}`, "input_data has 0 inputs; the model takes 1 (x [batch 3])"},
		{[]Declared{batch, k}, `{"input_data": [[1, 2, 3], [1, 2]], "input_shapes": [[3], [2], [1]]}`,
			"input_shapes has 3 shapes; the model takes 2 inputs (x [batch 3], k [2])"},
		{[]Declared{batch, w}, `{"input_data": [[1, 2, 3], [0]], "input_names": ["x", "w"]}`,
			`input_names[1] "w" is a weight of the model (an initializer), which the file cannot change`},
		{[]Declared{batch}, `{"input_data": [[1, 2, 3]], "input_names": ["y"]}`, `input_names[0] "y" is not an input of the model; its inputs are x [batch 3]`},
		{[]Declared{batch, k}, `{"input_data": [[1, 2, 3]], "input_names": ["x"]}`, "the file gives no values for input k [2]"},
		{[]Declared{batch, k}, `{"input_data": [[1, 2, 3], [1, 2]], "input_names": ["x", "x"]}`, `input_names[0] and input_names[1] are both "x"`},
		{[]Declared{batch}, `{"input_data": [[1, 2, 3]], "input_names": ["x"], "input_shapes": [[3], [2]]}`,
			"input_shapes has 2 shapes but input_names has 1 names"},
	}
	for _, tt := range tests {
		f, err := Parse([]byte(tt.in))
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		_, err = f.Align(tt.decl)
		if err == nil || !strings.HasPrefix(err.Error(), "input: ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Align(%s) error:\n  %v\nwant one containing\n  %s", tt.in, err, tt.want)
		}
	}
}
