package quant

import (
	"fmt"
	"math"

	"github.com/zkai-dev/zkai/model"
)

// lowerSplit emits each output as a Move (a Slice) of the input.
func lowerSplit(c *compiler, n *model.Node) error {
	s := n.Op.(*model.Split)
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	parts, err := s.Parts(model.Value{DType: t.DType, Shape: t.Shape})
	if err != nil {
		return err
	}
	for i, p := range parts {
		if i >= len(n.Outputs) || n.Outputs[i] == "" {
			continue
		}
		v := []model.Value{{DType: t.DType, Shape: t.Shape}}
		outs, err := p.Infer(v)
		if err != nil {
			return err
		}
		src, _, err := p.Map(v)
		if err != nil {
			return err
		}
		op := &Move{io: io{In: []int{x}}, Src: src}
		c.define(n.Outputs[i], c.emitBits(op, &op.Res, n.Outputs[i], t.DType, outs[0].Shape, t.Scale, t.Bits))
	}
	return nil
}

// lowerGroupSum handles CumSum (prefix or suffix groups along the axis)
// and one-operand Einsum: every output is the sum of a fixed group of input
// elements (ReduceSum), exact at the input's scale.
func lowerGroupSum(c *compiler, n *model.Node) error {
	op := n.Op.(interface {
		Groups(model.Value) ([]int, [][]int, error)
	})
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	shape, groups, err := op.Groups(model.Value{Shape: c.t(x).Shape})
	if err != nil {
		return err
	}
	c.define(n.Outputs[0], c.reduceSum(x, groups, shape, nil, n.Outputs[0]))
	return nil
}

// resizeWeightScale is the scale of linear and cubic Resize weights
// (|w| ≤ 1.5, so 18 signed bits).
const resizeWeightScale = 16

// lowerResizeInterp: y = round(Σ x_i·w_i) with the interpolation weights
// w_i quantised at 2^16 (circuit constants: they follow from the shapes and
// attributes alone), one Linear op, rounded to the target scale.
func lowerResizeInterp(c *compiler, n *model.Node) error {
	r := n.Op.(*model.ResizeInterp)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	idx, wts, err := r.Weights(model.Value{DType: t.DType, Shape: t.Shape})
	if err != nil {
		return err
	}
	terms := &model.Terms{Shape: r.R.Sizes, Start: make([]int, 1, len(idx)+1), Alpha: 1, Beta: 1}
	var q []int64
	most := 0.0
	for k := range idx {
		sum := 0.0
		for j, i := range idx[k] {
			v, err := Quantize(wts[k][j], resizeWeightScale)
			if err != nil {
				return fmt.Errorf("resize weight: %w", err)
			}
			terms.IA = append(terms.IA, int32(i))
			terms.IB = append(terms.IB, int32(len(q)))
			q = append(q, v)
			sum += math.Abs(float64(v))
		}
		terms.Start = append(terms.Start, len(terms.IA))
		most = math.Max(most, sum)
	}
	w := c.constTensor(out+"/weights", model.Float, []int{len(q)}, resizeWeightScale, q)
	op := &Linear{io: io{In: []int{x, w}}, T: terms}
	acc := c.emit(op, &op.Res, out+"/acc", model.Float, terms.Shape, t.Scale+resizeWeightScale, most*t.maxAbs())
	res, err := c.rescale(acc, 1, c.target(out), out)
	if err != nil {
		return err
	}
	c.define(out, res)
	return nil
}

// lowerScatterAdd: the data and the updates, brought to one scale exactly
// (the larger; constants quantised at it), are laid end to end by a Move,
// and every output sums its data element and the updates that hit it.
func lowerScatterAdd(c *compiler, n *model.Node) error {
	sa := n.Op.(*model.ScatterAdd)
	out := n.Outputs[0]
	vals := make([]model.Value, len(n.Inputs))
	for i, name := range n.Inputs {
		vals[i], _ = c.g.Value(name)
	}
	shape, groups, err := sa.Groups(vals)
	if err != nil {
		return err
	}
	ins, scale, bits, err := c.alignInputs(n.Inputs, vals[0].DType == model.Float, out)
	if err != nil {
		return err
	}
	total := model.Size(vals[0].Shape) + model.Size(vals[1].Shape)
	both := &Move{io: io{In: ins}, Src: identity(total)}
	x := c.emitBits(both, &both.Res, out+"/joined", vals[0].DType, []int{total}, scale, bits)
	c.define(out, c.reduceSum(x, groups, shape, nil, out))
	return nil
}
