package circuit

import (
	"github.com/consensys/gnark/frontend"

	"github.com/zkai-dev/zkai/quant"
)

// sqrt: y = ⌊√N + ½⌋ for N = x·2^Up, i.e. y ≥ 0 with
// y² − y + 1 ≤ N ≤ y² + y when y ≥ 1, and N = 0 when y = 0 (the lower bound
// gets +[y = 0]). A negative N satisfies neither.
func (b *builder) sqrt(o *quant.Sqrt, x []frontend.Variable) ([]frontend.Variable, error) {
	api := b.api
	nBits := b.bitsOf(o, 0) + o.Up + 2
	yBits := b.p.Tensors[o.Out()].Bits
	out := make([]frontend.Variable, len(x))
	for i, v := range x {
		n := api.Mul(v, pow2(o.Up))
		y, err := api.Compiler().NewHint(SqrtHint, 1, n)
		if err != nil {
			return nil, err
		}
		b.checkNonNeg(y[0], yBits)
		y2 := api.Mul(y[0], y[0])
		b.checkNonNeg(api.Sub(api.Add(y2, y[0]), n), nBits)
		b.checkNonNeg(api.Add(api.Sub(n, y2), y[0], -1, api.IsZero(y[0])), nBits)
		out[i] = y[0]
	}
	return out, nil
}

// rsqrt: y ≥ 0 with y²·x ≤ 2^K < (y+1)²·x; x ≤ 0 satisfies no y.
func (b *builder) rsqrt(o *quant.Rsqrt, x []frontend.Variable) ([]frontend.Variable, error) {
	api := b.api
	k := pow2(o.K)
	yBits := b.p.Tensors[o.Out()].Bits
	out := make([]frontend.Variable, len(x))
	for i, v := range x {
		y, err := api.Compiler().NewHint(RsqrtHint, 1, v, k)
		if err != nil {
			return nil, err
		}
		b.checkNonNeg(y[0], yBits)
		y2 := api.Mul(y[0], y[0])
		b.checkNonNeg(api.Sub(k, api.Mul(y2, v)), o.K+1)
		up := api.Mul(api.Add(y2, api.Mul(y[0], 2), 1), v)
		// (y+1)²·x ≤ 4·2^K for y ≥ 1, but x itself when y = 0
		b.checkNonNeg(api.Sub(api.Sub(up, k), 1), max(o.K+3, b.bitsOf(o, 0)))
		out[i] = y[0]
	}
	return out, nil
}
