package quant

import (
	"fmt"
	"math"

	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant/fxmath"
)

// lowerMove handles every model.Mover. Float inputs at different scales
// (Concat) are aligned exactly to the largest; constants are quantised at
// it; a Pad fill value is quantised at it too.
func lowerMove(c *compiler, n *model.Node) error {
	mv := n.Op.(model.Mover)
	out := n.Outputs[0]
	vals := make([]model.Value, len(n.Inputs))
	for i, name := range n.Inputs {
		vals[i], _ = c.g.Value(name)
	}
	outs, err := mv.Infer(vals)
	if err != nil {
		return err
	}
	src, fill, err := mv.Map(vals)
	if err != nil {
		return err
	}
	ins, scale, bits, err := c.alignInputs(n.Inputs, outs[0].DType == model.Float, out)
	if err != nil {
		return err
	}
	q, err := Quantize(fill, scale)
	if err != nil {
		return fmt.Errorf("pad value: %w", err)
	}
	bits = max(bits, boundBits(math.Abs(float64(q))))
	op := &Move{io: io{In: ins}, Src: src, Fill: q}
	c.define(out, c.emitBits(op, &op.Res, out, outs[0].DType, outs[0].Shape, scale, bits))
	return nil
}

// alignInputs brings a node's inputs to one scale exactly: the largest of
// its run-time inputs (0 unless float), constants quantised at it. bits is
// the widest result.
func (c *compiler) alignInputs(names []string, float bool, out string) (ins []int, scale, bits int, err error) {
	for _, name := range names {
		if !c.isConst(name) {
			id, err := c.value(name)
			if err != nil {
				return nil, 0, 0, err
			}
			scale = max(scale, c.t(id).Scale)
		}
	}
	if !float {
		scale = 0
	}
	ins = make([]int, len(names))
	bits = 1
	for i, name := range names {
		id, err := c.operandAt(name, scale)
		if err != nil {
			return nil, 0, 0, err
		}
		if ins[i], err = c.rescale(id, 1, scale, fmt.Sprintf("%s/in%d", out, i)); err != nil {
			return nil, 0, 0, err
		}
		bits = max(bits, c.t(ins[i]).Bits)
	}
	return ins, scale, bits, nil
}

func lowerGatherVar(c *compiler, n *model.Node) error {
	g := n.Op.(*model.Gather)
	out := n.Outputs[0]
	data, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	idx, err := c.value(n.Inputs[1])
	if err != nil {
		return err
	}
	vd, _ := c.g.Value(n.Inputs[0])
	vi, _ := c.g.Value(n.Inputs[1])
	outs, err := g.Infer([]model.Value{vd, vi})
	if err != nil {
		return err
	}
	t := c.t(data)
	op := &GatherVar{io: io{In: []int{data, idx}}, Op: g, Data: vd, IdxShape: vi.Shape}
	c.define(out, c.emitBits(op, &op.Res, out, t.DType, outs[0].Shape, t.Scale, t.Bits))
	return nil
}

// reduceSum emits Σ over groups, then for a mean the rounded division by
// each group's size (or the given divisors).
func (c *compiler) reduceSum(x int, groups [][]int, shape []int, divisors []int64, name string) int {
	t := c.t(x)
	largest := 0
	for _, g := range groups {
		largest = max(largest, len(g))
	}
	op := &ReduceSum{io: io{In: []int{x}}, Groups: groups}
	sumName := name
	if divisors != nil {
		sumName = name + "/sum"
	}
	id := c.emit(op, &op.Res, sumName, t.DType, shape, t.Scale, t.maxAbs()*float64(largest))
	if divisors == nil {
		return id
	}
	r := &Rescale{io: io{In: []int{id}}, M: 1, D: divisors}
	return c.emit(r, &r.Res, name, t.DType, shape, t.Scale, t.maxAbs()+1)
}

func groupSizes(groups [][]int) []int64 {
	d := make([]int64, len(groups))
	for i, g := range groups {
		d[i] = int64(max(len(g), 1))
	}
	return d
}

