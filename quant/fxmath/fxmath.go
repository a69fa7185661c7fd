// Package fxmath evaluates real functions in fixed point using integer
// arithmetic only. It exists to build the lookup tables of the
// zero-knowledge ML toolkit: an entry that differed between platforms (for
// example because math.Exp has assembly implementations on some
// architectures) would silently change a verifying key, so no value here is
// ever computed with float64 or big.Float.
//
// # Promises
//
//   - Integer only: every value is computed with math/big.Int (and int64)
//     arithmetic; the results are therefore bit-for-bit identical on every
//     platform and Go version.
//   - Correctly rounded: Eval returns round(f(x/2^inScale)·2^outScale) with
//     round-half-up (floor(v+1/2)) applied to the true real value v, not to
//     an approximation of it.
//   - Deterministic: the same arguments always give the same result; a
//     domain error or an int64 overflow is reported as an error, never as a
//     panic or a saturated value.
//
// # Method
//
// Values are carried as big.Int fixed-point numbers with p fractional bits.
// The working precision is outScale + 64 rounding bits + 64 guard bits
// (plus extra bits where the algorithm magnifies errors, see below), and
// the error analysis guarantees that the approximation A of
// v·2^(outScale+64) satisfies |A − v·2^(outScale+64)| ≤ 2. If that interval
// straddles a rounding boundary (v·2^outScale within about 2^-63 of a half
// integer) the evaluation is repeated with twice as many rounding bits
// (Ziv's strategy) until the rounding is decided. Exactly representable
// results (f(0), Ln(1), saturated tails) are recognised up front and
// returned exactly; Sqrt is computed exactly with big.Int.Sqrt.
//
//   - Constants: ln 2 = 2·atanh(1/3) by its series, π by Machin's formula
//     16·atan(1/5) − 4·atan(1/239), √π and √(2/π) by big.Int.Sqrt; they are
//     computed once (sync.Once) at 1024 bits and recomputed at a higher
//     precision only if ever needed.
//   - Exp: x = k·ln2 + r with |r| ≤ ln2/2, Taylor series for e^r, shift by k.
//   - Ln: x = m·2^e with m ∈ [1,2), ln m = 2·atanh((m−1)/(m+1)) by its series.
//   - Sigmoid: 1/(1+e^−|x|) and σ(−x) = 1−σ(x); Tanh: 2σ(2x)−1;
//     GeluTanhGate: σ(2·√(2/π)·(x+0.044715x³)), since (1+tanh z)/2 = σ(2z),
//     with 0.044715 taken exactly as 8943/200000.
//   - Erf: the Taylor series 2/√π·Σ(−1)^n x^(2n+1)/(n!(2n+1)), with
//     ⌈1.5·x²⌉+24 extra guard bits because the terms grow to about e^(x²)
//     before they shrink. NormCDF uses the same series in y = x/√2 with
//     y² = x²/2 kept rational, i.e. √(2/π)·Σ(−1)^n x(x²/2)^n/(n!(2n+1)).
//   - Saturation: when the distance of f(x) to its limit (±1, 0 or 1) is
//     provably below 2^−(outScale+2), the rounded result is the limit and is
//     returned exactly (e.g. erf: erfc(x) < e^(−x²)/(x√π) < 2^−(outScale+2)
//     once x² ≥ outScale+2).
//   - Sqrt: y = floor(√N + 1/2) = (⌊√⌊4N⌋⌋ + 1) >> 1 with
//     N = x·2^(2·outScale−inScale), exact for every input including ties.
//   - Sin, Cos: x = k·2π + r with |r| ≤ π (64 more bits absorb k's
//     magnification of π's error), then their Taylor series in r.
//   - Atan: 1/|x| for |x| > 1 (atan x = ±π/2 − atan(1/x)), then the
//     half-angle step t = u/(1+√(1+u²)) (|t| ≤ tan(π/8)) and the series
//     2·Σ(−1)^k t^(2k+1)/(2k+1). Asin x = atan(x/√(1−x²)) with inScale more
//     bits (the slope 1/√(1−x²) reaches 2^(inScale/2)), ±π/2 at |x| = 1;
//     Acos x = π/2 − asin x.
package fxmath

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"sync"
	"sync/atomic"
)

