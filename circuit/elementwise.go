package circuit

import (
	"fmt"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/lookup/logderivlookup"

	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant"
)

// logic: Not is 1 − a, And a·b, Or a + b − a·b, Xor a + b − 2a·b. The
// inputs are bits (checked inputs, comparisons, logic), so the outputs are
// too.
func (b *builder) logic(o *quant.Logic, in [][]frontend.Variable) ([]frontend.Variable, error) {
	api := b.api
	out := make([]frontend.Variable, len(in[0]))
	for i, x := range in[0] {
		if o.Op == model.Not {
			out[i] = api.Sub(1, x)
			continue
		}
		y := in[1][i]
		switch o.Op {
		case model.And:
			out[i] = api.Mul(x, y)
		case model.Or:
			out[i] = api.Sub(api.Add(x, y), api.Mul(x, y))
		case model.Xor:
			out[i] = api.Sub(api.Add(x, y), api.Mul(2, x, y))
		default:
			return nil, fmt.Errorf("no logic gadget for %s", o.Op)
		}
	}
	return out, nil
}

// roundInt: q = ⌊x/2^K⌋ with x = q·2^K + r, 0 ≤ r < 2^K (divide checks
// both); Floor is q, Ceil q + 1 − [r = 0], and Round (ties to even)
// q + [r − 2^(K−1) − 1 ≥ 0] + [r = 2^(K−1)]·e with q = 2u + e, e a bit.
func (b *builder) roundInt(o *quant.RoundInt, x []frontend.Variable) ([]frontend.Variable, error) {
	if o.K == 0 {
		return x, nil
	}
	api := b.api
	bits := b.p.Tensors[o.Out()].Bits
	d := int64(1) << o.K
	out := make([]frontend.Variable, len(x))
	for i, v := range x {
		q, err := b.divide(v, d, bits)
		if err != nil {
			return nil, err
		}
		r := api.Sub(v, api.Mul(q, d))
		switch o.Mode {
		case quant.RoundFloor:
			out[i] = q
		case quant.RoundCeil:
			out[i] = api.Sub(api.Add(q, 1), api.IsZero(r))
		case quant.RoundEven:
			h := d / 2
			above, err := b.isNonNeg(api.Sub(r, h+1), o.K+1)
			if err != nil {
				return nil, err
			}
			ue, err := api.Compiler().NewHint(DivHint, 2, q, 2)
			if err != nil {
				return nil, err
			}
			api.AssertIsBoolean(ue[1])
			api.AssertIsEqual(q, api.Add(api.Mul(ue[0], 2), ue[1]))
			b.checkSigned(ue[0], bits)
			out[i] = api.Add(q, above, api.Mul(api.IsZero(api.Sub(r, h)), ue[1]))
		default:
			return nil, fmt.Errorf("no rounding gadget for mode %d", o.Mode)
		}
	}
	return out, nil
}

// mod: with σ = ±1 the sign of the divisor B (Python's %) or of the
// dividend A (fmod), both from checked sign bits, |B| = σ_B·B and
// N = σ_B·A (or |A| with fmod), N = q·|B| + r′ with 0 ≤ r′ < |B| (so
// B ≠ 0), q within A's width (non-negative with fmod), and r = σ·r′:
// Euclid's division makes r′ — and so r — unique.
func (b *builder) mod(o *quant.Mod, in [][]frontend.Variable) ([]frontend.Variable, error) {
	api := b.api
	aBits, bBits := b.bitsOf(o, 0), b.bitsOf(o, 1)
	out := make([]frontend.Variable, len(in[0]))
	for i := range out {
		x, y := in[0][i], in[1][i]
		sb, err := b.isNonNeg(y, bBits+1)
		if err != nil {
			return nil, err
		}
		sigma := api.Sub(api.Mul(sb, 2), 1)
		absB := api.Mul(sigma, y)
		num := api.Mul(sigma, x)
		if o.Fmod {
			sa, err := b.isNonNeg(x, aBits+1)
			if err != nil {
				return nil, err
			}
			sigma = api.Sub(api.Mul(sa, 2), 1)
			num = api.Mul(sigma, x)
		}
		qr, err := api.Compiler().NewHint(DivHint, 2, num, absB)
		if err != nil {
			return nil, err
		}
		q, r := qr[0], qr[1]
		api.AssertIsEqual(num, api.Add(api.Mul(q, absB), r))
		b.checkNonNeg(r, bBits)
		b.checkNonNeg(api.Sub(api.Sub(absB, 1), r), bBits)
		if o.Fmod {
			b.checkNonNeg(q, aBits)
		} else {
			b.checkSigned(q, aBits+1)
		}
		out[i] = api.Mul(sigma, r)
	}
	return out, nil
}

// log: with the hinted e, m and r, P = 2^e from a lookup table of the
// powers 2^0 … 2^(B−1) (which bounds e), x·2^M = m·P + r, 0 ≤ r < P and
// 2^M ≤ m < 2^(M+1): every term is far below the field size, so this holds
// over the integers, which forces x > 0, e = ⌊log₂ x⌋ and m = x's top M+1
// bits. Then out = Values[m − 2^M] + (e − InScale)·L.
func (b *builder) log(o *quant.Log, x []frontend.Variable) ([]frontend.Variable, error) {
	api := b.api
	bits := b.bitsOf(o, 0) - 1 // 0 < x < 2^bits, so e < bits
	pows := b.constTable(fmt.Sprintf("pow2/%d", bits), bits, func(e int) frontend.Variable { return pow2(e) })
	vals := b.constTable(fmt.Sprintf("Log/%d/%d", o.M, b.p.Tensors[o.Out()].Scale), len(o.Values),
		func(i int) frontend.Variable { return o.Values[i] })
	out := make([]frontend.Variable, len(x))
	for i, v := range x {
		h, err := api.Compiler().NewHint(NormHint, 3, v, o.M)
		if err != nil {
			return nil, err
		}
		e, m, r := h[0], h[1], h[2]
		p := pows.Lookup(e)[0]
		api.AssertIsEqual(api.Mul(v, pow2(o.M)), api.Add(api.Mul(m, p), r))
		b.checkNonNeg(r, bits)
		b.checkNonNeg(api.Sub(api.Sub(p, 1), r), bits)
		idx := api.Sub(m, pow2(o.M))
		b.checkNonNeg(idx, o.M)
		out[i] = api.Add(vals.Lookup(idx)[0], api.Mul(api.Sub(e, o.InScale), o.L))
	}
	return out, nil
}

// constTable is a lookup table of n constant entries, shared by key.
func (b *builder) constTable(key string, n int, entry func(i int) frontend.Variable) logderivlookup.Table {
	if t, ok := b.tables[key]; ok {
		return t
	}
	t := logderivlookup.New(b.api)
	for i := range n {
		t.Insert(entry(i))
	}
	b.tables[key] = t
	return t
}
