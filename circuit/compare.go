package circuit

import (
	"fmt"
	"math/big"

	"github.com/consensys/gnark/frontend"

	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant"
)

// isNonNeg returns the bit [v ≥ 0] for |v| < 2^(bits−1): with s the hinted
// bit, t = s·v + (1−s)·(−v−1) must lie in [0, 2^bits). A wrong s makes t
// negative, i.e. a huge field element, and the range check fails.
func (b *builder) isNonNeg(v frontend.Variable, bits int) (frontend.Variable, error) {
	api := b.api
	s, err := api.Compiler().NewHint(SignHint, 1, v)
	if err != nil {
		return nil, err
	}
	api.AssertIsBoolean(s[0])
	t := api.Sub(api.Mul(s[0], api.Add(api.Mul(v, 2), 1)), api.Add(v, 1))
	b.checkNonNeg(t, bits)
	return s[0], nil
}

// widthWith is the width covering a tensor of `bits` and the constants cs.
func widthWith(bits int, cs ...int64) int {
	for _, c := range cs {
		bits = max(bits, new(big.Int).Abs(big.NewInt(c)).BitLen()+1)
	}
	return bits + 1
}

// clamp: y = max(x, lo) as lo + s·(x − lo) with s = [x − lo ≥ 0], then
// min(y, hi) as hi + s'·(y − hi) with s' = [hi − y ≥ 0].
func (b *builder) clamp(o *quant.Clamp, x []frontend.Variable) ([]frontend.Variable, error) {
	bits := widthWith(b.bitsOf(o, 0), o.Lo, o.Hi)
	out := make([]frontend.Variable, len(x))
	for i, v := range x {
		y, err := b.clampValue(v, o.Lo, o.Hi, o.HasLo, o.HasHi, bits)
		if err != nil {
			return nil, err
		}
		out[i] = y
	}
	return out, nil
}

// clampValue is min(max(v, lo), hi) with either bound optional; bits
// covers every difference involved.
func (b *builder) clampValue(v frontend.Variable, lo, hi int64, hasLo, hasHi bool, bits int) (frontend.Variable, error) {
	api := b.api
	if hasLo {
		s, err := b.isNonNeg(api.Sub(v, lo), bits)
		if err != nil {
			return nil, err
		}
		v = api.Add(lo, api.Mul(s, api.Sub(v, lo)))
	}
	if hasHi {
		s, err := b.isNonNeg(api.Sub(hi, v), bits)
		if err != nil {
			return nil, err
		}
		v = api.Add(hi, api.Mul(s, api.Sub(v, hi)))
	}
	return v, nil
}

// leakyRelu: y = x when x ≥ 0, else the rounded ⌊(x·A + 2^(K−1))/2^K⌋.
func (b *builder) leakyRelu(o *quant.LeakyRelu, x []frontend.Variable) ([]frontend.Variable, error) {
	api := b.api
	bits := b.bitsOf(o, 0)
	outBits := b.p.Tensors[o.Out()].Bits
	out := make([]frontend.Variable, len(x))
	for i, v := range x {
		s, err := b.isNonNeg(v, bits)
		if err != nil {
			return nil, err
		}
		neg, err := b.divide(api.Add(api.Mul(v, o.A), pow2(o.K-1)), 1<<o.K, outBits+1)
		if err != nil {
			return nil, err
		}
		out[i] = api.Add(neg, api.Mul(s, api.Sub(v, neg)))
	}
	return out, nil
}