// Func names a real function the tables support.
type Func int

const (
	Exp          Func = iota // e^x
	Sigmoid                  // 1/(1+e^-x)
	Tanh                     // tanh x
	Erf                      // erf x
	NormCDF                  // Φ(x) = (1+erf(x/√2))/2  (GELU's exact gate)
	GeluTanhGate             // (1+tanh(√(2/π)(x+0.044715x³)))/2  (GELU approximate="tanh" gate)
	Ln                       // natural log, x > 0
	Sqrt                     // √x, x ≥ 0
	Sin                      // sin x
	Cos                      // cos x
	Atan                     // atan x
	Asin                     // asin x, |x| ≤ 1
	Acos                     // acos x, |x| ≤ 1
)

var funcNames = [...]string{
	Exp:          "Exp",
	Sigmoid:      "Sigmoid",
	Tanh:         "Tanh",
	Erf:          "Erf",
	NormCDF:      "NormCDF",
	GeluTanhGate: "GeluTanhGate",
	Ln:           "Ln",
	Sqrt:         "Sqrt",
	Sin:          "Sin",
	Cos:          "Cos",
	Atan:         "Atan",
	Asin:         "Asin",
	Acos:         "Acos",
}

// String returns the name of f, e.g. "Exp".
func (f Func) String() string {
	if f >= 0 && int(f) < len(funcNames) {
		return funcNames[f]
	}
	return fmt.Sprintf("Func(%d)", int(f))
}

const (
	maxScale = 62
	// guardBits are the extra fractional bits below the rounding bits that
	// absorb the (bounded, small) rounding errors of the internal operations.
	guardBits = 64
	// startPrec is the initial number of fractional bits kept below
	// outScale when deciding the rounding; doubled until decided.
	startPrec = 64
	// maxPrec bounds the Ziv loop. It is never reached for the supported
	// functions (it would need f(x) to lie within 2^-1000 of a rounding
	// boundary); if it were, the approximation's rounding is used.
	maxPrec = 1024
	// approxErr bounds |A − v·2^w| in units of 2^-w for every approximation.
	approxErr = 2
)

var (
	errDomain   = errors.New("fxmath: argument outside the function's domain")
	errOverflow = errors.New("fxmath: result does not fit in int64")
)

// Eval returns round(f(x / 2^inScale) · 2^outScale) where x is an integer,
// rounding half up (floor(v + 1/2)), computed with integer arithmetic only.
// inScale and outScale are in [0, 62]. Errors: domain (Ln of x ≤ 0, Sqrt of x < 0),
// or a result that does not fit in int64.
func Eval(f Func, x int64, inScale, outScale int) (int64, error) {
	if err := checkArgs(f, inScale, outScale); err != nil {
		return 0, err
	}
	return eval(f, x, uint(inScale), uint(outScale))
}

// Table returns Eval(f, lo+i, inScale, outScale) for i in [0, n): the entries of a lookup table.
func Table(f Func, lo int64, n int, inScale, outScale int) ([]int64, error) {
	if err := checkArgs(f, inScale, outScale); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("fxmath: negative table size %d", n)
	}
	if n > 0 && lo > math.MaxInt64-int64(n-1) {
		return nil, fmt.Errorf("fxmath: table [%d, %d+%d) overflows int64", lo, lo, n)
	}
	t := make([]int64, n)
	for i := range t {
		v, err := eval(f, lo+int64(i), uint(inScale), uint(outScale))
		if err != nil {
			return nil, fmt.Errorf("fxmath: %v table entry %d (x=%d): %w", f, i, lo+int64(i), err)
		}
		t[i] = v
	}
	return t, nil
}

func checkArgs(f Func, inScale, outScale int) error {
	if f < 0 || int(f) >= len(funcNames) {
		return fmt.Errorf("fxmath: unknown function %v", f)
	}
	if inScale < 0 || inScale > maxScale || outScale < 0 || outScale > maxScale {
		return fmt.Errorf("fxmath: scales (%d, %d) outside [0, %d]", inScale, outScale, maxScale)
	}
	return nil
}

