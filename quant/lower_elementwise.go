package quant

import (
	"fmt"
	"math"

	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant/fxmath"
)

func lowerBinary(c *compiler, n *model.Node) error {
	b := n.Op.(*model.Binary)
	out := n.Outputs[0]
	va, _ := c.g.Value(n.Inputs[0])
	isFloat := va.DType == model.Float
	shape, err := model.BroadcastShape(c.shapeOf(n.Inputs[0]), c.shapeOf(n.Inputs[1]))
	if err != nil {
		return err
	}
	switch b.Kind {
	case model.Add, model.Sub, model.Equal, model.Less, model.Greater, model.LessOrEqual, model.GreaterOrEqual:
		x, y, err := c.pairAt(n.Inputs[0], n.Inputs[1])
		if err != nil {
			return err
		}
		s, sh := align(c.t(x).Scale, c.t(y).Scale)
		x, y = c.broadcast(x, shape, out+"/a"), c.broadcast(y, shape, out+"/b")
		if b.Kind.IsCompare() {
			op := &Compare{io: io{In: []int{x, y}}, Shift: sh, Op: b.Kind}
			c.define(out, c.emit(op, &op.Res, out, model.Bool, shape, 0, 1))
			return nil
		}
		op := &Add{io: io{In: []int{x, y}}, Shift: sh, Neg: b.Kind == model.Sub}
		bound := math.Ldexp(c.t(x).maxAbs(), sh[0]) + math.Ldexp(c.t(y).maxAbs(), sh[1])
		dt := c.t(x).DType
		if dt == model.Bool {
			dt = model.Int
		}
		id := c.emit(op, &op.Res, out, dt, shape, s, bound)
		if isFloat {
			if t, ok := c.s.Scales[out]; ok {
				if id, err = c.rescale(id, 1, t, out); err != nil {
					return err
				}
			}
		}
		c.define(out, id)
		return nil
	case model.Mul:
		x, err := c.operandAt(n.Inputs[0], c.naturalScale(n.Inputs[0]))
		if err != nil {
			return err
		}
		y, err := c.operandAt(n.Inputs[1], c.naturalScale(n.Inputs[1]))
		if err != nil {
			return err
		}
		return c.mul(x, y, shape, out, isFloat)
	case model.Div:
		if !isFloat {
			return errUnsupported("integer Div at run time")
		}
		if t, ok := c.g.Constants[n.Inputs[1]]; ok {
			// x / c is x · (1/c): the reciprocal keeps ConstBits significant bits
			r := model.NewFloat(t.Shape)
			for i, v := range t.F {
				if v == 0 {
					return fmt.Errorf("division by the constant zero")
				}
				r.F[i] = 1 / v
			}
			x, err := c.value(n.Inputs[0])
			if err != nil {
				return err
			}
			y, err := c.constAt(n.Inputs[1]+"/reciprocal", r, c.constScale(n.Inputs[1]+"/reciprocal", r))
			if err != nil {
				return err
			}
			return c.mul(x, y, shape, out, true)
		}
		x, err := c.operandAt(n.Inputs[0], c.naturalScale(n.Inputs[0]))
		if err != nil {
			return err
		}
		y, err := c.value(n.Inputs[1])
		if err != nil {
			return err
		}
		return c.divVar(x, y, shape, out)
	}
	return errUnsupported("%s with two run-time inputs", b.Kind)
}

// naturalScale is a model value's scale as an operand: its tensor's scale,
// or for a constant the scale that keeps ConstBits significant bits.
func (c *compiler) naturalScale(name string) int {
	if t, ok := c.g.Constants[name]; ok {
		return c.constScale(name, t)
	}
	if id, ok := c.ids[name]; ok {
		return c.t(id).Scale
	}
	return c.s.Scale
}

func (c *compiler) shapeOf(name string) []int {
	v, _ := c.g.Value(name)
	return v.Shape
}

// mul emits x·y then, for floats, a rescale to the output's target scale.
func (c *compiler) mul(x, y int, shape []int, out string, isFloat bool) error {
	x, y = c.broadcast(x, shape, out+"/a"), c.broadcast(y, shape, out+"/b")
	op := &Mul{io{In: []int{x, y}}}
	name := out
	if isFloat {
		name = out + "/product"
	}
	dt := c.t(x).DType
	if dt == model.Bool {
		dt = model.Int
	}
	id := c.emit(op, &op.Res, name, dt, shape, c.t(x).Scale+c.t(y).Scale, c.t(x).maxAbs()*c.t(y).maxAbs())
	if isFloat {
		var err error
		if id, err = c.rescale(id, 1, c.target(out), out); err != nil {
			return err
		}
	}
	c.define(out, id)
	return nil
}

// divVar emits x/y between tensors at the output's target scale.
func (c *compiler) divVar(x, y int, shape []int, out string) error {
	x, y = c.broadcast(x, shape, out+"/a"), c.broadcast(y, shape, out+"/b")
	so := c.target(out)
	e := so - c.t(x).Scale + c.t(y).Scale
	op := &DivVar{io: io{In: []int{x, y}}, ShA: max(e, 0), ShB: max(-e, 0)}
	// |N/D| ≤ |N| since |D| ≥ 1
	bound := math.Ldexp(c.t(x).maxAbs(), op.ShA) + 1
	c.define(out, c.emitQuotient(op, &op.Res, out, model.Float, shape, so, bound))
	return nil
}

