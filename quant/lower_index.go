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

// lowerTopK selects k times along each line: p_r = ArgMax(x_r) (first on
// ties: ONNX's lower index), v_r = max x_r, and x_{r+1} = x_r with position
// p_r replaced by −2^(b−1), below every value of b bits (Equal against the
// positions, then Where); for the smallest, x_0 = −x and v_r = −max. Every
// step is an existing gadget: the maximum and its first position are
// proven, so the outputs are exactly the sorted top k.
func lowerTopK(c *compiler, n *model.Node) error {
	tk := n.Op.(*model.TopK)
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	in := model.Value{DType: t.DType, Shape: t.Shape}
	outs, err := tk.Infer([]model.Value{in})
	if err != nil {
		return err
	}
	lines, line, rank, err := tk.Groups(in)
	if err != nil {
		return err
	}
	if tk.K == 0 {
		return errUnsupported("TopK with k = 0")
	}
	name := func(i int) string {
		if i < len(n.Outputs) && n.Outputs[i] != "" {
			return n.Outputs[i]
		}
		return fmt.Sprintf("%s/out%d", n.Outputs[0], i)
	}
	base := name(0) + "/topk"
	cur := x
	if !tk.Largest {
		cur = c.negate(x, base+"/neg")
	}
	kept := []int{len(lines)}
	var iota int
	if tk.K > 1 {
		p := make([]int64, t.Len())
		for _, g := range lines {
			for r, i := range g {
				p[i] = int64(r)
			}
		}
		iota = c.constTensor(base+"/positions", model.Int, t.Shape, 0, p)
	}
	vals, idxs := make([]int, tk.K), make([]int, tk.K)
	for r := 0; r < tk.K; r++ {
		ct := c.t(cur)
		am := &ArgMax{io: io{In: []int{cur}}, Groups: lines}
		idxs[r] = c.emit(am, &am.Res, fmt.Sprintf("%s/index%d", base, r), model.Int, kept, 0, float64(len(lines[0])))
		vals[r] = c.reduceMax(cur, lines, kept, fmt.Sprintf("%s/value%d", base, r))
		if !tk.Largest {
			vals[r] = c.negate(vals[r], fmt.Sprintf("%s/value%d/neg", base, r))
		}
		if r == tk.K-1 {
			break
		}
		pb := c.spread(idxs[r], lines, t.Shape, fmt.Sprintf("%s/index%d_b", base, r))
		eq := &Compare{io: io{In: []int{pb, iota}}, Op: model.Equal}
		hit := c.emit(eq, &eq.Res, fmt.Sprintf("%s/hit%d", base, r), model.Bool, t.Shape, 0, 1)
		low := math.Ldexp(1, ct.Bits-1)
		fill := c.constTensor(fmt.Sprintf("%s/low%d", base, r), ct.DType, t.Shape, ct.Scale, filled(t.Len(), -int64(low)))
		w := &Where{io: io{In: []int{hit, fill, cur}}}
		cur = c.emit(w, &w.Res, fmt.Sprintf("%s/rest%d", base, r), ct.DType, t.Shape, ct.Scale, low)
	}
	// lay the k per-line results out along the axis
	src := make([]int, len(line))
	for k := range src {
		src[k] = rank[k]*len(lines) + line[k]
	}
	for i, parts := range [][]int{vals, idxs} {
		pt := c.t(parts[0])
		bits := 1
		for _, id := range parts {
			bits = max(bits, c.t(id).Bits)
		}
		op := &Move{io: io{In: parts}, Src: src}
		c.define(name(i), c.emitBits(op, &op.Res, name(i), outs[i].DType, outs[i].Shape, pt.Scale, bits))
	}
	return nil
}

// lowerOneHot with integer indices i: a = i + depth where i < 0, else i
// (Less, Where); each output element tests its index: a = position
// (Equal), then picks on or off (Where) — off wherever a is out of range.
func lowerOneHot(c *compiler, n *model.Node) error {
	oh := n.Op.(*model.OneHot)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	if t.DType == model.Float {
		return errUnsupported("OneHot with run-time float indices")
	}
	in := model.Value{DType: t.DType, Shape: t.Shape}
	outs, err := oh.Infer([]model.Value{in})
	if err != nil {
		return err
	}
	src, pos, err := oh.Map(in)
	if err != nil {
		return err
	}
	shape := outs[0].Shape
	zero := c.constTensor(out+"/zero", model.Int, t.Shape, 0, filled(t.Len(), 0))
	lt := &Compare{io: io{In: []int{x, zero}}, Op: model.Less}
	neg := c.emit(lt, &lt.Res, out+"/negative", model.Bool, t.Shape, 0, 1)
	depth := c.constTensor(out+"/depth", model.Int, t.Shape, 0, filled(t.Len(), int64(oh.Depth)))
	add := &Add{io: io{In: []int{x, depth}}}
	up := c.emit(add, &add.Res, out+"/wrapped", model.Int, t.Shape, 0, t.maxAbs()+float64(oh.Depth))
	w := &Where{io: io{In: []int{neg, up, x}}}
	a := c.emit(w, &w.Res, out+"/index", model.Int, t.Shape, 0, t.maxAbs()+float64(oh.Depth))
	mv := &Move{io: io{In: []int{a}}, Src: src}
	ab := c.emitBits(mv, &mv.Res, out+"/index_b", model.Int, shape, 0, c.t(a).Bits)
	p := make([]int64, len(pos))
	for k, v := range pos {
		p[k] = int64(v)
	}
	pt := c.constTensor(out+"/positions", model.Int, shape, 0, p)
	eq := &Compare{io: io{In: []int{ab, pt}}, Op: model.Equal}
	hit := c.emit(eq, &eq.Res, out+"/hit", model.Bool, shape, 0, 1)
	scale := 0
	if oh.DType == model.Float {
		scale = c.target(out)
	}
	qs := [2]int64{}
	for i, v := range []float64{oh.Off, oh.On} {
		if qs[i], err = Quantize(v, scale); err != nil {
			return fmt.Errorf("values: %w", err)
		}
	}
	size := model.Size(shape)
	off := c.constTensor(out+"/off", oh.DType, shape, scale, filled(size, qs[0]))
	on := c.constTensor(out+"/on", oh.DType, shape, scale, filled(size, qs[1]))
	sel := &Where{io: io{In: []int{hit, on, off}}}
	bound := math.Max(math.Abs(float64(qs[0])), math.Abs(float64(qs[1])))
	c.define(out, c.emit(sel, &sel.Res, out, oh.DType, shape, scale, bound))
	return nil
}