func eval(f Func, x int64, in, out uint) (int64, error) {
	xb := big.NewInt(x)
	if f == Sqrt {
		return evalSqrt(xb, in, out)
	}
	if v, done, err := special(f, x, xb, in, out); done {
		return v, err
	}
	// Ziv's loop: A approximates v·2^(out+prec) within approxErr; the
	// rounding floor(v·2^out + 1/2) is decided once both ends of the error
	// interval round the same way.
	for prec := uint(startPrec); ; prec *= 2 {
		a := approx(f, xb, in, out+prec)
		half := new(big.Int).Lsh(bigOne, prec-1)
		a.Add(a, half)
		lo := new(big.Int).Sub(a, bigApproxErr)
		hi := new(big.Int).Add(a, bigApproxErr)
		lo.Rsh(lo, prec)
		hi.Rsh(hi, prec)
		if lo.Cmp(hi) == 0 || prec >= maxPrec {
			r := a.Rsh(a, prec)
			if !r.IsInt64() {
				return 0, errOverflow
			}
			return r.Int64(), nil
		}
	}
}

var (
	bigOne       = big.NewInt(1)
	bigApproxErr = big.NewInt(approxErr)
)

// ge reports whether a ≥ c·2^s.
func ge(a *big.Int, c int64, s uint) bool {
	b := big.NewInt(c)
	b.Lsh(b, s)
	return a.Cmp(b) >= 0
}

// special handles the cases whose rounded result is known exactly without
// approximation: domain errors, f(0) and other exact points, saturated
// tails, and certain overflow. done reports whether it decided the result.
func special(f Func, x int64, xb *big.Int, in, out uint) (v int64, done bool, err error) {
	one := int64(1) << out
	// halfOne is floor(2^out/2 + 1/2), the rounding of 1/2.
	halfOne := (one + 1) >> 1
	ax := new(big.Int).Abs(xb)
	sgn := xb.Sign()
	switch f {
	case Exp:
		switch {
		case x == 0:
			return one, true, nil
		case x>>in >= 44: // e^44 > 2^63
			return 0, true, errOverflow
		case x>>in < -int64(out+1): // e^x·2^out < (2/e)^out/e < 1/2
			return 0, true, nil
		}
	case Sin, Atan, Asin:
		if x == 0 {
			return 0, true, nil
		}
		if f == Asin && ax.Cmp(new(big.Int).Lsh(bigOne, in)) > 0 {
			return 0, true, errDomain
		}
	case Cos:
		if x == 0 {
			return one, true, nil
		}
	case Acos:
		if ax.Cmp(new(big.Int).Lsh(bigOne, in)) > 0 {
			return 0, true, errDomain
		}
		if x == int64(1)<<in {
			return 0, true, nil
		}
	case Ln:
		if x <= 0 {
			return 0, true, errDomain
		}
		if x == int64(1)<<in {
			return 0, true, nil
		}
	case Sigmoid:
		switch {
		case x == 0:
			return halfOne, true, nil
		case ge(ax, int64(out+2), in): // e^-|x| < 2^-(out+2)
			if sgn > 0 {
				return one, true, nil
			}
			return 0, true, nil
		}
	case Tanh:
		switch {
		case x == 0:
			return 0, true, nil
		case ge(new(big.Int).Lsh(ax, 1), int64(out+3), in): // 2e^-2|x| < 2^-(out+2)
			return int64(sgn) * one, true, nil
		}
	case Erf, NormCDF:
		if x == 0 {
			if f == Erf {
				return 0, true, nil
			}
			return halfOne, true, nil
		}
		s := 2 * in
		if f == NormCDF {
			s++ // y² = x²/2
		}
		// erfc(y) < e^-y²/(y√π) < 2^-(out+2) once y² ≥ out+2 (≥ 2).
		if ge(new(big.Int).Mul(xb, xb), int64(out+2), s) {
			switch {
			case sgn > 0:
				return one, true, nil
			case f == Erf:
				return -one, true, nil
			default:
				return 0, true, nil
			}
		}
	case GeluTanhGate:
		if x == 0 {
			return halfOne, true, nil
		}
		// |u| = |x|(1 + 0.044715x²) ≥ out+2 ⇒ |2√(2/π)u| ≥ out+2 ⇒ saturated.
		if ge(geluNum(ax, in), int64(out+2)*geluDen, 3*in) {
			if sgn > 0 {
				return one, true, nil
			}
			return 0, true, nil
		}
	}
	return 0, false, nil
}