func lowerWhere(c *compiler, n *model.Node) error {
	out := n.Outputs[0]
	shape, err := model.BroadcastShape(c.shapeOf(n.Inputs[0]), c.shapeOf(n.Inputs[1]), c.shapeOf(n.Inputs[2]))
	if err != nil {
		return err
	}
	cond, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	x, y, err := c.pairAt(n.Inputs[1], n.Inputs[2])
	if err != nil {
		return err
	}
	cond, x, y = c.broadcast(cond, shape, out+"/cond"), c.broadcast(x, shape, out+"/a"), c.broadcast(y, shape, out+"/b")
	c.define(out, c.where(cond, x, y, out))
	return nil
}

// Table domains (real inputs) of the saturating functions: beyond them the
// function equals its limit to within half a unit at scale 2^16.
var tableDomain = map[fxmath.Func][2]float64{
	fxmath.Sigmoid:      {-16, 16},
	fxmath.Tanh:         {-8, 8},
	fxmath.Erf:          {-4, 4},
	fxmath.NormCDF:      {-8, 8},
	fxmath.GeluTanhGate: {-8, 8},
}

// gateScale is the scale of GELU's gate Φ(x) ∈ [0, 1].
const gateScale = 16

func lowerUnary(c *compiler, n *model.Node) error {
	u := n.Op.(*model.Unary)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	switch u.Fn {
	case model.Relu:
		op := &Clamp{io: io{In: []int{x}}, HasLo: true}
		c.define(out, c.emitBits(op, &op.Res, out, t.DType, t.Shape, t.Scale, t.Bits))
		return nil
	case model.LeakyRelu:
		const k = 16
		a, err := Quantize(u.Alpha, k)
		if err != nil || !finite(u.Alpha) {
			return fmt.Errorf("alpha %v: %v", u.Alpha, err)
		}
		op := &LeakyRelu{io: io{In: []int{x}}, A: a, K: k}
		bound := t.maxAbs() * math.Max(1, math.Abs(u.Alpha)+1)
		c.define(out, c.emit(op, &op.Res, out, model.Float, t.Shape, t.Scale, bound))
		return nil
	case model.Sigmoid, model.Tanh, model.Erf:
		fn := map[model.Func]fxmath.Func{model.Sigmoid: fxmath.Sigmoid, model.Tanh: fxmath.Tanh, model.Erf: fxmath.Erf}[u.Fn]
		d := tableDomain[fn]
		id, err := c.table(x, fn, d[0], d[1], c.target(out), false, out)
		if err != nil {
			return err
		}
		c.define(out, id)
		return nil
	case model.Exp:
		id, err := c.exp(x, c.target(out), out)
		if err != nil {
			return err
		}
		c.define(out, id)
		return nil
	case model.Gelu, model.GeluTanh:
		fn := fxmath.NormCDF
		if u.Fn == model.GeluTanh {
			fn = fxmath.GeluTanhGate
		}
		d := tableDomain[fn]
		gate, err := c.table(x, fn, d[0], d[1], gateScale, false, out+"/gate")
		if err != nil {
			return err
		}
		return c.mul(x, gate, t.Shape, out, true)
	case model.Sqrt:
		return c.sqrt(x, out)
	case model.Neg:
		op := &Rescale{io: io{In: []int{x}}, M: -1, D: []int64{1}}
		c.define(out, c.emit(op, &op.Res, out, t.DType, t.Shape, t.Scale, t.maxAbs()))
		return nil
	}
	return errUnsupported("%s", u.Fn)
}

// exp is e^x as a table: clamped below (e^x rounds to 0 there) and, where
// the declared input range would overflow MaxBits, checked above.
func (c *compiler) exp(x, outScale int, name string) (int, error) {
	t := c.t(x)
	inMax := math.Ldexp(t.maxAbs(), -t.Scale)
	hiCap := float64(c.s.MaxBits-2-outScale) * math.Ln2
	lo := math.Max(-16, -inMax)
	hi := math.Min(inMax, hiCap)
	return c.table(x, fxmath.Exp, lo, hi, outScale, inMax > hiCap, name)
}

