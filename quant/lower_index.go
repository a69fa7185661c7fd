package quant

import (
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
