package quant

import (
	"fmt"
	"math"

	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant/fxmath"
)

// lowerActivation composes each model.Activation from exact integer ops
// (Clamp, Add, Compare, Where, Rescale, DivVar, RoundInt) and the Exp, Ln
// and Tanh tables of package fxmath. With x at scale s and the output's
// target scale t (tables and gates as stated):
//
//   - Elu, Selu, Celu: p + N·(E − 1) where E = exp-table(I·min(x, 0)) on
//     [−(t+1)·ln 2, 0] at scale t (clamped below, where eˣ rounds to 0),
//     and (I, N, p) = (1, α, relu x) for Elu, (1, αγ, γ·relu x) for Selu,
//     (1/α, α, relu x) for Celu (α > 0);
//   - HardSigmoid: clamp(round(αx·2^(t−s)) + round(β·2^t), 0, 2^t);
//     HardSwish: x times that gate (α = 1/6, β = 1/2) at scale 16;
//   - ThresholdedRelu: x where x > ⌊α·2^s⌋ (exact for the quantised x), else 0;
//   - Sign: [x > 0] − [x < 0] at scale 0; Abs: 2·relu(x) − x;
//   - Reciprocal: 1/x and Softsign: x/(1 + |x|), rounded quotients (DivVar;
//     x = 0 is an error for Reciprocal);
//   - Softplus: relu(x) + ln-table(1 + exp-table(−|x|)), the exp table on
//     [−17·ln 2, 0] at scale 16, the ln table on [1, 2]; Mish: x times a tanh
//     table of that on [0, 7] (tanh rounds to 1 beyond) at scale 16;
//   - Floor, Ceil, Round: RoundInt of x by 2^s, at scale 0 (exact);
//   - Sinh, Cosh: (exp-table(x) ∓ exp-table(−x))/2, the tables as Exp's
//     (an input above e^x's representable range is an error);
//   - Log: a Log op (normalisation to x's top TableBits+1 bits, a table of
//     ln over [1, 2), the exponent times ln 2) at scale t+8, rounded to t:
//     any x > 0 the input's bound allows, relative input error ≤ 2^−TableBits;
//     x ≤ 0 is an error (ONNX gives −∞ or NaN);
//   - Sin, Cos: a table over one period [0, P/2^s) after r = x mod P (Mod,
//     Python's sign) with P = round(2π·2^s): for |x| ≤ R the residue is off
//     by at most (R/2π)·2^−(s+1) besides the table's step; Tan: sin/cos, a
//     rounded quotient (where cos rounds to 0 it is an error, and near the
//     poles the error grows as 2^−t/cos²);
//   - Asin, Acos: a table on [−1, 1] (an input beyond ±1 reads as ±1; near
//     ±1 the error reaches about √(2^(1−ts)) for table scale ts);
//   - Atan: with a = |x|, v = a ≤ 1 ? a : 1/max(a, 1) (DivVar), T = an atan
//     table on [0, 1], u = a ≤ 1 ? T : round(π/2·2^t) − T, and the sign of x;
//   - IsNaN, IsInf: constant false — a fixed-point value is always finite.
func lowerActivation(c *compiler, n *model.Node) error {
	a := n.Op.(*model.Activation)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	so := c.target(out)
	var y int
	switch a.Fn {
	case model.Elu:
		y, err = c.eluLike(x, 1, a.Alpha, 1, so, out)
	case model.Selu:
		y, err = c.eluLike(x, 1, a.Alpha*a.Gamma, a.Gamma, so, out)
	case model.Celu:
		if !(a.Alpha > 0) {
			return errUnsupported("Celu with alpha=%v; supported: alpha > 0", a.Alpha)
		}
		y, err = c.eluLike(x, 1/a.Alpha, a.Alpha, 1, so, out)
	case model.HardSigmoid:
		y, err = c.hardSigmoid(x, a.Alpha, a.Beta, so, out)
	case model.HardSwish:
		gate, err := c.hardSigmoid(x, 1.0/6, 0.5, gateScale, out+"/gate")
		if err != nil {
			return err
		}
		return c.mul(x, gate, t.Shape, out, true)
	case model.ThresholdedRelu:
		th := math.Floor(math.Ldexp(a.Alpha, t.Scale))
		if !finite(th) || math.Abs(th) >= 1<<62 {
			return errUnsupported("ThresholdedRelu with alpha=%v", a.Alpha)
		}
		gt := c.compareConst(x, model.Greater, int64(th), out+"/above")
		c.define(out, c.where(gt, x, c.fill(out+"/zero", t, 0), out))
		return nil
	case model.Sign:
		gt := c.compareConst(x, model.Greater, 0, out+"/pos")
		lt := c.compareConst(x, model.Less, 0, out+"/neg")
		op := &Add{io: io{In: []int{gt, lt}}, Neg: true}
		c.define(out, c.emit(op, &op.Res, out, t.DType, t.Shape, 0, 1))
		return nil
	case model.Abs:
		c.define(out, c.abs(x, out))
		return nil
	case model.Reciprocal:
		one := c.constTensor(out+"/one", model.Float, []int{1}, 0, []int64{1})
		return c.divVar(one, x, t.Shape, out)
	case model.Softsign:
		d := c.sum(c.abs(x, out+"/abs"), c.fill(out+"/one", t, int64(1)<<t.Scale), false, out+"/den")
		return c.divVar(x, d, t.Shape, out)
	case model.Softplus:
		y, err = c.softplus(x, so, out)
	case model.Mish:
		sp, err := c.softplus(x, gateScale, out+"/softplus")
		if err != nil {
			return err
		}
		// tanh(u) rounds to 1 at scale 16 for u > 6.6 (2e^−2u < 2^−17):
		// the domain [0, 7] keeps the table at scale 9
		gate, err := c.table(sp, fxmath.Tanh, 0, 7, gateScale, false, out+"/gate")
		if err != nil {
			return err
		}
		return c.mul(x, gate, t.Shape, out, true)
	case model.Floor, model.Ceil, model.Round:
		mode := map[model.Act]RoundMode{model.Floor: RoundFloor, model.Ceil: RoundCeil, model.Round: RoundEven}[a.Fn]
		op := &RoundInt{io: io{In: []int{x}}, Mode: mode, K: t.Scale}
		c.define(out, c.emit(op, &op.Res, out, t.DType, t.Shape, 0, math.Ldexp(t.maxAbs(), -t.Scale)+1))
		return nil
	case model.Sinh, model.Cosh:
		ep, err := c.exp(x, so, out+"/exp")
		if err != nil {
			return err
		}
		neg := &Rescale{io: io{In: []int{x}}, M: -1, D: []int64{1}}
		xn := c.emit(neg, &neg.Res, out+"/neg", t.DType, t.Shape, t.Scale, t.maxAbs())
		en, err := c.exp(xn, so, out+"/expneg")
		if err != nil {
			return err
		}
		y, err = c.rescale(c.sum(ep, en, a.Fn == model.Sinh, out+"/sum"), 0.5, so, out)
		if err != nil {
			return err
		}
		c.define(out, y)
		return nil
	case model.Log:
		return c.log(x, so, out)
	case model.Sin, model.Cos:
		y, err = c.sinCos(x, a.Fn == model.Cos, so, out)
	case model.Tan:
		s, err := c.sinCos(x, false, so, out+"/sin")
		if err != nil {
			return err
		}
		k, err := c.sinCos(x, true, so, out+"/cos")
		if err != nil {
			return err
		}
		return c.divVar(s, k, t.Shape, out)
	case model.Asin, model.Acos:
		fn := map[model.Act]fxmath.Func{model.Asin: fxmath.Asin, model.Acos: fxmath.Acos}[a.Fn]
		y, err = c.table(x, fn, -1, 1, so, false, out)
	case model.Atan:
		y, err = c.atan(x, so, out)
	case model.IsNaN, model.IsInf:
		c.define(out, c.constTensor(out, model.Bool, t.Shape, 0, make([]int64, t.Len())))
		return nil
	default:
		return errUnsupported("%s", a.Fn)
	}
	if err != nil {
		return err
	}
	return c.finish(y, out)
}

