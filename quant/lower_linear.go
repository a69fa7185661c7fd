package quant

import (
	"github.com/zkai-dev/zkai/model"
)

// lowerLinear emits a Linear op at the product's scale sA+sB, with the bias
// quantised at that scale, then rounds to the output's target scale. Gemm's
// alpha and beta are folded into constant operands; otherwise they become
// the rescale's factor.
func lowerLinear(c *compiler, n *model.Node) error {
	l := n.Op.(model.Linear)
	out := n.Outputs[0]
	vals := make([]model.Value, len(n.Inputs))
	for i, name := range n.Inputs {
		vals[i], _ = c.g.Value(name)
	}
	terms, err := l.Terms(vals)
	if err != nil {
		return err
	}
	alpha, beta := terms.Alpha, terms.Beta
	operand := func(i int) (int, error) {
		name := n.Inputs[i]
		t, ok := c.g.Constants[name]
		if !ok {
			return c.value(name)
		}
		if alpha != 1 && t.DType == model.Float {
			t = scaled(t, alpha)
			name += "/alpha"
			alpha = 1
		}
		return c.constAt(name, t, c.constScale(name, t))
	}
	b, err := operand(1)
	if err != nil {
		return err
	}
	a, err := operand(0)
	if err != nil {
		return err
	}
	ta, tb := c.t(a), c.t(b)
	ps := ta.Scale + tb.Scale
	ins := []int{a, b}
	// bound: the most terms of any output times the operands' declared
	// bounds (not the weight values, which may be private)
	most := 0
	for j := 0; j+1 < len(terms.Start); j++ {
		most = max(most, terms.Start[j+1]-terms.Start[j])
	}
	bound := float64(most) * ta.maxAbs() * tb.maxAbs()
	if len(n.Inputs) > 2 {
		// the bias joins the sum before the remaining alpha is applied
		beta /= alpha
		var bias int
		if t, ok := c.g.Constants[n.Inputs[2]]; ok {
			bias, err = c.constAt(n.Inputs[2]+"/bias", scaled(t, beta), ps)
		} else {
			var x int
			if x, err = c.value(n.Inputs[2]); err == nil {
				bias, err = c.rescale(x, beta, ps, out+"/bias")
			}
		}
		if err != nil {
			return err
		}
		ins = append(ins, bias)
		bound += c.t(bias).maxAbs()
	}
	op := &Linear{io: io{In: ins}, T: terms}
	acc := c.emit(op, &op.Res, out+"/acc", model.Float, terms.Shape, ps, bound)
	res, err := c.rescale(acc, alpha, c.target(out), out)
	if err != nil {
		return err
	}
	c.define(out, res)
	return nil
}

func scaled(t *model.Tensor, f float64) *model.Tensor {
	if f == 1 {
		return t
	}
	r := model.NewFloat(t.Shape)
	for i := range r.F {
		r.F[i] = t.At(i) * f
	}
	return r
}

// lowerAffine is an unfolded BatchNormalization: x·a[c] + b[c], rounded to
// the target scale.
func lowerAffine(c *compiler, n *model.Node) error {
	a := n.Op.(*model.Affine)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	sc, bi := model.NewFloat(t.Shape), model.NewFloat(t.Shape)
	for j := range sc.F {
		ch := a.Channel(t.Shape, j)
		sc.F[j], bi.F[j] = a.Scale[ch], a.Bias[ch]
	}
	s, err := c.constAt(out+"/scale", sc, c.constScale(out+"/scale", sc))
	if err != nil {
		return err
	}
	mulOp := &Mul{io{In: []int{x, s}}}
	prod := c.emit(mulOp, &mulOp.Res, out+"/product", model.Float, t.Shape, t.Scale+c.t(s).Scale, t.maxAbs()*c.t(s).maxAbs())
	b, err := c.constAt(out+"/bias", bi, c.t(prod).Scale)
	if err != nil {
		return err
	}
	addOp := &Add{io: io{In: []int{prod, b}}}
	sum := c.emit(addOp, &addOp.Res, out+"/sum", model.Float, t.Shape, c.t(prod).Scale, c.t(prod).maxAbs()+c.t(b).maxAbs())
	res, err := c.rescale(sum, 1, c.target(out), out)
	if err != nil {
		return err
	}
	c.define(out, res)
	return nil
}
