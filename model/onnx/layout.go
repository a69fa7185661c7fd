package onnx

import (
	"fmt"
	"slices"

	"github.com/zkai-dev/zkai/model"
)

func reshape(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 2); err != nil {
		return result{}, err
	}
	spec, ok, err := c.intsFrom("shape", 1)
	if err != nil {
		return result{}, err
	}
	if !ok {
		return result{}, fmt.Errorf("no target shape given")
	}
	in := c.in[0].Shape
	allowZero := c.int("allowzero", 0) == 1
	shape := make([]int, len(spec))
	infer := -1
	known := 1
	for i, d := range spec {
		switch {
		case d == -1:
			if infer >= 0 {
				return result{}, fmt.Errorf("shape %v has more than one -1", spec)
			}
			infer = i
			continue
		case d == 0 && !allowZero:
			if i >= len(in) {
				return result{}, fmt.Errorf("shape %v copies dimension %d, which input %v lacks", spec, i, in)
			}
			shape[i] = in[i]
		case d < 0 || d > maxElements:
			return result{}, fmt.Errorf("shape %v has an out-of-range dimension %d", spec, d)
		default:
			shape[i] = int(d)
		}
		known *= shape[i]
	}
	if infer >= 0 {
		if known == 0 || model.Size(in)%known != 0 {
			return result{}, fmt.Errorf("cannot reshape %v to %v", model.ShapeString(in), spec)
		}
		shape[infer] = model.Size(in) / known
	}
	return opOn(&model.Reshape{Shape: shape, OpName: "Reshape"}, 0)
}

func flatten(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 1); err != nil {
		return result{}, err
	}
	in := c.in[0].Shape
	axis := int(c.int("axis", 1))
	if axis < 0 {
		axis += len(in)
	}
	if axis < 0 || axis > len(in) {
		return result{}, fmt.Errorf("axis %d is out of range for rank %d", c.int("axis", 1), len(in))
	}
	return opOn(&model.Reshape{Shape: []int{model.Size(in[:axis]), model.Size(in[axis:])}, OpName: "Flatten"}, 0)
}

func squeeze(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 2); err != nil {
		return result{}, err
	}
	axes, given, err := c.intsFrom("axes", 1)
	if err != nil {
		return result{}, err
	}
	in := c.in[0].Shape
	drop := make([]bool, len(in))
	for _, a := range axes {
		ax, err := model.NormAxis(int(a), len(in))
		if err != nil {
			return result{}, err
		}
		if in[ax] != 1 {
			return result{}, fmt.Errorf("cannot squeeze axis %d of size %d", ax, in[ax])
		}
		drop[ax] = true
	}
	shape := []int{}
	for d, n := range in {
		if !(drop[d] || (!given && n == 1)) {
			shape = append(shape, n)
		}
	}
	return opOn(&model.Reshape{Shape: shape, OpName: "Squeeze"}, 0)
}

func unsqueeze(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 2); err != nil {
		return result{}, err
	}
	axes, given, err := c.intsFrom("axes", 1)
	if err != nil {
		return result{}, err
	}
	if !given {
		return result{}, fmt.Errorf("no axes given")
	}
	in := c.in[0].Shape
	rank := len(in) + len(axes)
	ins := make([]bool, rank)
	for _, a := range axes {
		ax, err := model.NormAxis(int(a), rank)
		if err != nil {
			return result{}, err
		}
		if ins[ax] {
			return result{}, fmt.Errorf("axis %d is repeated", ax)
		}
		ins[ax] = true
	}
	shape := make([]int, 0, rank)
	k := 0
	for d := 0; d < rank; d++ {
		if ins[d] {
			shape = append(shape, 1)
		} else {
			shape = append(shape, in[k])
			k++
		}
	}
	return opOn(&model.Reshape{Shape: shape, OpName: "Unsqueeze"}, 0)
}

func identity(c *nodeCtx) (result, error) {
	if len(c.in) < 1 || !c.present[0] {
		return result{}, fmt.Errorf("has no input")
	}
	return opOn(&model.Reshape{Shape: slices.Clone(c.in[0].Shape), OpName: c.n.GetOpType()}, 0)
}

