package circuit

import (
	"fmt"
	"math/big"

	"github.com/consensys/gnark/constraint/solver"
)

// The hints compute untrusted advice (quotients, remainders, selectors,
// roots); every output is pinned down by the constraints of the gadget that
// asks for it, and the tests replace each hint with a malicious one.
func init() {
	solver.RegisterHint(Hints()...)
}

// Hints lists the package's hints (for solver options and tests).
func Hints() []solver.Hint {
	return []solver.Hint{DivHint, SignHint, ArgMaxHint, SqrtHint, RsqrtHint}
}

// signed maps a field element to the integer it represents: p − |v| is −|v|.
func signed(field, v *big.Int) *big.Int {
	half := new(big.Int).Rsh(field, 1)
	if v.Cmp(half) > 0 {
		return new(big.Int).Sub(v, field)
	}
	return new(big.Int).Set(v)
}

// toField stores a signed integer as a field element.
func toField(field, v *big.Int, out *big.Int) {
	out.Mod(v, field)
}

// DivHint: inputs (n, d) with d > 0 → (⌊n/d⌋, n mod d), signed n.
func DivHint(field *big.Int, in, out []*big.Int) error {
	n, d := signed(field, in[0]), signed(field, in[1])
	if d.Sign() <= 0 {
		return fmt.Errorf("division by non-positive %v", d)
	}
	q, r := new(big.Int), new(big.Int)
	q.DivMod(n, d, r) // Euclidean: r ≥ 0, so q = ⌊n/d⌋ for d > 0
	toField(field, q, out[0])
	toField(field, r, out[1])
	return nil
}

// SignHint: input x → 1 if x ≥ 0 (signed) else 0.
func SignHint(field *big.Int, in, out []*big.Int) error {
	for i, x := range in {
		if signed(field, x).Sign() >= 0 {
			out[i].SetInt64(1)
		} else {
			out[i].SetInt64(0)
		}
	}
	return nil
}

// ArgMaxHint: inputs (last, x₀…xₙ₋₁) → one-hot selector of the first
// maximum (the last when last = 1).
func ArgMaxHint(field *big.Int, in, out []*big.Int) error {
	last := in[0].Sign() != 0
	xs := in[1:]
	best := 0
	for i := 1; i < len(xs); i++ {
		c := signed(field, xs[i]).Cmp(signed(field, xs[best]))
		if c > 0 || (last && c == 0) {
			best = i
		}
	}
	for i := range out {
		out[i].SetInt64(0)
	}
	out[best].SetInt64(1)
	return nil
}

// SqrtHint: input N ≥ 0 → ⌊√N + ½⌋ = ⌊(⌊√(4N)⌋ + 1)/2⌋.
func SqrtHint(field *big.Int, in, out []*big.Int) error {
	n := signed(field, in[0])
	if n.Sign() < 0 {
		return fmt.Errorf("square root of negative %v", n)
	}
	y := new(big.Int).Lsh(n, 2)
	y.Sqrt(y)
	y.Add(y, big.NewInt(1)).Rsh(y, 1)
	out[0].Set(y)
	return nil
}

// RsqrtHint: inputs (x > 0, 2^K) → max{y : y²·x ≤ 2^K} = ⌊√⌊2^K/x⌋⌋.
func RsqrtHint(field *big.Int, in, out []*big.Int) error {
	x := signed(field, in[0])
	if x.Sign() <= 0 {
		return fmt.Errorf("reciprocal square root of non-positive %v", x)
	}
	q := new(big.Int).Quo(in[1], x)
	out[0].Sqrt(q)
	return nil
}