// 0.044715 = geluCoef/geluDen exactly.
const (
	geluCoef = 8943
	geluDen  = 200000
)

// geluNum returns X·(geluDen·2^(2in) + geluCoef·X²) for x = X/2^in, so that
// u = x·(1 + 0.044715x²) = geluNum / (geluDen·2^(3in)) exactly.
func geluNum(xb *big.Int, in uint) *big.Int {
	t := new(big.Int).Mul(xb, xb)
	t.Mul(t, big.NewInt(geluCoef))
	d := big.NewInt(geluDen)
	d.Lsh(d, 2*in)
	t.Add(t, d)
	return t.Mul(t, xb)
}

// approx returns A with |A − f(x/2^in)·2^w| ≤ approxErr. It is only called
// for arguments not handled by special (so they lie in a bounded range).
func approx(f Func, xb *big.Int, in, w uint) *big.Int {
	var p uint // working precision
	var r *big.Int
	switch f {
	case Exp:
		// e^x = 2^k e^r with k ≤ 64 for x < 44: 64 more bits absorb the
		// magnification of e^r's error by 2^k.
		p = w + guardBits + 64
		c := getConsts(p)
		r = expFix(new(big.Int).Lsh(xb, p-in), p, c)
	case Ln:
		p = w + guardBits
		r = lnFix(xb, in, p, getConsts(p))
	case Sigmoid:
		p = w + guardBits
		r = sigmoidFix(new(big.Int).Lsh(xb, p-in), p, getConsts(p))
	case Tanh:
		p = w + guardBits
		// tanh x = 2σ(2x) − 1
		r = sigmoidFix(new(big.Int).Lsh(xb, p-in+1), p, getConsts(p))
		r.Lsh(r, 1)
		r.Sub(r, new(big.Int).Lsh(bigOne, p))
	case GeluTanhGate:
		p = w + guardBits
		c := getConsts(p)
		// u·2^p = geluNum·2^p / (geluDen·2^(3in)), t = 2√(2/π)·u.
		u := geluNum(xb, in)
		u.Lsh(u, p)
		d := big.NewInt(geluDen)
		d.Lsh(d, 3*in)
		u.Quo(u, d)
		u.Mul(u, c.get(c.sqrtTwoOverPi, p))
		u.Rsh(u, p-1)
		r = sigmoidFix(u, p, c)
	case Erf, NormCDF:
		var h uint
		if f == NormCDF {
			h = 1
		}
		ax := new(big.Int).Abs(xb)
		// q = ⌈x²/2^h⌉ (≤ 64 here): the terms peak near e^q ≈ 2^(1.443q).
		q := new(big.Int).Mul(ax, ax)
		q.Add(q, new(big.Int).Sub(new(big.Int).Lsh(bigOne, 2*in+h), bigOne))
		q.Rsh(q, 2*in+h)
		extra := uint((3*q.Uint64()+1)/2) + 24
		p = w + guardBits + extra
		c := getConsts(p)
		s := erfSeries(ax, in, h, p)
		if f == Erf {
			s.Mul(s, c.get(c.twoOverSqrtPi, p))
		} else {
			s.Mul(s, c.get(c.sqrtTwoOverPi, p))
		}
		s.Rsh(s, p)
		if xb.Sign() < 0 {
			s.Neg(s)
		}
		if f == NormCDF {
			s.Add(s, new(big.Int).Lsh(bigOne, p))
			s.Rsh(s, 1)
		}
		r = s
	case Sin, Cos:
		// |x| < 2^(63−in): k = round(x/2π) < 2^62, so 64 more bits keep
		// k times π's error below the guard bits
		p = w + guardBits + 64
		r = sinCosFix(new(big.Int).Lsh(xb, p-in), p, f == Cos, getConsts(p))
	case Atan:
		p = w + guardBits
		c := getConsts(p)
		r = atanFix(new(big.Int).Lsh(new(big.Int).Abs(xb), p-in), p, c)
		if xb.Sign() < 0 {
			r.Neg(r)
		}
	case Asin, Acos:
		p = w + guardBits + in + 2
		c := getConsts(p)
		r = asinFix(xb, in, p, c)
		if f == Acos {
			r.Sub(new(big.Int).Rsh(c.get(c.pi, p), 1), r)
		}
	default:
		panic("fxmath: unreachable")
	}
	return r.Rsh(r, p-w)
}