// dropout is the identity at inference; training mode (an attribute in old
// opsets, input 2 since opset 12) is refused.
func dropout(c *nodeCtx) (result, error) {
	if c.int("is_test", 1) == 0 && c.opset < 7 {
		return result{}, unsupportedAttr("is_test", 0, "1 (inference)")
	}
	if c.optional(2) {
		t, err := c.scalarFloat(2, "training_mode")
		if err != nil {
			return result{}, err
		}
		if t != 0 {
			return result{}, unsupportedAttr("training_mode", true, "false (inference)")
		}
	}
	return identity(c)
}

func transpose(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 1); err != nil {
		return result{}, err
	}
	perm, err := c.intsAsInt("perm")
	if err != nil {
		return result{}, err
	}
	return opOn(&model.Transpose{Perm: perm}, 0)
}

func slice(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 5); err != nil {
		return result{}, err
	}
	s := &model.Slice{}
	var err error
	if c.has("starts") {
		s.Starts, s.Ends, s.Axes = c.ints("starts"), c.ints("ends"), c.ints("axes")
		return opOn(s, 0)
	}
	if s.Starts, err = c.constInts(1, "starts"); err != nil {
		return result{}, err
	}
	if s.Ends, err = c.constInts(2, "ends"); err != nil {
		return result{}, err
	}
	if c.optional(3) {
		if s.Axes, err = c.constInts(3, "axes"); err != nil {
			return result{}, err
		}
	}
	if c.optional(4) {
		if s.Steps, err = c.constInts(4, "steps"); err != nil {
			return result{}, err
		}
	}
	return opOn(s, 0)
}

func concat(c *nodeCtx) (result, error) {
	if len(c.in) == 0 {
		return result{}, fmt.Errorf("has no inputs")
	}
	if !c.has("axis") {
		return result{}, fmt.Errorf("attribute axis is missing")
	}
	idx := make([]int, len(c.in))
	for i := range idx {
		if !c.present[i] {
			return result{}, fmt.Errorf("input %d is empty", i)
		}
		idx[i] = i
	}
	return opOn(&model.Concat{Axis: int(c.int("axis", 0))}, idx...)
}

func pad(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 4); err != nil {
		return result{}, err
	}
	p := &model.Pad{}
	switch m := c.str("mode", "constant"); m {
	case "constant":
		p.Mode = model.PadConstant
	case "edge":
		p.Mode = model.PadEdge
	case "reflect":
		p.Mode = model.PadReflect
	case "wrap":
		p.Mode = model.PadWrap
	default:
		return result{}, unsupportedAttr("mode", m, "constant, edge, reflect, wrap")
	}
	rank := len(c.in[0].Shape)
	pads, ok, err := c.intsFrom("pads", 1)
	if c.has("paddings") {
		pads, ok, err = c.ints("paddings"), true, nil
	}
	if err != nil {
		return result{}, err
	}
	if !ok {
		return result{}, fmt.Errorf("no pads given")
	}
	p.Value = c.float("value", 0)
	if c.optional(2) {
		if p.Value, err = c.scalarFloat(2, "constant_value"); err != nil {
			return result{}, err
		}
	}
	full := pads
	if c.optional(3) {
		axes, err := c.constInts(3, "axes")
		if err != nil {
			return result{}, err
		}
		if len(pads) != 2*len(axes) {
			return result{}, fmt.Errorf("pads %v has %d entries for %d axes", pads, len(pads), len(axes))
		}
		full = make([]int64, 2*rank)
		for i, a := range axes {
			ax, err := model.NormAxis(int(a), rank)
			if err != nil {
				return result{}, err
			}
			full[ax], full[rank+ax] = pads[i], pads[len(axes)+i]
		}
	}
	p.Pads = toInts(full)
	return opOn(p, 0)
}

func gather(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 2); err != nil {
		return result{}, err
	}
	axis := int(c.int("axis", 0))
	if idx := c.consts[1]; idx != nil && c.consts[0] == nil && idx.DType != model.Float {
		return opOn(&model.Gather{Axis: axis, Indices: idx.I, IndicesShape: slices.Clone(idx.Shape)}, 0)
	}
	// float indices fail in Infer, whether constant or not
	return opOn(&model.Gather{Axis: axis}, 0, 1)
}

func expand(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 2); err != nil {
		return result{}, err
	}
	shape, err := c.constInts(1, "shape")
	if err != nil {
		return result{}, err
	}
	return opOn(&model.Expand{Shape: toInts(shape)}, 0)
}