// finish moves a result to the output's target scale and defines it.
func (c *compiler) finish(y int, out string) error {
	y, err := c.rescale(y, 1, c.target(out), out)
	if err != nil {
		return err
	}
	c.define(out, y)
	return nil
}

// fill is a constant shaped like t holding v at t's scale.
func (c *compiler) fill(name string, t *Tensor, v int64) int {
	vals := make([]int64, t.Len())
	for i := range vals {
		vals[i] = v
	}
	return c.constTensor(name, t.DType, t.Shape, t.Scale, vals)
}

// sum emits x ± y (same shape) at the larger of their scales.
func (c *compiler) sum(x, y int, neg bool, name string) int {
	s, sh := align(c.t(x).Scale, c.t(y).Scale)
	op := &Add{io: io{In: []int{x, y}}, Shift: sh, Neg: neg}
	bound := math.Ldexp(c.t(x).maxAbs(), sh[0]) + math.Ldexp(c.t(y).maxAbs(), sh[1])
	return c.emit(op, &op.Res, name, c.t(x).DType, c.t(x).Shape, s, bound)
}

// clampZero is relu(x) (keepPos) or min(x, 0).
func (c *compiler) clampZero(x int, keepPos bool, name string) int {
	t := c.t(x)
	op := &Clamp{io: io{In: []int{x}}, HasLo: keepPos, HasHi: !keepPos}
	return c.emitBits(op, &op.Res, name, t.DType, t.Shape, t.Scale, t.Bits)
}