// table emits a lookup of fn over the real domain [lo, hi], narrowed to the
// input's declared range, at the finest table scale that fits
// 2^TableBits entries and no finer than the input's own scale.
func (c *compiler) table(x int, fn fxmath.Func, lo, hi float64, outScale int, strictHi bool, name string) (int, error) {
	t := c.t(x)
	inMax := math.Ldexp(t.maxAbs(), -t.Scale)
	lo, hi = math.Max(lo, -inMax), math.Min(hi, inMax)
	if hi < lo {
		hi = lo
	}
	width := hi - lo
	ts := t.Scale
	if width > 0 {
		ts = min(ts, c.s.TableBits-int(math.Ceil(math.Log2(width+math.Ldexp(1, -t.Scale)))))
	}
	if ts < 0 {
		return 0, fmt.Errorf("%s input range [%g, %g] is too wide for a table of 2^%d entries", fn, lo, hi, c.s.TableBits)
	}
	first := int64(math.Floor(math.Ldexp(lo, ts)))
	last := int64(math.Ceil(math.Ldexp(hi, ts)))
	count := int(last - first + 1)
	if count > 1<<c.s.TableBits {
		count = 1 << c.s.TableBits
	}
	vals, err := fxmath.Table(fn, first, count, ts, outScale)
	if err != nil {
		return 0, fmt.Errorf("building the %s table: %w", fn, err)
	}
	op := &Table{io: io{In: []int{x}}, Fn: fn, Down: t.Scale - ts, Lo: first, Values: vals, TableScale: ts, StrictHi: strictHi}
	m := 0.0
	for _, v := range vals {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return c.emit(op, &op.Res, name, model.Float, t.Shape, outScale, m), nil
}

// sqrt emits the rounded square root at the output's target scale (raised
// so that N = x·2^Up needs no division).
func (c *compiler) sqrt(x int, out string) error {
	t := c.t(x)
	so := max(c.target(out), (t.Scale+1)/2)
	op := &Sqrt{io: io{In: []int{x}}, Up: 2*so - t.Scale}
	bound := math.Sqrt(math.Ldexp(t.maxAbs(), op.Up)) + 1
	c.define(out, c.emit(op, &op.Res, out, model.Float, t.Shape, so, bound))
	return nil
}

func lowerClip(c *compiler, n *model.Node) error {
	cl := n.Op.(*model.Clip)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	op := &Clamp{io: io{In: []int{x}}}
	bound := t.maxAbs()
	if finite(cl.Min) {
		if op.Lo, err = Quantize(cl.Min, t.Scale); err != nil {
			return err
		}
		op.HasLo = true
	}
	if finite(cl.Max) {
		if op.Hi, err = Quantize(cl.Max, t.Scale); err != nil {
			return err
		}
		op.HasHi = true
	}
	if op.HasLo && op.HasHi {
		bound = math.Max(math.Abs(float64(op.Lo)), math.Abs(float64(op.Hi)))
	} else if op.HasLo {
		bound = math.Max(bound, math.Abs(float64(op.Lo)))
	} else if op.HasHi {
		bound = math.Max(bound, math.Abs(float64(op.Hi)))
	}
	c.define(out, c.emit(op, &op.Res, out, t.DType, t.Shape, t.Scale, bound))
	return nil
}

// lowerPow supports integer exponents 1–8 (repeated rounded products),
// 0.5 (Sqrt), -1 (1/x) and -0.5 (1/√x).
func lowerPow(c *compiler, n *model.Node) error {
	p := n.Op.(*model.PowConst)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	e := p.Exponent
	switch {
	case e == 1:
		op := &Move{io: io{In: []int{x}}, Src: identity(t.Len())}
		c.define(out, c.emitBits(op, &op.Res, out, t.DType, t.Shape, t.Scale, t.Bits))
		return nil
	case e >= 2 && e <= 8 && e == math.Trunc(e):
		acc := x
		for k := 2; k <= int(e); k++ {
			name := out
			if k < int(e) {
				name = fmt.Sprintf("%s/pow%d", out, k)
			}
			if err := c.mul(acc, x, t.Shape, name, true); err != nil {
				return err
			}
			acc = c.ids[name]
		}
		return nil
	case e == 0.5:
		return c.sqrt(x, out)
	case e == -1:
		one := c.constTensor(out+"/one", model.Float, []int{1}, 0, []int64{1})
		return c.divVar(one, x, t.Shape, out)
	case e == -0.5:
		so := c.target(out)
		op := &Rsqrt{io: io{In: []int{x}}, K: 2*so + t.Scale}
		c.define(out, c.emit(op, &op.Res, out, model.Float, t.Shape, so, math.Ldexp(1, op.K/2+1)))
		return nil
	}
	return errUnsupported("Pow with exponent %v; supported: integers 1 to 8, 0.5, -1, -0.5", e)
}

func identity(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// lowerCast supports casts that do not change values: between integer and
// boolean types, integer to float (exact at scale 0), float to float.
func lowerCast(c *compiler, n *model.Node) error {
	cs := n.Op.(*model.Cast)
	out := n.Outputs[0]
	x, err := c.value(n.Inputs[0])
	if err != nil {
		return err
	}
	t := c.t(x)
	if t.DType == model.Float && cs.To != model.Float {
		return errUnsupported("Cast from float to %s at run time", cs.To)
	}
	if cs.To == model.Bool && t.DType != model.Bool {
		return errUnsupported("Cast to bool at run time")
	}
	op := &Move{io: io{In: []int{x}}, Src: identity(t.Len())}
	c.define(out, c.emitBits(op, &op.Res, out, cs.To, t.Shape, t.Scale, t.Bits))
	return nil
}