// sinCosFix returns sin(t/2^p)·2^p (cos with cos): t is reduced by the
// nearest multiple of 2π, then Σ (−1)^n r^(2n+1)/(2n+1)! (or r^(2n)/(2n)!).
func sinCosFix(t *big.Int, p uint, cos bool, c *constants) *big.Int {
	twoPi := new(big.Int).Lsh(c.get(c.pi, p), 1)
	k := new(big.Int).Lsh(t, 1)
	k.Add(k, twoPi)
	k.Div(k, new(big.Int).Lsh(twoPi, 1)) // round(t/2π), Euclidean = floor
	r := new(big.Int).Sub(t, k.Mul(k, twoPi))
	r2 := new(big.Int).Mul(r, r)
	r2.Rsh(r2, p)
	term := new(big.Int).Set(r)
	n := int64(1) // the power of the current term
	if cos {
		term.Lsh(bigOne, p)
		n = 0
	}
	sum := new(big.Int).Set(term)
	d := new(big.Int)
	for {
		term.Mul(term, r2)
		term.Rsh(term, p)
		term.Quo(term, d.SetInt64((n+1)*(n+2)))
		term.Neg(term)
		n += 2
		if term.Sign() == 0 {
			return sum
		}
		sum.Add(sum, term)
	}
}

// atanFix returns atan(u/2^p)·2^p for u ≥ 0.
func atanFix(u *big.Int, p uint, c *constants) *big.Int {
	one := new(big.Int).Lsh(bigOne, p)
	inv := u.Cmp(one) > 0
	if inv {
		u = new(big.Int).Quo(new(big.Int).Lsh(one, p), u) // 1/u
	}
	// t = u / (1 + √(1+u²)) ≤ tan(π/8): atan u = 2·atan t
	s := new(big.Int).Mul(u, u)
	s.Add(s, new(big.Int).Lsh(bigOne, 2*p))
	s.Sqrt(s)
	t := new(big.Int).Lsh(u, p)
	t.Quo(t, s.Add(s, one))
	t2 := new(big.Int).Mul(t, t)
	t2.Rsh(t2, p)
	sum := new(big.Int).Set(t)
	pow := t
	term := new(big.Int)
	d := new(big.Int)
	for k := int64(1); ; k++ {
		pow.Mul(pow, t2)
		pow.Rsh(pow, p)
		if pow.Sign() == 0 {
			break
		}
		term.Quo(pow, d.SetInt64(2*k+1))
		if k&1 == 1 {
			sum.Sub(sum, term)
		} else {
			sum.Add(sum, term)
		}
	}
	sum.Lsh(sum, 1)
	if inv {
		sum.Sub(new(big.Int).Rsh(c.get(c.pi, p), 1), sum)
	}
	return sum
}

// asinFix returns asin(x/2^in)·2^p for |x| ≤ 2^in, p ≥ in.
func asinFix(xb *big.Int, in, p uint, c *constants) *big.Int {
	ax := new(big.Int).Abs(xb)
	var r *big.Int
	if ax.Cmp(new(big.Int).Lsh(bigOne, in)) == 0 {
		r = new(big.Int).Rsh(c.get(c.pi, p), 1)
	} else {
		// v = x/√(1−x²) = X/√(2^(2in) − X²), exactly before the square root
		d := new(big.Int).Lsh(bigOne, 2*in)
		d.Sub(d, new(big.Int).Mul(ax, ax))
		d.Lsh(d, 2*(p-in))
		d.Sqrt(d) // √(1−x²)·2^p
		v := new(big.Int).Lsh(ax, 2*p-in)
		r = atanFix(v.Quo(v, d), p, c)
	}
	if xb.Sign() < 0 {
		r.Neg(r)
	}
	return r
}

