package onnx

import (
	"fmt"
	"math"

	"github.com/zkai-dev/zkai/model"
)

// constant handles Constant's value, value_float(s) and value_int(s).
func constant(c *nodeCtx) (result, error) {
	var t *model.Tensor
	switch {
	case c.has("value"):
		var err error
		if t, err = tensorFrom(c.attrs["value"].GetT()); err != nil {
			return result{}, err
		}
	case c.has("value_float"):
		t = &model.Tensor{DType: model.Float, Shape: []int{}, F: []float64{c.float("value_float", 0)}}
	case c.has("value_floats"):
		fs := c.attrs["value_floats"].GetFloats()
		t = model.NewFloat([]int{len(fs)})
		for i, f := range fs {
			t.F[i] = float64(f)
		}
	case c.has("value_int"):
		t = &model.Tensor{DType: model.Int, Shape: []int{}, I: []int64{c.int("value_int", 0)}}
	case c.has("value_ints"):
		is := c.ints("value_ints")
		t = &model.Tensor{DType: model.Int, Shape: []int{len(is)}, I: append([]int64(nil), is...)}
	default:
		return result{}, fmt.Errorf("no value attribute; supported: value, value_float(s), value_int(s)")
	}
	return result{consts: []*model.Tensor{t}}, nil
}

// shapeOp is Shape with optional start/end (opset 15); shapes are static.
func shapeOp(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 1); err != nil {
		return result{}, err
	}
	s := c.in[0].Shape
	r := int64(len(s))
	norm := func(v int64) int64 {
		if v < 0 {
			v += r
		}
		return min(max(v, 0), r)
	}
	start, end := norm(c.int("start", 0)), norm(c.int("end", r))
	t := &model.Tensor{DType: model.Int, Shape: []int{0}}
	for i := start; i < end; i++ {
		t.I = append(t.I, int64(s[i]))
	}
	t.Shape[0] = len(t.I)
	return result{consts: []*model.Tensor{t}}, nil
}

func constantOfShape(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 1); err != nil {
		return result{}, err
	}
	dims, err := c.constInts(0, "shape")
	if err != nil {
		return result{}, err
	}
	shape, err := shapeOf(dims)
	if err != nil {
		return result{}, err
	}
	if err := c.l.reserve(shape); err != nil {
		return result{}, err
	}
	fill := &model.Tensor{DType: model.Float, Shape: []int{1}, F: []float64{0}}
	if c.has("value") {
		if fill, err = tensorFrom(c.attrs["value"].GetT()); err != nil {
			return result{}, err
		}
		if fill.Len() != 1 {
			return result{}, fmt.Errorf("value has %d elements; want one", fill.Len())
		}
	}
	t := model.New(fill.DType, shape)
	for i := 0; i < t.Len(); i++ {
		t.Set(i, fill.At(0))
	}
	return result{consts: []*model.Tensor{t}}, nil
}

func rangeOp(c *nodeCtx) (result, error) {
	if err := c.needInputs(3, 3); err != nil {
		return result{}, err
	}
	var v [3]*model.Tensor
	for i, what := range []string{"start", "limit", "delta"} {
		t, err := c.constInput(i, what)
		if err != nil {
			return result{}, err
		}
		if t.Len() != 1 {
			return result{}, fmt.Errorf("%s has %d values; want one", what, t.Len())
		}
		v[i] = t
	}
	start, limit, delta := v[0].At(0), v[1].At(0), v[2].At(0)
	if delta == 0 {
		return result{}, fmt.Errorf("delta is 0")
	}
	steps := math.Ceil((limit - start) / delta)
	if steps > maxElements {
		return result{}, fmt.Errorf("range has %v elements; too many", steps)
	}
	n := int(max(steps, 0))
	if err := c.l.reserve([]int{n}); err != nil {
		return result{}, err
	}
	t := model.New(v[0].DType, []int{n})
	for i := 0; i < n; i++ {
		t.Set(i, start+float64(i)*delta)
	}
	return result{consts: []*model.Tensor{t}}, nil
}