// lowerReduce, per group of the input (scale s):
//   - ReduceSum: Σx, exact; ReduceMean: round(Σx/n);
//   - ReduceMax: max x, proven (≥ every member, equal to a selected one);
//     ReduceMin: −max(−x);
//   - ReduceL1: Σ|x| with |x| = max(x, −x), exact;
//   - ReduceSumSquare: Σx² at 2s, exact, rounded to the target scale;
//     ReduceL2: ⌊√(Σx²) + ½⌋ (Sqrt) at the target scale;
//   - ReduceProd: the members multiplied left to right, each float product
//     rounded to the target scale (integers exact);
//   - ReduceLogSumExp: m + ln Σe^(x−m) with m = max x (see logSumExp).
func lowerReduce(c *compiler, n *model.Node) error {
	r := n.Op.(*model.Reduce)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	shape, groups, err := r.Groups(model.Value{Shape: t.Shape})
	if err != nil {
		return err
	}
	switch r.Kind {
	case model.ReduceSum:
		c.define(out, c.reduceSum(x, groups, shape, nil, out))
	case model.ReduceMean:
		if t.DType != model.Float {
			return errUnsupported("ReduceMean of integers")
		}
		c.define(out, c.reduceSum(x, groups, shape, groupSizes(groups), out))
	case model.ReduceMax, model.ReduceMin, model.ReduceProd, model.ReduceLogSumExp:
		for _, g := range groups {
			if len(g) == 0 {
				return fmt.Errorf("%s over an empty set", r.Type())
			}
		}
		switch r.Kind {
		case model.ReduceMax:
			c.define(out, c.reduceMax(x, groups, shape, out))
		case model.ReduceMin:
			m := c.reduceMax(c.negate(x, out+"/neg"), groups, shape, out+"/max_neg")
			c.define(out, c.negate(m, out))
		case model.ReduceProd:
			return c.reduceProd(x, groups, shape, out)
		case model.ReduceLogSumExp:
			return c.logSumExp(x, groups, shape, out)
		}
	case model.ReduceL1:
		c.define(out, c.reduceSum(c.abs(x, out+"/abs"), groups, shape, nil, out))
	case model.ReduceSumSquare, model.ReduceL2:
		sq := &Mul{io{In: []int{x, x}}}
		x2 := c.emit(sq, &sq.Res, out+"/squared", t.DType, t.Shape, 2*t.Scale, t.maxAbs()*t.maxAbs())
		name := out
		if t.DType == model.Float {
			name = out + "/sum"
		}
		s := c.reduceSum(x2, groups, shape, nil, name)
		if t.DType != model.Float {
			if r.Kind == model.ReduceL2 {
				return errUnsupported("ReduceL2 of integers")
			}
			c.define(out, s)
			return nil
		}
		if r.Kind == model.ReduceL2 {
			return c.sqrt(s, out)
		}
		id, err := c.rescale(s, 1, c.target(out), out)
		if err != nil {
			return err
		}
		c.define(out, id)
	}
	return nil
}

// negate emits −x (exact).
func (c *compiler) negate(x int, name string) int {
	t := c.t(x)
	op := &Rescale{io: io{In: []int{x}}, M: -1, D: []int64{1}}
	return c.emit(op, &op.Res, name, t.DType, t.Shape, t.Scale, t.maxAbs())
}

// reduceMax emits the maximum of every group (groups must not be empty).
func (c *compiler) reduceMax(x int, groups [][]int, shape []int, name string) int {
	t := c.t(x)
	op := &ReduceMax{io: io{In: []int{x}}, Groups: groups}
	return c.emitBits(op, &op.Res, name, t.DType, shape, t.Scale, t.Bits)
}