// expFix returns e^(t/2^p)·2^p (within a few hundred units of 2^-p before
// the final shift by k). |t/2^p| must be modest (≲ 200).
func expFix(t *big.Int, p uint, c *constants) *big.Int {
	ln2 := c.get(c.ln2, p)
	// k = floor((2t + ln2) / (2ln2)) = round(t/ln2)
	num := new(big.Int).Lsh(t, 1)
	num.Add(num, ln2)
	den := new(big.Int).Lsh(ln2, 1)
	kb := new(big.Int).Div(num, den) // Euclidean = floor for den > 0
	k := kb.Int64()
	r := kb.Mul(kb, ln2)
	r.Sub(t, r) // |r| ≤ ln2/2
	one := new(big.Int).Lsh(bigOne, p)
	sum := new(big.Int).Set(one)
	term := new(big.Int).Set(one)
	nb := new(big.Int)
	for n := int64(1); ; n++ {
		term.Mul(term, r)
		term.Rsh(term, p)
		term.Quo(term, nb.SetInt64(n))
		if term.Sign() == 0 {
			break
		}
		sum.Add(sum, term)
	}
	if k >= 0 {
		return sum.Lsh(sum, uint(k))
	}
	return sum.Rsh(sum, uint(-k))
}

// lnFix returns ln(x/2^in)·2^p for x > 0.
func lnFix(xb *big.Int, in, p uint, c *constants) *big.Int {
	e := uint(xb.BitLen() - 1)
	pe := new(big.Int).Lsh(bigOne, e)
	// t = (m−1)/(m+1) = (x−2^e)/(x+2^e) ∈ [0, 1/3)
	t := new(big.Int).Sub(xb, pe)
	t.Lsh(t, p)
	t.Quo(t, new(big.Int).Add(xb, pe))
	t2 := new(big.Int).Mul(t, t)
	t2.Rsh(t2, p)
	sum := new(big.Int).Set(t)
	pow := t
	term := new(big.Int)
	nb := new(big.Int)
	for n := int64(3); ; n += 2 {
		pow.Mul(pow, t2)
		pow.Rsh(pow, p)
		if pow.Sign() == 0 {
			break
		}
		term.Quo(pow, nb.SetInt64(n))
		sum.Add(sum, term)
	}
	sum.Lsh(sum, 1)
	k := new(big.Int).Mul(big.NewInt(int64(e)-int64(in)), c.get(c.ln2, p))
	return sum.Add(sum, k)
}

// sigmoidFix returns σ(t/2^p)·2^p for modest |t/2^p|.
func sigmoidFix(t *big.Int, p uint, c *constants) *big.Int {
	neg := t.Sign() < 0
	u := expFix(new(big.Int).Neg(new(big.Int).Abs(t)), p, c) // e^-|t|
	one := new(big.Int).Lsh(bigOne, p)
	s := new(big.Int).Lsh(one, p)
	s.Quo(s, u.Add(u, one)) // σ(|t|) = 1/(1+e^-|t|)
	if neg {
		s.Sub(one, s)
	}
	return s
}

// erfSeries returns Σ (−1)^n x·q^n/(n!(2n+1)) · 2^p with x = ax/2^in ≥ 0 and
// q = x²/2^h.
func erfSeries(ax *big.Int, in, h, p uint) *big.Int {
	x2 := new(big.Int).Mul(ax, ax)
	sh := 2*in + h
	t := new(big.Int).Lsh(ax, p-in)
	sum := new(big.Int).Set(t)
	term := new(big.Int)
	nb := new(big.Int)
	for n := int64(1); ; n++ {
		t.Mul(t, x2)
		t.Rsh(t, sh)
		t.Quo(t, nb.SetInt64(n))
		if t.Sign() == 0 {
			break
		}
		term.Quo(t, nb.SetInt64(2*n+1))
		if n&1 == 1 {
			sum.Sub(sum, term)
		} else {
			sum.Add(sum, term)
		}
	}
	return sum
}