// abs is 2·relu(x) − x.
func (c *compiler) abs(x int, name string) int {
	t := c.t(x)
	r := c.clampZero(x, true, name+"/relu")
	op := &Add{io: io{In: []int{r, x}}, Shift: [2]int{1, 0}, Neg: true}
	return c.emit(op, &op.Res, name, t.DType, t.Shape, t.Scale, t.maxAbs())
}

// compareConst is the bit [x op v] for an integer v at x's scale.
func (c *compiler) compareConst(x int, k model.BinaryKind, v int64, name string) int {
	t := c.t(x)
	op := &Compare{io: io{In: []int{x, c.fill(name+"/const", t, v)}}, Op: k}
	return c.emit(op, &op.Res, name, model.Bool, t.Shape, 0, 1)
}

// eluLike is posF·relu(x) + negF·(e^(inF·min(x,0)) − 1) at the larger of
// x's scale and so.
func (c *compiler) eluLike(x int, inF, negF, posF float64, so int, name string) (int, error) {
	t := c.t(x)
	p := c.clampZero(x, true, name+"/relu")
	var err error
	if posF != 1 {
		if p, err = c.rescale(p, posF, t.Scale, name+"/pos"); err != nil {
			return 0, err
		}
	}
	if negF == 0 {
		return p, nil
	}
	m := c.clampZero(x, false, name+"/min")
	if inF != 1 {
		if m, err = c.rescale(m, inF, t.Scale, name+"/arg"); err != nil {
			return 0, err
		}
	}
	e, err := c.table(m, fxmath.Exp, expFloor(so), 0, so, false, name+"/exp")
	if err != nil {
		return 0, err
	}
	em1 := c.sum(e, c.fill(name+"/one", c.t(e), -(int64(1)<<so)), false, name+"/expm1")
	neg, err := c.rescale(em1, negF, so, name+"/negpart")
	if err != nil {
		return 0, err
	}
	return c.sum(p, neg, false, name+"/sum"), nil
}

