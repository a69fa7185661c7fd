package onnx

import (
	"fmt"

	"github.com/zkai-dev/zkai/model"
)

// reduce reads axes from the attribute (older opsets) or the optional
// constant input (ReduceSum 13, the others 18).
func reduce(k model.ReduceKind) converter {
	return func(c *nodeCtx) (result, error) {
		if err := c.needInputs(1, 2); err != nil {
			return result{}, err
		}
		axes, _, err := c.intsFrom("axes", 1)
		if err != nil {
			return result{}, err
		}
		return opOn(&model.Reduce{Kind: k, Axes: toInts(axes), KeepDims: c.int("keepdims", 1) == 1,
			NoopWithEmptyAxes: c.int("noop_with_empty_axes", 0) == 1}, 0)
	}
}

// argMax converts ArgMax and ArgMin.
func argMax(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 1); err != nil {
		return result{}, err
	}
	return opOn(&model.ArgMax{Axis: int(c.int("axis", 0)), KeepDims: c.int("keepdims", 1) == 1,
		SelectLast: c.int("select_last_index", 0) == 1, Min: c.n.GetOpType() == "ArgMin"}, 0)
}

// softmax: since opset 13 the axis alone is normalised (default -1); before,
// the input was coerced to 2-D at axis (default 1), normalising every axis
// from axis on.
func softmax(log bool) converter {
	return func(c *nodeCtx) (result, error) {
		if err := c.needInputs(1, 1); err != nil {
			return result{}, err
		}
		rank := len(c.in[0].Shape)
		if c.opset >= 13 {
			return opOn(&model.Softmax{Axes: []int{int(c.int("axis", -1))}, Log: log}, 0)
		}
		ax, err := model.NormAxis(int(c.int("axis", 1)), rank)
		if err != nil {
			return result{}, err
		}
		var axes []int
		for d := ax; d < rank; d++ {
			axes = append(axes, d)
		}
		return opOn(&model.Softmax{Axes: axes, Log: log}, 0)
	}
}

func layerNorm(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 3); err != nil {
		return result{}, err
	}
	if c.int("stash_type", 1) != 1 {
		return result{}, unsupportedAttr("stash_type", c.int("stash_type", 1), "1")
	}
	op := &model.LayerNorm{Axis: int(c.int("axis", -1)), Epsilon: c.float("epsilon", 1e-5)}
	for i, o := range c.n.GetOutput() {
		op.Stats = op.Stats || (i > 0 && o != "")
	}
	if c.optional(2) {
		return opOn(op, 0, 1, 2)
	}
	return opOn(op, 0, 1)
}

// groupNorm converts InstanceNormalization and GroupNormalization.
func groupNorm(c *nodeCtx) (result, error) {
	if err := c.needInputs(3, 3); err != nil {
		return result{}, err
	}
	op := &model.GroupNorm{OpName: c.n.GetOpType(), Epsilon: c.float("epsilon", 1e-5)}
	if op.OpName == "GroupNormalization" {
		if !c.has("num_groups") {
			return result{}, fmt.Errorf("attribute num_groups is missing")
		}
		g := c.int("num_groups", 0)
		if g < 1 || g > maxElements {
			return result{}, fmt.Errorf("num_groups %d is out of range", g)
		}
		op.Groups = int(g)
		if st := c.int("stash_type", 1); st != 1 {
			return result{}, unsupportedAttr("stash_type", st, "1")
		}
	}
	return opOn(op, 0, 1, 2)
}

func lpNorm(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 1); err != nil {
		return result{}, err
	}
	p := c.int("p", 2)
	if p != 1 && p != 2 {
		return result{}, unsupportedAttr("p", p, "1, 2")
	}
	return opOn(&model.LpNorm{Axis: int(c.int("axis", -1)), P: int(p)}, 0)
}
