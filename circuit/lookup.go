package circuit

import (
	"fmt"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/lookup/logderivlookup"

	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant"
)

// table: the index i = x·2^Up, or the rounded ⌊(x + 2^(Down−1))/2^Down⌋
// (quotient and remainder checked), clamped to the domain [Lo, Lo+n−1] —
// with StrictHi, i ≤ Lo+n−1 is asserted instead of clamped above — then
// looked up in a log-derivative table of the constant entries. One table
// per distinct (function, domain, scales) is shared by all ops.
func (b *builder) table(o *quant.Table, x []frontend.Variable) ([]frontend.Variable, error) {
	api := b.api
	inBits := b.bitsOf(o, 0)
	idxBits := inBits + o.Up
	if o.Down > 0 {
		idxBits = max(inBits-o.Down+1, 2)
	}
	lo, hi := o.Lo, o.Lo+int64(len(o.Values))-1
	bits := widthWith(idxBits, lo, hi)
	t := b.lookupTable(o)
	idx := make([]frontend.Variable, len(x))
	for k, v := range x {
		i := api.Mul(v, pow2(o.Up))
		if o.Down > 0 {
			var err error
			if i, err = b.divide(api.Add(v, pow2(o.Down-1)), 1<<o.Down, idxBits); err != nil {
				return nil, err
			}
		}
		if o.StrictHi {
			b.checkNonNeg(api.Sub(hi, i), bits)
		}
		i, err := b.clampValue(i, lo, hi, true, !o.StrictHi, bits)
		if err != nil {
			return nil, err
		}
		idx[k] = api.Sub(i, lo)
	}
	return t.Lookup(idx...), nil
}

func (b *builder) lookupTable(o *quant.Table) logderivlookup.Table {
	key := fmt.Sprintf("%s/%d/%d/%d/%d", o.Fn, o.Lo, len(o.Values), o.TableScale, b.p.Tensors[o.Out()].Scale)
	return b.constTable(key, len(o.Values), func(i int) frontend.Variable { return o.Values[i] })
}

// gatherVar looks run-time indices up in a table of the data: each index
// is normalised (i + n when negative, checked) into [0, n) and the flat
// source position computed linearly.
func (b *builder) gatherVar(o *quant.GatherVar, in [][]frontend.Variable) ([]frontend.Variable, error) {
	api := b.api
	ax, err := model.NormAxis(o.Op.Axis, len(o.Data.Shape))
	if err != nil {
		return nil, err
	}
	n := o.Data.Shape[ax]
	outer, inner := model.Size(o.Data.Shape[:ax]), model.Size(o.Data.Shape[ax+1:])
	nBits := bitLen(int64(n)) + 1
	idxBits := b.bitsOf(o, 1)
	norm := make([]frontend.Variable, len(in[1]))
	for m, i := range in[1] {
		pos, err := b.isNonNeg(i, idxBits+1)
		if err != nil {
			return nil, err
		}
		j := api.Add(i, api.Mul(api.Sub(1, pos), n))
		b.checkNonNeg(j, nBits)
		b.checkNonNeg(api.Sub(n-1, j), nBits)
		norm[m] = j
	}
	t := logderivlookup.New(api)
	for _, v := range in[0] {
		t.Insert(v)
	}
	var src []frontend.Variable
	for o := 0; o < outer; o++ {
		for _, j := range norm {
			base := api.Mul(api.Add(api.Mul(o, n), j), inner)
			for k := 0; k < inner; k++ {
				src = append(src, api.Add(base, k))
			}
		}
	}
	return t.Lookup(src...), nil
}
