package model

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Eval runs the float64 reference semantics on one set of inputs (graph
// order) and returns every value of the graph by name: inputs, constants and
// node outputs.
func (g *Graph) Eval(inputs []*Tensor) (map[string]*Tensor, error) {
	if err := g.CheckInputs(inputs); err != nil {
		return nil, err
	}
	env := make(map[string]*Tensor, len(g.Values))
	for name, t := range g.Constants {
		env[name] = t
	}
	for i, v := range g.Inputs {
		env[v.Name] = inputs[i]
	}
	for _, n := range g.Nodes {
		in := make([]*Tensor, len(n.Inputs))
		for i, name := range n.Inputs {
			in[i] = env[name]
		}
		outs, err := n.Op.Eval(in)
		if err != nil {
			return nil, fmt.Errorf("model: %s: %w", n.Label(), err)
		}
		for i, name := range n.Outputs {
			if i < len(outs) && name != "" {
				env[name] = outs[i]
			}
		}
	}
	return env, nil
}

// OutputsOf picks the graph outputs from an Eval result.
func (g *Graph) OutputsOf(env map[string]*Tensor) []*Tensor {
	outs := make([]*Tensor, len(g.Outputs))
	for i, v := range g.Outputs {
		outs[i] = env[v.Name]
	}
	return outs
}

// CheckInputs verifies count, shape and finiteness of runtime inputs.
func (g *Graph) CheckInputs(inputs []*Tensor) error {
	if len(inputs) != len(g.Inputs) {
		return fmt.Errorf("model: got %d inputs; the graph takes %d (%v)", len(inputs), len(g.Inputs), g.Inputs)
	}
	for i, v := range g.Inputs {
		t := inputs[i]
		if !slices.Equal(t.Shape, v.Shape) {
			return fmt.Errorf("model: input %q has shape %v; the graph needs %v", v.Name, ShapeString(t.Shape), ShapeString(v.Shape))
		}
		if t.Len() != Size(v.Shape) {
			return fmt.Errorf("model: input %q has %d values; shape %v needs %d", v.Name, t.Len(), ShapeString(v.Shape), Size(v.Shape))
		}
		if (t.DType == Float) != (v.DType == Float) {
			return fmt.Errorf("model: input %q is %s; the graph needs %s", v.Name, t.DType, v.DType)
		}
		for j, x := range t.F {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("model: input %q element %d is %v; inputs must be finite", v.Name, j, x)
			}
		}
	}
	return nil
}

// TensorFromFloats builds an input tensor of the type v needs from plain
// numbers (as read from an input file); integer inputs must be integral.
func TensorFromFloats(v Value, data []float64) (*Tensor, error) {
	if len(data) != Size(v.Shape) {
		return nil, fmt.Errorf("input %q has %d values; shape %v needs %d", v.Name, len(data), ShapeString(v.Shape), Size(v.Shape))
	}
	t := New(v.DType, v.Shape)
	for i, x := range data {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("input %q element %d is %v; inputs must be finite", v.Name, i, x)
		}
		if v.DType != Float && x != math.Trunc(x) {
			return nil, fmt.Errorf("input %q element %d is %v; this input takes integers", v.Name, i, x)
		}
		if v.DType == Bool && x != 0 && x != 1 {
			return nil, fmt.Errorf("input %q element %d is %v; this boolean input takes 0 or 1", v.Name, i, x)
		}
		t.Set(i, x)
	}
	return t, nil
}

// Feed builds the runtime inputs from data given for every model input (as
// in an input file). Data for a bound input must equal the value it was
// bound to, since the program was specialised on it.
func (g *Graph) Feed(data [][]float64) ([]*Tensor, error) {
	if len(data) != len(g.ModelInputs) {
		names := make([]string, len(g.ModelInputs))
		for i, v := range g.ModelInputs {
			names[i] = fmt.Sprintf("%s%v", v.Name, ShapeString(v.Shape))
		}
		return nil, fmt.Errorf("model: got %d inputs; the model takes %d (%s)", len(data), len(g.ModelInputs), strings.Join(names, ", "))
	}
	var ins []*Tensor
	for i, v := range g.ModelInputs {
		if b, ok := g.Bound[v.Name]; ok {
			if b.Len() != len(data[i]) {
				return nil, fmt.Errorf("model: input %q was fixed to %d values when the model was loaded; got %d", v.Name, b.Len(), len(data[i]))
			}
			for j, x := range data[i] {
				if x != b.At(j) {
					return nil, fmt.Errorf("model: input %q was fixed when the model was loaded (element %d = %v); got %v — load the model with these inputs", v.Name, j, b.At(j), x)
				}
			}
			continue
		}
		t, err := TensorFromFloats(v, data[i])
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		ins = append(ins, t)
	}
	return ins, nil
}
