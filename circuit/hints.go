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
	return []solver.Hint{DivHint, SignHint, ArgMaxHint, SqrtHint, RsqrtHint, BatchLinearHint, NormHint}
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

// BatchLinearHint: inputs (B, n_in, n_w, n, c₀…c_{n−1}, IA, IB, A₀…A_{B−1},
// W), where output j has the c_j terms that follow those of the outputs
// before it → the products P_s[j] = Σ_t A_s[IA[t]]·W[IB[t]] over the terms
// of j, for s < B and j < n, sample by sample. The field products are the
// integer ones: the fixed-point bounds keep every sum far below p.
func BatchLinearHint(field *big.Int, in, out []*big.Int) error {
	if len(in) < 4 {
		return fmt.Errorf("batch linear hint: %d inputs; want at least 4", len(in))
	}
	head, err := indices(in[:4], len(in))
	if err != nil {
		return fmt.Errorf("batch linear hint: header: %w", err)
	}
	batch, nIn, nW, n := head[0], head[1], head[2], head[3]
	if len(in) < 4+n {
		return fmt.Errorf("batch linear hint: %d inputs; the header announces %d outputs", len(in), n)
	}
	counts, err := indices(in[4:4+n], len(in))
	if err != nil {
		return fmt.Errorf("batch linear hint: term counts: %w", err)
	}
	terms := 0
	for _, c := range counts {
		terms += c
	}
	if want := 4 + n + 2*terms + batch*nIn + nW; len(in) != want || len(out) != batch*n {
		return fmt.Errorf("batch linear hint: %d inputs and %d outputs; the header announces %d and %d", len(in), len(out), want, batch*n)
	}
	rest := in[4+n:]
	ia, err := indices(rest[:terms], nIn)
	if err != nil {
		return fmt.Errorf("batch linear hint: IA: %w", err)
	}
	ib, err := indices(rest[terms:2*terms], nW)
	if err != nil {
		return fmt.Errorf("batch linear hint: IB: %w", err)
	}
	as, w := rest[2*terms:2*terms+batch*nIn], rest[2*terms+batch*nIn:]
	prod := new(big.Int)
	for s := range batch {
		a := as[s*nIn : (s+1)*nIn]
		t := 0
		for j, c := range counts {
			acc := out[s*n+j].SetInt64(0)
			for range c {
				acc.Add(acc, prod.Mul(a[ia[t]], w[ib[t]]))
				t++
			}
			acc.Mod(acc, field)
		}
	}
	return nil
}

// indices converts hint inputs to ints in [0, limit).
func indices(vs []*big.Int, limit int) ([]int, error) {
	out := make([]int, len(vs))
	for k, v := range vs {
		if !v.IsInt64() || v.Sign() < 0 || v.Int64() >= int64(limit) {
			return nil, fmt.Errorf("value %d is %v; want 0 ≤ v < %d", k, v, limit)
		}
		out[k] = int(v.Int64())
	}
	return out, nil
}

// NormHint: inputs (x, M) with x > 0 → (e, m, r): e = ⌊log₂ x⌋,
// m = ⌊x·2^M / 2^e⌋ and r = x·2^M − m·2^e.
func NormHint(field *big.Int, in, out []*big.Int) error {
	x := signed(field, in[0])
	if x.Sign() <= 0 {
		return fmt.Errorf("logarithm of non-positive %v", x)
	}
	e := x.BitLen() - 1
	n := new(big.Int).Lsh(x, uint(in[1].Uint64()))
	m := new(big.Int).Rsh(n, uint(e))
	out[0].SetInt64(int64(e))
	out[1].Set(m)
	out[2].Sub(n, new(big.Int).Lsh(m, uint(e)))
	return nil
}
