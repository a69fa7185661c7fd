package quant

import (
	"fmt"
	"math/bits"

	"github.com/zkai-dev/zkai/model"
)

// Logic is out = Not a, a And b, a Or b or a Xor b on bits 0/1 (inputs
// already broadcast to the output's shape); a circuit computes 1 − a, a·b,
// a + b − a·b and a + b − 2a·b.
type Logic struct {
	io
	Op model.LogicKind
}

func (l *Logic) Kind() string { return l.Op.String() }

func (l *Logic) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	for i, a := range in[0] {
		var b int64
		if len(in) > 1 {
			b = in[1][i]
		}
		out[i] = model.LogicValue(l.Op, a, b)
	}
	return out, nil
}

// RoundMode selects how RoundInt rounds.
type RoundMode int

const (
	RoundFloor RoundMode = iota // ⌊x/2^K⌋
	RoundCeil                   // ⌈x/2^K⌉
	RoundEven                   // nearest, ties to the even integer (ONNX Round)
)

// RoundInt is x/2^K rounded to an integer (output scale 0): with
// q = ⌊x/2^K⌋ and r = x − q·2^K ∈ [0, 2^K), Floor is q, Ceil is q + [r ≠ 0],
// and Even is q + [r > 2^(K−1)] + [r = 2^(K−1)]·(q mod 2). K = 0 is x.
type RoundInt struct {
	io
	Mode RoundMode
	K    int
}

func (r *RoundInt) Kind() string { return [...]string{"Floor", "Ceil", "Round"}[r.Mode] }

func (r *RoundInt) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	d := int64(1) << r.K
	for i, x := range in[0] {
		q := floorDiv(x, d)
		rem := x - q*d
		switch {
		case r.K == 0:
		case r.Mode == RoundCeil && rem != 0:
			q++
		case r.Mode == RoundEven && (rem > d/2 || rem == d/2 && q&1 == 1):
			q++
		}
		out[i] = q
	}
	return out, nil
}

// Mod is the remainder of A by B (inputs already aligned to one scale and
// broadcast): with Fmod, r = A − B·trunc(A/B), the sign of A (C's fmod);
// without, r = A − B·⌊A/B⌋, the sign of B (Python's %). Both are exact in
// fixed point, since fmod(A/2^s, B/2^s) = fmod(A, B)/2^s. B = 0 is an error.
type Mod struct {
	io
	Fmod bool
}

func (*Mod) Kind() string { return "Mod" }

func (m *Mod) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	for i, a := range in[0] {
		b := in[1][i]
		if b == 0 {
			return nil, fmt.Errorf("Mod by zero at element %d", i)
		}
		r := a % b // Go's % truncates: the sign of a
		if !m.Fmod && r != 0 && (r < 0) != (b < 0) {
			r += b
		}
		out[i] = r
	}
	return out, nil
}

// Log is the natural logarithm by normalisation. For x > 0 (at scale
// InScale) let e = ⌊log₂ x⌋ and m = ⌊x·2^M / 2^e⌋ ∈ [2^M, 2^(M+1)), x's
// top M+1 bits; then out = Values[m − 2^M] + (e − InScale)·L, where
// Values[i] = round(ln(1 + i/2^M)·2^S) and L = round(ln 2·2^S) for the
// output scale S, both from fxmath (integer arithmetic). A circuit checks
// x·2^M = m·2^e + r with 0 ≤ r < 2^e and 2^M ≤ m < 2^(M+1), which pins
// e and m and proves x > 0. x ≤ 0 is an error.
type Log struct {
	io
	M, InScale int
	Values     []int64
	L          int64
}

func (*Log) Kind() string { return "Log" }

// Normalise returns e = ⌊log₂ x⌋ and m = ⌊x·2^M/2^e⌋ for x > 0.
func (l *Log) Normalise(x int64) (int, int64) {
	e := bits.Len64(uint64(x)) - 1
	if e >= l.M {
		return e, x >> (e - l.M)
	}
	return e, x << (l.M - e)
}

func (l *Log) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	for i, x := range in[0] {
		if x <= 0 {
			return nil, fmt.Errorf("Log of a non-positive value at element %d (ONNX gives −inf or NaN, which fixed point cannot represent)", i)
		}
		e, m := l.Normalise(x)
		k, ok1 := mulChecked(int64(e-l.InScale), l.L)
		v, ok2 := addChecked(l.Values[m-int64(1)<<l.M], k)
		if !ok1 || !ok2 {
			return nil, errOverflow
		}
		out[i] = v
	}
	return out, nil
}
