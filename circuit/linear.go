package circuit

import (
	"github.com/consensys/gnark/frontend"

	"github.com/zkai-dev/zkai/quant"
)

// move is wiring: no constraint.
func (b *builder) move(o *quant.Move, in [][]frontend.Variable) []frontend.Variable {
	flat := in[0]
	if len(in) > 1 {
		flat = nil
		for _, v := range in {
			flat = append(flat, v...)
		}
	}
	out := make([]frontend.Variable, len(o.Src))
	for k, s := range o.Src {
		if s < 0 {
			out[k] = o.Fill
		} else {
			out[k] = flat[s]
		}
	}
	return out
}

// linear is Σ A·B (+C): a product with a constant operand is free in R1CS,
// a product of two witness values costs one constraint.
func (b *builder) linear(o *quant.Linear, in [][]frontend.Variable) []frontend.Variable {
	a, w := in[0], in[1]
	n := len(o.T.Start) - 1
	out := make([]frontend.Variable, n)
	for j := 0; j < n; j++ {
		terms := make([]frontend.Variable, 0, o.T.Start[j+1]-o.T.Start[j]+1)
		for t := o.T.Start[j]; t < o.T.Start[j+1]; t++ {
			terms = append(terms, b.api.Mul(a[o.T.IA[t]], w[o.T.IB[t]]))
		}
		if len(in) > 2 {
			terms = append(terms, in[2][o.T.IC[j]])
		}
		out[j] = sum(b.api, terms)
	}
	return out
}

func sum(api frontend.API, terms []frontend.Variable) frontend.Variable {
	switch len(terms) {
	case 0:
		return 0
	case 1:
		return terms[0]
	}
	return api.Add(terms[0], terms[1], terms[2:]...)
}

// add is A·2^s₀ ± B·2^s₁ (linear).
func (b *builder) add(o *quant.Add, in [][]frontend.Variable) []frontend.Variable {
	out := make([]frontend.Variable, len(in[0]))
	for i := range out {
		x := b.api.Mul(in[0][i], pow2(o.Shift[0]))
		y := b.api.Mul(in[1][i], pow2(o.Shift[1]))
		if o.Neg {
			out[i] = b.api.Sub(x, y)
		} else {
			out[i] = b.api.Add(x, y)
		}
	}
	return out
}

func (b *builder) mul(in [][]frontend.Variable) []frontend.Variable {
	out := make([]frontend.Variable, len(in[0]))
	for i := range out {
		out[i] = b.api.Mul(in[0][i], in[1][i])
	}
	return out
}

func (b *builder) reduceSum(o *quant.ReduceSum, in [][]frontend.Variable) []frontend.Variable {
	out := make([]frontend.Variable, len(o.Groups))
	for j, g := range o.Groups {
		terms := make([]frontend.Variable, len(g))
		for k, i := range g {
			terms[k] = in[0][i]
		}
		out[j] = sum(b.api, terms)
	}
	return out
}