// reduceProd multiplies the members of every group (all of one size k)
// left to right: p₁ = x_{g[0]}, p_{i+1} = p_i·x_{g[i]}, each float product
// rounded to the output's target scale (integers stay exact).
func (c *compiler) reduceProd(x int, groups [][]int, shape []int, out string) error {
	t := c.t(x)
	k := len(groups[0])
	for _, g := range groups {
		if len(g) != k {
			return errUnsupported("ReduceProd over groups of different sizes")
		}
	}
	pick := func(p int) int {
		src := make([]int, len(groups))
		for j, g := range groups {
			src[j] = g[p]
		}
		op := &Move{io: io{In: []int{x}}, Src: src}
		return c.emitBits(op, &op.Res, fmt.Sprintf("%s/member%d", out, p), t.DType, shape, t.Scale, t.Bits)
	}
	acc := pick(0)
	for p := 1; p < k; p++ {
		name := out
		if p < k-1 {
			name = fmt.Sprintf("%s/prod%d", out, p)
		}
		if err := c.mul(acc, pick(p), shape, name, t.DType == model.Float); err != nil {
			return err
		}
		acc = c.ids[name]
	}
	if k == 1 {
		c.define(out, acc)
	}
	return nil
}

// expSum emits, per group, m = max x, d = x − m (≤ 0), e = e^d as a table
// over [−16, 0] at scale 2^expScale, and s = Σe ≥ 2^expScale.
func (c *compiler) expSum(x int, groups [][]int, kept []int, out string) (m, d, e, s int, err error) {
	t := c.t(x)
	m = c.reduceMax(x, groups, kept, out+"/max")
	mb := c.spread(m, groups, t.Shape, out+"/max_b")
	sub := &Add{io: io{In: []int{x, mb}}, Neg: true}
	d = c.emit(sub, &sub.Res, out+"/shifted", model.Float, t.Shape, t.Scale, 2*t.maxAbs())
	if e, err = c.table(d, fxmath.Exp, -16, 0, expScale, false, out+"/exp"); err != nil {
		return
	}
	s = c.reduceSum(e, groups, kept, nil, out+"/sum")
	return
}

// logSumExp is ReduceLogSumExp: y = m + ln(s) with m, s from expSum and ln
// a table over s ∈ [1, group size], rounded to the target scale.
func (c *compiler) logSumExp(x int, groups [][]int, shape []int, out string) error {
	if c.t(x).DType != model.Float {
		return errUnsupported("ReduceLogSumExp of integers")
	}
	m, _, _, s, err := c.expSum(x, groups, shape, out)
	if err != nil {
		return err
	}
	ln, err := c.lnTable(s, float64(len(groups[0])), out+"/ln")
	if err != nil {
		return err
	}
	so, sh := align(c.t(m).Scale, c.t(ln).Scale)
	add := &Add{io: io{In: []int{m, ln}}, Shift: sh}
	bound := math.Ldexp(c.t(m).maxAbs(), sh[0]) + math.Ldexp(c.t(ln).maxAbs(), sh[1])
	id := c.emit(add, &add.Res, out+"/lse", model.Float, shape, so, bound)
	if id, err = c.rescale(id, 1, c.target(out), out); err != nil {
		return err
	}
	c.define(out, id)
	return nil
}

func lowerArgMax(c *compiler, n *model.Node) error {
	a := n.Op.(*model.ArgMax)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	shape, groups, err := a.Groups(model.Value{Shape: c.t(x).Shape})
	if err != nil {
		return err
	}
	largest := 1
	for _, g := range groups {
		if len(g) == 0 {
			return fmt.Errorf("ArgMax over an empty axis")
		}
		largest = max(largest, len(g))
	}
	if a.Min {
		// the first (last) smallest element is the first (last) largest of −x
		x = c.negate(x, out+"/neg")
	}
	op := &ArgMax{io: io{In: []int{x}}, Groups: groups, Last: a.SelectLast}
	c.define(out, c.emit(op, &op.Res, out, model.Int, shape, 0, float64(largest)))
	return nil
}

