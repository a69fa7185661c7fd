// Package model is zkai's graph IR: a static-shape dataflow graph of typed
// operators with float64 reference semantics.
//
// A Graph is what the ONNX loader produces and what the fixed-point compiler
// (package quant) consumes. Every operator is a Go type implementing Op, with
// its attributes already canonical: whatever ONNX moved between attributes
// and constant inputs across opsets (Reshape's shape, Squeeze's axes, Clip's
// bounds, Pad's pads …) is resolved by the loader into fields, so nothing
// downstream depends on an opset number. Shapes are concrete: symbolic
// dimensions are bound when the graph is loaded.
//
// The float64 evaluator (Eval) is the reference the fixed-point program is
// measured against; integer tensors (shapes, axes, indices) and booleans are
// kept exact as int64.
//
// The package imports neither ONNX nor gnark.
package model

import (
	"fmt"
	"strings"
)

// DType is the element type of a tensor. Every ONNX floating type maps to
// Float, every integer type to Int.
type DType int

const (
	Float DType = iota
	Int
	Bool
)

func (d DType) String() string {
	switch d {
	case Float:
		return "float"
	case Int:
		return "int"
	case Bool:
		return "bool"
	}
	return fmt.Sprintf("dtype(%d)", int(d))
}

// Value describes a named edge of the graph.
type Value struct {
	Name  string
	DType DType
	Shape []int
}

func (v Value) String() string { return fmt.Sprintf("%s:%s%v", v.Name, v.DType, v.Shape) }

// Node applies Op to the named inputs. An empty input name is an absent
// optional input.
type Node struct {
	Name    string
	Op      Op
	Inputs  []string
	Outputs []string
}

// Label is how errors name a node: `node "conv1" (Conv)`.
func (n *Node) Label() string { return fmt.Sprintf("node %q (%s)", n.Name, n.Op.Type()) }

// Op is one operator with canonical attributes.
type Op interface {
	// Type is the ONNX operator name the op implements.
	Type() string
	// Infer returns the output types for the given input types; it is also
	// where attributes are checked against shapes.
	Infer(in []Value) ([]Value, error)
	// Eval computes the outputs with float64 reference semantics.
	Eval(in []*Tensor) ([]*Tensor, error)
}

// Graph is a topologically sorted, fully shaped graph.
type Graph struct {
	Name string
	// ModelInputs are the model file's inputs, in order; Inputs are those
	// still supplied at run time, and Bound those fixed at load time (see
	// Feed).
	ModelInputs []Value
	Inputs      []Value
	Bound       map[string]*Tensor
	Outputs     []Value
	Constants   map[string]*Tensor // initializers and folded constants
	Nodes       []*Node
	// Values holds the type of every edge: inputs, constants and node outputs.
	Values map[string]Value
}

// Value returns the type of a named edge.
func (g *Graph) Value(name string) (Value, bool) {
	v, ok := g.Values[name]
	return v, ok
}

// OpCounts counts nodes per operator type.
func (g *Graph) OpCounts() map[string]int {
	c := map[string]int{}
	for _, n := range g.Nodes {
		c[n.Op.Type()]++
	}
	return c
}

// ParamCount is the number of float constant elements (weights and biases).
func (g *Graph) ParamCount() int {
	n := 0
	for _, t := range g.Constants {
		if t.DType == Float {
			n += t.Len()
		}
	}
	return n
}

// Check validates the graph's structure: every input of every node is
// defined before use (so there is no cycle and nothing dangles), names are
// unique, and the outputs exist.
func (g *Graph) Check() error {
	defined := map[string]bool{}
	for _, v := range g.Inputs {
		if defined[v.Name] {
			return fmt.Errorf("model: input %q is defined twice", v.Name)
		}
		defined[v.Name] = true
	}
	for name := range g.Constants {
		defined[name] = true
	}
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in != "" && !defined[in] {
				return fmt.Errorf("model: %s reads %q, which no earlier node, input or initializer defines", n.Label(), in)
			}
		}
		for _, out := range n.Outputs {
			if out == "" {
				continue
			}
			if defined[out] {
				return fmt.Errorf("model: %s redefines %q", n.Label(), out)
			}
			defined[out] = true
		}
	}
	for _, v := range g.Outputs {
		if !defined[v.Name] {
			return fmt.Errorf("model: graph output %q is never computed", v.Name)
		}
	}
	return nil
}

// ShapeString formats a shape as [1 784].
func ShapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