// hardSigmoid is clamp(αx + β, 0, 1) at scale so.
func (c *compiler) hardSigmoid(x int, alpha, beta float64, so int, name string) (int, error) {
	if alpha == 0 || !finite(alpha) {
		return 0, errUnsupported("HardSigmoid with alpha=%v; supported: a finite nonzero alpha", alpha)
	}
	ax, err := c.rescale(x, alpha, so, name+"/scaled")
	if err != nil {
		return 0, err
	}
	b, err := Quantize(beta, so)
	if err != nil {
		return 0, err
	}
	y := c.sum(ax, c.fill(name+"/beta", c.t(ax), b), false, name+"/affine")
	t := c.t(y)
	op := &Clamp{io: io{In: []int{y}}, Lo: 0, Hi: int64(1) << so, HasLo: true, HasHi: true}
	return c.emit(op, &op.Res, name, t.DType, t.Shape, so, math.Ldexp(1, so)), nil
}

// softplus is relu(x) + ln(1 + e^−|x|) at the larger of x's scale and so.
func (c *compiler) softplus(x, so int, name string) (int, error) {
	t := c.t(x)
	r := c.clampZero(x, true, name+"/relu")
	nabs := &Add{io: io{In: []int{x, r}}, Shift: [2]int{0, 1}, Neg: true} // x − 2·relu(x) = −|x|
	na := c.emit(nabs, &nabs.Res, name+"/negabs", t.DType, t.Shape, t.Scale, t.maxAbs())
	e, err := c.table(na, fxmath.Exp, expFloor(gateScale), 0, gateScale, false, name+"/exp")
	if err != nil {
		return 0, err
	}
	e1 := c.sum(e, c.fill(name+"/one", c.t(e), int64(1)<<gateScale), false, name+"/onepexp")
	l, err := c.table(e1, fxmath.Ln, 1, 2, so, false, name+"/ln")
	if err != nil {
		return 0, err
	}
	return c.sum(r, l, false, name+"/sum"), nil
}

// lowerPRelu is relu(x) + slope·min(x, 0), the product rounded to the
// output's target scale.
func lowerPRelu(c *compiler, n *model.Node) error {
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	sl, err := c.operandAt(n.Inputs[1], c.naturalScale(n.Inputs[1]))
	if err != nil {
		return err
	}
	m := c.clampZero(x, false, out+"/min")
	if err := c.mul(m, sl, t.Shape, out+"/neg", true); err != nil {
		return err
	}
	return c.finish(c.sum(c.clampZero(x, true, out+"/relu"), c.ids[out+"/neg"], false, out+"/sum"), out)
}

// lowerLogic broadcasts the bits and applies a Logic op.
func lowerLogic(c *compiler, n *model.Node) error {
	l := n.Op.(*model.Logic)
	out := n.Outputs[0]
	shapes := make([][]int, len(n.Inputs))
	for i, name := range n.Inputs {
		shapes[i] = c.shapeOf(name)
	}
	shape, err := model.BroadcastShape(shapes...)
	if err != nil {
		return err
	}
	op := &Logic{Op: l.Kind}
	for i, name := range n.Inputs {
		id, err := c.value(name)
		if err != nil {
			return err
		}
		op.In = append(op.In, c.broadcast(id, shape, out+"/"+string(rune('a'+i))))
	}
	c.define(out, c.emit(op, &op.Res, out, model.Bool, shape, 0, 1))
	return nil
}

