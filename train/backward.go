package train

import (
	"fmt"
	"slices"

	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant"
)

// num is the arithmetic of a backend: exact integers or the float64
// reference.
type num interface{ int64 | float64 }

// backend supplies one row's forward values and the arithmetic in which
// the backward rules (package doc) are evaluated.
type backend[T num] interface {
	value(name string) []T
	weight(p int) []T
	mul(a, b T) (T, error)
	add(a, b T) (T, error)
	// fromWeight brings Σ δ·W (at G + the weight's scale) back to G.
	fromWeight(s T, p int) (T, error)
	sigmoid(d, y T, l *layer) (T, error)
	tanh(d, y T, l *layer) (T, error)
	leaky(d T, l *layer) (T, error)
	check(name string, d []T) error
}

// backward propagates the head's gradient through the layers in reverse
// and adds this row's parameter gradients to grads.
func backward[T num](b backend[T], t *Trainer, head []T, grads [][]T) error {
	delta := map[string][]T{t.headIn: head}
	input := t.orig.Inputs[0].Name
	// accumulate adds g into the gradient of value name
	accumulate := func(name string, g []T) error {
		if name == input {
			return nil
		}
		cur, ok := delta[name]
		if !ok {
			delta[name] = slices.Clone(g) // g may be another value's gradient: never add into it
			return nil
		}
		for k := range cur {
			var err error
			if cur[k], err = b.add(cur[k], g[k]); err != nil {
				return err
			}
		}
		return nil
	}
	for i := len(t.layers) - 1; i >= 0; i-- {
		l := t.layers[i]
		d, ok := delta[l.out]
		if !ok {
			continue // the value does not reach the loss
		}
		if err := b.check(l.out, d); err != nil {
			return err
		}
		var in []T
		var err error
		switch l.kind {
		case kLinear:
			in, err = linearBack(b, l, d, grads, l.ins[0] != input)
		case kAdd:
			for _, name := range l.ins {
				if err := accumulate(name, d); err != nil {
					return err
				}
			}
			if l.b >= 0 {
				gb := grads[l.b]
				for k, v := range d {
					if gb[l.bIdx[k]], err = b.add(gb[l.bIdx[k]], v); err != nil {
						return err
					}
				}
			}
			continue
		case kRelu, kLeaky:
			x := b.value(l.ins[0])
			in = make([]T, len(d))
			for k, v := range d {
				switch {
				case x[k] > 0 || (l.kind == kLeaky && x[k] == 0):
					in[k] = v
				case l.kind == kLeaky:
					in[k], err = b.leaky(v, l)
				}
				if err != nil {
					break
				}
			}
		case kSigmoid, kTanh:
			y := b.value(l.out)
			in = make([]T, len(d))
			for k, v := range d {
				if l.kind == kSigmoid {
					in[k], err = b.sigmoid(v, y[k], l)
				} else {
					in[k], err = b.tanh(v, y[k], l)
				}
				if err != nil {
					break
				}
			}
		case kMove:
			n := len(b.value(l.ins[0]))
			in = make([]T, n)
			for k, s := range l.src {
				if s >= l.off && s < l.off+n {
					if in[s-l.off], err = b.add(in[s-l.off], d[k]); err != nil {
						break
					}
				}
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", l.node.Label(), err)
		}
		if in != nil {
			if err := accumulate(l.ins[0], in); err != nil {
				return err
			}
		}
	}
	return nil
}

// linearBack is the backward rule of out[j] = Σ_t A[IA[t]]·W[IB[t]] + C[IC[j]].
func linearBack[T num](b backend[T], l *layer, d []T, grads [][]T, needIn bool) ([]T, error) {
	tm := l.terms
	a, w := b.value(l.ins[0]), b.weight(l.w)
	gw := grads[l.w]
	var gc []T
	if l.b >= 0 {
		gc = grads[l.b]
	}
	var in []T
	if needIn {
		in = make([]T, len(a))
	}
	for j, dj := range d {
		var err error
		if gc != nil {
			if gc[tm.IC[j]], err = b.add(gc[tm.IC[j]], dj); err != nil {
				return nil, err
			}
		}
		for k := tm.Start[j]; k < tm.Start[j+1]; k++ {
			ia, ib := tm.IA[k], tm.IB[k]
			p, err := b.mul(dj, a[ia])
			if err != nil {
				return nil, err
			}
			if gw[ib], err = b.add(gw[ib], p); err != nil {
				return nil, err
			}
			if needIn {
				if p, err = b.mul(dj, w[ib]); err != nil {
					return nil, err
				}
				if in[ia], err = b.add(in[ia], p); err != nil {
					return nil, err
				}
			}
		}
	}
	for i := range in {
		var err error
		if in[i], err = b.fromWeight(in[i], l.w); err != nil {
			return nil, err
		}
	}
	return in, nil
}

var errRange = fmt.Errorf("a gradient intermediate exceeds ±2^62")

// intBackend is the exact integer arithmetic on one row's witness.
type intBackend struct {
	t      *Trainer
	w      *quant.Witness
	consts map[int][]int64
}

func (b *intBackend) value(name string) []int64 {
	id, _ := b.t.tensor(name) // every layer's values were resolved by analyse
	return b.w.Values[id]
}

func (b *intBackend) scale(name string) int {
	id, _ := b.t.tensor(name)
	return b.t.prog.Tensors[id].Scale
}

// real dequantises a value (for the reported loss).
func (b *intBackend) real(name string) []float64 {
	return quant.Dequantize(b.value(name), b.scale(name))
}

func (b *intBackend) weight(p int) []int64 { return b.consts[b.t.params[p].prog] }

func (b *intBackend) mul(x, y int64) (int64, error) {
	if v, ok := quant.MulChecked(x, y); ok {
		return v, nil
	}
	return 0, errRange
}

func (b *intBackend) add(x, y int64) (int64, error) {
	if v, ok := quant.AddChecked(x, y); ok {
		return v, nil
	}
	return 0, errRange
}

// rho is ρ(a, 2^k).
func rho(a int64, k int) (int64, error) {
	if v, ok := quant.RoundDiv(a, int64(1)<<k); ok {
		return v, nil
	}
	return 0, errRange
}

func (b *intBackend) fromWeight(s int64, p int) (int64, error) { return rho(s, b.t.params[p].use) }

func (b *intBackend) sigmoid(d, y int64, l *layer) (int64, error) {
	s := b.scale(l.out)
	u, err := b.mul(d, y)
	if err == nil {
		u, err = rho(u, s)
	}
	if err == nil {
		u, err = b.mul(u, int64(1)<<s-y)
	}
	if err != nil {
		return 0, err
	}
	return rho(u, s)
}

func (b *intBackend) tanh(d, y int64, l *layer) (int64, error) {
	s := b.scale(l.out)
	sq, err := b.mul(y, y)
	if err == nil {
		sq, err = rho(sq, s)
	}
	if err == nil {
		sq, err = b.mul(d, int64(1)<<s-sq)
	}
	if err != nil {
		return 0, err
	}
	return rho(sq, s)
}

func (b *intBackend) leaky(d int64, l *layer) (int64, error) {
	v, err := b.mul(d, l.slopeA)
	if err != nil {
		return 0, err
	}
	return rho(v, l.slopeK)
}

func (b *intBackend) check(name string, d []int64) error {
	const limit = int64(1) << (GradBits - 1)
	for k, v := range d {
		if v >= limit || v < -limit {
			return fmt.Errorf("the gradient of %q element %d = %d exceeds its declared bound of %d bits; lower the learning rate or the scale", name, k, v, GradBits)
		}
	}
	return nil
}

// headGrad is P − Y (cross-entropy) or 2·(Ŷ − Y) (mse) at scale G.
func (b *intBackend) headGrad(y []int64) ([]int64, error) {
	p := b.value(b.t.headOut)
	d := make([]int64, len(p))
	for k := range p {
		var err error
		if d[k], err = b.add(p[k], -y[k]); err == nil && b.t.loss == LossMSE {
			d[k], err = b.mul(d[k], 2)
		}
		if err != nil {
			return nil, fmt.Errorf("loss gradient: %w", err)
		}
	}
	return d, nil
}

// floatBackend is the float64 reference on one row's model.Graph.Eval.
type floatBackend struct {
	t   *Trainer
	env map[string]*model.Tensor
}

func (b *floatBackend) value(name string) []float64                   { return b.env[name].F }
func (b *floatBackend) weight(p int) []float64                        { return b.t.float[p] }
func (*floatBackend) mul(x, y float64) (float64, error)               { return x * y, nil }
func (*floatBackend) add(x, y float64) (float64, error)               { return x + y, nil }
func (*floatBackend) fromWeight(s float64, _ int) (float64, error)    { return s, nil }
func (*floatBackend) sigmoid(d, y float64, _ *layer) (float64, error) { return d * y * (1 - y), nil }
func (*floatBackend) tanh(d, y float64, _ *layer) (float64, error)    { return d * (1 - y*y), nil }
func (*floatBackend) leaky(d float64, l *layer) (float64, error)      { return d * l.alpha, nil }
func (*floatBackend) check(string, []float64) error                   { return nil }

func (b *floatBackend) headGrad(y float64) []float64 {
	p := b.value(b.t.headOut)
	tg := b.t.target(y)
	d := make([]float64, len(p))
	for k := range p {
		d[k] = p[k] - tg[k]
		if b.t.loss == LossMSE {
			d[k] *= 2
		}
	}
	return d
}