// evalSqrt returns floor(√N + 1/2) with N = x·2^(2out−in), exactly:
// floor(√N + 1/2) = floor((√(4N) + 1)/2) = (⌊√⌊4N⌋⌋ + 1) >> 1.
func evalSqrt(xb *big.Int, in, out uint) (int64, error) {
	if xb.Sign() < 0 {
		return 0, errDomain
	}
	m := new(big.Int).Set(xb)
	if s := int(2*out+2) - int(in); s >= 0 {
		m.Lsh(m, uint(s))
	} else {
		m.Rsh(m, uint(-s))
	}
	m.Sqrt(m)
	m.Add(m, bigOne)
	m.Rsh(m, 1)
	if !m.IsInt64() {
		return 0, errOverflow
	}
	return m.Int64(), nil
}

// constants holds fixed-point constants with prec fractional bits, each
// within one unit of the last place.
type constants struct {
	prec                                  uint
	ln2, pi, twoOverSqrtPi, sqrtTwoOverPi *big.Int
}

// get returns v (one of c's fields) truncated to p ≤ c.prec fractional bits.
func (c *constants) get(v *big.Int, p uint) *big.Int {
	return new(big.Int).Rsh(v, c.prec-p)
}

const baseConstPrec = 1024

var (
	constOnce sync.Once
	constMu   sync.Mutex
	constCur  atomic.Pointer[constants]
)

// getConsts returns the constants with at least p fractional bits.
func getConsts(p uint) *constants {
	constOnce.Do(func() { constCur.Store(computeConstants(baseConstPrec)) })
	if c := constCur.Load(); c.prec >= p {
		return c
	}
	constMu.Lock()
	defer constMu.Unlock()
	c := constCur.Load()
	if c.prec < p {
		np := c.prec
		for np < p {
			np *= 2
		}
		c = computeConstants(np)
		constCur.Store(c)
	}
	return c
}

func computeConstants(prec uint) *constants {
	const g = 32
	hp := prec + g
	// ln 2 = 2·atanh(1/3)
	ln2 := atanInv(3, hp, true)
	ln2.Lsh(ln2, 1)
	// π = 16·atan(1/5) − 4·atan(1/239)
	pi := atanInv(5, hp, false)
	pi.Lsh(pi, 4)
	pi.Sub(pi, new(big.Int).Lsh(atanInv(239, hp, false), 2))
	// √π·2^hp = √(π·2^(2hp)); 2/√π = 2^(2hp+1)/(√π·2^hp)
	sqrtPi := new(big.Int).Lsh(pi, hp)
	sqrtPi.Sqrt(sqrtPi)
	twoOverSqrtPi := new(big.Int).Lsh(bigOne, 2*hp+1)
	twoOverSqrtPi.Quo(twoOverSqrtPi, sqrtPi)
	// √(2/π)·2^hp = √((2/π)·2^hp · 2^hp)
	sqrtTwoOverPi := new(big.Int).Lsh(bigOne, 2*hp+1)
	sqrtTwoOverPi.Quo(sqrtTwoOverPi, pi)
	sqrtTwoOverPi.Lsh(sqrtTwoOverPi, hp)
	sqrtTwoOverPi.Sqrt(sqrtTwoOverPi)
	return &constants{
		prec:          prec,
		ln2:           ln2.Rsh(ln2, g),
		pi:            pi.Rsh(pi, g),
		twoOverSqrtPi: twoOverSqrtPi.Rsh(twoOverSqrtPi, g),
		sqrtTwoOverPi: sqrtTwoOverPi.Rsh(sqrtTwoOverPi, g),
	}
}

// atanInv returns atan(1/n)·2^p (or atanh(1/n)·2^p if hyperbolic) by the
// series Σ (±1)^k / ((2k+1)·n^(2k+1)), for integer n ≥ 2.
func atanInv(n int64, p uint, hyperbolic bool) *big.Int {
	pow := new(big.Int).Lsh(bigOne, p)
	pow.Quo(pow, big.NewInt(n))
	n2 := big.NewInt(n * n)
	sum := new(big.Int).Set(pow)
	term := new(big.Int)
	db := new(big.Int)
	for k := int64(1); ; k++ {
		pow.Quo(pow, n2)
		if pow.Sign() == 0 {
			break
		}
		term.Quo(pow, db.SetInt64(2*k+1))
		if hyperbolic || k&1 == 0 {
			sum.Add(sum, term)
		} else {
			sum.Sub(sum, term)
		}
	}
	return sum
}
