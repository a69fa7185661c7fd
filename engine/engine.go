// Package engine ties the layers together for the CLI and the server: it
// opens a model with the settings a user chose (default, a fixed scale,
// calibration data or a saved settings.json), and runs the fixed-point
// program beside the float reference.
package engine

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/input"
	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/model/onnx"
	"github.com/zkai-dev/zkai/quant"
)

// Options say how to open a model.
type Options struct {
	// Input, when set, supplies input shapes (for symbolic dimensions) and
	// the values of inputs that ops need constant (see onnx.Options). It is
	// matched to the model's declared inputs first (input.File.Align).
	Input *input.File
	// Exactly one of the following may be set; none means DefaultSettings.
	Scale        int    // > 0: default settings with this scale
	SettingsFile string // a saved settings.json
	CalibrateSet *dataset.Set
	// CalibrationBits is the activation width for calibration (0: default).
	CalibrationBits int
	// InputRange, when > 0, overrides the declared input range.
	InputRange float64
}

// Model is a loaded graph with its fixed-point program.
type Model struct {
	Graph    *model.Graph
	Settings *quant.Settings
	Program  *quant.Program
	// Input is Options.Input matched to the graph's inputs (one entry per
	// ModelInputs entry, with full shapes), or nil: feed Run its Data.
	Input *input.File
}

// Open loads, configures and compiles a model.
func Open(path string, opt Options) (*Model, error) {
	set := 0
	for _, b := range []bool{opt.Scale > 0, opt.SettingsFile != "", opt.CalibrateSet != nil} {
		if b {
			set++
		}
	}
	if set > 1 {
		return nil, fmt.Errorf("choose one of --scale, --settings and --calibrate")
	}
	var s *quant.Settings
	if opt.SettingsFile != "" {
		var err error
		if s, err = quant.LoadSettings(opt.SettingsFile); err != nil {
			return nil, err
		}
	}
	f, err := onnx.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lo := onnx.Options{}
	var in *input.File
	if opt.Input != nil {
		decl := f.DeclaredInputs()
		given := opt.Input
		if given.Shapes == nil && given.Names == nil && s != nil && fits(s.InputShapes, given.Data) {
			// the settings' shapes bind what the file leaves open (several symbolic dimensions)
			withShapes := *given
			withShapes.Shapes = s.InputShapes
			given = &withShapes
		}
		if in, err = given.Align(decl); err != nil {
			return nil, err
		}
		lo.InputShapes, lo.InputValues = in.Shapes, in.Data
	}
	if lo.InputShapes == nil && s != nil {
		lo.InputShapes = s.InputShapes
	}
	g, err := f.Load(lo)
	if err != nil {
		return nil, err
	}
	if s != nil && s.InputShapes != nil && !slices.EqualFunc(s.InputShapes, inputShapes(g), slices.Equal) {
		return nil, fmt.Errorf("the settings were made for input shapes %v; this input has %v", s.InputShapes, inputShapes(g))
	}
	switch {
	case s != nil:
	case opt.CalibrateSet != nil:
		samples, err := Rows(g, opt.CalibrateSet)
		if err != nil {
			return nil, fmt.Errorf("calibration data: %w", err)
		}
		bits := opt.CalibrationBits
		if bits == 0 {
			bits = quant.DefaultCalibrationBits
		}
		if s, err = quant.Calibrate(g, samples, nil, bits); err != nil {
			return nil, err
		}
	default:
		s = quant.DefaultSettings()
		if opt.Scale > 0 {
			s.Scale = opt.Scale
		}
	}
	if opt.InputRange > 0 {
		s.InputRange = opt.InputRange
		s.InputRanges = nil
	}
	s.InputShapes = inputShapes(g)
	p, err := quant.Compile(g, s)
	if err != nil {
		return nil, err
	}
	return &Model{Graph: g, Settings: s, Program: p, Input: in}, nil
}

// fits reports whether shapes has one shape per entry of data, each of its size.
func fits(shapes [][]int, data [][]float64) bool {
	if len(shapes) != len(data) {
		return false
	}
	for i, shape := range shapes {
		if model.Size(shape) != len(data[i]) {
			return false
		}
	}
	return true
}

