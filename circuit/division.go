package circuit

import (
	"math/big"

	"github.com/consensys/gnark/frontend"

	"github.com/zkai-dev/zkai/quant"
)

// rescale: q = ⌊(x·M + ⌊D/2⌋)/D⌋ as x·M + ⌊D/2⌋ = q·D + r with
// 0 ≤ r < D and q within its declared bits. Both bounds keep q·D + r far
// below the field size, so the equation holds over the integers and q is
// unique.
func (b *builder) rescale(o *quant.Rescale, x []frontend.Variable, bits int) ([]frontend.Variable, error) {
	out := make([]frontend.Variable, len(x))
	for i := range x {
		d := o.D[0]
		if len(o.D) > 1 {
			d = o.D[i]
		}
		num := b.api.Add(b.api.Mul(x[i], o.M), d/2)
		q, err := b.divide(num, d, bits)
		if err != nil {
			return nil, err
		}
		out[i] = q
	}
	return out, nil
}

// divide returns ⌊num/d⌋ for a constant d > 0, constraining the remainder
// and the quotient's declared width.
func (b *builder) divide(num frontend.Variable, d int64, bits int) (frontend.Variable, error) {
	if d == 1 {
		b.checkSigned(num, bits)
		return num, nil
	}
	qr, err := b.api.Compiler().NewHint(DivHint, 2, num, d)
	if err != nil {
		return nil, err
	}
	q, r := qr[0], qr[1]
	b.api.AssertIsEqual(num, b.api.Add(b.api.Mul(q, d), r))
	b.checkRemainder(r, big.NewInt(d))
	b.checkSigned(q, bits)
	return q, nil
}

// checkRemainder constrains 0 ≤ r < d for a constant d > 0.
func (b *builder) checkRemainder(r frontend.Variable, d *big.Int) {
	dm1 := new(big.Int).Sub(d, big.NewInt(1))
	k := dm1.BitLen()
	if k == 0 {
		b.api.AssertIsEqual(r, 0)
		return
	}
	b.checkNonNeg(r, k)
	if new(big.Int).Lsh(big.NewInt(1), uint(k)).Cmp(d) != 0 { // d is not 2^k
		b.checkNonNeg(b.api.Sub(dm1, r), k)
	}
}

// divVar: with N = A·2^ShA and D = B·2^ShB, s = [D < 0] (checked),
// |D| = (1−2s)·D, N' = (1−2s)·N, h = ⌊|D|/2⌋ (|D| = 2h + e, e a bit),
// N' + h = q·|D| + r with 0 ≤ r < |D| (so |D| ≥ 1) and q within its bits.
func (b *builder) divVar(o *quant.DivVar, in [][]frontend.Variable, bits int) ([]frontend.Variable, error) {
	api := b.api
	dBits := b.bitsOf(o, 1) + o.ShB
	out := make([]frontend.Variable, len(in[0]))
	for i := range out {
		n := api.Mul(in[0][i], pow2(o.ShA))
		d := api.Mul(in[1][i], pow2(o.ShB))
		pos, err := b.isNonNeg(d, dBits)
		if err != nil {
			return nil, err
		}
		sign := api.Sub(api.Mul(pos, 2), 1) // +1 or −1
		ad, an := api.Mul(sign, d), api.Mul(sign, n)
		he, err := api.Compiler().NewHint(DivHint, 2, ad, 2)
		if err != nil {
			return nil, err
		}
		h, e := he[0], he[1]
		api.AssertIsBoolean(e)
		api.AssertIsEqual(ad, api.Add(api.Mul(h, 2), e))
		b.checkNonNeg(h, dBits)
		num := api.Add(an, h)
		qr, err := api.Compiler().NewHint(DivHint, 2, num, ad)
		if err != nil {
			return nil, err
		}
		q, r := qr[0], qr[1]
		api.AssertIsEqual(num, api.Add(api.Mul(q, ad), r))
		b.checkNonNeg(r, dBits)
		b.checkNonNeg(api.Sub(api.Sub(ad, 1), r), dBits)
		b.checkSigned(q, bits)
		out[i] = q
	}
	return out, nil
}