// lowerExtremum lays the inputs, aligned to the largest run-time scale
// (constants quantised at it), negated for Min, and broadcast, end to end, and takes the maximum over each output
// position with ReduceMax (negated back for Min).
func lowerExtremum(c *compiler, n *model.Node) error {
	e := n.Op.(*model.Extremum)
	out := n.Outputs[0]
	shapes := make([][]int, len(n.Inputs))
	s, sc, runtime := 0, 0, false // the largest scale of the run-time inputs, and of the constants
	for i, name := range n.Inputs {
		shapes[i] = c.shapeOf(name)
		if c.isConst(name) {
			sc = max(sc, c.naturalScale(name))
		} else {
			s, runtime = max(s, c.naturalScale(name)), true
		}
	}
	if !runtime {
		s = sc
	}
	shape, err := model.BroadcastShape(shapes...)
	if err != nil {
		return err
	}
	size := model.Size(shape)
	cat := &Move{Src: identity(size * len(n.Inputs))}
	bits := 0
	for i, name := range n.Inputs {
		id, err := c.operandAt(name, s)
		if err != nil {
			return err
		}
		if id, err = c.rescale(id, 1, s, out+"/aligned"); err != nil {
			return err
		}
		if e.Min {
			t := c.t(id)
			neg := &Rescale{io: io{In: []int{id}}, M: -1, D: []int64{1}}
			id = c.emit(neg, &neg.Res, out+"/neg", t.DType, t.Shape, t.Scale, t.maxAbs())
		}
		id = c.broadcast(id, shape, out+"/"+string(rune('a'+i%26)))
		cat.In = append(cat.In, id)
		bits = max(bits, c.t(id).Bits)
	}
	dt := c.t(cat.In[0]).DType
	all := c.emitBits(cat, &cat.Res, out+"/all", dt, []int{len(n.Inputs) * size}, s, bits)
	groups := make([][]int, size)
	for j := range groups {
		for i := range n.Inputs {
			groups[j] = append(groups[j], i*size+j)
		}
	}
	mx := &ReduceMax{io: io{In: []int{all}}, Groups: groups}
	y := c.emitBits(mx, &mx.Res, out, dt, shape, s, bits)
	if e.Min {
		neg := &Rescale{io: io{In: []int{y}}, M: -1, D: []int64{1}}
		y = c.emit(neg, &neg.Res, out, dt, shape, s, c.t(y).maxAbs())
	}
	c.define(out, y)
	return nil
}

// expFloor is where an exp table at scale so can stop: below it eˣ rounds
// to 0 at that scale (fxmath returns 0 exactly for x < −(so+1)).
func expFloor(so int) float64 { return -float64(so+1) * math.Ln2 }

// lowerMod aligns the operands to one scale (the larger, exactly) and
// applies Mod.
func lowerMod(c *compiler, n *model.Node) error {
	m := n.Op.(*model.Mod)
	out := n.Outputs[0]
	shape, err := model.BroadcastShape(c.shapeOf(n.Inputs[0]), c.shapeOf(n.Inputs[1]))
	if err != nil {
		return err
	}
	x, y, err := c.pairAt(n.Inputs[0], n.Inputs[1])
	if err != nil {
		return err
	}
	s := max(c.t(x).Scale, c.t(y).Scale)
	if x, err = c.rescale(x, 1, s, out+"/a"); err != nil {
		return err
	}
	if y, err = c.rescale(y, 1, s, out+"/b"); err != nil {
		return err
	}
	x, y = c.broadcast(x, shape, out+"/a"), c.broadcast(y, shape, out+"/b")
	op := &Mod{io: io{In: []int{x, y}}, Fmod: m.Fmod}
	bound := c.t(y).maxAbs() // |r| < |B|, and with fmod also |r| ≤ |A|
	if m.Fmod {
		bound = math.Min(bound, c.t(x).maxAbs())
	}
	c.define(out, c.emit(op, &op.Res, out, c.t(x).DType, shape, s, bound))
	return nil
}

// logGuard is the number of extra bits Log's table and ln 2 carry before
// the final rounding.
const logGuard = 8