func lowerPool(c *compiler, n *model.Node) error {
	p := n.Op.(*model.Pool)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	shape, groups, divisors, err := p.Groups(model.Value{Shape: t.Shape})
	if err != nil {
		return err
	}
	if !p.Max {
		d := make([]int64, len(divisors))
		for i, v := range divisors {
			d[i] = int64(v)
		}
		c.define(out, c.reduceSum(x, groups, shape, d, out))
		return nil
	}
	op := &ReduceMax{io: io{In: []int{x}}, Groups: groups}
	c.define(out, c.emitBits(op, &op.Res, out, t.DType, shape, t.Scale, t.Bits))
	if p.Indices && len(n.Outputs) > 1 && n.Outputs[1] != "" {
		labels := make([][]int64, len(groups))
		for j, g := range groups {
			labels[j] = make([]int64, len(g))
			for k, i := range g {
				labels[j][k] = p.IndexLabel(t.Shape, i)
			}
		}
		am := &ArgMax{io: io{In: []int{x}}, Groups: groups, Labels: labels}
		c.define(n.Outputs[1], c.emit(am, &am.Res, n.Outputs[1], model.Int, shape, 0, float64(t.Len())))
	}
	return nil
}

// spread moves a per-group tensor back onto every member of its group.
func (c *compiler) spread(x int, groups [][]int, shape []int, name string) int {
	src := make([]int, model.Size(shape))
	for j, g := range groups {
		for _, i := range g {
			src[i] = j
		}
	}
	t := c.t(x)
	op := &Move{io: io{In: []int{x}}, Src: src}
	return c.emitBits(op, &op.Res, name, t.DType, shape, t.Scale, t.Bits)
}

// expScale is the scale of Softmax's exponentials e^(x−max) ∈ (0, 1].
const expScale = 16

// lowerSoftmax: d = x − max (≤ 0), e = table(exp, d) over [−16, 0] at scale
// 2^16, s = Σe ≥ 2^16, y = round(e·2^so / s) (DivVar); LogSoftmax instead
// y = d − ln(s) with ln a table over s ∈ [1, n].
func lowerSoftmax(c *compiler, n *model.Node) error {
	sm := n.Op.(*model.Softmax)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	kept, groups, err := model.AxisGroups(t.Shape, sm.Axes)
	if err != nil {
		return err
	}
	_, d, e, s, err := c.expSum(x, groups, kept, out)
	if err != nil {
		return err
	}
	largest := 1
	for _, g := range groups {
		largest = max(largest, len(g))
	}
	if !sm.Log {
		sb := c.spread(s, groups, t.Shape, out+"/sum_b")
		return c.divVar(e, sb, t.Shape, out)
	}
	// ln over [1, largest]: at most 2^TableBits entries
	ln, err := c.lnTable(s, float64(largest), out+"/ln")
	if err != nil {
		return err
	}
	lb := c.spread(ln, groups, t.Shape, out+"/ln_b")
	so, sh := align(c.t(d).Scale, c.t(lb).Scale)
	diff := &Add{io: io{In: []int{d, lb}}, Shift: sh, Neg: true}
	bound := math.Ldexp(c.t(d).maxAbs(), sh[0]) + math.Ldexp(c.t(lb).maxAbs(), sh[1])
	id := c.emit(diff, &diff.Res, out+"/diff", model.Float, t.Shape, so, bound)
	if id, err = c.rescale(id, 1, c.target(out), out); err != nil {
		return err
	}
	c.define(out, id)
	return nil
}