func inputShapes(g *model.Graph) [][]int {
	shapes := make([][]int, len(g.Inputs))
	for i, v := range g.Inputs {
		shapes[i] = v.Shape
	}
	return shapes
}

// Rows turns each data set row into the graph's single runtime input.
func Rows(g *model.Graph, set *dataset.Set) ([][]*model.Tensor, error) {
	if len(g.Inputs) != 1 {
		return nil, fmt.Errorf("the model takes %d run-time inputs; a data set row feeds exactly one", len(g.Inputs))
	}
	out := make([][]*model.Tensor, set.Len())
	for i, row := range set.X {
		t, err := model.TensorFromFloats(g.Inputs[0], row)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		out[i] = []*model.Tensor{t}
	}
	return out, nil
}

// Output is one named output tensor, dequantised.
type Output struct {
	Name  string    `json:"name"`
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// RunResult is the result of one run, in the layout `zkai run --json` prints.
type RunResult struct {
	Outputs      []Output `json:"outputs"`
	FloatOutputs []Output `json:"float_outputs"`
	MaxAbsError  float64  `json:"max_abs_error"`
	// OutputData compares both with the input file's output_data, when
	// CompareOutputData was called.
	OutputData *OutputDataError `json:"output_data,omitempty"`
	// Witness is the full integer evaluation (not printed).
	Witness *quant.Witness `json:"-"`
}

// Run evaluates the fixed-point program and the float reference on inputs
// given for every model input (as in an input file).
func (m *Model) Run(data [][]float64) (*RunResult, error) {
	ins, err := m.Graph.Feed(data)
	if err != nil {
		return nil, err
	}
	env, err := m.Graph.Eval(ins)
	if err != nil {
		return nil, err
	}
	w, err := m.Program.Eval(ins)
	if err != nil {
		return nil, err
	}
	r := &RunResult{Witness: w}
	for i, t := range m.Program.Decode(w) {
		v := m.Graph.Outputs[i]
		r.Outputs = append(r.Outputs, Output{Name: v.Name, Shape: t.Shape, Data: t.Floats()})
		f := m.Graph.OutputsOf(env)[i]
		r.FloatOutputs = append(r.FloatOutputs, Output{Name: v.Name, Shape: f.Shape, Data: f.Floats()})
		for j, x := range t.Floats() {
			r.MaxAbsError = math.Max(r.MaxAbsError, math.Abs(x-f.At(j)))
		}
	}
	return r, nil
}

// OutputDataError is the largest difference between a run's outputs and a
// reference run's (an input file's output_data).
type OutputDataError struct {
	Fixed float64 `json:"fixed_max_abs_error"` // max |fixed - output_data|
	Float float64 `json:"float_max_abs_error"` // max |float - output_data|
}

// CompareOutputData sets r.OutputData from want, one flattened list per
// output; it fails when want does not match the outputs' number and sizes.
func (r *RunResult) CompareOutputData(want [][]float64) error {
	if len(want) != len(r.Outputs) {
		return fmt.Errorf("input: output_data has %d outputs; the model has %d (%s)", len(want), len(r.Outputs), outputList(r.Outputs))
	}
	e := &OutputDataError{}
	for i, o := range r.Outputs {
		if len(want[i]) != len(o.Data) {
			return fmt.Errorf("input: output_data[%d] has %d values; output %s %v has %d", i, len(want[i]), o.Name, o.Shape, len(o.Data))
		}
		for j, w := range want[i] {
			e.Fixed = math.Max(e.Fixed, math.Abs(o.Data[j]-w))
			e.Float = math.Max(e.Float, math.Abs(r.FloatOutputs[i].Data[j]-w))
		}
	}
	r.OutputData = e
	return nil
}

func outputList(outs []Output) string {
	s := make([]string, len(outs))
	for i, o := range outs {
		s[i] = fmt.Sprintf("%s %v", o.Name, o.Shape)
	}
	return strings.Join(s, ", ")
}