// compare: Equal is IsZero(a − b); Less is [b − a − 1 ≥ 0]; Greater is
// [a − b − 1 ≥ 0]; LessOrEqual is [b − a ≥ 0]; GreaterOrEqual is
// [a − b ≥ 0] (operands aligned by their shifts).
func (b *builder) compare(o *quant.Compare, in [][]frontend.Variable) ([]frontend.Variable, error) {
	api := b.api
	bits := max(b.bitsOf(o, 0)+o.Shift[0], b.bitsOf(o, 1)+o.Shift[1]) + 2
	out := make([]frontend.Variable, len(in[0]))
	for i := range out {
		x := api.Mul(in[0][i], pow2(o.Shift[0]))
		y := api.Mul(in[1][i], pow2(o.Shift[1]))
		var err error
		switch o.Op {
		case model.Equal:
			out[i] = api.IsZero(api.Sub(x, y))
		case model.Less:
			out[i], err = b.isNonNeg(api.Sub(api.Sub(y, x), 1), bits)
		case model.Greater:
			out[i], err = b.isNonNeg(api.Sub(api.Sub(x, y), 1), bits)
		case model.LessOrEqual:
			out[i], err = b.isNonNeg(api.Sub(y, x), bits)
		case model.GreaterOrEqual:
			out[i], err = b.isNonNeg(api.Sub(x, y), bits)
		default:
			return nil, fmt.Errorf("no comparison gadget for %s", o.Op)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// where: y = B' + C·(A' − B') for a boolean C.
func (b *builder) where(o *quant.Where, in [][]frontend.Variable) []frontend.Variable {
	api := b.api
	out := make([]frontend.Variable, len(in[0]))
	for i := range out {
		x := api.Mul(in[1][i], pow2(o.Shift[0]))
		y := api.Mul(in[2][i], pow2(o.Shift[1]))
		out[i] = api.Add(y, api.Mul(in[0][i], api.Sub(x, y)))
	}
	return out
}

// selectMax picks the first maximum of vs (the last with last): a hinted
// one-hot selector s (each sᵢ boolean, Σsᵢ = 1), y = Σ sᵢ·vᵢ, and for every
// i: y − vᵢ − (1 − Pᵢ) ≥ 0 where Pᵢ = Σ_{k≤i} sₖ (Σ_{k≥i} with last). So y
// is at least every value, strictly above those before the selected one,
// and equal to the selected one: the selector is unique.
func (b *builder) selectMax(vs []frontend.Variable, bits int, last bool) (frontend.Variable, []frontend.Variable, error) {
	api := b.api
	flag := 0
	if last {
		flag = 1
	}
	s, err := api.Compiler().NewHint(ArgMaxHint, len(vs), append([]frontend.Variable{flag}, vs...)...)
	if err != nil {
		return nil, nil, err
	}
	prods := make([]frontend.Variable, len(vs))
	for i := range vs {
		api.AssertIsBoolean(s[i])
		prods[i] = api.Mul(s[i], vs[i])
	}
	api.AssertIsEqual(sum(api, s), 1)
	y := sum(api, prods)
	prefix := frontend.Variable(0)
	order := make([]int, len(vs))
	for i := range order {
		order[i] = i
		if last {
			order[i] = len(vs) - 1 - i
		}
	}
	for _, i := range order {
		prefix = api.Add(prefix, s[i])
		b.checkNonNeg(api.Sub(api.Sub(y, vs[i]), api.Sub(1, prefix)), bits)
	}
	return y, s, nil
}

func (b *builder) groupValues(x []frontend.Variable, g []int) []frontend.Variable {
	vs := make([]frontend.Variable, len(g))
	for k, i := range g {
		vs[k] = x[i]
	}
	return vs
}

func (b *builder) reduceMax(o *quant.ReduceMax, x []frontend.Variable) ([]frontend.Variable, error) {
	bits := b.bitsOf(o, 0) + 1
	out := make([]frontend.Variable, len(o.Groups))
	for j, g := range o.Groups {
		y, _, err := b.selectMax(b.groupValues(x, g), bits, false)
		if err != nil {
			return nil, err
		}
		out[j] = y
	}
	return out, nil
}

// argMax outputs Σ sᵢ·labelᵢ (labels default to positions).
func (b *builder) argMax(o *quant.ArgMax, x []frontend.Variable) ([]frontend.Variable, error) {
	api := b.api
	bits := b.bitsOf(o, 0) + 1
	out := make([]frontend.Variable, len(o.Groups))
	for j, g := range o.Groups {
		_, s, err := b.selectMax(b.groupValues(x, g), bits, o.Last)
		if err != nil {
			return nil, err
		}
		terms := make([]frontend.Variable, len(s))
		for k := range s {
			label := int64(k)
			if o.Labels != nil {
				label = o.Labels[j][k]
			}
			terms[k] = api.Mul(s[k], label)
		}
		out[j] = sum(api, terms)
	}
	return out, nil
}