// log emits a Log op at scale so+logGuard and rounds it to so.
func (c *compiler) log(x, so int, out string) error {
	t := c.t(x)
	m, s := c.s.TableBits, so+logGuard
	vals, err := fxmath.Table(fxmath.Ln, int64(1)<<m, 1<<m, m, s)
	if err != nil {
		return fmt.Errorf("building the Ln table: %w", err)
	}
	ln2, err := fxmath.Eval(fxmath.Ln, 2, 0, s)
	if err != nil {
		return err
	}
	op := &Log{io: io{In: []int{x}}, M: m, InScale: t.Scale, Values: vals, L: ln2}
	// |e − InScale| < Bits + Scale, and ln(m/2^M) < ln 2
	bound := float64(t.Bits+t.Scale+1) * float64(ln2)
	id := c.emit(op, &op.Res, out+"/fine", model.Float, t.Shape, s, bound)
	return c.finish(id, out)
}

// sinCos is sin x (cos x with cos) at scale so: x reduced modulo the
// period P = round(2π·2^s) at x's scale s, then a table over [0, P).
func (c *compiler) sinCos(x int, cos bool, so int, name string) (int, error) {
	t := c.t(x)
	twoPi, err := fxmath.Eval(fxmath.Acos, -1, 0, t.Scale+1) // round(π·2^(s+1))
	if err != nil {
		return 0, err
	}
	period := c.fill(name+"/period", t, twoPi)
	op := &Mod{io: io{In: []int{x, period}}}
	r := c.emit(op, &op.Res, name+"/reduced", t.DType, t.Shape, t.Scale, float64(twoPi))
	fn := fxmath.Sin
	if cos {
		fn = fxmath.Cos
	}
	return c.table(r, fn, 0, math.Ldexp(float64(twoPi), -t.Scale), so, false, name)
}

// atan is atan x at scale so by reduction to [0, 1] (see lowerActivation).
func (c *compiler) atan(x, so int, name string) (int, error) {
	t := c.t(x)
	unit := int64(1) << t.Scale
	a := c.abs(x, name+"/abs")
	big := c.compareConst(a, model.Greater, unit, name+"/big")
	clamp := &Clamp{io: io{In: []int{a}}, Lo: unit, HasLo: true}
	m := c.emitBits(clamp, &clamp.Res, name+"/atleast1", t.DType, t.Shape, t.Scale, c.t(a).Bits)
	one := c.constTensor(name+"/one", model.Float, []int{1}, 0, []int64{1})
	if err := c.divVar(one, m, t.Shape, name+"/inv"); err != nil {
		return 0, err
	}
	v := c.where(big, c.ids[name+"/inv"], a, name+"/reduced")
	tab, err := c.table(v, fxmath.Atan, 0, 1, so, false, name+"/table")
	if err != nil {
		return 0, err
	}
	halfPi, err := fxmath.Eval(fxmath.Acos, 0, 0, so) // round(π/2·2^so)
	if err != nil {
		return 0, err
	}
	comp := c.sum(c.fill(name+"/halfpi", c.t(tab), halfPi), tab, true, name+"/complement")
	u := c.where(big, comp, tab, name+"/unsigned")
	ut := c.t(u)
	neg := &Rescale{io: io{In: []int{u}}, M: -1, D: []int64{1}}
	nu := c.emit(neg, &neg.Res, name+"/negated", ut.DType, ut.Shape, ut.Scale, ut.maxAbs())
	return c.where(c.compareConst(x, model.Less, 0, name+"/neg"), nu, u, name), nil
}

// where emits cond ? x : y (same shape) at the larger of their scales.
func (c *compiler) where(cond, x, y int, name string) int {
	s, sh := align(c.t(x).Scale, c.t(y).Scale)
	op := &Where{io: io{In: []int{cond, x, y}}, Shift: sh}
	bound := math.Max(math.Ldexp(c.t(x).maxAbs(), sh[0]), math.Ldexp(c.t(y).maxAbs(), sh[1]))
	return c.emit(op, &op.Res, name, c.t(x).DType, c.t(x).Shape, s, bound)
}