// lnTable tabulates ln over a sum known to lie in [1, hi] (real).
func (c *compiler) lnTable(s int, hi float64, name string) (int, error) {
	t := c.t(s)
	ts := min(t.Scale, c.s.TableBits-int(math.Ceil(math.Log2(hi))))
	first := int64(1) << ts
	count := min(int(math.Ceil(math.Ldexp(hi-1, ts)))+1, 1<<c.s.TableBits)
	vals, err := fxmath.Table(fxmath.Ln, first, count, ts, c.s.Scale)
	if err != nil {
		return 0, err
	}
	op := &Table{io: io{In: []int{s}}, Fn: fxmath.Ln, Down: t.Scale - ts, Lo: first, Values: vals, TableScale: ts}
	m := 0.0
	for _, v := range vals {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return c.emit(op, &op.Res, name, model.Float, t.Shape, c.s.Scale, m), nil
}

// lowerLayerNorm: mean = round(Σx/n); d = x − mean; var = round(Σd²/n) at
// twice x's scale; r = rsqrt(var + ε) with r²·v ≤ 2^K (ε rounded up to one
// unit if it quantises to zero); y = round(d·r)·γ + β, each product rounded
// to the target scale.
func lowerLayerNorm(c *compiler, n *model.Node) error {
	ln := n.Op.(*model.LayerNorm)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	axes, err := ln.Axes(len(t.Shape))
	if err != nil {
		return err
	}
	kept, groups, err := model.AxisGroups(t.Shape, axes)
	if err != nil {
		return err
	}
	norm, mean, r, err := c.normalize(x, groups, kept, ln.Epsilon, out)
	if err != nil {
		return err
	}
	place := func(id int, name string) int { return c.broadcast(id, t.Shape, name) }
	biasName := ""
	if len(n.Inputs) > 2 {
		biasName = n.Inputs[2]
	}
	if err := c.affine(norm, n.Inputs[1], biasName, place, out); err != nil {
		return err
	}
	if ln.Stats {
		if len(n.Outputs) > 1 && n.Outputs[1] != "" {
			c.define(n.Outputs[1], mean)
		}
		if len(n.Outputs) > 2 && n.Outputs[2] != "" {
			c.define(n.Outputs[2], r)
		}
	}
	return nil
}

// lowerGroupNorm (InstanceNormalization, GroupNormalization) is
// LayerNorm's arithmetic over each (n, group) slice, γ and β moved onto
// every element of their channel or group.
func lowerGroupNorm(c *compiler, n *model.Node) error {
	gn := n.Op.(*model.GroupNorm)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	kept, groups, err := gn.Slices(t.Shape)
	if err != nil {
		return err
	}
	norm, _, _, err := c.normalize(x, groups, kept, gn.Epsilon, out)
	if err != nil {
		return err
	}
	place := func(id int, name string) int {
		p := c.t(id)
		op := &Move{io: io{In: []int{id}}, Src: gn.ParamIndex(t.Shape, p.Len())}
		return c.emitBits(op, &op.Res, name, p.DType, t.Shape, p.Scale, p.Bits)
	}
	return c.affine(norm, n.Inputs[1], n.Inputs[2], place, out)
}

// normalize emits, per group, mean = round(Σx/n), d = x − mean, var =
// round(Σd²/n) at twice x's scale, r = rsqrt(var + ε) at the default scale
// (ε rounded up to one unit if it quantises to zero) and the normalised
// round(d·r) at the target scale of out+"/normalized".
func (c *compiler) normalize(x int, groups [][]int, kept []int, epsilon float64, out string) (norm, mean, r int, err error) {
	t := c.t(x)
	mean = c.reduceSum(x, groups, kept, groupSizes(groups), out+"/mean")
	mb := c.spread(mean, groups, t.Shape, out+"/mean_b")
	sub := &Add{io: io{In: []int{x, mb}}, Neg: true}
	d := c.emit(sub, &sub.Res, out+"/centered", model.Float, t.Shape, t.Scale, 2*t.maxAbs())
	sq := &Mul{io{In: []int{d, d}}}
	d2 := c.emit(sq, &sq.Res, out+"/squared", model.Float, t.Shape, 2*t.Scale, c.t(d).maxAbs()*c.t(d).maxAbs())
	vr := c.reduceSum(d2, groups, kept, groupSizes(groups), out+"/var")
	r, err = c.rsqrtPlus(vr, epsilon, out)
	if err != nil {
		return
	}
	rb := c.spread(r, groups, t.Shape, out+"/inv_std_b")
	normName := out + "/normalized"
	if err = c.mul(d, rb, t.Shape, normName, true); err != nil {
		return
	}
	return c.ids[normName], mean, r, nil
}

// rsqrtPlus emits r = rsqrt(v + ε) for v ≥ 0 at twice a scale s (ε rounded
// up to one unit of 2^−2s): r²·(v + ε) ≤ 2^K with K = 2·(default scale + s),
// so r is 1/√(v + ε) at the default scale.
func (c *compiler) rsqrtPlus(v int, epsilon float64, out string) (int, error) {
	t := c.t(v)
	eps, err := Quantize(epsilon, t.Scale)
	if err != nil {
		return 0, err
	}
	eps = max(eps, 1)
	epsT := c.constTensor(out+"/epsilon", model.Float, t.Shape, t.Scale, filled(t.Len(), eps))
	ve := &Add{io: io{In: []int{v, epsT}}}
	ve1 := c.emit(ve, &ve.Res, out+"/var_eps", model.Float, t.Shape, t.Scale, t.maxAbs()+float64(eps))
	sr := c.s.Scale
	rs := &Rsqrt{io: io{In: []int{ve1}}, K: 2*sr + t.Scale}
	return c.emit(rs, &rs.Res, out+"/inv_std", model.Float, t.Shape, sr, math.Sqrt(math.Ldexp(1, rs.K)/float64(eps))+1), nil
}

// affine emits y = norm·γ (+ β), each product rounded to the target scale;
// place moves γ and β onto norm's shape.
func (c *compiler) affine(norm int, scaleName, biasName string, place func(id int, name string) int, out string) error {
	shape := c.t(norm).Shape
	g, err := c.operandAt(scaleName, c.naturalScale(scaleName))
	if err != nil {
		return err
	}
	g = place(g, out+"/scale_b")
	yName := out
	if biasName != "" {
		yName = out + "/scaled"
	}
	if err := c.mul(norm, g, shape, yName, true); err != nil {
		return err
	}
	if biasName == "" {
		return nil
	}
	y := c.ids[yName]
	b, err := c.operandAt(biasName, c.t(y).Scale)
	if err != nil {
		return err
	}
	s, sh := align(c.t(y).Scale, c.t(b).Scale)
	b = place(b, out+"/bias_b")
	add := &Add{io: io{In: []int{y, b}}, Shift: sh}
	bound := math.Ldexp(c.t(y).maxAbs(), sh[0]) + math.Ldexp(c.t(b).maxAbs(), sh[1])
	id := c.emit(add, &add.Res, out, model.Float, shape, s, bound)
	if id, err = c.rescale(id, 1, c.target(out), out); err != nil {
		return err
	}
	c.define(out, id)
	return nil
}

// lowerLpNorm: p = 2 is y = round(x·r) with r = rsqrt(Σx² + ε) (ε one unit
// of x's squared scale, so that a zero vector gives 0, not an error); p = 1
// is y = round(x·2^s / Σ|x|) (DivVar: a zero vector is an error, as ONNX's
// 0/0 is NaN), |x| proven as max(x, −x).
func lowerLpNorm(c *compiler, n *model.Node) error {
	lp := n.Op.(*model.LpNorm)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	kept, groups, err := model.AxisGroups(t.Shape, []int{lp.Axis})
	if err != nil {
		return err
	}
	if lp.P == 1 {
		s := c.reduceSum(c.abs(x, out+"/abs"), groups, kept, nil, out+"/norm")
		return c.divVar(x, c.spread(s, groups, t.Shape, out+"/norm_b"), t.Shape, out)
	}
	sq := &Mul{io{In: []int{x, x}}}
	x2 := c.emit(sq, &sq.Res, out+"/squared", model.Float, t.Shape, 2*t.Scale, t.maxAbs()*t.maxAbs())
	s := c.reduceSum(x2, groups, kept, nil, out+"/sumsq")
	r, err := c.rsqrtPlus(s, 0, out)
	if err != nil {
		return err
	}
	return c.mul(x, c.spread(r, groups, t.Shape, out+"/inv_norm_b"), t.Shape, out, true)
}

func filled(n int, v int64) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = v
	}
	return s
}
